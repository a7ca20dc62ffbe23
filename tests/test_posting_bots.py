"""Bots: each account has its voice; a batch targets an account; `s`, the menu and the Ready page send
candidates where they belong; one candidate may go to several accounts, once each."""

from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from curator.models import Candidate, Decision
from posting.models import Account, Post
from tests.support.bots import candidate_of, make_bot

pytestmark = pytest.mark.django_db


def decide(client: Client, url_name: str, c: Candidate, **data: object):  # type: ignore[no-untyped-def]
    client.get(reverse("curator:queue"))
    return client.post(reverse(url_name, args=[c.pk]), {"version": c.version, **data}, HTTP_HX_REQUEST="true")


def test_a_batch_targets_its_checkpoint_account_and_s_schedules_there(curator_client: Client) -> None:
    alpha, beta = make_bot("alpha"), make_bot("beta")
    assert (alpha.batch.account_id, beta.batch.account_id) == (alpha.account.pk, beta.account.pk)
    a, b = candidate_of(alpha, "from alpha"), candidate_of(beta, "from beta")
    for c in (b, a):
        html = decide(curator_client, "curator:queue_schedule", c).content.decode()
        assert f"scheduled it on {c.batch.account.name} for" in html  # type: ignore[union-attr]
    assert Post.objects.get(candidate=a).account == alpha.account
    assert Post.objects.get(candidate=b).account == beta.account


def test_the_card_menu_lists_the_accounts_and_sends_to_another(curator_client: Client) -> None:
    alpha, beta = make_bot("alpha"), make_bot("beta")
    c = candidate_of(alpha, "goes to beta")
    html = curator_client.get(reverse("curator:queue") + f"?c={c.pk}").content.decode()
    assert "for <strong>alpha</strong>" in html
    assert "Schedule to…" in html and 'data-key="1"' in html and html.index(">alpha <") < html.index(">beta <")
    decide(curator_client, "curator:queue_schedule", c, account=beta.account.pk)
    assert Post.objects.get(candidate=c).account == beta.account


def test_with_two_accounts_and_no_target_s_asks_for_an_account(curator_client: Client) -> None:
    make_bot("alpha"), make_bot("beta")
    c = Candidate.objects.create(text="nobody's", generated_text="nobody's", text_hash="n")
    html = decide(curator_client, "curator:queue_schedule", c).content.decode()
    assert "is for no account" in html
    c.refresh_from_db()
    assert c.status == Candidate.Status.PENDING and not Post.objects.exists()


def test_the_generation_page_chooses_the_account(owner_client: Client) -> None:
    alpha, beta = make_bot("alpha"), make_bot("beta")
    data = {"checkpoint": alpha.checkpoint.pk, "account": beta.account.pk, "n_candidates": 5, "batch_size": 5}
    owner_client.post(reverse("generation:batch_start"), data)
    assert alpha.checkpoint.batches.order_by("-id").first().account == beta.account  # type: ignore[union-attr]
    page = owner_client.get(reverse("generation:generation")).content.decode()
    assert "For account" in page and "The checkpoint&#x27;s account" in page


def test_one_candidate_goes_to_two_accounts_once_each(curator_client: Client) -> None:
    alpha, beta = make_bot("alpha"), make_bot("beta")
    c = candidate_of(alpha, "the same bot on two networks")
    decide(curator_client, "curator:queue_schedule", c)
    url = reverse("posting:ready_action", args=[c.pk, "schedule"])
    html = curator_client.post(url, {"account": beta.account.pk}, HTTP_HX_REQUEST="true").content.decode()
    assert "scheduled on beta" in html
    html = curator_client.post(url, {"account": beta.account.pk}, HTTP_HX_REQUEST="true").content.decode()
    assert "already scheduled or posted on beta" in html
    assert sorted(Post.objects.filter(candidate=c).values_list("account__name", flat=True)) == ["alpha", "beta"]
    # The database refuses a second live post on one account, whatever the code above does.
    with pytest.raises(IntegrityError), transaction.atomic():
        Post.objects.create(account=alpha.account, candidate=c, text=c.text, scheduled_at=timezone.now() + timedelta(days=3))


def test_the_ready_page_lists_approved_candidates_per_account_and_schedules_them(curator_client: Client) -> None:
    alpha, beta = make_bot("alpha"), make_bot("beta")
    a = candidate_of(alpha, "approved with a")
    decide(curator_client, "curator:queue_approve", a)
    b = candidate_of(beta, "beta's approved", status=Candidate.Status.APPROVED)
    html = curator_client.get(reverse("posting:ready")).content.decode()
    section_a = html[html.index(f'id="ready-{alpha.account.pk}"') : html.index(f'id="ready-{beta.account.pk}"')]
    assert "approved with a" in section_a and "beta&#x27;s approved" not in section_a
    response = curator_client.post(reverse("posting:ready_action", args=[a.pk, "schedule"]), {"account": alpha.account.pk})
    assert response.status_code == 302
    post = Post.objects.get(candidate=a)
    assert post.account == alpha.account
    assert "approved with a" not in curator_client.get(reverse("posting:ready")).content.decode()
    # Unschedule puts it back in its account's backlog.
    curator_client.post(reverse("posting:schedule_action", args=[post.pk, "unschedule"]))
    assert "approved with a" in curator_client.get(reverse("posting:ready")).content.decode()
    # Return to the queue: pending again, through curator.decisions (a logged decision).
    html = curator_client.post(reverse("posting:ready_action", args=[b.pk, "return"]), HTTP_HX_REQUEST="true").content.decode()
    assert f"#{b.pk} is back in the queue" in html
    b.refresh_from_db()
    assert b.status == Candidate.Status.PENDING
    assert Decision.objects.filter(candidate=b, action=Decision.Action.RETURN).exists()


def test_a_scheduled_candidate_cannot_be_returned_to_the_queue(curator_client: Client) -> None:
    alpha = make_bot("alpha")
    c = candidate_of(alpha, "on its way")
    decide(curator_client, "curator:queue_schedule", c)
    html = curator_client.post(reverse("posting:ready_action", args=[c.pk, "return"]), HTTP_HX_REQUEST="true").content.decode()
    assert "Only an approved candidate that is not scheduled" in html
    assert Candidate.objects.get(pk=c.pk).status == Candidate.Status.APPROVED


def test_outsiders_cannot_reach_ready_or_calendar(outsider_client: Client) -> None:
    Account.objects.create(name="x")
    for name in ("posting:ready", "posting:calendar"):
        assert outsider_client.get(reverse(name)).status_code == 403
