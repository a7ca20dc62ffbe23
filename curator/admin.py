from django.contrib import admin

from core.admin import ReadOnlyAdmin
from curator.models import Candidate, Decision


@admin.register(Candidate)
class CandidateAdmin(ReadOnlyAdmin):
    """Read-only: status, claims and decisions belong to curator.decisions (with their Decision rows), and the
    weighted length and near-copy verdict follow the text, which only the queue's edit changes (it re-checks).
    A text saved here once showed 400 characters as 10/280; deleting one would take its decisions with it."""

    list_display = ["id", "text", "status", "nearcopy_verdict", "weighted_length", "batch", "decided_by"]
    list_filter = ["status", "nearcopy_verdict"]
    search_fields = ["text"]
    raw_id_fields = ["batch", "corpus", "nearcopy_closest", "claimed_by", "decided_by"]


@admin.register(Decision)
class DecisionAdmin(ReadOnlyAdmin):
    """The audit log: nobody edits or deletes it, superusers included."""

    list_display = ["created_at", "user", "action", "candidate", "before_status", "after_status", "undone"]
    list_filter = ["action", "user"]
    raw_id_fields = ["candidate"]
