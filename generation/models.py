"""Model checkpoints, finetune runs and generation batches."""

from typing import Any

from django.conf import settings
from django.db import models


class Checkpoint(models.Model):
    """A model that can generate: a gpt-2-simple model directory, or a Markov chain of a corpus."""

    class Kind(models.TextChoices):
        BASE = "base", "Base GPT-2 model (models/<name>)"
        FINETUNED = "finetuned", "Finetuned run (checkpoint/<run>)"
        MARKOV = "markov", "Markov chain (CPU)"

    name = models.CharField(max_length=100, unique=True)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    # Relative to settings.MODELS_DIR, e.g. "checkpoint/trump-1" or "models/124M".
    path = models.CharField(max_length=255, blank=True)
    base_model = models.CharField(max_length=100, blank=True)
    corpus = models.ForeignKey("corpora.Corpus", null=True, blank=True, on_delete=models.SET_NULL, related_name="checkpoints")
    hparams = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.name

    def default_account(self) -> Any:
        """The posting account its batches are for when none is chosen: the first by name of those that post it
        (`accounts`, posting's reverse relation, so generation imports nothing from posting; a prefetch serves it)."""
        return min(self.accounts.all(), key=lambda account: account.name, default=None)


class Status(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    CANCELLING = "cancelling", "Cancelling"
    CANCELLED = "cancelled", "Cancelled"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"


# GPT-2 sampling defaults: the page, the command, the service and the row all start from these.
DEFAULT_TEMPERATURE = 0.7
DEFAULT_TOP_K = 0
DEFAULT_TOP_P = 0.9
DEFAULT_LENGTH = 100

# Each status set is defined here and only here.
ACTIVE = (Status.QUEUED, Status.RUNNING, Status.CANCELLING)  # waiting for a worker, or held by one
WORKING = (Status.RUNNING, Status.CANCELLING)  # held by a worker (its heartbeat must stay fresh)
FINISHED = (Status.CANCELLED, Status.SUCCEEDED, Status.FAILED)


class Job(models.Model):
    """What finetune runs and batches share: the lifecycle that generation.jobs claims, stamps and reaps."""

    status = models.CharField(max_length=20, choices=Status.choices, default=Status.QUEUED)
    error = models.TextField(blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True
        ordering = ["-created_at"]

    @property
    def cancellable(self) -> bool:
        """Queued or running: a cancel is still taken (a cancelling job is already on its way out)."""
        return self.status in (Status.QUEUED, Status.RUNNING)


class FinetuneRun(Job):
    corpus = models.ForeignKey("corpora.Corpus", on_delete=models.PROTECT, related_name="finetune_runs")
    base_model = models.CharField(max_length=100)
    run_name = models.CharField(max_length=100, unique=True)
    steps = models.PositiveIntegerField()
    batch_size = models.PositiveIntegerField(default=1)
    learning_rate = models.FloatField(default=1e-4)
    sample_every = models.PositiveIntegerField(default=100)
    save_every = models.PositiveIntegerField(default=500)
    step = models.PositiveIntegerField(default=0)
    loss = models.FloatField(null=True, blank=True)
    avg_loss = models.FloatField(null=True, blank=True)
    elapsed_seconds = models.FloatField(default=0)
    loss_history = models.JSONField(default=list, blank=True)
    samples = models.JSONField(default=list, blank=True)
    cancel_requested = models.BooleanField(default=False)
    checkpoint = models.ForeignKey(Checkpoint, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta(Job.Meta):
        pass

    def __str__(self) -> str:
        return self.run_name


class GenerationBatch(Job):
    class Backend(models.TextChoices):
        GPT2 = "gpt2", "GPT-2 (gpt-2-simple)"
        MARKOV = "markov", "Markov chain"

    checkpoint = models.ForeignKey(Checkpoint, on_delete=models.PROTECT, related_name="batches")
    corpus = models.ForeignKey("corpora.Corpus", null=True, blank=True, on_delete=models.SET_NULL, related_name="batches")
    # The account its candidates are for (the queue's `s` schedules there); a string reference, since posting
    # sits above generation. Empty: the checkpoint's account, if it has exactly one.
    account = models.ForeignKey("posting.Account", null=True, blank=True, on_delete=models.SET_NULL, related_name="batches")
    backend = models.CharField(max_length=20, choices=Backend.choices, default=Backend.GPT2)
    n_candidates = models.PositiveIntegerField()
    batch_size = models.PositiveIntegerField(default=1)
    temperature = models.FloatField(default=DEFAULT_TEMPERATURE)
    top_k = models.PositiveIntegerField(default=DEFAULT_TOP_K)
    top_p = models.FloatField(default=DEFAULT_TOP_P)
    length = models.PositiveIntegerField(default=DEFAULT_LENGTH)
    prefix = models.CharField(max_length=500, blank=True)
    # The prefix is a prompt only (a mention being answered): it conditions the model but is left out of the candidates.
    prompt_only = models.BooleanField(default=False)
    seed = models.BigIntegerField(null=True, blank=True)
    # The owner's threshold on repetition (curator.ranking.signals: the share of repeated word trigrams):
    # texts above it are loops, dropped at generation and counted as `filtered`. None keeps all.
    max_repetition = models.FloatField(null=True, blank=True)
    # Counts are written once, with the insert of the candidates, so they are never half-counted.
    generated_count = models.PositiveIntegerField(default=0)
    kept_count = models.PositiveIntegerField(default=0)
    duplicate_count = models.PositiveIntegerField(default=0)
    too_long_count = models.PositiveIntegerField(default=0)
    near_copy_count = models.PositiveIntegerField(default=0)
    empty_count = models.PositiveIntegerField(default=0)
    filtered_count = models.PositiveIntegerField(default=0, help_text="Dropped as repetition loops (above max_repetition).")
    progress = models.PositiveIntegerField(default=0, help_text="Samples generated so far (live).")
    timings = models.JSONField(default=dict, blank=True)

    class Meta(Job.Meta):
        verbose_name_plural = "generation batches"

    def __str__(self) -> str:
        return f"Batch {self.pk} ({self.checkpoint})"
