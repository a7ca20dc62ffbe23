"""Choosing what to review: best or oldest first, narrowed to a bot, a batch or a checkpoint; the card shows the probability."""

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from curator import claims
from curator.models import Candidate, QueuePreference
from generation.models import Checkpoint, GenerationBatch
from tests.support.queue import make_candidate
from tests.test_ranking import bot

pytestmark = pytest.mark.django_db


def test_it_requires_a_curator(client: Client, outsider_client: Client) -> None:
    assert client.get(reverse("curator:queue_choice")).status_code == 302
    assert outsider_client.get(reverse("curator:queue_choice")).status_code == 403


def test_the_queue_says_the_order_and_links_to_the_choice(curator_client: Client) -> None:
    page = curator_client.get(reverse("curator:queue")).content.decode()
    assert "Best first" in page and reverse("curator:queue_choice") in page


@pytest.mark.parametrize("htmx", [False, True])
def test_narrowing_to_a_batch_gives_back_the_held_cards_and_claims_only_from_it(curator_client: Client, curator: User, htmx: bool) -> None:
    one, two = bot("one"), bot("two")
    first = [make_candidate(f"one {i}", batch=one) for i in range(3)]
    second = [make_candidate(f"two {i}", batch=two) for i in range(3)]
    assert set(claims.queue_claim(user=curator)) == {c.pk for c in first + second[:2]}
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    response = curator_client.post(reverse("curator:queue_choice"), {"order": "oldest", "batch": two.pk}, **headers)
    assert response.status_code == 303 and response["Location"] == reverse("curator:queue")
    assert not Candidate.objects.filter(pk__in=[c.pk for c in first], claimed_by=curator).exists()
    page = curator_client.get(reverse("curator:queue")).content.decode()
    assert f"batch {two.pk}" in page and "Oldest first" in page
    assert set(Candidate.objects.filter(claimed_by=curator).values_list("pk", flat=True)) == {c.pk for c in second}


def test_narrowing_to_a_bot_or_a_checkpoint(curator: User) -> None:
    one, two = bot("one"), bot("two")
    other_checkpoint = Checkpoint.objects.create(name="two-b", kind=Checkpoint.Kind.MARKOV, corpus=two.corpus)
    three = GenerationBatch.objects.create(checkpoint=other_checkpoint, corpus=two.corpus, backend="markov", n_candidates=1)
    make_candidate("one text", batch=one)
    in_two = make_candidate("two text", batch=two)
    in_three = make_candidate("three text", batch=three)
    claims.preference_set(user=curator, order="best", corpus_id=two.corpus_id)
    assert set(claims.queue_claim(user=curator)) == {in_two.pk, in_three.pk}
    claims.preference_set(user=curator, order="best", checkpoint_id=other_checkpoint.pk)
    assert claims.queue_claim(user=curator) == [in_three.pk]


def test_a_batch_that_does_not_exist_is_refused_with_a_message(curator_client: Client, curator: User) -> None:
    response = curator_client.post(reverse("curator:queue_choice"), {"order": "best", "batch": 999})
    assert response.status_code == 400 and "There is no batch 999." in response.content.decode()
    assert not QueuePreference.objects.filter(user=curator).exists()


def test_the_card_shows_the_keep_probability(curator_client: Client) -> None:
    make_candidate("A ranked text", batch=bot("ranked"), keep_probability=0.734)
    page = curator_client.get(reverse("curator:queue")).content.decode()
    assert "keep 73%" in page


@pytest.mark.parametrize("htmx", [False, True])
def test_a_reject_carries_a_reason_with_one_key_and_stats_count_it(curator_client: Client, curator: User, htmx: bool) -> None:
    batch = bot("reasons")
    card = make_candidate("A dull text", batch=batch)
    page = curator_client.get(reverse("curator:queue")).content.decode()
    assert 'data-key="1">dull <kbd>1</kbd>' in page and 'data-key="4">near copy <kbd>4</kbd>' in page
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    curator_client.post(reverse("curator:queue_reject", args=[card.pk]), {"version": card.version, "reason": "dull"}, **headers)
    decision = card.decisions.get(action="reject")
    assert decision.data["reason"] == "dull"
    stats = curator_client.get(reverse("curator:stats")).content.decode()
    assert f"<tr><td>batch {batch.pk}</td><td>1</td></tr>" in stats
    assert "<tr><td>checkpoint reasons-markov</td><td>1</td></tr>" in stats


def test_an_unknown_reason_is_refused_and_nothing_is_saved(curator_client: Client) -> None:
    card = make_candidate("A text", batch=bot("bad-reason"))
    response = curator_client.post(
        reverse("curator:queue_reject", args=[card.pk]), {"version": card.version, "reason": "meh"}, HTTP_HX_REQUEST="true"
    )
    assert "is not one of the reject reasons" in response.content.decode()
    card.refresh_from_db()
    assert card.status == Candidate.Status.PENDING


def test_stats_count_decisions_apart_from_skips_undos_and_edits_with_rates_by_checkpoint(curator_client: Client, curator: User) -> None:
    from curator import decisions, undo

    batch = bot("counted")
    a, b, c, d = (make_candidate(f"Counted text {i}", batch=batch) for i in range(4))
    edited = decisions.candidate_edit(candidate_id=a.pk, version=a.version, by=curator, text="Counted text, edited")
    decisions.candidate_approve(candidate_id=a.pk, version=edited.version, by=curator)
    decisions.candidate_approve(candidate_id=b.pk, version=b.version, by=curator)
    decisions.candidate_reject(candidate_id=c.pk, version=c.version, by=curator)
    undo.decision_undo(by=curator, decision_id=None)  # the reject of c
    decisions.candidate_skip(candidate_id=d.pk, by=curator)
    page = curator_client.get(reverse("curator:stats")).content.decode()
    assert "2 decisions · 1 skips · 1 undos · 1 edits · 0 near-copy overrides" in page
    assert "Edited before approval: 50% of approvals" in page
    assert "<tr><td>counted-markov</td><td>2</td><td>0</td><td>2</td><td>100%</td></tr>" in page
