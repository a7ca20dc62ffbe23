"""The README's demo shows two bots: setup_demo makes two accounts with their own models and batches, and the
queue's `s` sends each candidate to its own bot's account."""

from io import StringIO

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command

from core import demo
from curator.decisions import candidate_schedule
from curator.models import Candidate
from posting.autofill import accounts_autofill
from posting.demo import SECOND_ACCOUNT, demo_bots_ensure
from posting.models import Account, Post

pytestmark = pytest.mark.django_db


def test_setup_demo_makes_two_bots_whose_candidates_go_to_their_own_account(curator: User, settings, tmp_path) -> None:  # type: ignore[no-untyped-def]
    settings.MODELS_DIR = tmp_path / "models"
    settings.NEARCOPY_DIR = tmp_path / "nearcopy"
    assert demo.DEMO_STEPS.count(demo_bots_ensure) == 1
    out = StringIO()
    call_command("setup_demo", stdout=out)
    call_command("setup_demo", stdout=StringIO())  # safe to run again
    assert "Bots demo: demo-bot posts" in out.getvalue()
    first, second = Account.objects.get(name="demo-bot"), Account.objects.get(name=SECOND_ACCOUNT)
    assert first.checkpoints.count() == 1 and second.checkpoints.count() == 1
    assert set(first.checkpoints.all()).isdisjoint(second.checkpoints.all())
    assert second.autofill and second.timezone == "America/Los_Angeles"
    for account in (first, second):
        c = Candidate.objects.filter(batch__account=account, status=Candidate.Status.PENDING, mention__isnull=True).first()
        assert c is not None, account.name
        candidate_schedule(candidate_id=c.pk, version=c.version, by=curator)
        assert Post.objects.get(candidate=c).account == account
    # night-bot fills its own free slots from what was approved for it.
    for c in Candidate.objects.filter(batch__account=second, status=Candidate.Status.PENDING)[:2]:
        Candidate.objects.filter(pk=c.pk).update(status=Candidate.Status.APPROVED)
    assert accounts_autofill().filled == {SECOND_ACCOUNT: 2}
