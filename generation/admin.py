from django.contrib import admin

from generation.models import Checkpoint, Corpus, FinetuneRun, GenerationBatch, TrainingText


@admin.register(Corpus)
class CorpusAdmin(admin.ModelAdmin):
    list_display = ["name", "format", "read_count", "kept_count", "created_by", "created_at"]
    search_fields = ["name"]


@admin.register(TrainingText)
class TrainingTextAdmin(admin.ModelAdmin):
    list_display = ["corpus", "position", "text", "external_id"]
    list_filter = ["corpus"]
    search_fields = ["text"]


@admin.register(Checkpoint)
class CheckpointAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "path", "corpus", "created_at"]


@admin.register(FinetuneRun)
class FinetuneRunAdmin(admin.ModelAdmin):
    list_display = ["run_name", "corpus", "base_model", "status", "step", "steps", "loss", "created_at"]
    list_filter = ["status"]


@admin.register(GenerationBatch)
class GenerationBatchAdmin(admin.ModelAdmin):
    list_display = ["id", "checkpoint", "backend", "status", "n_candidates", "kept_count", "temperature", "created_at"]
    list_filter = ["status", "backend"]
