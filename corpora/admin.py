from django.contrib import admin

from corpora.models import Corpus, TrainingText


@admin.register(Corpus)
class CorpusAdmin(admin.ModelAdmin):
    list_display = ["name", "format", "read_count", "kept_count", "created_by", "created_at"]
    search_fields = ["name"]


@admin.register(TrainingText)
class TrainingTextAdmin(admin.ModelAdmin):
    list_display = ["corpus", "position", "text", "external_id"]
    list_filter = ["corpus"]
    search_fields = ["text"]
