"""Training corpora and their texts. The near-copy index is a property of a corpus version (texts_version)."""

from django.conf import settings
from django.db import models


class Corpus(models.Model):
    class Format(models.TextChoices):
        CSV = "csv", "Single-column CSV"
        LINES = "lines", "Plain text, one per line"
        DELIMITED = "delimited", "Plain text with a delimiter line"
        TRUMP_JSON = "trump_json", "Trump Twitter Archive JSON"
        X_ARCHIVE = "x_archive", "X account archive (tweets.js)"
        JSONL = "jsonl", "JSON Lines with a text field"

    name = models.CharField(max_length=100, unique=True)
    source_name = models.CharField(max_length=255, blank=True)
    format = models.CharField(max_length=20, choices=Format.choices)
    options = models.JSONField(default=dict, blank=True)
    # Per cleaning rule: how many texts it removed or changed; see corpora.cleaning.
    counts = models.JSONField(default=dict, blank=True)
    read_count = models.PositiveIntegerField(default=0)
    kept_count = models.PositiveIntegerField(default=0)
    # The import report: the first kept texts, and per rule the first texts it removed or changed.
    preview = models.JSONField(default=dict, blank=True)
    source_bytes = models.PositiveBigIntegerField(default=0)
    import_seconds = models.FloatField(default=0)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    # Bumped whenever the training texts change, so a persisted near-copy index can tell it is stale.
    texts_version = models.PositiveIntegerField(default=1)
    index_built_version = models.PositiveIntegerField(default=0)
    index_built_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        # The table keeps the name it had in the generation app (no data moves).
        db_table = "generation_corpus"
        ordering = ["-created_at"]
        verbose_name_plural = "corpora"

    def __str__(self) -> str:
        return self.name


class TrainingText(models.Model):
    corpus = models.ForeignKey(Corpus, on_delete=models.CASCADE, related_name="texts")
    position = models.PositiveIntegerField()
    text = models.TextField(help_text="As cleaned: what the model is trained on.")
    original = models.TextField(help_text="As found in the source file.")
    external_id = models.CharField(max_length=64, blank=True)
    posted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "generation_trainingtext"
        ordering = ["corpus", "position"]
        constraints = [models.UniqueConstraint(fields=["corpus", "position"], name="trainingtext_unique_position")]

    def __str__(self) -> str:
        return self.text[:60]
