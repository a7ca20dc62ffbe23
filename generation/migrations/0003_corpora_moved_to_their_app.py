"""Corpus and TrainingText now belong to the corpora app: only the state changes, the tables stay."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("generation", "0002_corpora_import_report"),
        ("corpora", "0001_initial"),
        # Candidate's foreign keys must point at corpora's models before generation's copies go.
        ("curator", "0005_models_moved_to_core_and_corpora"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="checkpoint",
                    name="corpus",
                    field=models.ForeignKey(
                        blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="checkpoints", to="corpora.corpus"
                    ),
                ),
                migrations.AlterField(
                    model_name="finetunerun",
                    name="corpus",
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="finetune_runs", to="corpora.corpus"),
                ),
                migrations.AlterField(
                    model_name="generationbatch",
                    name="corpus",
                    field=models.ForeignKey(
                        blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="batches", to="corpora.corpus"
                    ),
                ),
                migrations.DeleteModel(name="TrainingText"),
                migrations.DeleteModel(name="Corpus"),
            ],
        ),
    ]
