"""Heartbeat moves from the curator app to core; its table keeps its name."""

from django.db import migrations, models

from core.migration_ops import content_types_follow

forward, backward = content_types_follow('curator', 'core', ('heartbeat',))


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('curator', '0004_mentions_candidate_mention'),
        ('contenttypes', '0002_remove_content_type_name'),
    ]

    operations = [
        # The tables exist already: only Django's idea of which app owns them changes.
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='Heartbeat',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('name', models.CharField(help_text="'beat' or the worker's hostname.", max_length=200, unique=True)),
                        ('queues', models.CharField(blank=True, max_length=200)),
                        ('seen_at', models.DateTimeField()),
                    ],
                    options={
                        'db_table': 'curator_heartbeat',
                    },
                ),
            ],
        ),
        migrations.RunPython(forward, backward),
    ]
