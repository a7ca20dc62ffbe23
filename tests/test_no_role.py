"""A user with no group sees a page saying they have no role yet, and nothing else."""

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from core.status import heartbeat_record

pytestmark = pytest.mark.django_db

NO_ROLE = "your account has no role yet"


def test_home_says_there_is_no_role_yet_and_shows_no_system_facts(outsider_client: Client) -> None:
    heartbeat_record(worker="gpu@secret-host-7", queue="gpu")
    response = outsider_client.get(reverse("core:home"))
    page = response.content.decode()
    assert response.status_code == 200 and NO_ROLE in page and "otto" in page
    for fact in ("secret-host-7", "workers", "Status", connection.vendor, "<nav>\n      <a"):
        assert fact not in page


@pytest.mark.parametrize("query", ["", "?format=json"])
def test_the_status_page_and_its_json_are_refused_with_the_same_words(outsider_client: Client, query: str) -> None:
    heartbeat_record(worker="gpu@secret-host-7", queue="gpu")
    response = outsider_client.get(reverse("core:status") + query)
    page = response.content.decode()
    assert response.status_code == 403 and response["Content-Type"].startswith("text/html")
    assert NO_ROLE in page and "secret-host-7" not in page and connection.vendor not in page


def test_every_other_page_answers_with_the_no_role_page(outsider_client: Client) -> None:
    for name in ("curator:queue", "posting:schedule", "generation:generation", "corpora:list"):
        response = outsider_client.get(reverse(name))
        assert response.status_code == 403 and NO_ROLE in response.content.decode(), name


def test_a_curator_refused_an_owner_page_is_told_so_not_that_they_have_no_role(curator_client: Client) -> None:
    response = curator_client.get(reverse("corpora:list"))
    page = response.content.decode()
    assert response.status_code == 403 and "does not have access to this page" in page and NO_ROLE not in page
