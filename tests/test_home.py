"""Issue 16, point 9: the home page is a starting point, and the navigation follows the operator's flow."""

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from curator.models import Candidate, Decision
from generation.models import GenerationBatch, Status
from posting.models import Account, Post
from tests.support.queue import make_account, make_batch, make_candidates

pytestmark = pytest.mark.django_db


def nav_groups(html: str) -> dict[str, list[str]]:
    nav = html.split("<nav>", 1)[1].split("</nav>", 1)[0]
    groups = re.findall(r'<div class="nav-group[^"]*" role="group" aria-label="([^"]+)">(.*?)</div>', nav)
    return {label: re.findall(r">([^<]+)</a>", links) for label, links in groups}


def test_a_new_install_tells_the_owner_the_next_step(owner_client: Client) -> None:
    html = owner_client.get(reverse("core:home")).content.decode()
    assert "Getting started" in html
    steps = re.findall(r"<strong>([^<]+)</strong>", html.split("Getting started", 1)[1].split("</ol>", 1)[0])
    assert steps == ["Import a corpus", "Get a model", "Generate candidates", "Review", "Connect an account"]
    assert re.search(r'<li class="next">.*?<strong>Import a corpus</strong>', html, re.S)
    assert f'<a class="button primary" href="{reverse("corpora:list")}">Import a corpus</a>' in html
    # The counts are there, at zero, each a link to where it is acted on.
    assert re.search(r'<span class="fact-value">0</span><span class="fact-label">pending review</span>', html)
    assert re.search(r'<span class="fact-value">0</span><span class="fact-label">running jobs</span>', html)
    # No tiles repeating the navigation.
    assert 'class="card tile"' not in html


def test_the_next_step_moves_along_the_flow(owner_client: Client) -> None:
    batch = make_batch()  # a corpus and a Markov chain
    html = owner_client.get(reverse("core:home")).content.decode()
    assert re.search(r'<li class="next">.*?<strong>Generate candidates</strong>', html, re.S)
    GenerationBatch.objects.filter(pk=batch.pk).update(status=Status.SUCCEEDED, kept_count=3)
    make_candidates(3, batch=batch)
    html = owner_client.get(reverse("core:home")).content.decode()
    assert re.search(r'<li class="next">.*?<strong>Review</strong>', html, re.S)
    assert re.search(r'<span class="fact-value">3</span><span class="fact-label">pending review</span>', html)


def test_the_counts_say_what_waits(owner_client: Client, owner: object) -> None:
    account = make_account(name="botty")
    batch = make_batch()
    a, b, _c = make_candidates(3, batch=batch)
    Candidate.objects.filter(pk__in=[a.pk, b.pk]).update(status=Candidate.Status.APPROVED)
    at = timezone.now() + timedelta(hours=2)
    Post.objects.create(account=account, candidate=b, text=b.text, scheduled_at=at)
    GenerationBatch.objects.filter(pk=batch.pk).update(status=Status.SUCCEEDED)
    GenerationBatch.objects.create(checkpoint=batch.checkpoint, n_candidates=10, status=Status.RUNNING)
    html = owner_client.get(reverse("core:home")).content.decode()
    assert re.search(r'<span class="fact-value">1</span><span class="fact-label">pending review</span>', html)
    assert re.search(r'<span class="fact-value">1</span><span class="fact-label">approved, not yet scheduled</span>', html)
    local = timezone.localtime(at)
    assert re.search(rf'<span class="fact-value">{local:%a %H:%M}</span><span class="fact-label">next post on botty</span>', html)
    assert re.search(r'<span class="fact-value">1</span><span class="fact-label">running jobs</span>', html)


def test_getting_started_goes_away_once_everything_was_done(owner_client: Client, owner: object) -> None:
    batch = make_batch()
    GenerationBatch.objects.filter(pk=batch.pk).update(status=Status.SUCCEEDED, kept_count=1)
    (cand,) = make_candidates(1, batch=batch)
    Decision.objects.create(candidate=cand, action=Decision.Action.REJECT)
    Account.objects.create(name="real", publisher=Account.Publisher.X, timezone="UTC", daily_cap=8)
    assert "Getting started" not in owner_client.get(reverse("core:home")).content.decode()


def test_a_curator_sees_only_their_part(curator_client: Client) -> None:
    html = curator_client.get(reverse("core:home")).content.decode()
    # The steps show what is missing, but an owner's step is not a link for a curator.
    assert "An owner does this step." in html and f'href="{reverse("corpora:list")}"' not in html
    assert "running jobs" not in html and "pending review" in html
    assert nav_groups(html) == {
        "Review": ["Queue", "Candidates", "Stats"],
        "Post": ["Ready", "Schedule", "Calendar", "History"],
        "Run": ["Status"],
    }


def test_the_navigation_is_grouped_by_the_operators_flow(owner_client: Client) -> None:
    html = owner_client.get(reverse("curator:queue")).content.decode()
    assert nav_groups(html) == {
        "Make": ["Corpora", "Generation"],
        "Review": ["Queue", "Candidates", "Stats"],
        "Post": ["Ready", "Schedule", "Calendar", "History", "Accounts"],
        "Run": ["People", "Status"],
    }
    assert re.search(r'<div class="nav-group current" role="group" aria-label="Review">', html)
