"""The admin shows the audit log and the state machines' rows, and changes none of them (superusers included)."""

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from curator.decisions import candidate_reject
from curator.models import Candidate, Decision
from posting.models import Attempt, Post
from tests.support.posting import due_post
from tests.support.queue import make_account, make_candidate

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(curator: User) -> Client:
    """A curator who is also staff and superuser: the case the probe found."""
    curator.is_staff = curator.is_superuser = True
    curator.save()
    client = Client()
    client.force_login(curator)
    return client


def test_a_decision_can_be_seen_but_not_changed_or_deleted(admin_client: Client, curator: User) -> None:
    candidate = make_candidate()
    candidate_reject(candidate_id=candidate.pk, version=candidate.version, by=curator)
    decision = Decision.objects.get()
    change = reverse("admin:curator_decision_change", args=[decision.pk])
    page = admin_client.get(change)
    assert page.status_code == 200 and "Save" not in page.content.decode()  # view only
    assert admin_client.post(change, {"action": "approve", "after_status": "approved"}).status_code == 403
    assert admin_client.post(reverse("admin:curator_decision_delete", args=[decision.pk]), {"post": "yes"}).status_code == 403
    assert admin_client.get(reverse("admin:curator_decision_add")).status_code == 403
    bulk = admin_client.post(reverse("admin:curator_decision_changelist"), {"action": "delete_selected", "_selected_action": [decision.pk]})
    assert bulk.status_code in (200, 302)
    decision.refresh_from_db()
    assert decision.action == "reject" and Decision.objects.count() == 1


def test_a_candidates_text_and_derived_fields_cannot_be_changed_in_the_admin(admin_client: Client) -> None:
    candidate = make_candidate("Short and sweet")
    change = reverse("admin:curator_candidate_change", args=[candidate.pk])
    response = admin_client.post(change, {"text": "x" * 400, "weighted_length": 10, "status": "approved", "nearcopy_verdict": "ok"})
    assert response.status_code == 403
    candidate.refresh_from_db()
    assert (candidate.text, candidate.weighted_length, candidate.status) == ("Short and sweet", 15, Candidate.Status.PENDING)
    assert admin_client.post(reverse("admin:curator_candidate_delete", args=[candidate.pk]), {"post": "yes"}).status_code == 403
    page = admin_client.get(change).content.decode()
    assert "Short and sweet" in page and 'name="text"' not in page


def test_a_posts_delivery_record_and_its_log_cannot_be_changed_or_deleted(admin_client: Client) -> None:
    post = due_post(make_account(), "Gone out once")
    Attempt.objects.create(post=post, outcome=Attempt.Outcome.SENT, detail="id 1")
    assert admin_client.post(reverse("admin:posting_post_change", args=[post.pk]), {"state": "queued"}).status_code == 403
    assert admin_client.post(reverse("admin:posting_post_delete", args=[post.pk]), {"post": "yes"}).status_code == 403
    attempt = Attempt.objects.get()
    assert admin_client.post(reverse("admin:posting_attempt_delete", args=[attempt.pk]), {"post": "yes"}).status_code == 403
    assert Post.objects.filter(pk=post.pk).exists() and Attempt.objects.count() == 1
