# Merges the migrations made in parallel for issues 13 and 17 (0006_merge_bots_and_hardening) and issue 14 (0008); no operations.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('posting', '0006_merge_bots_and_hardening'),
        ('posting', '0008_ids_long_enough_for_bluesky_uris'),
    ]

    operations = [
    ]
