"""Issue 16, the Django side: pages and services a new operator tripped on."""

import pytest
from django.test import Client
from django.urls import reverse

from core import tweets

pytestmark = pytest.mark.django_db


def test_the_length_endpoint_counts_by_the_save_rules(curator_client: Client) -> None:
    url = reverse("curator:queue_length")
    for text in ["hello", "東京で会いましょう", "family 👨‍👩‍👧‍👦", "  spaced\r\nout  ", "x" * 300]:
        data = curator_client.post(url, {"text": text}).json()
        expected = tweets.weighted_length(text.replace("\r\n", "\n").strip())
        assert data == {"length": expected, "max": 280, "over": expected > 280}


def test_the_length_endpoint_is_for_curators_only(outsider_client: Client, client: Client) -> None:
    url = reverse("curator:queue_length")
    assert outsider_client.post(url, {"text": "x"}).status_code == 403
    assert client.post(url, {"text": "x"}).status_code == 302
