# Merges the migrations made in parallel for issue 13 (bots) and issue 15 (ranking); no operations.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('curator', '0006_decision_return_to_queue'),
        ('curator', '0006_ranker_signals_best_first'),
    ]

    operations = [
    ]
