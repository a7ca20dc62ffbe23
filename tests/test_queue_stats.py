"""The stats page: pace per curator, approval rate by batch and temperature, queue size and claims."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from curator import claims, decisions, selectors
from curator.models import Decision
from tests.support.queue import make_batch, make_candidates

pytestmark = pytest.mark.django_db


@pytest.fixture
def decided(curator: User, curator2: User) -> None:
    hot, cold = make_batch(temperature=1.0), make_batch(temperature=0.7)
    hot_rows, cold_rows = make_candidates(4, batch=hot, prefix="hot"), make_candidates(5, batch=cold, prefix="cold")
    decisions.candidate_approve(candidate_id=hot_rows[0].pk, version=1, by=curator)
    for c in hot_rows[1:3]:
        decisions.candidate_reject(candidate_id=c.pk, version=1, by=curator)
    for c in cold_rows[:3]:
        decisions.candidate_approve(candidate_id=c.pk, version=1, by=curator2)
    decisions.candidate_reject(candidate_id=cold_rows[3].pk, version=1, by=curator2)
    # One of cora's decisions was two hours ago.
    Decision.objects.filter(user=curator2, action="reject").update(created_at=timezone.now() - timedelta(hours=2, minutes=5))
    claims.queue_claim(user=curator)


def test_it_counts_the_queue_and_the_claims(decided: None) -> None:
    stats = selectors.queue_stats()
    assert stats.pending == 2  # one hot and one cold left undecided, both now held by carl
    assert stats.claimed == 2
    assert stats.claims_by_curator == [("carl", 2)]


def test_it_gives_decisions_per_hour_per_curator(decided: None) -> None:
    pace = {p.username: p for p in selectors.queue_stats().pace}
    assert pace["carl"].last_hour == 3 and pace["carl"].total == 3 and pace["carl"].approvals == 1
    assert pace["cora"].last_hour == 3 and pace["cora"].total == 4
    assert pace["cora"].hours[-3] == 1  # the decision two hours ago
    assert pace["cora"].per_active_hour == 2.0


def test_it_gives_approval_rates_by_batch_and_temperature(decided: None) -> None:
    stats = selectors.queue_stats()
    by_temp = {r.label: r for r in stats.by_temperature}
    assert (by_temp["1"].approved, by_temp["1"].rejected, by_temp["1"].pending) == (1, 2, 1)
    assert by_temp["0.7"].rate == 0.75
    assert [r.rate for r in stats.by_batch] == [0.75, 1 / 3]  # newest batch first
    assert "temperature 0.7" in stats.by_batch[0].detail and "markov-1" in stats.by_batch[0].detail


def test_the_page_draws_an_inline_svg_chart(curator_client: Client, decided: None) -> None:
    html = curator_client.get(reverse("curator:stats")).content.decode()
    assert "<html" in html
    assert '<svg class="chart" role="img" aria-label="Approval rate by temperature"' in html
    assert "75.0% of 4" in html and "33.3% of 3" in html
    assert '<svg class="sparkline"' in html
    assert "<script" not in html.split("<main>")[1]  # no chart library


def test_the_figures_are_a_partial_for_htmx(curator_client: Client, decided: None, htmx_headers: dict[str, str]) -> None:
    html = curator_client.get(reverse("curator:stats"), **htmx_headers).content.decode()  # type: ignore[arg-type]
    assert "<html" not in html and 'id="stats-figures"' in html


def test_an_empty_stats_page_renders(curator_client: Client) -> None:
    html = curator_client.get(reverse("curator:stats")).content.decode()
    assert "No decisions in the last 24 hours." in html and "No batches yet." in html


def test_curators_cannot_reach_owner_pages(curator_client: Client, owner_client: Client) -> None:
    from core.context_processors import nav_items

    checked = 0
    for _label, name, role in nav_items():
        url = reverse(name)  # a navigation entry that does not reverse is a broken link: let it fail
        if role == "owner":
            assert curator_client.get(url).status_code == 403, url
            checked += 1
        else:
            assert curator_client.get(url).status_code == 200, url
    assert checked == 4  # Generation, Corpora, Accounts, People
    assert curator_client.get(reverse("admin:index")).status_code == 302  # not staff: the admin login
    html = curator_client.get(reverse("curator:queue")).content.decode()
    assert "Stats" in html and "Queue" in html
