# Merges the migrations made in parallel for issue 13 (bots) and issue 15 (ranking); no operations.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('generation', '0005_batch_repetition_filter'),
        ('generation', '0005_batch_target_account'),
    ]

    operations = [
    ]
