"""The Content-Security-Policy: a strict header on every response, and templates and pages with nothing inline for it to refuse."""

import re
from pathlib import Path
from typing import cast

import pytest
from django.conf import settings
from django.http import HttpResponseBase
from django.test import Client
from django.urls import reverse

from tests.support.pages import inline_code, site_make

pytestmark = pytest.mark.django_db


def policy(response: HttpResponseBase) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    directives = {}
    for part in header.split(";"):
        name, *values = part.split()
        directives[name] = values
    return directives


def assert_strict(directives: dict[str, list[str]]) -> None:
    assert directives["default-src"] == ["'self'"]
    assert directives["script-src"][0] == "'self'"
    assert all(v == "'self'" or v.startswith("'nonce-") for v in directives["script-src"])
    assert directives["style-src"] == ["'self'"]
    assert directives["img-src"] == ["'self'", "data:"]
    assert directives["connect-src"] == directives["form-action"] == directives["base-uri"] == ["'self'"]
    assert directives["frame-ancestors"] == directives["object-src"] == ["'none'"]
    assert "'unsafe-inline'" not in directives["script-src"] + directives["style-src"]
    assert "'unsafe-eval'" not in directives["script-src"]


def test_every_kind_of_response_carries_the_strict_policy(owner_client: Client, htmx_headers: dict[str, str]) -> None:
    responses = {
        "page": owner_client.get(reverse("curator:queue")),
        "htmx partial": owner_client.get(reverse("core:status"), **htmx_headers),  # type: ignore[arg-type]
        "json": owner_client.get(reverse("core:status") + "?format=json"),
        "not found": owner_client.get("/no-such-page/"),
        "login page": Client().get(reverse("login")),
        "redirect to the login": Client().get(reverse("curator:queue")),
    }
    assert [r.status_code for r in responses.values()] == [200, 200, 200, 404, 200, 302]
    for what, response in responses.items():
        assert "Content-Security-Policy" in response, what
        assert_strict(policy(response))


def test_the_htmx_script_tag_carries_the_nonce_of_the_header(owner_client: Client) -> None:
    response = owner_client.get(reverse("core:home"))
    nonces = [v for v in policy(response)["script-src"] if v.startswith("'nonce-")]
    assert len(nonces) == 1
    nonce = nonces[0][len("'nonce-") : -1]
    html = response.content.decode()
    assert re.search(rf'<script src="[^"]*htmx-2\.min\.js" defer nonce="{re.escape(nonce)}"></script>', html)
    # A fresh nonce on every response, or it protects nothing.
    assert nonce not in owner_client.get(reverse("core:home"))["Content-Security-Policy"]


def test_htmx_is_told_not_to_inject_its_indicator_styles(owner_client: Client) -> None:
    html = owner_client.get(reverse("core:home")).content.decode()
    assert """<meta name="htmx-config" content='{"includeIndicatorStyles": false, "defaultSettleDelay": 0}'>""" in html
    css = (Path(settings.BASE_DIR) / "static" / "css" / "app.css").read_text()
    assert ".htmx-request .htmx-indicator" in css


INLINE = re.compile(r"""(\bstyle\s*=|<style\b|\son[a-z]+\s*=|\shx-on)""", re.IGNORECASE)


def template_files() -> list[Path]:
    dirs = [Path(d) for d in cast(list[str], settings.TEMPLATES[0]["DIRS"])]
    dirs += [Path(settings.BASE_DIR) / app / "templates" for app in ("core", "corpora", "curator", "generation", "posting")]
    return sorted(p for d in dirs if d.is_dir() for p in d.rglob("*.html"))


def test_no_template_holds_inline_styles_or_event_handlers() -> None:
    files = template_files()
    assert len(files) > 20  # the walk found the templates
    found = []
    for path in files:
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if match := INLINE.search(line):
                found.append(f"{path.relative_to(settings.BASE_DIR)}:{number}: {match.group(0).strip()}")
    assert found == []


def test_no_rendered_page_holds_inline_code(client: Client, tmp_path: Path) -> None:
    """The template walk misses HTML built in Python (the chart tags): every rendered page is checked too."""
    site = site_make(tmp_path)
    client.force_login(site.owner)
    found = {}
    for name, url in site.pages.items():
        response = client.get(url)
        assert response.status_code == 200, name
        if inline := inline_code(response.content.decode()):
            found[name] = inline
    assert found == {}
