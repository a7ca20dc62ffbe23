"""The offline demo's generation steps (registered in GenerationConfig.ready, run by `manage.py setup_demo`)."""

import re
import time

from corpora.models import Corpus, TrainingText
from generation.batches import batch_run
from generation.checkpoints import markov_checkpoint_create, tiny_model_create
from generation.models import Checkpoint, GenerationBatch, Status
from generation.services import batch_start

DEMO_BASE_MODEL = "tiny-demo"


def demo_base_model() -> str:
    """A demo step: with no GPT-2 base model on disk (none can be downloaded offline), write a tiny random one,
    so the demo's Generation page can run a real finetune and a real GPT-2 batch on the CPU."""
    existing = Checkpoint.objects.filter(kind=Checkpoint.Kind.BASE).order_by("name").first()
    if existing is not None:
        return f"Generation demo: base model {existing.name!r} is registered."
    started = time.monotonic()
    tiny_model_create(name=DEMO_BASE_MODEL)
    return (
        f"Generation demo: wrote a tiny random GPT-2 base model {DEMO_BASE_MODEL!r} in {time.monotonic() - started:.0f} s "
        "(it babbles until finetuned; `manage.py download_model 124M` fetches the real one where there is internet)."
    )


def demo_generate() -> str:
    """A demo step: a Markov chain of the sample corpus fills the queue in seconds, with no GPU and no worker."""
    corpus = Corpus.objects.filter(name="sample").first() or Corpus.objects.order_by("created_at").first()
    if corpus is None or not TrainingText.objects.filter(corpus=corpus).exists():
        return "Generation demo: no corpus with texts yet, so no candidates (import one on the Corpora page)."
    name = f"markov-{re.sub(r'[^A-Za-z0-9_.-]+', '-', corpus.name)}"[:100]
    checkpoint = Checkpoint.objects.filter(name=name).first() or markov_checkpoint_create(corpus=corpus, name=name)
    done = GenerationBatch.objects.filter(checkpoint=checkpoint, status=Status.SUCCEEDED).first()
    if done is not None:
        return f"Generation demo: batch #{done.pk} of {checkpoint.name} already filled the queue ({done.kept_count} candidates)."
    batch = batch_start(checkpoint=checkpoint, n_candidates=100, batch_size=20, seed=1, enqueue=False)
    # Run here rather than on the queue: the demo must show candidates before any worker is up.
    batch_run(batch_id=batch.pk)
    batch.refresh_from_db()
    if batch.status != Status.SUCCEEDED:
        return f"Generation demo: batch #{batch.pk} failed: {batch.error}"
    return f"Generation demo: {batch.kept_count} candidates from a Markov chain of {corpus.name!r} are in the queue."
