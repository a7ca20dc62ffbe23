"""Every form field on every page has a label; icon buttons and charts have accessible names."""

import re
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

from tests.support.pages import site_make, unlabelled_fields

pytestmark = pytest.mark.django_db


def test_every_field_on_every_page_has_a_label(client: Client, tmp_path: Path) -> None:
    login = client.get(reverse("login")).content.decode()
    assert unlabelled_fields(login) == []
    site = site_make(tmp_path)
    client.force_login(site.owner)
    missing = {}
    for name, url in site.pages.items():
        response = client.get(url)
        assert response.status_code == 200, name
        if fields := unlabelled_fields(response.content.decode()):
            missing[name] = fields
    assert missing == {}


def test_the_check_finds_a_field_with_only_a_placeholder() -> None:
    assert unlabelled_fields('<input type="search" name="q" placeholder="Search text">') == ["<input name='q' id=None>"]
    assert unlabelled_fields('<label for="q">Text</label><input id="q" name="q">') == []
    assert unlabelled_fields('<label>Text <select name="s"></select></label><textarea aria-label="Text"></textarea>') == []
    assert unlabelled_fields('<input type="hidden" name="csrf"><input type="checkbox" name="x" aria-label="">') == [
        "<input name='x' id=None>"
    ]


def test_the_candidate_filters_have_labels_for_screen_readers(owner_client: Client) -> None:
    html = owner_client.get(reverse("curator:candidates")).content.decode()
    filters = html.split('class="filters card"')[1].split("</form>")[0]
    labels = re.findall(r'<label class="visually-hidden" for="(id_\w+)">([^<]+)</label>', filters)
    assert [name for _, name in labels] == ["Search text", "Batch", "Status", "Near-copy verdict", "Decided by", "Sort by"]


def test_icon_buttons_and_charts_have_names(client: Client, tmp_path: Path) -> None:
    site = site_make(tmp_path)
    client.force_login(site.owner)
    schedule = client.get(site.pages["schedule"]).content.decode()
    assert 'aria-label="Move up: swap with the post before">↑</button>' in schedule
    assert 'aria-label="Move down: swap with the post after">↓</button>' in schedule
    stats = client.get(site.pages["stats"]).content.decode()
    assert '<svg class="sparkline" role="img" aria-label="Decisions of olivia in each of the last 24 hours"' in stats
    assert '<svg class="chart" role="img" aria-label="Approval rate by temperature"' in stats
    generation = client.get(site.pages["generation"]).content.decode()
    assert re.search(r'<svg class="loss-chart"[^>]* role="img" aria-label="Loss by training step: from 5\.50 down to 4\.20"', generation)
    # Every <svg> a page draws is either named or hidden from assistive technology.
    for name in ("queue", "stats", "generation"):
        html = client.get(site.pages[name]).content.decode()
        for svg in re.findall(r"<svg\b[^>]*>", html):
            assert ('role="img"' in svg and "aria-label=" in svg) or 'aria-hidden="true"' in svg, (name, svg)
