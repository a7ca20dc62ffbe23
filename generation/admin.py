from django.contrib import admin

from generation.models import Checkpoint, FinetuneRun, GenerationBatch


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
