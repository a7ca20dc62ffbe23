"""Rows the queue tests build with the ORM (no tests in here: imported by the test_queue_* modules)."""

from collections.abc import Callable
from datetime import time

from django.contrib.auth.models import User

from core import tweets
from corpora.models import Corpus, TrainingText
from curator.models import Candidate
from generation.models import Checkpoint, GenerationBatch
from posting.models import Account, Slot


def make_batch(*, temperature: float = 0.7, name: str | None = None, bot: str = "tweets") -> GenerationBatch:
    corpus, _ = Corpus.objects.get_or_create(name=bot, defaults={"format": Corpus.Format.LINES})
    checkpoint, _ = Checkpoint.objects.get_or_create(name=name or "markov-1", defaults={"kind": Checkpoint.Kind.MARKOV, "corpus": corpus})
    return GenerationBatch.objects.create(
        checkpoint=checkpoint, corpus=corpus, backend=GenerationBatch.Backend.MARKOV, n_candidates=10, temperature=temperature
    )


def make_candidate(text: str = "Make the queue great again", *, batch: GenerationBatch | None = None, **fields: object) -> Candidate:
    return Candidate.objects.create(
        batch=batch,
        corpus=batch.corpus if batch else None,
        text=text,
        generated_text=text,
        text_hash=tweets.text_hash(text),
        weighted_length=tweets.weighted_length(text),
        **fields,
    )


def make_candidates(n: int, *, batch: GenerationBatch | None = None, prefix: str = "Candidate") -> list[Candidate]:
    return [make_candidate(f"{prefix} number {i}", batch=batch) for i in range(n)]


def make_siblings(texts: list[str], *, batch: GenerationBatch | None = None) -> list[Candidate]:
    """Candidates that are one near-duplicate group (as generation would have grouped them), oldest first."""
    rows = [make_candidate(text, batch=batch) for text in texts]
    Candidate.objects.filter(pk__in=[r.pk for r in rows]).update(sibling_group=rows[0].pk)
    for row in rows:
        row.sibling_group = rows[0].pk
    return rows


def store_batch(texts: list[str], *, bot: str = "tweets", prefix: str = "") -> list[Candidate]:
    """The texts through generation's own insert (cleaning, near-copy verdicts, sibling groups) as a finished batch
    of `bot`; its candidates, in the order of the texts."""
    from generation.batches import candidates_store
    from generation.models import Status

    batch = make_batch(bot=bot)
    GenerationBatch.objects.filter(pk=batch.pk).update(status=Status.RUNNING, prefix=prefix)
    candidates_store(batch_id=batch.pk, texts=texts, timings={})
    return list(Candidate.objects.filter(batch=batch).order_by("id"))


def make_near_copy(*, batch: GenerationBatch | None = None) -> Candidate:
    """A candidate that repeats most of a training tweet, with the spans the near-copy check would store."""
    batch = batch or make_batch()
    assert batch.corpus is not None
    training = TrainingText.objects.create(
        corpus=batch.corpus, position=TrainingText.objects.count(), text="The fake news media is working overtime today", original="x"
    )
    text = "Sad! The fake news media is working overtime"
    start = text.index("The fake")
    return make_candidate(
        text,
        batch=batch,
        nearcopy_verdict=Candidate.Verdict.NEAR,
        nearcopy_reason="copied span",
        nearcopy_score=91.0,
        nearcopy_closest=training,
        nearcopy_spans=[
            {
                "candidate_start": start,
                "candidate_end": len(text),
                "training_start": 0,
                "training_end": len("The fake news media is working overtime"),
                "training_id": training.pk,
            }
        ],
    )


def make_account(*, name: str = "bot") -> Account:
    account = Account.objects.create(name=name, publisher=Account.Publisher.DRYRUN, timezone="UTC", daily_cap=8)
    Slot.objects.create(account=account, time_of_day=time(9, 0), weekdays=[1, 2, 3, 4, 5, 6, 7])
    Slot.objects.create(account=account, time_of_day=time(18, 0), weekdays=[1, 2, 3, 4, 5, 6, 7])
    return account


def in_threads(work: Callable[[User], None], users: list[User]) -> None:
    """Run `work` for every user at once, one thread each, and wait for all of them."""
    import threading

    threads = [threading.Thread(target=work, args=(u,)) for u in users]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)


def claims_at_once(users: list[User]) -> dict[int, list[int]]:
    """Every user claims at the same moment (one thread each, released together); what each got, by user id."""
    import threading

    from django.db import connections

    from curator import claims

    barrier = threading.Barrier(len(users))
    results: dict[int, list[int]] = {}
    errors: list[BaseException] = []

    def work(user: User) -> None:
        try:
            barrier.wait(timeout=60)
            results[user.pk] = claims.queue_claim(user=user)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    in_threads(work, users)
    assert not errors, errors
    return results
