# Merges the two 0005 migrations made in parallel (issue 13: bots; issue 17: hardening); no operations.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('posting', '0005_accounts_voice_autofill_attention_post_per_account'),
        ('posting', '0005_attempt_outcome_not_yet_visible'),
    ]

    operations = [
    ]
