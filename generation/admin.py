from django import forms
from django.contrib import admin

from generation.checkpoints import checkpoint_check
from generation.gpt2 import files
from generation.models import Checkpoint, FinetuneRun, GenerationBatch


class CheckpointAdminForm(forms.ModelForm):
    """The admin creates checkpoints too: the same check as the page and the commands, in plain words."""

    class Meta:
        model = Checkpoint
        fields = ["name", "kind", "path", "base_model", "corpus", "hparams"]

    def clean(self) -> dict[str, object]:
        cleaned = super().clean() or {}
        kind, path, name = cleaned.get("kind"), cleaned.get("path"), cleaned.get("name")
        if name:
            try:
                files.name_check(str(name))
            except files.BadName as exc:
                self.add_error("name", str(exc))
        if kind:
            try:
                checkpoint_check(kind=str(kind), path=str(path or ""))
            except files.ModelMissing as exc:
                self.add_error("path", str(exc))
        return cleaned


@admin.register(Checkpoint)
class CheckpointAdmin(admin.ModelAdmin):
    form = CheckpointAdminForm
    list_display = ["name", "kind", "path", "corpus", "created_at"]


@admin.register(FinetuneRun)
class FinetuneRunAdmin(admin.ModelAdmin):
    list_display = ["run_name", "corpus", "base_model", "status", "step", "steps", "loss", "created_at"]
    list_filter = ["status"]


@admin.register(GenerationBatch)
class GenerationBatchAdmin(admin.ModelAdmin):
    list_display = ["id", "checkpoint", "backend", "status", "n_candidates", "kept_count", "temperature", "created_at"]
    list_filter = ["status", "backend"]
