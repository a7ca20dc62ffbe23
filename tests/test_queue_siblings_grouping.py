"""Near-duplicate siblings are grouped when a batch's candidates are inserted (curator.siblings, generation's insert)."""

import pytest
from django.contrib.auth.models import User

from corpora.nearcopy import near_identical
from curator import decisions, siblings
from curator.models import Candidate
from tests.support.queue import make_candidate, make_siblings, store_batch

pytestmark = pytest.mark.django_db

FAKE = "The fake news media is working overtime to hide our great ratings tonight"
FAKE_EDITED = "The fake news media is working overtime to hide our tremendous ratings tonight!"
FAKE_AGAIN = "The fake news media is working so hard to hide our great ratings tonight"
IOWA = "Thank you Iowa, what a crowd tonight, we will win big in November"
HOUSEPLANTS = "Houseplants deserve a long weekend too, water them on Friday"


def group_of(candidate: Candidate) -> int | None:
    candidate.refresh_from_db()
    return candidate.sibling_group


def test_the_near_copy_rules_decide_which_texts_are_near_identical() -> None:
    texts = [
        FAKE,
        IOWA,
        FAKE_EDITED,
        "Great rally tonight in Ohio, thank you all",
        "Great rally tonight in Ohio, thank you all! See you soon.",
    ]
    # For each of the last three: the other texts it is near-identical to (an edited copy; a text contained in the other).
    assert near_identical(texts=texts, new=3) == [[0], [4], [3]]
    # A stock phrase of eight words is not enough between candidates (against training texts it is a copied span).
    stock = [
        "Thank you to all of my great supporters in Iowa, what a night",
        "Thank you to all of my great supporters, the polls are rigged and the media knows it",
    ]
    assert near_identical(texts=stock, new=1) == [[]]


def test_near_identical_candidates_of_a_batch_form_one_group() -> None:
    fake, iowa, edited, again = store_batch([FAKE, IOWA, FAKE_EDITED, FAKE_AGAIN])
    assert group_of(fake) == group_of(edited) == group_of(again) == fake.pk
    assert group_of(iowa) is None
    assert set(siblings.siblings_pending(candidate=fake)) == {edited, again}


def test_a_later_batch_joins_the_pending_group() -> None:
    fake, edited = store_batch([FAKE, FAKE_EDITED])
    again, iowa = store_batch([FAKE_AGAIN, IOWA])
    assert group_of(again) == group_of(fake) == group_of(edited) == fake.pk
    assert group_of(iowa) is None


def test_a_pending_candidate_alone_until_now_is_grouped_with_its_new_sibling() -> None:
    (fake,) = store_batch([FAKE])
    assert group_of(fake) is None
    (edited,) = store_batch([FAKE_EDITED])
    # Keyed by the new row: an old id may still key a group its candidate left by an edit.
    assert group_of(fake) == group_of(edited) == edited.pk


def test_candidates_of_another_bot_are_never_grouped() -> None:
    (fake,) = store_batch([FAKE], bot="tweets")
    (edited,) = store_batch([FAKE_EDITED], bot="houseplants")
    assert fake.corpus_id != edited.corpus_id
    assert group_of(fake) is None and group_of(edited) is None


def test_different_candidates_are_not_grouped() -> None:
    rows = store_batch([FAKE, IOWA, HOUSEPLANTS])
    assert [group_of(r) for r in rows] == [None, None, None]


def test_a_decided_sibling_is_not_counted_nor_joined(curator: User) -> None:
    fake, edited = store_batch([FAKE, FAKE_EDITED])
    decisions.candidate_reject(candidate_id=edited.pk, version=1, by=curator)
    assert not siblings.siblings_pending(candidate=fake).exists()
    (iowa,) = store_batch([IOWA])
    decisions.candidate_reject(candidate_id=iowa.pk, version=1, by=curator)
    again, iowa_again = store_batch([FAKE_AGAIN, "Thank you Iowa, what a crowd tonight, we will win big in December"])
    assert group_of(again) == fake.pk and list(siblings.siblings_pending(candidate=fake)) == [again]
    assert group_of(iowa_again) is None  # its only sibling was rejected: nothing pending to group with


def test_the_batch_prefix_does_not_make_its_candidates_alike() -> None:
    prefix = "Breaking news from the campaign trail tonight in the great state of"
    iowa, ohio, iowa_again = store_batch(
        [
            f"{prefix} Iowa: huge crowds, the biggest we have ever seen",
            f"{prefix} Ohio, where the polls are rigged",
            f"{prefix} Iowa: huge crowds, the biggest we have ever seen anywhere!",
        ],
        prefix=prefix,
    )
    assert group_of(ohio) is None
    assert group_of(iowa) == group_of(iowa_again) == iowa.pk


def test_reply_candidates_are_left_to_their_mention() -> None:
    assert siblings.siblings_find(corpus_id=1, rows=[Candidate(text=FAKE, text_hash="x", mention_id=7)], prefix="") == siblings.Links()


def test_a_new_candidate_bridging_two_groups_merges_them() -> None:
    first = make_siblings([FAKE, FAKE_EDITED])
    second = make_siblings([IOWA, "Thank you Iowa, what a crowd tonight, we will win big in December"])
    left, right = make_candidate("bridge one"), make_candidate("bridge two")
    links = siblings.Links(
        to_pending=[(left.text_hash, first[1].pk), (right.text_hash, second[0].pk)], to_new=[(right.text_hash, left.text_hash)]
    )
    assert siblings.siblings_join(links=links, rows=[left, right]) == 2
    assert {group_of(c) for c in [*first, *second, left, right]} == {first[0].pk}
