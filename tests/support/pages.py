"""Every page of the dashboard with something on it, and the HTML checks the front-end tests share.

An owner sees every page, so `site_make` builds one and the rows that fill each page: a corpus, a
near copy (with a near-duplicate sibling) and reply candidates in the queue, decisions, queued, sent and failed posts, a finetune run
with its loss chart and a batch.
"""

from dataclasses import dataclass
from datetime import timedelta
from html.parser import HTMLParser
from pathlib import Path

from django.contrib.auth.models import Group, User
from django.urls import reverse
from django.utils import timezone

from corpora.models import Corpus
from corpora.services import corpus_import
from curator import decisions
from curator.models import Candidate
from generation.models import FinetuneRun, GenerationBatch, Status
from posting.models import Post
from tests.support import corpora as samples
from tests.support.mentions import mention_with_candidates
from tests.support.queue import make_account, make_batch, make_candidate, make_candidates, make_near_copy

OWNER_PASSWORD = "owner-pass-123"


@dataclass
class Site:
    owner: User
    corpus: Corpus
    near: Candidate
    pages: dict[str, str]  # what the page is -> its URL


def site_make(tmp_dir: Path) -> Site:
    # Transactional tests start from empty tables: the groups of the data migration may be gone.
    owner = User.objects.create_user("olivia", password=OWNER_PASSWORD)
    owner.groups.add(Group.objects.get_or_create(name="owner")[0], Group.objects.get_or_create(name="curator")[0])
    corpus = corpus_import(name="bot", path_or_file=samples.write_trump_json(tmp_dir / "trump.json"), options={}, by=owner).corpus

    account = make_account()
    batch = make_batch(temperature=0.9)
    near = make_near_copy(batch=batch)
    # A near-duplicate sibling, so the near copy's card says "1 similar".
    sibling = make_candidate("Sad! The fake news media is working overtime again", batch=batch)
    Candidate.objects.filter(pk__in=[near.pk, sibling.pk]).update(sibling_group=near.pk)
    make_candidates(3, batch=batch, prefix="Another one")
    mention_with_candidates(account, 2)
    rejected, scheduled = make_candidate("Rejected by the owner", batch=batch), make_candidate("Scheduled by the owner", batch=batch)
    decisions.candidate_reject(candidate_id=rejected.pk, version=rejected.version, by=owner)
    decisions.candidate_schedule(candidate_id=scheduled.pk, version=scheduled.version, by=owner)
    ready = make_candidate("Approved, waiting in the Ready backlog", batch=batch)
    decisions.candidate_approve(candidate_id=ready.pk, version=ready.version, by=owner)
    sent_at = timezone.now() - timedelta(hours=2)
    Post.objects.create(
        account=account, text="Sent yesterday", scheduled_at=sent_at, sent_at=sent_at, state=Post.State.SENT, remote_id="dry-1"
    )
    Post.objects.create(account=account, text="This one failed", scheduled_at=sent_at, state=Post.State.FAILED, error="403 duplicate")

    FinetuneRun.objects.create(
        corpus=corpus,
        base_model="tiny",
        run_name="charted",
        steps=10,
        step=3,
        status=Status.FAILED,
        loss_history=[[1, 5.5], [2, 5.0], [3, 4.2]],
        samples=[{"step": 3, "text": "A sample"}],
        error="The worker ran out of memory.",
    )
    GenerationBatch.objects.filter(pk=batch.pk).update(status=Status.SUCCEEDED, progress=10, kept_count=7, generated_count=10)

    pages = {
        "home": reverse("core:home"),
        "status": reverse("core:status"),
        "people": reverse("core:people"),
        "queue": reverse("curator:queue"),
        "queue card with a similar one": reverse("curator:queue") + f"?c={near.pk}",
        "queue editor": reverse("curator:queue_edit", args=[near.pk]),
        "candidates": reverse("curator:candidates"),
        "candidate": reverse("curator:candidate", args=[near.pk]),
        "decisions": reverse("curator:decision_history"),
        "stats": reverse("curator:stats"),
        "schedule": reverse("posting:schedule"),
        "ready": reverse("posting:ready"),
        "calendar": reverse("posting:calendar"),
        "posted history": reverse("posting:post_history"),
        "accounts": reverse("posting:accounts"),
        "account": reverse("posting:account", args=[account.pk]),
        "generation": reverse("generation:generation"),
        "corpora": reverse("corpora:list"),
        "corpus upload": reverse("corpora:upload"),
        "corpus": reverse("corpora:detail", args=[corpus.pk]),
        "near-copy check": reverse("corpora:nearcopy_panel", args=[corpus.pk]),
    }
    return Site(owner=owner, corpus=corpus, near=near, pages=pages)


class _Fields(HTMLParser):
    """Collects form fields with what could label them, and inline code (the CSP refuses all of it)."""

    def __init__(self) -> None:
        super().__init__()
        self.label_depth = 0
        self.label_for: set[str] = set()
        self.fields: list[tuple[str, dict[str, str | None], bool]] = []
        self.inline: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        for name, value in attrs:
            if name == "style" or name.startswith("on") or name.startswith("hx-on"):
                self.inline.append(f"<{tag} {name}={value!r}>")
        if tag == "style" or (tag == "script" and not found.get("src")):
            self.inline.append(f"<{tag}> element")
        if tag == "label":
            self.label_depth += 1
            if found.get("for"):
                self.label_for.add(str(found["for"]))
        elif tag in ("input", "select", "textarea"):
            if tag == "input" and (found.get("type") or "text") in ("hidden", "submit", "button", "reset", "image"):
                return
            self.fields.append((tag, found, self.label_depth > 0))

    def handle_endtag(self, tag: str) -> None:
        if tag == "label":
            self.label_depth = max(0, self.label_depth - 1)


def unlabelled_fields(html: str) -> list[str]:
    """Each <input>, <select> or <textarea> without a <label for>, a wrapping <label> or an aria-label."""
    parser = _Fields()
    parser.feed(html)
    missing = []
    for tag, attrs, wrapped in parser.fields:
        named = (
            wrapped
            or (attrs.get("id") or "") in parser.label_for
            or (attrs.get("aria-label") or "").strip()
            or attrs.get("aria-labelledby")
        )
        if not named:
            missing.append(f"<{tag} name={attrs.get('name')!r} id={attrs.get('id')!r}>")
    return missing


def inline_code(html: str) -> list[str]:
    """style= and on*= attributes, <style> elements and <script> elements without src."""
    parser = _Fields()
    parser.feed(html)
    return parser.inline
