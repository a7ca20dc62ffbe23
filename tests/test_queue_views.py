"""The queue page and its actions, each with and without the HX-Request header."""

import re
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.core.cache import cache
from django.test import Client
from django.urls import resolve, reverse

from curator import claims, decisions, selectors
from curator.models import Candidate, Decision
from posting.models import Post
from tests.support.queue import make_account, make_batch, make_candidate, make_candidates, make_near_copy

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_cache")]

ACTIONS = ["curator:queue_approve", "curator:queue_reject", "curator:queue_reject_similar", "curator:queue_schedule", "curator:queue_skip"]


def test_the_pending_count_is_shown_and_capped(curator_client: Client) -> None:
    make_candidates(3)
    assert "3 pending" in curator_client.get(reverse("curator:queue")).content.decode()
    cache.clear()
    Candidate.objects.bulk_create(
        [Candidate(text=f"t{i}", generated_text=f"t{i}", text_hash=str(i)) for i in range(selectors.PENDING_COUNT_CAP + 1)]
    )
    assert "1000+ pending" in curator_client.get(reverse("curator:queue")).content.decode()


def test_the_age_reads_naturally() -> None:
    from datetime import timedelta

    from django.utils import timezone

    from curator.templatetags.queue_tags import age

    assert age(timezone.now()) == "just now"
    assert age(timezone.now() - timedelta(hours=3, minutes=5)) == "3\xa0hours old"


def current_card(html: str) -> tuple[int, int]:
    match = re.search(r'id="queue-panel"[^>]*data-candidate-id="(\d+)" data-version="(\d+)"', html)
    assert match, "no card on the page"
    return int(match.group(1)), int(match.group(2))


def post(client: Client, name: str, pk: int | None = None, htmx: bool = False, **data: object):  # type: ignore[no-untyped-def]
    url = reverse(name, args=[pk]) if pk is not None else reverse(name)
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    return client.post(url, data, **headers)  # type: ignore[arg-type]


@pytest.mark.parametrize("htmx", [False, True])
def test_every_form_and_link_of_a_card_points_at_one_of_our_pages(curator_client: Client, htmx: bool) -> None:
    """`{% url ... as x %}` swallows a name that does not reverse: the button would post to an empty action."""
    make_account()
    plain, near = make_candidate(batch=make_batch()), make_near_copy()
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    for card in (plain, near):
        html = curator_client.get(reverse("curator:queue") + f"?c={card.pk}", **headers).content.decode()  # type: ignore[arg-type]
        assert current_card(html)[0] == card.pk
        urls = re.findall(r'\b(?:action|href|hx-get|hx-post)="([^"]*)"', html)
        assert len([u for u in urls if "/approve" in u or "/reject" in u]) >= 2
        for url in urls:
            if url.startswith(("#", "?", settings.STATIC_URL)):
                continue
            assert url, f"an empty link or form action on the card of #{card.pk}"
            resolve(urlsplit(url).path)


def test_it_refuses_outsiders(outsider_client: Client) -> None:
    make_candidates(2)
    assert outsider_client.get(reverse("curator:queue")).status_code == 403
    first = Candidate.objects.first()
    assert first is not None
    for name in [*ACTIONS, "curator:queue_edit"]:
        assert outsider_client.post(reverse(name, args=[first.pk]), {"version": 1, "text": "mine now"}).status_code == 403
    assert outsider_client.get(reverse("curator:queue_edit", args=[first.pk])).status_code == 403
    assert outsider_client.post(reverse("curator:queue_undo")).status_code == 403
    assert outsider_client.post(reverse("curator:queue_renew")).status_code == 403
    assert not Decision.objects.exists()
    assert not Candidate.objects.exclude(status=Candidate.Status.PENDING).exists()
    assert not Candidate.objects.filter(claimed_by__isnull=False).exists()


def test_it_requires_login(client: Client) -> None:
    response = client.get(reverse("curator:queue"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_the_queue_page_shows_the_first_claimed_card(curator_client: Client) -> None:
    batch = make_batch(temperature=0.9)
    first = make_candidate("Tremendous ratings tonight, thank you!", batch=batch)
    make_candidates(3, batch=batch)
    html = curator_client.get(reverse("curator:queue")).content.decode()
    assert "<html" in html
    assert current_card(html) == (first.pk, 1)
    assert "Tremendous ratings tonight, thank you!" in html
    assert f"{first.weighted_length}/280" in html
    assert f"Batch {batch.pk}" in html and "temperature 0.9" in html
    assert "just now" in html  # age
    assert 'src="/static/js/queue.js"' in html


def test_the_queue_panel_is_a_partial_for_htmx(curator_client: Client, htmx_headers: dict[str, str]) -> None:
    make_candidates(2)
    html = curator_client.get(reverse("curator:queue"), **htmx_headers).content.decode()  # type: ignore[arg-type]
    assert "<html" not in html and 'id="queue-panel"' in html


def test_j_and_k_move_between_the_curators_claims(curator_client: Client, htmx_headers: dict[str, str]) -> None:
    ids = [c.pk for c in make_candidates(4)]
    html = curator_client.get(reverse("curator:queue") + f"?c={ids[1]}", **htmx_headers).content.decode()  # type: ignore[arg-type]
    assert current_card(html)[0] == ids[1]
    assert f'?c={ids[2]}" hx-target="#queue-panel" hx-swap="outerHTML" hx-push-url="true" data-key="j"' in html
    assert f'?c={ids[0]}" hx-target="#queue-panel" hx-swap="outerHTML" hx-push-url="true" data-key="k"' in html


def test_an_empty_queue_says_so(curator_client: Client) -> None:
    html = curator_client.get(reverse("curator:queue")).content.decode()
    assert "Nothing to review" in html


@pytest.mark.parametrize("htmx", [False, True])
def test_approve_moves_to_the_next_card(curator_client: Client, curator: User, htmx: bool) -> None:
    a, b = make_candidates(2)
    curator_client.get(reverse("curator:queue"))
    response = post(curator_client, "curator:queue_approve", a.pk, htmx=htmx, version=1)
    a.refresh_from_db()
    assert a.status == Candidate.Status.APPROVED and a.version == 2 and a.decided_by == curator
    assert a.claimed_by is None
    d = Decision.objects.get(candidate=a)
    assert (d.action, d.user, d.before_status, d.after_status) == ("approve", curator, "pending", "approved")
    if htmx:
        html = response.content.decode()
        assert response.status_code == 200 and "<html" not in html
        assert current_card(html) == (b.pk, 1)
        assert f"Approved #{a.pk}." in html
    else:
        assert response.status_code == 303 and response["Location"] == reverse("curator:queue") + f"?c={b.pk}"
        page = curator_client.get(response["Location"]).content.decode()
        assert f"Approved #{a.pk}." in page


@pytest.mark.parametrize("htmx", [False, True])
def test_reject_moves_to_the_next_card(curator_client: Client, htmx: bool) -> None:
    a, b = make_candidates(2)
    curator_client.get(reverse("curator:queue"))
    response = post(curator_client, "curator:queue_reject", a.pk, htmx=htmx, version=1)
    a.refresh_from_db()
    assert a.status == Candidate.Status.REJECTED
    if htmx:
        assert current_card(response.content.decode())[0] == b.pk
    else:
        assert response.status_code == 303


@pytest.mark.parametrize("htmx", [False, True])
def test_schedule_approves_and_queues_a_post_in_the_next_slot(curator_client: Client, curator: User, htmx: bool) -> None:
    account = make_account()
    a, _b = make_candidates(2)
    curator_client.get(reverse("curator:queue"))
    response = post(curator_client, "curator:queue_schedule", a.pk, htmx=htmx, version=1)
    a.refresh_from_db()
    assert a.status == Candidate.Status.APPROVED
    post_row = Post.objects.get(candidate=a)
    assert post_row.account == account and post_row.state == Post.State.QUEUED and post_row.text == a.text
    decision = Decision.objects.get(candidate=a, action="schedule")
    assert decision.data["post_id"] == post_row.pk
    assert response.status_code == (200 if htmx else 303)


@pytest.mark.parametrize("htmx", [False, True])
def test_schedule_without_an_account_says_why_and_changes_nothing(curator_client: Client, htmx: bool) -> None:
    a = make_candidate()
    curator_client.get(reverse("curator:queue"))
    response = post(curator_client, "curator:queue_schedule", a.pk, htmx=htmx, version=1)
    a.refresh_from_db()
    assert a.status == Candidate.Status.PENDING and a.version == 1
    assert not Decision.objects.exists() and not Post.objects.exists()
    html = response.content.decode() if htmx else curator_client.get(response["Location"]).content.decode()
    assert "no posting account yet" in html


@pytest.mark.parametrize("htmx", [False, True])
def test_skip_releases_the_card_for_another_curator(curator_client: Client, curator: User, htmx: bool) -> None:
    a, b = make_candidates(2)
    curator_client.get(reverse("curator:queue"))
    response = post(curator_client, "curator:queue_skip", a.pk, htmx=htmx)
    a.refresh_from_db()
    assert a.status == Candidate.Status.PENDING and a.claimed_by is None
    assert Decision.objects.get(candidate=a).action == "skip"
    if htmx:
        assert current_card(response.content.decode())[0] == b.pk


@pytest.mark.parametrize("htmx", [False, True])
def test_a_near_copy_cannot_be_approved_without_the_override(curator_client: Client, htmx: bool) -> None:
    near = make_near_copy()
    curator_client.get(reverse("curator:queue"))
    response = post(curator_client, "curator:queue_approve", near.pk, htmx=htmx, version=1)
    near.refresh_from_db()
    assert near.status == Candidate.Status.PENDING and not Decision.objects.exists()
    html = response.content.decode() if htmx else curator_client.get(response["Location"]).content.decode()
    assert "override" in html and "near copy" in html


@pytest.mark.parametrize("htmx", [False, True])
def test_the_override_approves_a_near_copy_and_is_logged(curator_client: Client, curator: User, htmx: bool) -> None:
    near = make_near_copy()
    curator_client.get(reverse("curator:queue"))
    post(curator_client, "curator:queue_approve", near.pk, htmx=htmx, version=1, override="1")
    near.refresh_from_db()
    assert near.status == Candidate.Status.APPROVED and near.nearcopy_override
    override = Decision.objects.get(candidate=near, action="override")
    assert override.user == curator and override.data["verdict"] == "near" and override.data["score"] == 91.0


def test_a_near_copy_cannot_be_scheduled_without_the_override(curator_client: Client) -> None:
    make_account()
    near = make_near_copy()
    curator_client.get(reverse("curator:queue"))
    post(curator_client, "curator:queue_schedule", near.pk, htmx=True, version=1)
    assert not Post.objects.exists()
    post(curator_client, "curator:queue_schedule", near.pk, htmx=True, version=1, override="1")
    assert Post.objects.filter(candidate=near).exists()
    assert Decision.objects.filter(candidate=near, action="override").exists()


def test_near_copies_stand_out_with_the_closest_training_text_highlighted(curator_client: Client) -> None:
    near = make_near_copy()
    html = curator_client.get(reverse("curator:queue")).content.decode()
    assert "qcard qcard-near" in html
    assert "88% copied" in html  # 7 of its 8 words are in the training tweet
    assert "Sad! <mark>The fake news media is working overtime</mark>" in html
    assert "<mark>The fake news media is working overtime</mark> today" in html
    assert f"Closest training tweet #{near.nearcopy_closest_id}" in html
    assert 'data-key="A"' in html  # the override key


@pytest.mark.parametrize("htmx", [False, True])
def test_a_stale_version_names_who_decided_and_overwrites_nothing(
    curator_client: Client, curator: User, curator2: User, htmx: bool
) -> None:
    a = make_candidate()
    curator_client.get(reverse("curator:queue"))
    # cora got the card (e.g. from the list view) and rejected it meanwhile.
    claims.claims_release(user=curator)
    decisions.candidate_reject(candidate_id=a.pk, version=1, by=curator2)
    response = post(curator_client, "curator:queue_approve", a.pk, htmx=htmx, version=1)
    a.refresh_from_db()
    assert a.status == Candidate.Status.REJECTED and a.decided_by == curator2
    assert Decision.objects.filter(candidate=a).count() == 1
    html = response.content.decode() if htmx else curator_client.get(response["Location"]).content.decode()
    assert "cora rejected this candidate" in html and "nothing was saved" in html


def test_a_stale_version_after_an_edit_names_the_editor(curator_client: Client, curator: User, curator2: User) -> None:
    a = make_candidate("first words")
    decisions.candidate_edit(candidate_id=a.pk, version=1, by=curator2, text="second words")
    claims.claims_release(user=curator2)
    html = post(curator_client, "curator:queue_approve", a.pk, htmx=True, version=1).content.decode()
    a.refresh_from_db()
    assert a.status == Candidate.Status.PENDING and a.text == "second words"
    assert "cora edited this candidate" in html


def test_a_card_held_by_another_curator_cannot_be_decided(curator_client: Client, curator2: User) -> None:
    a = make_candidate()
    claims.queue_claim(user=curator2)
    html = post(curator_client, "curator:queue_approve", a.pk, htmx=True, version=1).content.decode()
    a.refresh_from_db()
    assert a.status == Candidate.Status.PENDING and a.claimed_by == curator2
    assert "cora is reviewing this candidate right now" in html


@pytest.mark.parametrize("htmx", [False, True])
def test_edit_opens_inline_and_save_rechecks_length_and_near_copy(curator_client: Client, curator: User, htmx: bool) -> None:
    near = make_near_copy()
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    form = curator_client.get(reverse("curator:queue_edit", args=[near.pk]), **headers).content.decode()  # type: ignore[arg-type]
    assert "<textarea" in form and 'name="version" value="1"' in form
    assert ("<html" in form) is not htmx
    response = post(curator_client, "curator:queue_edit", near.pk, htmx=htmx, version=1, text="  An original thought, finally  ")
    near.refresh_from_db()
    assert near.text == "An original thought, finally"
    assert near.version == 2
    assert near.weighted_length == len("An original thought, finally")
    # The interface's placeholder says "unchecked" until the index lands; the old verdict is gone either way.
    assert near.nearcopy_verdict != Candidate.Verdict.NEAR and near.nearcopy_spans == [] and not near.nearcopy_override
    d = Decision.objects.get(candidate=near, action="edit")
    assert d.before_text == "Sad! The fake news media is working overtime" and d.after_text == near.text
    assert d.data["before_nearcopy"]["nearcopy_verdict"] == "near"
    html = response.content.decode() if htmx else curator_client.get(response["Location"]).content.decode()
    assert current_card(html) == (near.pk, 2)
    assert "Saved #" in html


@pytest.mark.parametrize("htmx", [False, True])
def test_a_too_long_edit_is_refused_and_the_typed_text_is_kept(curator_client: Client, htmx: bool) -> None:
    a = make_candidate()
    long_text = "word " * 70
    response = post(curator_client, "curator:queue_edit", a.pk, htmx=htmx, version=1, text=long_text)
    a.refresh_from_db()
    assert a.text == "Make the queue great again" and a.version == 1
    html = response.content.decode()
    assert response.status_code == 200
    assert "349 of 280" in html
    assert long_text.strip() in html and "<textarea" in html


@pytest.mark.parametrize("htmx", [False, True])
def test_an_empty_edit_is_refused(curator_client: Client, htmx: bool) -> None:
    a = make_candidate()
    html = post(curator_client, "curator:queue_edit", a.pk, htmx=htmx, version=1, text="   ").content.decode()
    a.refresh_from_db()
    assert a.text == "Make the queue great again"
    assert "The text is empty" in html


@pytest.mark.parametrize("htmx", [False, True])
def test_undo_takes_back_the_last_decision_and_shows_the_card_again(curator_client: Client, curator: User, htmx: bool) -> None:
    a, _b = make_candidates(2)
    curator_client.get(reverse("curator:queue"))
    post(curator_client, "curator:queue_reject", a.pk, htmx=True, version=1)
    response = post(curator_client, "curator:queue_undo", htmx=htmx)
    a.refresh_from_db()
    assert a.status == Candidate.Status.PENDING and a.claimed_by == curator and a.version == 3
    assert Decision.objects.get(candidate=a, action="reject").undone
    assert Decision.objects.get(candidate=a, action="undo").data["undid_action"] == "reject"
    html = response.content.decode() if htmx else curator_client.get(response["Location"]).content.decode()
    assert current_card(html) == (a.pk, 3)


def test_undoing_a_schedule_cancels_its_queued_post(curator_client: Client) -> None:
    make_account()
    a = make_candidate()
    curator_client.get(reverse("curator:queue"))
    post(curator_client, "curator:queue_schedule", a.pk, htmx=True, version=1)
    post(curator_client, "curator:queue_undo", htmx=True)
    a.refresh_from_db()
    assert a.status == Candidate.Status.PENDING
    assert Post.objects.get().state == Post.State.CANCELLED


def test_a_posted_candidate_cannot_be_undone(curator_client: Client) -> None:
    make_account()
    a = make_candidate()
    curator_client.get(reverse("curator:queue"))
    post(curator_client, "curator:queue_schedule", a.pk, htmx=True, version=1)
    Post.objects.update(state=Post.State.SENT)
    html = post(curator_client, "curator:queue_undo", htmx=True).content.decode()
    a.refresh_from_db()
    assert a.status == Candidate.Status.APPROVED
    assert "can no longer be undone" in html


def test_undo_refuses_when_someone_changed_the_candidate_since(curator_client: Client, curator: User, curator2: User) -> None:
    a = make_candidate()
    decisions.candidate_approve(candidate_id=a.pk, version=1, by=curator)
    # cora took it back and rejected it herself in the meantime.
    Candidate.objects.filter(pk=a.pk).update(status="pending", version=3)
    decisions.candidate_reject(candidate_id=a.pk, version=3, by=curator2)
    html = post(curator_client, "curator:queue_undo", htmx=True).content.decode()
    a.refresh_from_db()
    assert a.status == Candidate.Status.REJECTED
    assert "cora rejected this candidate" in html


def test_undo_with_nothing_to_undo_says_so(curator_client: Client) -> None:
    html = post(curator_client, "curator:queue_undo", htmx=True).content.decode()
    assert "Nothing to undo" in html


def test_undo_of_an_edit_restores_the_text_and_verdict(curator_client: Client) -> None:
    near = make_near_copy()
    post(curator_client, "curator:queue_edit", near.pk, htmx=True, version=1, text="Totally new")
    post(curator_client, "curator:queue_undo", htmx=True)
    near.refresh_from_db()
    assert near.text == "Sad! The fake news media is working overtime"
    assert near.nearcopy_verdict == "near" and near.nearcopy_spans and near.version == 3


def test_a_missing_version_is_refused_clearly(curator_client: Client) -> None:
    a = make_candidate()
    html = post(curator_client, "curator:queue_approve", a.pk, htmx=True).content.decode()
    a.refresh_from_db()
    assert a.status == Candidate.Status.PENDING
    assert "which version you saw" in html


@pytest.mark.parametrize("name", ACTIONS)
def test_every_action_needs_post(curator_client: Client, name: str) -> None:
    a = make_candidate()
    assert curator_client.get(reverse(name, args=[a.pk])).status_code == 405


@pytest.mark.parametrize("name", [*ACTIONS, "curator:queue_edit"])
def test_every_action_carries_csrf(curator: User, name: str) -> None:
    a = make_candidate()
    client = Client(enforce_csrf_checks=True)
    client.force_login(curator)
    html = client.get(reverse("curator:queue")).content.decode()
    assert 'hx-headers=\'{"X-CSRFToken": "' in html
    assert html.count('method="post"') == html.count('name="csrfmiddlewaretoken"') >= 5
    response = client.post(reverse(name, args=[a.pk]), {"version": 1, "text": "x"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 403
    a.refresh_from_db()
    assert a.status == Candidate.Status.PENDING and a.text == "Make the queue great again"
    token = re.search(r'"X-CSRFToken": "([^"]+)"', html).group(1)  # type: ignore[union-attr]
    response = client.post(reverse(name, args=[a.pk]), {"version": 1, "text": "x"}, HTTP_HX_REQUEST="true", HTTP_X_CSRFTOKEN=token)
    assert response.status_code == 200


def test_a_script_candidate_shows_as_text(curator_client: Client) -> None:
    make_candidate('<script>alert("pwned")</script> & <b>bold</b>')
    html = curator_client.get(reverse("curator:queue")).content.decode()
    assert "<script>alert" not in html and "<b>bold</b>" not in html
    assert "&lt;script&gt;alert(&quot;pwned&quot;)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;" in html


def test_an_edit_reruns_the_real_near_copy_check(curator_client: Client, curator: User) -> None:
    """Editing a flagged candidate into an original clears the flag; editing it into a copy flags it."""
    near = make_near_copy()
    training = near.nearcopy_closest
    assert training is not None
    html = post(
        curator_client, "curator:queue_edit", near.pk, htmx=True, version=1, text="Houseplants deserve a long weekend too"
    ).content.decode()
    near.refresh_from_db()
    assert near.nearcopy_verdict == Candidate.Verdict.OK and near.nearcopy_spans == []
    assert "qcard qcard-near" not in html

    copied = "The fake news media is working overtime today!!"
    html = post(curator_client, "curator:queue_edit", near.pk, htmx=True, version=near.version, text=copied).content.decode()
    near.refresh_from_db()
    assert (near.nearcopy_verdict, near.nearcopy_reason, near.nearcopy_closest_id) == ("copy", "copy", training.pk)
    assert near.nearcopy_score == 100.0
    span = near.nearcopy_spans[0]
    assert copied[span["candidate_start"] : span["candidate_end"]].startswith("The fake news media")
    assert span["training_id"] == training.pk
    assert "<mark>The fake news media is working overtime today</mark>" in html and "qcard qcard-near" in html
