"""Candidates and the curators' decisions on them."""

from django.conf import settings
from django.db import models

from corpora.nearcopy import NEAR_COPY


class Candidate(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"
        SET_ASIDE = "set_aside", "Set aside"

    class Verdict(models.TextChoices):
        UNCHECKED = "unchecked", "Not checked"
        OK = "ok", "Original"
        NEAR = "near", "Near copy"
        COPY = "copy", "Copy"

    batch = models.ForeignKey("generation.GenerationBatch", null=True, blank=True, on_delete=models.SET_NULL, related_name="candidates")
    corpus = models.ForeignKey("corpora.Corpus", null=True, blank=True, on_delete=models.SET_NULL, related_name="candidates")
    # Set on reply candidates: the mention they answer (approving one schedules it as a reply).
    mention = models.ForeignKey("posting.Mention", null=True, blank=True, on_delete=models.CASCADE, related_name="candidates")
    text = models.TextField()
    generated_text = models.TextField(help_text="As the model wrote it, before any edit.")
    # Normalised-text hash, for de-duplication against existing candidates.
    text_hash = models.CharField(max_length=64, db_index=True)
    weighted_length = models.PositiveIntegerField(default=0)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    # Optimistic concurrency: every decision carries the version the curator saw.
    version = models.PositiveIntegerField(default=1)
    claimed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    claim_expires_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    nearcopy_verdict = models.CharField(max_length=20, choices=Verdict.choices, default=Verdict.UNCHECKED)
    nearcopy_reason = models.CharField(max_length=40, blank=True)
    nearcopy_score = models.FloatField(null=True, blank=True)
    nearcopy_closest = models.ForeignKey("corpora.TrainingText", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    nearcopy_spans = models.JSONField(default=list, blank=True)
    nearcopy_override = models.BooleanField(default=False)
    # Signals stored at generation (curator.ranking.signals): the model's mean log-probability per token
    # (GPT-2 only; None for a Markov chain), repeated word trigrams (loops) and distinct-1/2.
    logprob = models.FloatField(null=True, blank=True)
    repetition = models.FloatField(null=True, blank=True)
    distinct_1 = models.FloatField(null=True, blank=True)
    distinct_2 = models.FloatField(null=True, blank=True)
    # The bot's ranker's estimate that curators keep it (None until its bot has a ranker); which version said so.
    keep_probability = models.FloatField(null=True, blank=True)
    ranked_by = models.ForeignKey("curator.RankerVersion", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    # Claimed as part of the random share, not for its probability (shown on the card; recorded with the decision).
    picked_at_random = models.BooleanField(default=False)
    # Near-duplicate siblings (curator.siblings): pending candidates of the same bot near-identical to each other share
    # this key, the id of one of them when the group formed (a label: it stays when that one is decided). None: alone.
    sibling_group = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(fields=["status", "claim_expires_at", "id"], name="candidate_queue_idx"),
            models.Index(fields=["batch", "status"], name="candidate_batch_idx"),
            # The queue reads pending rows in id order; a partial index stays small as the queue is worked through.
            models.Index(fields=["id"], condition=models.Q(status="pending"), name="candidate_pending_idx"),
            # Best first: pending ranked rows by probability, over all bots and within one (the queue narrowed to a bot).
            models.Index(
                fields=["-keep_probability", "id"],
                condition=models.Q(status="pending", keep_probability__isnull=False),
                name="candidate_best_idx",
            ),
            models.Index(
                fields=["corpus", "-keep_probability", "id"],
                condition=models.Q(status="pending", keep_probability__isnull=False),
                name="candidate_bot_best_idx",
            ),
            # A card's pending siblings (counted on every card, rejected together by Shift+R); small, like the queue.
            models.Index(
                fields=["sibling_group"],
                condition=models.Q(status="pending", sibling_group__isnull=False),
                name="candidate_sibling_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.text[:60]

    @property
    def is_near_copy(self) -> bool:
        return self.nearcopy_verdict in NEAR_COPY

    def signals(self) -> dict[str, float | None]:
        return {"repetition": self.repetition, "distinct_1": self.distinct_1, "distinct_2": self.distinct_2}


class Decision(models.Model):
    """One event in a candidate's life: the audit log, the undo stack and the statistics."""

    class Action(models.TextChoices):
        APPROVE = "approve", "Approved"
        REJECT = "reject", "Rejected"
        EDIT = "edit", "Edited"
        SCHEDULE = "schedule", "Scheduled"
        SKIP = "skip", "Skipped"
        UNDO = "undo", "Undid"
        OVERRIDE = "override", "Overrode near-copy"
        SET_ASIDE = "set_aside", "Set aside"
        RETURN = "return", "Returned to the queue"

    candidate = models.ForeignKey(Candidate, on_delete=models.CASCADE, related_name="decisions")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="decisions")
    action = models.CharField(max_length=20, choices=Action.choices)
    before_status = models.CharField(max_length=20, blank=True)
    after_status = models.CharField(max_length=20, blank=True)
    before_text = models.TextField(blank=True)
    after_text = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)
    undone = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["user", "-created_at"], name="decision_user_idx"),
            # A curator's skips, read on every claim (see curator.services._claimable).
            models.Index(fields=["user", "action"], name="decision_user_action_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.action} #{self.candidate_id}"


class RankerVersion(models.Model):
    """One trained ranker of a bot (until bots exist: the corpus its checkpoints were finetuned on)."""

    corpus = models.ForeignKey("corpora.Corpus", on_delete=models.CASCADE, related_name="ranker_versions")
    version = models.PositiveIntegerField()
    decisions = models.PositiveIntegerField(help_text="Decisions trained on (approve or schedule vs reject).")
    approved = models.PositiveIntegerField()
    # AUC on the newest share of the decisions, held out while training on the older ones.
    auc = models.FloatField(null=True, blank=True)
    held_out = models.PositiveIntegerField(default=0)
    train_seconds = models.FloatField(default=0)
    scored = models.PositiveIntegerField(default=0, help_text="Pending candidates scored after training.")
    score_seconds = models.FloatField(default=0)
    model = models.BinaryField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["corpus", "version"], name="ranker_version_unique")]

    def __str__(self) -> str:
        return f"ranker {self.corpus_id} v{self.version}"


class RankingState(models.Model):
    """Per bot: decisions since the last training, so a retrain is enqueued once every RANKING_RETRAIN_EVERY."""

    corpus = models.OneToOneField("corpora.Corpus", on_delete=models.CASCADE, related_name="+")
    new_decisions = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"ranking of corpus {self.corpus_id}: {self.new_decisions} new decisions"


class QueuePreference(models.Model):
    """A curator's choice of order and of what to review (a bot, a batch or a checkpoint)."""

    class Order(models.TextChoices):
        BEST = "best", "Best first"
        OLDEST = "oldest", "Oldest first"

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="queue_preference")
    order = models.CharField(max_length=10, choices=Order.choices, default=Order.BEST)
    corpus = models.ForeignKey("corpora.Corpus", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    batch = models.ForeignKey("generation.GenerationBatch", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    checkpoint = models.ForeignKey("generation.Checkpoint", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    def __str__(self) -> str:
        return f"{self.user} {self.order}"
