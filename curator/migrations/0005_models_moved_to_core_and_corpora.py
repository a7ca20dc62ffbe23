"""Heartbeat now belongs to core, Corpus and TrainingText to corpora: only the state changes."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("curator", "0004_mentions_candidate_mention"),
        ("core", "0001_initial"),
        ("corpora", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name="Heartbeat"),
                migrations.AlterField(
                    model_name="candidate",
                    name="corpus",
                    field=models.ForeignKey(
                        blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="candidates", to="corpora.corpus"
                    ),
                ),
                migrations.AlterField(
                    model_name="candidate",
                    name="nearcopy_closest",
                    field=models.ForeignKey(
                        blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="+", to="corpora.trainingtext"
                    ),
                ),
            ],
        ),
    ]
