"""The candidates list (filters, sort, bulk decisions), a candidate's history and a curator's history."""

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from curator import claims, decisions, undo
from curator.models import Candidate, Decision
from tests.support.queue import make_batch, make_candidate, make_near_copy

pytestmark = pytest.mark.django_db


def ids_in(html: str) -> list[int]:
    import re

    return [int(pk) for pk in re.findall(r'name="selected" value="(\d+):\d+"', html)]


@pytest.fixture
def rows(curator: User, curator2: User) -> dict[str, Candidate]:
    hot, cold = make_batch(temperature=1.2), make_batch(temperature=0.5)
    rows = {
        "apple": make_candidate("An apple a day", batch=hot),
        "banana": make_candidate("Banana republic, very sad and long words here", batch=cold),
        "cherry": make_candidate("Cherry picking the polls", batch=cold),
        "near": make_near_copy(batch=hot),
    }
    decisions.candidate_reject(candidate_id=rows["cherry"].pk, version=1, by=curator2)
    decisions.candidate_approve(candidate_id=rows["apple"].pk, version=1, by=curator)
    return rows


def test_it_refuses_outsiders(outsider_client: Client) -> None:
    for name in ["curator:candidates", "curator:decision_history", "curator:stats"]:
        assert outsider_client.get(reverse(name)).status_code == 403
    assert outsider_client.post(reverse("curator:candidates_bulk"), {"action": "reject"}).status_code == 403


def test_it_lists_and_filters_by_text_status_verdict_batch_and_curator(curator_client: Client, rows: dict[str, Candidate]) -> None:
    def listed(query: str) -> set[str]:
        html = curator_client.get(reverse("curator:candidates") + query).content.decode()
        return {name for name, c in rows.items() if f'<a href="/candidates/{c.pk}/">{c.pk}</a>' in html}

    assert listed("") == set(rows)
    assert listed("?q=BANANA") == {"banana"}
    assert listed("?status=rejected") == {"cherry"}
    assert listed("?verdict=near") == {"near"}
    assert listed(f"?batch={rows['banana'].batch_id}") == {"banana", "cherry"}
    assert listed("?curator=cora") == {"cherry"}
    assert listed("?status=pending&verdict=near&q=fake") == {"near"}


def test_it_sorts(curator_client: Client, rows: dict[str, Candidate]) -> None:
    html = curator_client.get(reverse("curator:candidates") + "?sort=newest").content.decode()
    pending_newest_first = ids_in(html)
    assert pending_newest_first == sorted(pending_newest_first, reverse=True)
    html = curator_client.get(reverse("curator:candidates") + "?sort=length&status=pending").content.decode()
    assert ids_in(html) == [rows["banana"].pk, rows["near"].pk]


def test_bad_filters_are_reported_not_fatal(curator_client: Client, rows: dict[str, Candidate]) -> None:
    response = curator_client.get(reverse("curator:candidates") + "?batch=abc&status=nope")
    assert response.status_code == 200
    assert "Enter a whole number" in response.content.decode()


def test_the_results_are_a_partial_for_htmx(curator_client: Client, rows: dict[str, Candidate], htmx_headers: dict[str, str]) -> None:
    html = curator_client.get(reverse("curator:candidates") + "?q=apple", **htmx_headers).content.decode()  # type: ignore[arg-type]
    assert "<html" not in html and 'id="results"' in html and "An apple a day" in html


@pytest.mark.parametrize("htmx", [False, True])
def test_bulk_reject_decides_each_selected_with_the_version_seen(
    curator_client: Client, curator: User, rows: dict[str, Candidate], htmx: bool
) -> None:
    banana, near = rows["banana"], rows["near"]
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    response = curator_client.post(
        reverse("curator:candidates_bulk"),
        {"action": "reject", "selected": [f"{banana.pk}:1", f"{near.pk}:1"], "query": "status=pending"},
        **headers,  # type: ignore[arg-type]
    )
    assert Candidate.objects.get(pk=banana.pk).status == Candidate.Status.REJECTED
    assert Candidate.objects.get(pk=near.pk).status == Candidate.Status.REJECTED
    assert Decision.objects.filter(user=curator, action="reject").count() == 2
    if htmx:
        html = response.content.decode()
        assert "<html" not in html and "Rejected 2 candidates." in html
        assert ids_in(html) == []  # the list was re-filtered on status=pending
    else:
        assert response.status_code == 303 and response["Location"] == reverse("curator:candidates") + "?status=pending"
        assert "Rejected 2 candidates." in curator_client.get(response["Location"]).content.decode()


@pytest.mark.parametrize("htmx", [False, True])
def test_bulk_approve_excludes_near_copies_unless_overridden(curator_client: Client, rows: dict[str, Candidate], htmx: bool) -> None:
    banana, near = rows["banana"], rows["near"]
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    selected = [f"{banana.pk}:1", f"{near.pk}:1"]
    response = curator_client.post(reverse("curator:candidates_bulk"), {"action": "approve", "selected": selected}, **headers)  # type: ignore[arg-type]
    assert Candidate.objects.get(pk=banana.pk).status == Candidate.Status.APPROVED
    assert Candidate.objects.get(pk=near.pk).status == Candidate.Status.PENDING
    html = response.content.decode() if htmx else curator_client.get(response["Location"]).content.decode()
    assert "Approved 1 candidate." in html and f"#{near.pk} not changed" in html
    curator_client.post(reverse("curator:candidates_bulk"), {"action": "approve", "override": "1", "selected": [f"{near.pk}:1"]}, **headers)  # type: ignore[arg-type]
    assert Candidate.objects.get(pk=near.pk).status == Candidate.Status.APPROVED
    assert Decision.objects.filter(candidate=near, action="override").exists()


def test_bulk_refuses_stale_selections_and_says_who(curator_client: Client, rows: dict[str, Candidate]) -> None:
    cherry = rows["cherry"]
    html = curator_client.post(
        reverse("curator:candidates_bulk"), {"action": "approve", "selected": [f"{cherry.pk}:1"]}, HTTP_HX_REQUEST="true"
    ).content.decode()
    assert Candidate.objects.get(pk=cherry.pk).status == Candidate.Status.REJECTED
    assert "cora rejected this candidate" in html


def test_bulk_skips_candidates_another_curator_is_reviewing(curator_client: Client, curator2: User, rows: dict[str, Candidate]) -> None:
    claims.queue_claim(user=curator2)
    banana = rows["banana"]
    html = curator_client.post(
        reverse("curator:candidates_bulk"), {"action": "reject", "selected": [f"{banana.pk}:1"]}, HTTP_HX_REQUEST="true"
    ).content.decode()
    assert Candidate.objects.get(pk=banana.pk).status == Candidate.Status.PENDING
    assert "cora is reviewing this candidate right now" in html


@pytest.mark.parametrize("htmx", [False, True])
def test_bulk_with_nothing_selected_says_so(curator_client: Client, rows: dict[str, Candidate], htmx: bool) -> None:
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    response = curator_client.post(reverse("curator:candidates_bulk"), {"action": "reject"}, **headers)  # type: ignore[arg-type]
    html = response.content.decode() if htmx else curator_client.get(response["Location"]).content.decode()
    assert "Select at least one candidate." in html
    assert not Decision.objects.filter(action="reject").exclude(candidate=rows["cherry"]).exists()


def test_a_candidates_history_lists_every_event(curator_client: Client, curator: User, rows: dict[str, Candidate]) -> None:
    banana = rows["banana"]
    decisions.candidate_edit(candidate_id=banana.pk, version=1, by=curator, text="Banana <b>split</b>")
    decisions.candidate_reject(candidate_id=banana.pk, version=2, by=curator)
    undo.decision_undo(by=curator)
    html = curator_client.get(reverse("curator:candidate", args=[banana.pk])).content.decode()
    for label in ["Edited", "Rejected", "Undid"]:
        assert label in html
    assert "<ins>Banana &lt;b&gt;split&lt;/b&gt;</ins>" in html
    assert "<del>Banana republic, very sad and long words here</del>" in html


def test_a_curators_recent_decisions_are_viewable_with_undo(curator_client: Client, curator: User, rows: dict[str, Candidate]) -> None:
    mine = curator_client.get(reverse("curator:decision_history")).content.decode()
    assert "Your recent decisions" in mine and f"#{rows['apple'].pk}" in mine
    assert 'name="decision"' in mine  # undo button on an undoable decision
    theirs = curator_client.get(reverse("curator:decision_history") + "?curator=cora").content.decode()
    assert "Recent decisions of cora" in theirs and f"#{rows['cherry'].pk}" in theirs
    assert 'name="decision"' not in theirs  # only your own can be undone
    assert curator_client.get(reverse("curator:decision_history") + "?curator=nobody").status_code == 404


def test_undo_from_the_history_takes_back_that_decision(curator_client: Client, curator: User, rows: dict[str, Candidate]) -> None:
    apple = rows["apple"]
    decision = Decision.objects.get(candidate=apple, action="approve")
    response = curator_client.post(reverse("curator:queue_undo"), {"decision": decision.pk})
    assert response.status_code == 303
    apple.refresh_from_db()
    assert apple.status == Candidate.Status.PENDING and apple.claimed_by == curator
