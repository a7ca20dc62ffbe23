"""The reply settings and the simulate button on the account page, and reply candidates in the queue; with and without htmx."""

from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from pytest_django.fixtures import Settings as SettingsWrapper

from curator.models import Candidate
from posting.models import Account, Mention, Post
from tests.support.mentions import dry_account, markov_checkpoint, mention_with_candidates

pytestmark = pytest.mark.django_db


@pytest.fixture
def account() -> Account:
    return dry_account(replies_enabled=False)


@pytest.fixture
def markov(settings: SettingsWrapper, tmp_path: Path) -> None:
    settings.MODELS_DIR = tmp_path
    markov_checkpoint()


REPLY_SETTINGS = {
    "replies_enabled": "on",
    "replies_per_hour": 3,
    "reply_candidates": 6,
    "ignore_users": "@spam, troll",
    "ignore_words": "crypto",
}


def test_curators_and_outsiders_cannot_change_replies_or_simulate_mentions(
    curator_client: Client, outsider_client: Client, account: Account
) -> None:
    for client in (curator_client, outsider_client):
        assert client.post(reverse("posting:account_replies", args=[account.pk]), REPLY_SETTINGS).status_code == 403
        assert (
            client.post(reverse("posting:mention_simulate", args=[account.pk]), {"author": "fan", "text": "@thebot hi"}).status_code == 403
        )
    account.refresh_from_db()
    assert not account.replies_enabled and account.ignore_users == "" and not Mention.objects.exists()


def test_the_account_page_shows_the_reply_settings_and_the_simulate_button(owner_client: Client, account: Account) -> None:
    html = owner_client.get(reverse("posting:account", args=[account.pk])).content.decode()
    assert "Replies to mentions" in html and "Simulate a mention" in html and "No mention yet." in html
    assert 'name="ignore_users"' in html and 'name="ignore_words"' in html


def test_an_owner_saves_reply_settings_and_ignore_lists_without_htmx(owner_client: Client, account: Account) -> None:
    response = owner_client.post(reverse("posting:account_replies", args=[account.pk]), REPLY_SETTINGS)
    assert response.status_code == 302 and response["Location"] == reverse("posting:account", args=[account.pk])
    account.refresh_from_db()
    assert (account.replies_enabled, account.replies_per_hour, account.reply_candidates) == (True, 3, 6)
    assert (account.ignore_users, account.ignore_words) == ("@spam, troll", "crypto")


def test_an_owner_saves_reply_settings_with_htmx_and_gets_the_section(
    owner_client: Client, account: Account, htmx_headers: dict[str, str]
) -> None:
    html = owner_client.post(reverse("posting:account_replies", args=[account.pk]), REPLY_SETTINGS, **htmx_headers).content.decode()  # type: ignore[arg-type]
    assert html.lstrip().startswith('<section class="card" id="replies">') and "Saved." in html and "<html" not in html
    account.refresh_from_db()
    assert account.replies_enabled and account.ignore_words == "crypto"


@pytest.mark.parametrize("htmx", [False, True])
def test_a_bad_ignore_list_gets_one_message_and_keeps_the_input(
    owner_client: Client, account: Account, htmx_headers: dict[str, str], htmx: bool
) -> None:
    data = REPLY_SETTINGS | {"ignore_users": "good_one not-a-name!"}
    headers = htmx_headers if htmx else {}
    html = owner_client.post(reverse("posting:account_replies", args=[account.pk]), data, **headers).content.decode()  # type: ignore[arg-type]
    assert "Not a username: not-a-name!." in html and "good_one not-a-name!" in html
    account.refresh_from_db()
    assert account.ignore_users == "" and not account.replies_enabled


def test_simulating_a_mention_puts_reply_candidates_in_the_queue_without_htmx(owner_client: Client, account: Account, markov: None) -> None:
    response = owner_client.post(
        reverse("posting:mention_simulate", args=[account.pk]), {"author": "@fan", "text": "@thebot any jobs news?"}
    )
    assert response.status_code == 302
    mention = Mention.objects.get()
    assert mention.simulated and mention.state == Mention.State.READY and mention.author_username == "fan"
    assert Candidate.objects.filter(mention=mention, status=Candidate.Status.PENDING).exists()
    html = owner_client.get(response["Location"]).content.decode()
    assert "its reply candidates are in the queue" in html and "@thebot any jobs news?" in html


def test_simulating_a_mention_with_htmx_returns_the_section_with_the_mention(
    owner_client: Client, account: Account, markov: None, htmx_headers: dict[str, str]
) -> None:
    url = reverse("posting:mention_simulate", args=[account.pk])
    html = owner_client.post(url, {"author": "fan", "text": "<b>@thebot</b> hi"}, **htmx_headers).content.decode()  # type: ignore[arg-type]
    assert html.lstrip().startswith('<section class="card" id="replies">')
    assert "&lt;b&gt;@thebot&lt;/b&gt; hi" in html and "<b>@thebot</b>" not in html
    assert "Review in the queue" in html


@pytest.mark.parametrize("htmx", [False, True])
def test_a_simulated_mention_from_an_ignored_user_is_kept_but_not_answered(
    owner_client: Client, account: Account, markov: None, htmx_headers: dict[str, str], htmx: bool
) -> None:
    Account.objects.filter(pk=account.pk).update(ignore_users="troll")
    headers = htmx_headers if htmx else {}
    response = owner_client.post(
        reverse("posting:mention_simulate", args=[account.pk]), {"author": "troll", "text": "@thebot hi"}, follow=True, **headers
    )  # type: ignore[arg-type]
    assert "not answered: @troll is on the account&#x27;s ignore list." in response.content.decode()
    assert Mention.objects.get().state == Mention.State.SKIPPED and not Candidate.objects.exists()


@pytest.mark.parametrize("htmx", [False, True])
def test_a_bad_simulated_mention_gets_one_message(owner_client: Client, account: Account, htmx_headers: dict[str, str], htmx: bool) -> None:
    headers = htmx_headers if htmx else {}
    html = owner_client.post(
        reverse("posting:mention_simulate", args=[account.pk]), {"author": "no spaces please", "text": ""}, **headers
    ).content.decode()  # type: ignore[arg-type]
    assert "A username is letters, digits and underscores." in html and "This field is required." in html
    assert not Mention.objects.exists()


# --- The queue


@pytest.mark.parametrize("htmx", [False, True])
def test_the_queue_shows_the_mention_and_its_author_above_a_reply_candidate(
    curator_client: Client, htmx_headers: dict[str, str], htmx: bool
) -> None:
    account = dry_account()
    mention, rows = mention_with_candidates(account, 2)
    Mention.objects.filter(pk=mention.pk).update(text="@thebot <script>alert(1)</script> really?")
    headers = htmx_headers if htmx else {}
    html = curator_client.get(reverse("curator:queue"), **headers).content.decode()  # type: ignore[arg-type]
    assert ('<section id="queue-panel"' in html) and (("<html" in html) != htmx)
    assert (
        "to <strong>@alice</strong>" in html and "&lt;script&gt;alert(1)&lt;/script&gt; really?" in html and "<script>alert(1)" not in html
    )
    assert "Replies to @alice" in html and html.count('<span class="badge reply">reply</span>') == 1 + len(rows)
    assert rows[0].text in html


@pytest.mark.parametrize("htmx", [False, True])
def test_approving_a_reply_from_the_queue_schedules_the_reply_and_sets_the_others_aside(
    curator_client: Client, curator: User, htmx_headers: dict[str, str], htmx: bool
) -> None:
    account = dry_account()
    mention, (chosen, other) = mention_with_candidates(account, 2)
    curator_client.get(reverse("curator:queue"))  # claim
    headers = htmx_headers if htmx else {}
    response = curator_client.post(reverse("curator:queue_approve", args=[chosen.pk]), {"version": chosen.version}, **headers)  # type: ignore[arg-type]
    assert response.status_code == (200 if htmx else 303)
    post = Post.objects.get()
    assert (post.candidate_id, post.in_reply_to_id) == (chosen.pk, mention.remote_id)
    other.refresh_from_db()
    assert other.status == Candidate.Status.SET_ASIDE
    if htmx:
        assert f"Approved #{chosen.pk}." in response.content.decode() and other.text not in response.content.decode()


def test_the_schedule_page_marks_a_queued_reply(curator_client: Client, curator: User) -> None:
    from curator import decisions

    account = dry_account()
    mention, (chosen,) = mention_with_candidates(account, 1)
    decisions.candidate_approve(candidate_id=chosen.pk, version=chosen.version, by=curator)
    html = curator_client.get(reverse("posting:schedule")).content.decode()
    assert f'<span class="badge reply" title="In reply to post {mention.remote_id}">reply</span> {chosen.text}' in html
