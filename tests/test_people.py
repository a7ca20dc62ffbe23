"""Issue 16, point 8: owners manage people in the product (no manage.py shell)."""

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from curator import claims
from curator.models import Candidate
from tests.support.queue import make_candidates

pytestmark = pytest.mark.django_db

GOOD_PASSWORD = "correct horse battery 42"


def logs_in(client: Client, username: str, password: str) -> bool:
    """Through the login page, as a person does (django-axes counts failures per request, so Client.login cannot)."""
    return client.post(reverse("login"), {"username": username, "password": password}).status_code == 302


def test_an_owner_adds_a_curator_who_can_then_log_in_and_curate(owner_client: Client) -> None:
    response = owner_client.post(reverse("core:person_add"), {"username": "cora", "role": "curator", "password": GOOD_PASSWORD})
    assert response.status_code == 302
    page = owner_client.get(reverse("core:people")).content.decode()
    assert "Added cora as curator" in page
    cora = Client()
    assert logs_in(cora, "cora", GOOD_PASSWORD)
    assert cora.get(reverse("curator:queue")).status_code == 200
    assert cora.get(reverse("generation:generation")).status_code == 403  # a curator, not an owner
    assert cora.get(reverse("core:people")).status_code == 403


def test_an_owner_adds_another_owner(owner_client: Client) -> None:
    owner_client.post(reverse("core:person_add"), {"username": "otis", "role": "owner", "password": GOOD_PASSWORD})
    otis = Client()
    assert logs_in(otis, "otis", GOOD_PASSWORD)
    assert otis.get(reverse("core:people")).status_code == 200


def test_a_weak_password_or_a_taken_name_is_refused_with_the_reason(owner_client: Client, curator: User) -> None:
    response = owner_client.post(reverse("core:person_add"), {"username": "new", "role": "curator", "password": "1234"})
    assert response.status_code == 400 and "too short" in response.content.decode()
    response = owner_client.post(reverse("core:person_add"), {"username": "CARL", "role": "curator", "password": GOOD_PASSWORD})
    assert response.status_code == 400 and "There is already someone called" in response.content.decode()
    assert not User.objects.filter(username__in=["new", "CARL"]).exists()


def test_an_owner_sets_a_new_password(owner_client: Client, curator: User) -> None:
    url = reverse("core:person_password", args=[curator.pk])
    response = owner_client.post(url, {"new_password1": GOOD_PASSWORD, "new_password2": "something else 42"})
    assert response.status_code == 400 and "match" in response.content.decode()
    owner_client.post(url, {"new_password1": GOOD_PASSWORD, "new_password2": GOOD_PASSWORD})
    assert logs_in(Client(), "carl", GOOD_PASSWORD)
    assert not logs_in(Client(), "carl", "curator-pass-123")


def test_deactivating_someone_logs_them_out_and_frees_their_cards(owner_client: Client, curator: User, curator_client: Client) -> None:
    make_candidates(3)
    claims.queue_claim(user=curator)
    assert Candidate.objects.filter(claimed_by=curator).count() == 3
    owner_client.post(reverse("core:person_active", args=[curator.pk]), {"active": "0"})
    curator.refresh_from_db()
    assert not curator.is_active
    # Their open session no longer works, and they cannot log in again.
    assert curator_client.get(reverse("curator:queue")).status_code == 302
    assert not logs_in(Client(), "carl", "curator-pass-123")
    assert not Candidate.objects.filter(claimed_by=curator).exists()
    owner_client.post(reverse("core:person_active", args=[curator.pk]), {"active": "1"})
    assert logs_in(Client(), "carl", "curator-pass-123")


def test_an_owner_cannot_lock_everyone_out(owner_client: Client, owner: User) -> None:
    owner_client.post(reverse("core:person_active", args=[owner.pk]), {"active": "0"})
    owner.refresh_from_db()
    assert owner.is_active
    assert "You cannot deactivate yourself" in owner_client.get(reverse("core:people")).content.decode()
    owner_client.post(reverse("core:person_role", args=[owner.pk]), {"role": "curator"})
    assert "You cannot take away your own owner role" in owner_client.get(reverse("core:people")).content.decode()


def test_an_owner_changes_a_role(owner_client: Client, curator: User) -> None:
    owner_client.post(reverse("core:person_role", args=[curator.pk]), {"role": "owner"})
    assert set(curator.groups.values_list("name", flat=True)) == {"owner"}


def test_people_is_for_owners_only(curator_client: Client, curator: User) -> None:
    assert curator_client.get(reverse("core:people")).status_code == 403
    for name in ["core:person_password", "core:person_role", "core:person_active"]:
        assert curator_client.post(reverse(name, args=[curator.pk]), {}).status_code == 403
    assert curator_client.post(reverse("core:person_add"), {}).status_code == 403
