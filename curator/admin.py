from django.contrib import admin

from core.admin import ReadOnlyAdmin
from curator.models import Candidate, Decision, QueuePreference, RankerVersion, RankingState


@admin.register(Candidate)
class CandidateAdmin(ReadOnlyAdmin):
    """Read-only: status, claims and decisions belong to curator.decisions (with their Decision rows), and the
    weighted length and near-copy verdict follow the text, which only the queue's edit changes (it re-checks).
    A text saved here once showed 400 characters as 10/280; deleting one would take its decisions with it."""

    list_display = ["id", "text", "status", "nearcopy_verdict", "weighted_length", "batch", "decided_by"]
    list_filter = ["status", "nearcopy_verdict"]
    search_fields = ["text"]
    raw_id_fields = ["batch", "corpus", "nearcopy_closest", "claimed_by", "decided_by", "ranked_by"]


@admin.register(Decision)
class DecisionAdmin(ReadOnlyAdmin):
    """The audit log: nobody edits or deletes it, superusers included."""

    list_display = ["created_at", "user", "action", "candidate", "before_status", "after_status", "undone"]
    list_filter = ["action", "user"]
    raw_id_fields = ["candidate"]


@admin.register(RankerVersion)
class RankerVersionAdmin(admin.ModelAdmin):
    list_display = ["created_at", "corpus", "version", "decisions", "approved", "auc", "train_seconds", "scored"]
    exclude = ["model"]  # the pickled model: bytes, nothing to read or edit here
    readonly_fields = ["corpus", "version", "decisions", "approved", "auc", "held_out", "train_seconds", "scored", "score_seconds"]


@admin.register(RankingState)
class RankingStateAdmin(admin.ModelAdmin):
    list_display = ["corpus", "new_decisions"]


@admin.register(QueuePreference)
class QueuePreferenceAdmin(admin.ModelAdmin):
    list_display = ["user", "order", "corpus", "batch", "checkpoint"]
    raw_id_fields = ["batch"]
