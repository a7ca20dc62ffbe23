from django.contrib import admin

from curator.models import Candidate, Decision


@admin.register(Candidate)
class CandidateAdmin(admin.ModelAdmin):
    list_display = ["id", "text", "status", "nearcopy_verdict", "weighted_length", "batch", "decided_by"]
    list_filter = ["status", "nearcopy_verdict"]
    search_fields = ["text"]
    raw_id_fields = ["batch", "corpus", "nearcopy_closest", "claimed_by", "decided_by"]


@admin.register(Decision)
class DecisionAdmin(admin.ModelAdmin):
    list_display = ["created_at", "user", "action", "candidate", "before_status", "after_status", "undone"]
    list_filter = ["action", "user"]
    raw_id_fields = ["candidate"]
