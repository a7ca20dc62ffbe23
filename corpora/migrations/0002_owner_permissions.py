"""Owners manage corpora. On a database made before the move, the permissions came along with their
content types (0001); on a fresh one, curator's 0002 could not see these models in the generation app."""

from django.db import migrations


def grant(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    app_config = apps.get_app_config("corpora")
    app_config.models_module = True
    create_permissions(app_config, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name="owner")
    group.permissions.add(*Permission.objects.filter(content_type__app_label="corpora", content_type__model__in=["corpus", "trainingtext"]))


class Migration(migrations.Migration):
    dependencies = [
        ("corpora", "0001_initial"),
        ("curator", "0002_groups"),
    ]
    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
