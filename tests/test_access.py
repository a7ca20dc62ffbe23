import re

import pytest
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_it_requires_login_for_every_page(client: Client) -> None:
    for name in ["core:home", "core:status"]:
        response = client.get(reverse(name))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


def test_it_shows_the_login_page_without_login(client: Client) -> None:
    response = client.get(reverse("login"))
    assert response.status_code == 200
    assert b"Log in" in response.content


def test_it_logs_in_and_out(client: Client, curator) -> None:  # type: ignore[no-untyped-def]
    response = client.post(reverse("login"), {"username": "carl", "password": "curator-pass-123"})
    assert response.status_code == 302
    assert client.get(reverse("core:home")).status_code == 200
    client.post(reverse("logout"))
    assert client.get(reverse("core:home")).status_code == 302


def test_it_rejects_a_wrong_password(client: Client, curator) -> None:  # type: ignore[no-untyped-def]
    response = client.post(reverse("login"), {"username": "carl", "password": "nope"})
    assert response.status_code == 200
    assert b"didn't match" in response.content


def test_the_base_page_carries_htmx_and_the_csrf_header(curator_client: Client) -> None:
    html = curator_client.get(reverse("core:home")).content.decode()
    assert "htmx" in html and "/static/" in html
    assert 'hx-headers=\'{"X-CSRFToken": "' in html


def test_it_creates_the_owner_and_curator_groups() -> None:
    from django.contrib.auth.models import Group

    owner = Group.objects.get(name="owner")
    curator = Group.objects.get(name="curator")
    assert owner.permissions.filter(codename="add_corpus").exists()
    assert curator.permissions.filter(codename="change_candidate").exists()
    assert not curator.permissions.filter(codename="add_corpus").exists()


def test_navigation_hides_owner_pages_from_curators(curator_client: Client, owner_client: Client) -> None:
    from core.context_processors import nav_items

    owner_only = [label for label, _name, role in nav_items() if role == "owner"]
    html = curator_client.get(reverse("core:home")).content.decode()
    for label in owner_only:
        assert f">{label}</a>" not in html


def test_a_curator_reaches_every_curator_page_from_the_navigation(curator_client: Client) -> None:
    html = curator_client.get(reverse("curator:queue")).content.decode()
    nav = html.split("<nav>", 1)[1].split("</nav>", 1)[0]
    for label, name in [
        ("Queue", "curator:queue"),
        ("Candidates", "curator:candidates"),
        ("Schedule", "posting:schedule"),
        ("History", "posting:post_history"),
    ]:
        assert f'<a href="{reverse(name)}"' in nav and f">{label}</a>" in nav


def nav_links(html: str) -> list[tuple[str, str]]:
    """(href, label) of every link in the page's main navigation, in order."""
    nav = html.split("<nav>", 1)[1].split("</nav>", 1)[0]
    return re.findall(r'<a href="([^"]*)"[^>]*>([^<]*)</a>', nav)


def navigation_for(*roles: str) -> list[tuple[str, str]]:
    from core.context_processors import nav_items

    return [(reverse(name), label) for label, name, role in nav_items() if role in roles]


def test_the_navigation_shows_an_owner_every_entry(owner_client: Client) -> None:
    from core.context_processors import nav_items

    links = nav_links(owner_client.get(reverse("core:home")).content.decode())
    assert links == navigation_for("owner", "curator")
    assert len(links) == len(nav_items())


def test_the_navigation_shows_a_curator_only_the_curator_entries(curator_client: Client) -> None:
    links = nav_links(curator_client.get(reverse("core:home")).content.decode())
    assert links == navigation_for("curator")
    # Pinned: moving a curator's page to the owners would cut curators off from it.
    assert [label for _href, label in links] == ["Queue", "Candidates", "Stats", "Ready", "Schedule", "Calendar", "History", "Status"]


def test_the_navigation_shows_an_outsider_no_entry(outsider_client: Client) -> None:
    response = outsider_client.get(reverse("core:home"))
    assert response.status_code == 200
    assert nav_links(response.content.decode()) == []


def test_no_two_views_share_a_url_name_or_path() -> None:
    """Apps add routes independently; a clash would silently hide one of the pages."""
    from django.urls import URLPattern, URLResolver, get_resolver

    names: list[str] = []
    paths: list[str] = []

    def walk(patterns: list[object], prefix: str, namespaced: bool) -> None:
        for p in patterns:
            if isinstance(p, URLResolver):
                walk(p.url_patterns, prefix + str(p.pattern), namespaced or bool(p.namespace))
            elif isinstance(p, URLPattern) and not namespaced:
                paths.append(prefix + str(p.pattern))
                if p.name:
                    names.append(p.name)

    walk(get_resolver().url_patterns, "", False)
    assert len(names) == len(set(names)), sorted(n for n in names if names.count(n) > 1)
    assert len(paths) == len(set(paths)), sorted(p for p in paths if paths.count(p) > 1)


OUR_APPS = {"core", "corpora", "curator", "generation", "posting"}


def test_every_model_of_ours_is_in_the_admin() -> None:
    from django.apps import apps
    from django.contrib import admin

    ours = [m for m in apps.get_models() if m._meta.app_label in OUR_APPS]
    assert ours and [m._meta.label for m in ours if not admin.site.is_registered(m)] == []


def test_the_admin_pages_of_every_model_open_for_a_superuser(client: Client) -> None:
    from django.apps import apps
    from django.contrib.auth.models import User

    client.force_login(User.objects.create_superuser("root", password="root-pass-123"))
    for model in apps.get_models():
        if model._meta.app_label in OUR_APPS:
            url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
            assert client.get(url).status_code == 200, url
            assert client.get(reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_add")).status_code in {200, 403}
