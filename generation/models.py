"""Model checkpoints, finetune runs and generation batches."""

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


class Status(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    CANCELLING = "cancelling", "Cancelling"
    CANCELLED = "cancelled", "Cancelled"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"


class FinetuneRun(models.Model):
    corpus = models.ForeignKey("corpora.Corpus", on_delete=models.PROTECT, related_name="finetune_runs")
    base_model = models.CharField(max_length=100)
    run_name = models.CharField(max_length=100, unique=True)
    steps = models.PositiveIntegerField()
    batch_size = models.PositiveIntegerField(default=1)
    learning_rate = models.FloatField(default=1e-4)
    sample_every = models.PositiveIntegerField(default=100)
    save_every = models.PositiveIntegerField(default=500)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.QUEUED)
    step = models.PositiveIntegerField(default=0)
    loss = models.FloatField(null=True, blank=True)
    avg_loss = models.FloatField(null=True, blank=True)
    elapsed_seconds = models.FloatField(default=0)
    loss_history = models.JSONField(default=list, blank=True)
    samples = models.JSONField(default=list, blank=True)
    error = models.TextField(blank=True)
    cancel_requested = models.BooleanField(default=False)
    checkpoint = models.ForeignKey(Checkpoint, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.run_name


class GenerationBatch(models.Model):
    class Backend(models.TextChoices):
        GPT2 = "gpt2", "GPT-2 (gpt-2-simple)"
        MARKOV = "markov", "Markov chain"

    checkpoint = models.ForeignKey(Checkpoint, on_delete=models.PROTECT, related_name="batches")
    corpus = models.ForeignKey("corpora.Corpus", null=True, blank=True, on_delete=models.SET_NULL, related_name="batches")
    backend = models.CharField(max_length=20, choices=Backend.choices, default=Backend.GPT2)
    n_candidates = models.PositiveIntegerField()
    batch_size = models.PositiveIntegerField(default=1)
    temperature = models.FloatField(default=0.7)
    top_k = models.PositiveIntegerField(default=0)
    top_p = models.FloatField(default=0.0)
    length = models.PositiveIntegerField(default=100)
    prefix = models.CharField(max_length=500, blank=True)
    seed = models.BigIntegerField(null=True, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.QUEUED)
    # Counts are written once, with the insert of the candidates, so they are never half-counted.
    generated_count = models.PositiveIntegerField(default=0)
    kept_count = models.PositiveIntegerField(default=0)
    duplicate_count = models.PositiveIntegerField(default=0)
    too_long_count = models.PositiveIntegerField(default=0)
    near_copy_count = models.PositiveIntegerField(default=0)
    empty_count = models.PositiveIntegerField(default=0)
    progress = models.PositiveIntegerField(default=0, help_text="Samples generated so far (live).")
    timings = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name_plural = "generation batches"

    def __str__(self) -> str:
        return f"Batch {self.pk} ({self.checkpoint})"
