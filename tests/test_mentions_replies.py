"""Approving a reply candidate: a reply for the next minute, the others set aside, the hourly limit, never twice, undo."""

from datetime import time, timedelta
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.utils import timezone
from pytest_django.fixtures import Settings as SettingsWrapper

from curator import claims, decisions, errors, undo
from curator.models import Candidate, Decision
from posting.mentions import reply_time
from posting.models import Mention, Post, Slot
from posting.scheduling import post_schedule
from tests.support.mentions import dry_account, mention_with_candidates, next_minute

pytestmark = pytest.mark.django_db


def test_approving_a_reply_candidate_schedules_a_reply_for_the_next_minute_and_sets_the_others_aside(curator: User) -> None:
    account = dry_account()
    mention, (chosen, *others) = mention_with_candidates(account, 3)
    before = timezone.now()
    decisions.candidate_approve(candidate_id=chosen.pk, version=chosen.version, by=curator)
    post = Post.objects.get()
    assert (post.candidate_id, post.account, post.in_reply_to_id, post.text) == (chosen.pk, account, mention.remote_id, chosen.text)
    assert post.scheduled_at == next_minute(before) or post.scheduled_at == next_minute(timezone.now())
    mention.refresh_from_db()
    assert mention.state == Mention.State.ANSWERED
    for other in others:
        other.refresh_from_db()
        assert other.status == Candidate.Status.SET_ASIDE and other.version == 2 and other.decided_by == curator
        decision = other.decisions.get()
        assert decision.action == Decision.Action.SET_ASIDE and decision.data["reply"] == chosen.pk
    approve = chosen.decisions.get(action=Decision.Action.APPROVE)
    assert approve.data["post_id"] == post.pk and approve.data["reply_to"] == mention.remote_id


def test_schedule_on_a_reply_candidate_also_makes_a_reply_not_a_slot_post(curator: User) -> None:
    account = dry_account()
    Slot.objects.create(account=account, time_of_day=time(3, 0), weekdays=list(range(1, 8)))
    mention, (chosen, _other) = mention_with_candidates(account, 2)
    decisions.candidate_schedule(candidate_id=chosen.pk, version=chosen.version, by=curator)
    post = Post.objects.get()
    assert post.in_reply_to_id == mention.remote_id and post.scheduled_at <= timezone.now() + timedelta(minutes=1)


def test_another_candidate_for_an_answered_mention_cannot_be_approved(curator: User, curator2: User) -> None:
    account = dry_account()
    _mention, (first, second) = mention_with_candidates(account, 2)
    decisions.candidate_approve(candidate_id=first.pk, version=first.version, by=curator)
    # The second curator still had version 1 on screen: the candidate was set aside meanwhile.
    with pytest.raises(errors.StaleCandidate, match="carl set aside this candidate"):
        decisions.candidate_approve(candidate_id=second.pk, version=1, by=curator2)
    assert Post.objects.count() == 1


def test_a_mention_is_never_answered_twice_even_past_the_queue(curator: User) -> None:
    account = dry_account()
    mention, (first, second) = mention_with_candidates(account, 2)
    decisions.candidate_approve(candidate_id=first.pk, version=first.version, by=curator)
    # A candidate put back to pending by hand still cannot make a second reply...
    Candidate.objects.filter(pk=second.pk).update(status=Candidate.Status.PENDING, version=5)
    with pytest.raises(errors.DecisionError, match=r"already has a reply: a mention is answered only once\. Nothing was changed\."):
        decisions.candidate_approve(candidate_id=second.pk, version=5, by=curator)
    second.refresh_from_db()
    assert second.status == Candidate.Status.PENDING  # the refused approval was rolled back
    # ...and the database itself refuses a second live reply to the same post.
    with pytest.raises(IntegrityError), transaction.atomic():
        Post.objects.create(account=account, text="again", scheduled_at=timezone.now(), in_reply_to_id=mention.remote_id)
    assert Post.objects.filter(in_reply_to_id=mention.remote_id).count() == 1


def test_replies_over_the_hourly_limit_wait_until_the_hour_frees_up(curator: User) -> None:
    account = dry_account(replies_per_hour=2)
    now = timezone.now()
    posts = []
    for _ in range(3):
        _mention, (c,) = mention_with_candidates(account, 1)
        decisions.candidate_approve(candidate_id=c.pk, version=c.version, by=curator)
        posts.append(Post.objects.get(candidate=c))
    first, second, third = (p.scheduled_at for p in posts)
    assert first in (next_minute(now), next_minute(now) + timedelta(minutes=1)) and second == first
    assert third == first + timedelta(hours=1, seconds=1)
    # No rolling hour holds more than two of them.
    times = sorted(p.scheduled_at for p in posts)
    assert all(sum(1 for t in times if start <= t < start + timedelta(hours=1)) <= 2 for start in times)


def test_failed_and_cancelled_replies_do_not_use_the_hourly_limit() -> None:
    account = dry_account(replies_per_hour=1)
    now = timezone.now()
    for state, remote_id in ((Post.State.FAILED, "1"), (Post.State.CANCELLED, "2")):
        Post.objects.create(account=account, text=state, scheduled_at=now, in_reply_to_id=remote_id, state=state)
    assert reply_time(account=account, after=now) == next_minute(now)


def test_replies_take_no_posting_slot_and_do_not_count_towards_the_daily_cap(curator: User) -> None:
    account = dry_account(daily_cap=1)
    Slot.objects.create(account=account, time_of_day=time(12, 0), weekdays=list(range(1, 8)))
    _mention, (reply,) = mention_with_candidates(account, 1)
    decisions.candidate_approve(candidate_id=reply.pk, version=reply.version, by=curator)
    plain = Candidate.objects.create(text="A plain tweet", generated_text="A plain tweet", text_hash="h", status=Candidate.Status.APPROVED)
    post = post_schedule(candidate=plain, by=curator, account=account)
    assert post.in_reply_to_id == "" and post.scheduled_at - timezone.now() < timedelta(days=1, minutes=1)


def test_undoing_an_approved_reply_cancels_it_and_brings_the_set_aside_candidates_back(curator: User) -> None:
    account = dry_account()
    mention, (chosen, *others) = mention_with_candidates(account, 3)
    decisions.candidate_approve(candidate_id=chosen.pk, version=chosen.version, by=curator)
    undo.decision_undo(by=curator)
    assert Post.objects.get().state == Post.State.CANCELLED
    mention.refresh_from_db()
    assert mention.state == Mention.State.READY
    for c in [chosen, *others]:
        c.refresh_from_db()
        assert c.status == Candidate.Status.PENDING
    # Another candidate may now be the reply, and only it is live.
    other = Candidate.objects.get(pk=others[0].pk)
    decisions.candidate_approve(candidate_id=other.pk, version=other.version, by=curator)
    live = Post.objects.exclude(state=Post.State.CANCELLED)
    assert [p.candidate_id for p in live] == [other.pk]


def test_a_plain_candidate_is_still_scheduled_into_a_slot(curator: User) -> None:
    account = dry_account()
    Slot.objects.create(account=account, time_of_day=time(12, 0), weekdays=list(range(1, 8)))
    plain = Candidate.objects.create(text="Plain", generated_text="Plain", text_hash="p")
    decisions.candidate_schedule(candidate_id=plain.pk, version=plain.version, by=curator)
    post = Post.objects.get()
    assert post.in_reply_to_id == "" and post.scheduled_at.astimezone(timezone.get_current_timezone()).minute == 0


def test_the_demo_loop_a_simulated_mention_is_answered_by_the_dry_run_publisher_once(
    curator: User, settings: SettingsWrapper, tmp_path: Path
) -> None:
    from posting.delivery import posts_send_due
    from posting.demo import demo_account_ensure
    from posting.mentions import mention_simulate
    from posting.models import Account, DryRunTweet
    from tests.support.mentions import markov_checkpoint

    settings.MODELS_DIR = tmp_path
    markov_checkpoint()
    demo_account_ensure()
    account = Account.objects.get(name="demo-bot")
    mention = mention_simulate(account=account, text="@demo-bot how big was the crowd tonight?", author="fan")
    assert mention.batch is not None and mention.batch.prefix == "how big was the crowd tonight?"
    chosen = Candidate.objects.filter(mention=mention).first()
    assert chosen is not None
    # The Markov chain is not seeded here, so its reply may copy a training text: then the curator overrides (Shift+A).
    decisions.candidate_approve(candidate_id=chosen.pk, version=chosen.version, by=curator, override=chosen.is_near_copy)
    Post.objects.filter(candidate=chosen).update(scheduled_at=timezone.now())
    posts_send_due()
    posts_send_due()
    tweet = DryRunTweet.objects.get()
    assert (tweet.text, tweet.in_reply_to_id) == (chosen.text, mention.remote_id)
    assert Post.objects.get(candidate=chosen).state == Post.State.SENT


def test_a_curator_who_claims_one_reply_candidate_holds_all_the_free_ones_of_that_mention(
    curator: User, curator2: User, settings: SettingsWrapper
) -> None:
    settings.QUEUE_CLAIM_SIZE = 4
    account = dry_account()
    plain = [Candidate.objects.create(text=f"Plain {i}", generated_text="p", text_hash=f"p{i}") for i in range(3)]
    _mention, replies = mention_with_candidates(account, 5)
    mine = claims.queue_claim_cards(user=curator)
    # Replies come first, and the mention's five are held together although the claim size is four.
    assert [c.pk for c in mine] == [r.pk for r in replies]
    # Nothing of that mention is left to split: the next curator gets the backlog.
    assert [c.pk for c in claims.queue_claim_cards(user=curator2)] == [c.pk for c in plain]
    # A reply candidate held by someone else stays theirs.
    _other, (a, b) = mention_with_candidates(account, 2)
    Candidate.objects.filter(pk=b.pk).update(claimed_by=curator, claim_expires_at=timezone.now() + timedelta(minutes=5))
    third = User.objects.create_user("cleo")
    assert [c.pk for c in claims.queue_claim_cards(user=third)] == [a.pk]


def test_reply_candidates_jump_the_backlog_and_come_first_in_the_queue(curator: User) -> None:
    backlog = [
        Candidate.objects.create(
            text=f"Backlog {i}", generated_text=f"Backlog {i}", text_hash=f"b{i}", nearcopy_verdict=Candidate.Verdict.OK
        )
        for i in range(20)
    ]
    _mention, replies = mention_with_candidates(dry_account(), n=2)
    held = claims.queue_claim_cards(user=curator)
    assert [c.pk for c in held[:2]] == [r.pk for r in replies]
    assert all(c.mention_id is None for c in held[2:]) and held[2].pk == backlog[0].pk
