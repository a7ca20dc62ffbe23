"""Scheduling one candidate to several networks, each with its own length rule, from the queue."""

from datetime import time

import pytest
from django.test import Client
from django.urls import reverse

from curator import claims
from curator.models import Candidate
from posting.models import Account, Post, Slot
from posting.networks import graphemes, length_rule, mastodon_length, tid_new
from posting.scheduling import SchedulingError, post_schedule
from tests.support.queue import make_candidate

pytestmark = pytest.mark.django_db


def network_account(name: str, publisher: str, **fields: object) -> Account:
    account = Account.objects.create(name=name, publisher=publisher, schedule_from_queue=True, **fields)
    Slot.objects.create(account=account, time_of_day=time(9, 0), weekdays=[1, 2, 3, 4, 5, 6, 7])
    return account


@pytest.fixture
def three() -> list[Account]:
    return [
        network_account("x-bot", Account.Publisher.X),
        network_account("sky-bot", Account.Publisher.BLUESKY),
        network_account("toot-bot", Account.Publisher.MASTODON, max_characters=250),
    ]


def test_each_network_counts_length_its_own_way() -> None:
    family = "\U0001f468\u200d\U0001f469\u200d\U0001f467"
    assert graphemes(family * 3) == 3
    assert mastodon_length("see https://example.com/" + "a" * 100) == len("see ") + 23
    assert mastodon_length("hi @alice@example.social") == len("hi @alice")
    x = length_rule(Account(publisher=Account.Publisher.X))
    assert (x.network, x.limit) == ("X", 280)
    assert length_rule(Account(publisher=Account.Publisher.BLUESKY)).limit == 300
    assert length_rule(Account(publisher=Account.Publisher.MASTODON)).limit == 500
    assert length_rule(Account(publisher=Account.Publisher.MASTODON, max_characters=11000)).limit == 11000


def test_record_keys_are_sortable_tids_never_repeated() -> None:
    keys = [tid_new() for _ in range(1000)]
    assert len(set(keys)) == 1000
    assert keys == sorted(keys)
    assert all(len(k) == 13 and k[0] in "234567abcdefghij" for k in keys)


def test_the_queue_schedules_one_candidate_to_every_marked_account(three: list[Account]) -> None:
    candidate = make_candidate("one text, three networks", status=Candidate.Status.APPROVED)
    post_schedule(candidate=candidate, by=None)
    assert sorted(Post.objects.filter(candidate=candidate).values_list("account__name", flat=True)) == ["sky-bot", "toot-bot", "x-bot"]
    with pytest.raises(SchedulingError, match="already scheduled"):
        post_schedule(candidate=candidate, by=None)


def test_a_text_too_long_for_one_network_is_refused_naming_it_and_nothing_is_scheduled(three: list[Account]) -> None:
    # 260 characters: fits X's 280 and Bluesky's 300, not this instance's 250.
    candidate = make_candidate("a" * 260, status=Candidate.Status.APPROVED)
    with pytest.raises(SchedulingError, match=r"Too long for Mastodon: 260/250 characters\. \(account toot-bot\)"):
        post_schedule(candidate=candidate, by=None)
    assert not Post.objects.exists()


def test_the_queue_card_shows_the_length_on_each_target_account_and_schedule_refuses_what_does_not_fit(
    three: list[Account], curator_client: Client, curator
) -> None:  # type: ignore[no-untyped-def]
    candidate = make_candidate("b" * 260)
    claims.queue_claim_cards(user=curator)
    page = curator_client.get(reverse("curator:queue") + f"?c={candidate.pk}").content.decode()
    assert "x-bot (X): 260/280 weighted characters" in page
    assert "sky-bot (Bluesky): 260/300 graphemes" in page
    assert "toot-bot (Mastodon): 260/250 characters: too long for Mastodon" in page
    candidate.refresh_from_db()
    response = curator_client.post(
        reverse("curator:queue_schedule", args=[candidate.pk]), {"version": candidate.version}, HTTP_HX_REQUEST="true"
    )
    assert "Too long for Mastodon: 260/250 characters." in response.content.decode()
    candidate.refresh_from_db()
    assert candidate.status == Candidate.Status.PENDING
    assert not Post.objects.exists()
