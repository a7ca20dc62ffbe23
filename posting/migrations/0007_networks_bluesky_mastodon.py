# Issue 14: Bluesky and Mastodon accounts and their keys (made on a branch as 0005-0008, linearised after the merge of issues 13 and 17).

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('posting', '0006_attempt_outcome_not_yet_visible'),
    ]

    operations = [
        migrations.AddField(
            model_name='account',
            name='bot_label',
            field=models.CharField(blank=True, max_length=300),
        ),
        migrations.AddField(
            model_name='account',
            name='made_with_ai',
            field=models.BooleanField(default=False, help_text="X only: each post is sent with the API's made_with_ai field.", verbose_name='Mark posts as made with AI'),
        ),
        migrations.AddField(
            model_name='account',
            name='max_characters',
            field=models.PositiveIntegerField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='account',
            name='schedule_from_queue',
            field=models.BooleanField(default=False, help_text='A candidate whose batch is for no account goes to every account marked so when scheduled from the queue (one bot on several networks).'),
        ),
        migrations.AddField(
            model_name='account',
            name='server_url',
            field=models.URLField(blank=True),
        ),
        migrations.AddField(
            model_name='post',
            name='send_key',
            field=models.CharField(blank=True, max_length=64),
        ),
        migrations.AlterField(
            model_name='account',
            name='last_mention_id',
            field=models.CharField(blank=True, max_length=300),
        ),
        migrations.AlterField(
            model_name='account',
            name='publisher',
            field=models.CharField(choices=[('x', 'X (tweepy, API v2)'), ('dryrun', 'Dry run (records what it would post)'), ('bluesky', 'Bluesky (atproto, app password)'), ('mastodon', 'Mastodon (Mastodon.py, access token)')], default='dryrun', max_length=20),
        ),
        migrations.AlterField(
            model_name='mention',
            name='author_id',
            field=models.CharField(blank=True, max_length=300),
        ),
        migrations.AlterField(
            model_name='mention',
            name='conversation_id',
            field=models.CharField(blank=True, max_length=300),
        ),
        migrations.AlterField(
            model_name='mention',
            name='remote_id',
            field=models.CharField(max_length=300),
        ),
        migrations.AlterField(
            model_name='post',
            name='in_reply_to_id',
            field=models.CharField(blank=True, max_length=300),
        ),
        migrations.AlterField(
            model_name='post',
            name='remote_id',
            field=models.CharField(blank=True, max_length=300),
        ),
    ]
