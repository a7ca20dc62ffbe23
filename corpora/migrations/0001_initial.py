"""Corpus and TrainingText move from the generation app to corpora; their tables keep their names."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from core.migration_ops import content_types_follow

forward, backward = content_types_follow('generation', 'corpora', ('corpus', 'trainingtext'))


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('generation', '0002_corpora_import_report'),
        ('contenttypes', '0002_remove_content_type_name'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        # The tables exist already: only Django's idea of which app owns them changes.
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='Corpus',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('name', models.CharField(max_length=100, unique=True)),
                        ('source_name', models.CharField(blank=True, max_length=255)),
                        ('format', models.CharField(choices=[('csv', 'Single-column CSV'), ('lines', 'Plain text, one per line'), ('delimited', 'Plain text with a delimiter line'), ('trump_json', 'Trump Twitter Archive JSON'), ('x_archive', 'X account archive (tweets.js)'), ('jsonl', 'JSON Lines with a text field')], max_length=20)),
                        ('options', models.JSONField(blank=True, default=dict)),
                        ('counts', models.JSONField(blank=True, default=dict)),
                        ('read_count', models.PositiveIntegerField(default=0)),
                        ('kept_count', models.PositiveIntegerField(default=0)),
                        ('preview', models.JSONField(blank=True, default=dict)),
                        ('source_bytes', models.PositiveBigIntegerField(default=0)),
                        ('import_seconds', models.FloatField(default=0)),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('texts_version', models.PositiveIntegerField(default=1)),
                        ('index_built_version', models.PositiveIntegerField(default=0)),
                        ('index_built_at', models.DateTimeField(blank=True, null=True)),
                        ('created_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'verbose_name_plural': 'corpora',
                        'db_table': 'generation_corpus',
                        'ordering': ['-created_at'],
                    },
                ),
                migrations.CreateModel(
                    name='TrainingText',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('position', models.PositiveIntegerField()),
                        ('text', models.TextField(help_text='As cleaned: what the model is trained on.')),
                        ('original', models.TextField(help_text='As found in the source file.')),
                        ('external_id', models.CharField(blank=True, max_length=64)),
                        ('posted_at', models.DateTimeField(blank=True, null=True)),
                        ('corpus', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='texts', to='corpora.corpus')),
                    ],
                    options={
                        'db_table': 'generation_trainingtext',
                        'ordering': ['corpus', 'position'],
                        'constraints': [models.UniqueConstraint(fields=('corpus', 'position'), name='trainingtext_unique_position')],
                    },
                ),
            ],
        ),
        migrations.RunPython(forward, backward),
    ]
