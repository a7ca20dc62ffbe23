"""Two bots: each an account with its own checkpoint, a batch for it, and candidates from that batch."""

from dataclasses import dataclass
from datetime import time

from core import tweets
from curator.models import Candidate
from generation.models import Checkpoint, GenerationBatch
from generation.services import batch_start
from posting.models import Account, Slot


@dataclass
class Bot:
    account: Account
    checkpoint: Checkpoint
    batch: GenerationBatch


def make_bot(name: str, *, tz: str = "UTC", hours: tuple[int, ...] = (9, 15), publisher: str = "dryrun") -> Bot:
    account = Account.objects.create(name=name, timezone=tz, publisher=publisher, daily_cap=10)
    for hour in hours:
        Slot.objects.create(account=account, time_of_day=time(hour, 0), weekdays=list(range(1, 8)))
    checkpoint = Checkpoint.objects.create(name=f"{name}-voice", kind=Checkpoint.Kind.MARKOV, path=f"markov/{name}.json")
    account.checkpoints.add(checkpoint)
    batch = batch_start(checkpoint=checkpoint, n_candidates=10, batch_size=10, enqueue=False)
    return Bot(account=account, checkpoint=checkpoint, batch=batch)


def candidate_of(bot: Bot, text: str, *, status: str = Candidate.Status.PENDING) -> Candidate:
    return Candidate.objects.create(
        batch=bot.batch,
        text=text,
        generated_text=text,
        text_hash=tweets.text_hash(text),
        weighted_length=tweets.weighted_length(text),
        status=status,
    )
