"""The queue's near-duplicate siblings: "N similar" on the card, Shift+R rejects the group, u takes it back."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from curator import decisions
from curator.models import Candidate, Decision
from tests.support.queue import make_batch, make_candidate, make_candidates, make_siblings

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_cache")]

TEXTS = [
    "The fake news media is working overtime to hide our great ratings tonight",
    "The fake news media is working overtime to hide our tremendous ratings tonight!",
    "The fake news media is working so hard to hide our great ratings tonight",
    "The fake news media is working overtime to hide our great ratings, sad!",
    "The fake news media is working overtime to hide our record ratings tonight",
]


def queue_html(client: Client, pk: int | None = None, htmx: bool = False) -> str:
    url = reverse("curator:queue") + (f"?c={pk}" if pk else "")
    return client.get(url, **({"HTTP_HX_REQUEST": "true"} if htmx else {})).content.decode()  # type: ignore[arg-type]


def reject_similar(client: Client, card: Candidate, *, htmx: bool = True, **data: object) -> str:
    """Shift+R on the card; the page (or panel) shown afterwards."""
    response = client.post(
        reverse("curator:queue_reject_similar", args=[card.pk]),
        {"version": card.version, **data},
        **({"HTTP_HX_REQUEST": "true"} if htmx else {}),  # type: ignore[arg-type]
    )
    if htmx:
        assert response.status_code == 200
        return response.content.decode()
    assert response.status_code == 303
    return client.get(response["Location"]).content.decode()


def hold(candidate: Candidate, user: User) -> None:
    Candidate.objects.filter(pk=candidate.pk).update(claimed_by=user, claim_expires_at=timezone.now() + timedelta(minutes=5))


def test_the_candidates_page_lists_its_pending_similar_candidates(curator_client: Client, curator2: User) -> None:
    card, *others = make_siblings(TEXTS[:4], batch=make_batch())
    decisions.candidate_reject(candidate_id=others[2].pk, version=1, by=curator2)  # decided: not listed
    hold(others[1], curator2)
    html = curator_client.get(reverse("curator:candidate", args=[card.pk])).content.decode()
    assert '<span class="badge similar">2 similar</span>' in html
    assert f"#{others[0].pk}</a> {others[0].text}" in html and f"#{others[1].pk}</a> {others[1].text}" in html
    assert "(cora is reviewing it)" in html and f"#{others[2].pk}</a>" not in html
    alone = make_candidate("Nothing at all like the others, about gardening", batch=make_batch())
    assert "similar</span>" not in curator_client.get(reverse("curator:candidate", args=[alone.pk])).content.decode()


@pytest.mark.parametrize("htmx", [False, True])
def test_the_card_says_how_many_similar_candidates_are_pending(curator_client: Client, curator2: User, htmx: bool) -> None:
    card, *others = make_siblings(TEXTS[:4], batch=make_batch())
    decisions.candidate_reject(candidate_id=others[2].pk, version=1, by=curator2)  # decided: no longer counted
    hold(others[1], curator2)
    html = queue_html(curator_client, card.pk, htmx=htmx)
    assert '<span class="badge similar">2 similar</span>' in html
    assert 'title="2 other pending candidates of this bot are near-identical to this one' in html
    assert f"#{others[0].pk}</a> {others[0].text}" in html and f"#{others[1].pk}</a> {others[1].text}" in html
    assert "cora is reviewing it: Shift+R leaves it" in html
    assert f"#{others[2].pk}</a>" not in html
    assert 'data-key="R">Reject with similar <kbd>Shift+R</kbd>' in html
    assert 'data-hint-for="R"' not in html


def test_a_card_without_similar_candidates_shows_no_count_and_shift_r_only_explains(curator_client: Client) -> None:
    card = make_candidate()
    html = queue_html(curator_client, card.pk)
    assert "similar</span>" not in html and 'data-key="R"' not in html
    assert f'data-hint-for="R" role="status" hidden>Nothing done: #{card.pk} has no similar candidates pending' in html
    assert "<kbd>Shift</kbd>+<kbd>R</kbd>" in html  # in the keys' help


@pytest.mark.parametrize("htmx", [False, True])
def test_shift_r_rejects_the_card_and_its_pending_siblings(curator_client: Client, curator: User, curator2: User, htmx: bool) -> None:
    card, free, mine, theirs, decided = make_siblings(TEXTS, batch=make_batch())
    others = make_candidates(2)  # not in the group: untouched
    decisions.candidate_approve(candidate_id=decided.pk, version=1, by=curator2)
    queue_html(curator_client)  # carl holds the card (and the next few)
    Candidate.objects.filter(pk=free.pk).update(claimed_by=None, claim_expires_at=None)
    hold(mine, curator)
    hold(theirs, curator2)
    html = reject_similar(curator_client, card, htmx=htmx)
    assert f"Rejected #{card.pk} and 2 similar. 1 similar candidate held by another curator was left for them." in html
    statuses = dict(Candidate.objects.values_list("pk", "status"))
    assert [statuses[c.pk] for c in (card, free, mine, theirs, decided)] == ["rejected", "rejected", "rejected", "pending", "approved"]
    assert all(statuses[c.pk] == "pending" for c in others)
    theirs.refresh_from_db()
    assert theirs.claimed_by == curator2
    # Each one a decision of its own, as r makes (stats, undo and the ranker read them); the card's comes last.
    rejects = list(Decision.objects.filter(action="reject", user=curator).order_by("id"))
    assert [d.candidate_id for d in rejects] == [free.pk, mine.pk, card.pk]
    assert all(d.data["group"] == card.pk and d.data["version"] == 2 and d.before_status == "pending" for d in rejects)
    assert rejects[-1].data["siblings"] == 2


def test_the_reason_applies_to_every_candidate_rejected(curator_client: Client, curator: User) -> None:
    card, *_others = make_siblings(TEXTS[:3])
    queue_html(curator_client)
    reject_similar(curator_client, card, reason="dull")
    assert list(Decision.objects.filter(action="reject").values_list("data__reason", flat=True)) == ["dull"] * 3
    assert "not one of the reject reasons" in reject_similar(curator_client, make_siblings(TEXTS[3:])[0], reason="boring")
    assert Candidate.objects.filter(status="pending").count() == 2


def test_a_card_whose_siblings_were_all_decided_is_rejected_alone(curator_client: Client, curator2: User) -> None:
    card, other = make_siblings(TEXTS[:2])
    decisions.candidate_approve(candidate_id=other.pk, version=1, by=curator2)
    queue_html(curator_client)
    html = reject_similar(curator_client, card)
    assert f"Rejected #{card.pk}; no similar candidate was pending." in html
    card.refresh_from_db()
    assert card.status == "rejected"


def test_a_card_changed_meanwhile_rejects_nothing(curator_client: Client, curator: User, curator2: User) -> None:
    card, *others = make_siblings(TEXTS[:3])
    decisions.candidate_approve(candidate_id=card.pk, version=1, by=curator2)
    html = reject_similar(curator_client, card)
    assert "cora approved this candidate" in html and "nothing was saved" in html
    assert list(Candidate.objects.filter(pk__in=[o.pk for o in others]).values_list("status", flat=True)) == ["pending", "pending"]
    assert not Decision.objects.filter(user=curator).exists()


@pytest.mark.parametrize("htmx", [False, True])
def test_undo_takes_the_whole_group_back_in_one_step(curator_client: Client, curator: User, htmx: bool) -> None:
    before = make_candidate("An earlier card, rejected on its own")
    card, *others = make_siblings(TEXTS[:4])
    queue_html(curator_client)
    decisions.candidate_reject(candidate_id=before.pk, version=1, by=curator)
    reject_similar(curator_client, card)
    assert f"your last: rejected #{card.pk} and 3 similar" in queue_html(curator_client)
    response = curator_client.post(reverse("curator:queue_undo"), **({"HTTP_HX_REQUEST": "true"} if htmx else {}))  # type: ignore[arg-type]
    html = response.content.decode() if htmx else curator_client.get(response["Location"]).content.decode()
    assert f"Undid reject of #{card.pk} and of the 3 similar candidates rejected with it (pending again)." in html
    card.refresh_from_db()
    assert card.status == "pending" and card.claimed_by == curator  # the next card, as after any undo
    for other in others:
        other.refresh_from_db()
        assert other.status == "pending" and other.version == 3
    assert not Decision.objects.filter(data__group=card.pk, undone=False, action="reject").exists()
    assert Decision.objects.filter(action="undo").count() == 4
    # One step: the next u takes back the decision before the group.
    curator_client.post(reverse("curator:queue_undo"))
    before.refresh_from_db()
    assert before.status == "pending"


def test_undoing_one_siblings_decision_from_the_history_takes_back_only_that_one(curator_client: Client, curator: User) -> None:
    card, first, second = make_siblings(TEXTS[:3])
    queue_html(curator_client)
    reject_similar(curator_client, card)
    decision = Decision.objects.get(candidate=first, action="reject")
    curator_client.post(reverse("curator:queue_undo"), {"decision": decision.pk})
    statuses = dict(Candidate.objects.values_list("pk", "status"))
    assert (statuses[card.pk], statuses[first.pk], statuses[second.pk]) == ("rejected", "pending", "rejected")


def test_an_edited_candidate_leaves_its_group_and_undo_puts_it_back(curator_client: Client, curator: User) -> None:
    card, edited, _other = make_siblings(TEXTS[:3])
    queue_html(curator_client)
    decisions.candidate_edit(candidate_id=edited.pk, version=1, by=curator, text="My own words now, nothing like the others")
    edited.refresh_from_db()
    assert edited.sibling_group is None
    assert '<span class="badge similar">1 similar</span>' in queue_html(curator_client, card.pk)
    curator_client.post(reverse("curator:queue_undo"))
    edited.refresh_from_db()
    assert edited.sibling_group == card.pk and edited.text == TEXTS[1]
    assert '<span class="badge similar">2 similar</span>' in queue_html(curator_client, card.pk)
