"""Posting accounts, their slots, and posts with their delivery state."""

from django.conf import settings
from django.db import models

from core.times import READABLE_FROM, READABLE_UNTIL


class PostQuerySet(models.QuerySet["Post"]):
    def readable(self) -> "PostQuerySet":
        return self.filter(scheduled_at__gte=READABLE_FROM, scheduled_at__lt=READABLE_UNTIL)

    def unreadable(self) -> "PostQuerySet":
        return self.exclude(scheduled_at__gte=READABLE_FROM, scheduled_at__lt=READABLE_UNTIL)


class Account(models.Model):
    class Publisher(models.TextChoices):
        X = "x", "X (tweepy, API v2)"
        DRYRUN = "dryrun", "Dry run (records what it would post)"
        BLUESKY = "bluesky", "Bluesky (atproto, app password)"
        MASTODON = "mastodon", "Mastodon (Mastodon.py, access token)"

    name = models.CharField(max_length=100, unique=True)
    publisher = models.CharField(max_length=20, choices=Publisher.choices, default=Publisher.DRYRUN)
    handle = models.CharField(max_length=100, blank=True)
    remote_user_id = models.CharField(max_length=64, blank=True)
    # Fernet-encrypted JSON of the OAuth 1.0a keys (see posting.crypto); never rendered back.
    credentials_encrypted = models.TextField(blank=True)
    timezone = models.CharField(max_length=64, default="UTC")
    daily_cap = models.PositiveIntegerField(default=8)
    # The queue's "schedule" posts to every active account marked so (X, Bluesky and Mastodon at once);
    # with none marked, to the first active account.
    schedule_from_queue = models.BooleanField(
        default=False,
        help_text="A candidate whose batch is for no account goes to every account marked so when scheduled from the queue (one bot on several networks).",
    )
    paused = models.BooleanField(default=False)
    paused_reason = models.TextField(blank=True)
    paused_at = models.DateTimeField(null=True, blank=True)
    # Set from a 429's x-rate-limit-reset: none of the account's posts is claimed before it.
    rate_limited_until = models.DateTimeField(null=True, blank=True)
    credentials_updated_at = models.DateTimeField(null=True, blank=True)
    credentials_checked_at = models.DateTimeField(null=True, blank=True)
    # X: send `made_with_ai` with each post (the API's field; X's label for AI-generated posts).
    made_with_ai = models.BooleanField(
        default=False, verbose_name="Mark posts as made with AI", help_text="X only: each post is sent with the API's made_with_ai field."
    )
    # The server the account lives on: a Bluesky PDS (empty: https://bsky.social) or a Mastodon instance.
    server_url = models.URLField(blank=True)
    # The instance's own post length (Mastodon: configuration.statuses.max_characters), read at the account check.
    max_characters = models.PositiveIntegerField(null=True, blank=True)
    # What the account check found about the network's bot label (set, missing, or how to set it), in words.
    bot_label = models.CharField(max_length=300, blank=True)
    replies_enabled = models.BooleanField(default=False)
    replies_per_hour = models.PositiveIntegerField(default=5)
    last_mention_id = models.CharField(max_length=300, blank=True)
    # Replies (posting.mentions): what answers, how many candidates a mention gets, whom and what never to answer.
    reply_checkpoint = models.ForeignKey(
        "generation.Checkpoint",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The model that writes reply candidates; empty: the newest finetuned or Markov model.",
    )
    reply_candidates = models.PositiveIntegerField(default=4, help_text="Candidate replies generated for each mention.")
    ignore_users = models.TextField(blank=True, help_text="Usernames never answered, one a line or separated by spaces or commas.")
    ignore_words = models.TextField(
        blank=True, help_text="Mentions containing any of these words or phrases (one a line) are not answered."
    )
    # The bot's voice: the models whose candidates this account posts (and so their corpora). A batch of one
    # of these checkpoints targets this account unless the Generation page chose another.
    checkpoints = models.ManyToManyField(
        "generation.Checkpoint",
        blank=True,
        related_name="accounts",
        help_text="The models whose candidates this account posts: a batch of one of these targets this account.",
    )
    # Auto-fill (posting.autofill, on beat): free slots within the horizon take the oldest approved backlog candidates.
    autofill = models.BooleanField(
        default=False, verbose_name="Fill free slots from the backlog", help_text="Beat puts Ready candidates into free slots."
    )
    autofill_hours = models.PositiveIntegerField(
        default=48, verbose_name="Fill slots up to (hours ahead)", help_text="Only slots within this many hours are filled."
    )
    # Set when a credentials check fails, in plain words (the exception's text goes to the logs); cleared when one works.
    attention_reason = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Slot(models.Model):
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="slots")
    time_of_day = models.TimeField()
    # ISO weekdays, 1 = Monday … 7 = Sunday.
    weekdays = models.JSONField(default=list)

    class Meta:
        ordering = ["account", "time_of_day"]

    def __str__(self) -> str:
        return f"{self.account} {self.time_of_day:%H:%M}"

    @property
    def weekday_names(self) -> str:
        days = sorted(self.weekdays)
        if days == list(range(1, 8)):
            return "every day"
        names = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
        return ", ".join(names[d - 1] for d in days if 1 <= d <= 7)


class Post(models.Model):
    class State(models.TextChoices):
        QUEUED = "queued", "Queued"
        SENDING = "sending", "Sending"
        UNKNOWN = "unknown", "Outcome unknown"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"
        CANCELLED = "cancelled", "Cancelled"

    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="posts")
    # One candidate may be posted by several accounts (the same bot on two networks), once each: see the constraint.
    candidate = models.ForeignKey("curator.Candidate", null=True, blank=True, on_delete=models.SET_NULL, related_name="posts")
    text = models.TextField()
    scheduled_at = models.DateTimeField(db_index=True)
    state = models.CharField(max_length=20, choices=State.choices, default=State.QUEUED)
    attempts = models.PositiveIntegerField(default=0)
    # When the first send began: the lookup that settles an unknown outcome searches from here.
    first_attempt_at = models.DateTimeField(null=True, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    claim_token = models.CharField(max_length=64, blank=True)
    # X and Mastodon: the status id; Bluesky: the at:// URI of the post answered.
    in_reply_to_id = models.CharField(max_length=300, blank=True)
    # Chosen and stored before the first send, sent with every attempt: Bluesky's record key (a TID),
    # Mastodon's Idempotency-Key. An unknown outcome is settled by this key (posting.delivery).
    send_key = models.CharField(max_length=64, blank=True)
    remote_id = models.CharField(max_length=300, blank=True)
    url = models.URLField(blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = PostQuerySet.as_manager()

    class Meta:
        ordering = ["scheduled_at", "id"]
        indexes = [models.Index(fields=["state", "scheduled_at"], name="post_due_idx")]
        constraints = [
            # Never two live replies to one mention, whatever races the application code loses.
            models.UniqueConstraint(
                fields=["account", "in_reply_to_id"],
                condition=~models.Q(in_reply_to_id="") & ~models.Q(state="cancelled"),
                name="post_one_reply_per_mention",
            ),
            # Never one candidate twice on one account (cancelled posts aside), whatever races the code loses.
            models.UniqueConstraint(
                fields=["candidate", "account"],
                condition=models.Q(candidate__isnull=False) & ~models.Q(state="cancelled"),
                name="post_one_live_per_candidate_account",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.account}: {self.text[:40]}"


class Attempt(models.Model):
    """The post's log: each call to the publisher, each lookup that settled it, and each change a person made."""

    class Outcome(models.TextChoices):
        SENT = "sent", "Sent"
        RATE_LIMITED = "rate_limited", "Rate limited"
        UNKNOWN = "unknown", "Outcome unknown"
        DUPLICATE = "duplicate", "Duplicate content"
        AUTH = "auth", "Credentials refused"
        REJECTED = "rejected", "Rejected"
        NOT_SENT = "not_sent", "Not sent (no connection)"
        TOO_LONG = "too_long", "Too long"
        FOUND = "found", "Lookup: found, settled as sent"
        NOT_FOUND = "not_found", "Lookup: not found, queued again"
        NOT_YET = "not_yet", "Lookup: not visible yet, looking again"
        LOOKUP_FAILED = "lookup_failed", "Lookup failed"
        ABANDONED = "abandoned", "Worker died while sending"
        # Changes made by a person on the Schedule and History pages (`by` says who).
        MOVED = "moved", "Moved"
        UNSCHEDULED = "unscheduled", "Unscheduled"
        POST_NOW = "post_now", "Post now"
        RETRIED = "retried", "Retried"

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="log")
    outcome = models.CharField(max_length=20, choices=Outcome.choices)
    detail = models.TextField(blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.post_id} {self.outcome}"


class DryRunTweet(models.Model):
    """What a dry-run account would have posted: its 'remote' timeline."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="dryrun_tweets")
    text = models.TextField()
    in_reply_to_id = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.text[:60]


class Mention(models.Model):
    """A post that mentions an account, as fetched (or simulated), and what became of it."""

    class State(models.TextChoices):
        GENERATING = "generating", "Writing reply candidates"
        READY = "ready", "Candidates in the queue"
        ANSWERED = "answered", "Reply approved"
        SKIPPED = "skipped", "Not answered"
        FAILED = "failed", "Generation failed"

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="mentions")
    remote_id = models.CharField(max_length=300)
    author_id = models.CharField(max_length=300, blank=True)
    author_username = models.CharField(max_length=100, blank=True)
    text = models.TextField()
    created_at = models.DateTimeField(null=True, blank=True, help_text="When it was posted (the API's time).")
    conversation_id = models.CharField(max_length=300, blank=True)
    # The API's referenced_tweets: [{"type": "retweeted" | "quoted" | "replied_to", "id": "..."}].
    referenced = models.JSONField(default=list, blank=True)
    state = models.CharField(max_length=20, choices=State.choices, default=State.GENERATING)
    reason = models.CharField(max_length=200, blank=True, help_text="Why it was skipped, or why generation failed.")
    # The reply batch (started through generation.services.batch_start); its candidates are linked to this mention.
    batch = models.ForeignKey("generation.GenerationBatch", null=True, blank=True, on_delete=models.SET_NULL, related_name="mentions")
    simulated = models.BooleanField(default=False)
    fetched_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-fetched_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["account", "remote_id"], name="mention_unique_remote_id")]

    def __str__(self) -> str:
        return f"@{self.author_username}: {self.text[:40]}"
