"""The embedded demo's posting account: dry run, so the whole path works offline."""

from datetime import time

from django.conf import settings

from corpora.models import Corpus
from generation.batches import batch_run
from generation.checkpoints import markov_checkpoint_create
from generation.models import Checkpoint, GenerationBatch, Status
from generation.services import batch_start, batches_target_set
from posting.models import Account, Slot

DEMO_ACCOUNT = "demo-bot"
DEMO_SLOTS = [time(9, 0), time(12, 0), time(15, 0), time(18, 0), time(21, 0)]


def demo_account_ensure() -> str:
    account, created = Account.objects.get_or_create(
        name=DEMO_ACCOUNT,
        defaults={
            "publisher": Account.Publisher.DRYRUN,
            "timezone": settings.TIME_ZONE,
            "daily_cap": len(DEMO_SLOTS),
            "handle": DEMO_ACCOUNT,
        },
    )
    if not account.slots.exists():
        Slot.objects.bulk_create([Slot(account=account, time_of_day=t, weekdays=list(range(1, 8))) for t in DEMO_SLOTS])
    state = "created" if created else "present"
    return f"Posting account {DEMO_ACCOUNT!r} (dry run, {account.slots.count()} daily slots) {state}: schedule posts on /schedule/, see them on /history/."


# The second bot: its own model (a second Markov chain; the project ships one sample corpus, so both voices learn
# from it: with corpora of your own, each bot gets its own), its own account in another time zone, filling its
# free slots from its backlog by itself.
SECOND_ACCOUNT = "night-bot"
SECOND_CHECKPOINT = "markov-sample-night"
SECOND_SLOTS = [time(8, 0), time(13, 0), time(20, 0)]


def demo_bots_ensure() -> str:
    """Two bots: demo-bot posts the generation demo's Markov chain; night-bot (America/Los_Angeles, auto-fill on)
    posts a second chain, with a batch of its own whose candidates the queue's `s` sends to it."""
    first = Account.objects.filter(name=DEMO_ACCOUNT).first()
    corpus = Corpus.objects.filter(name="sample").first()
    voice = Checkpoint.objects.filter(kind=Checkpoint.Kind.MARKOV, corpus=corpus).order_by("created_at").first() if corpus else None
    if first is None or corpus is None or voice is None:
        return "Bots demo: needs the sample corpus, its Markov chain and demo-bot first; skipped."
    first.checkpoints.add(voice)
    batches_target_set(checkpoint=voice, account_id=first.pk)
    second, _ = Account.objects.get_or_create(
        name=SECOND_ACCOUNT,
        defaults={
            "publisher": Account.Publisher.DRYRUN,
            "timezone": "America/Los_Angeles",
            "daily_cap": len(SECOND_SLOTS),
            "handle": SECOND_ACCOUNT,
            "autofill": True,
            "autofill_hours": 48,
        },
    )
    if not second.slots.exists():
        Slot.objects.bulk_create([Slot(account=second, time_of_day=t, weekdays=list(range(1, 8))) for t in SECOND_SLOTS])
    night = Checkpoint.objects.filter(name=SECOND_CHECKPOINT).first() or markov_checkpoint_create(corpus=corpus, name=SECOND_CHECKPOINT)
    second.checkpoints.add(night)
    batch = GenerationBatch.objects.filter(checkpoint=night, account=second, status=Status.SUCCEEDED).first()
    if batch is None:
        batch = batch_start(checkpoint=night, n_candidates=40, batch_size=20, seed=2, enqueue=False, account_id=second.pk)
        batch_run(batch_id=batch.pk)
        batch.refresh_from_db()
    return (
        f"Bots demo: {first.name} posts {voice.name}; {second.name} (America/Los_Angeles, fills its free slots from its "
        f"Ready backlog) posts {night.name}, whose batch #{batch.pk} put {batch.kept_count} candidates in the queue: "
        "s sends each to its own account, m (or 1-9) to another; see /ready/ and /calendar/."
    )
