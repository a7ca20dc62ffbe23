from django.db import migrations

OWNER_MODELS = {
    "generation": ["corpus", "trainingtext", "checkpoint", "finetunerun", "generationbatch"],
    "posting": ["account", "slot", "post"],
    "curator": ["candidate", "decision"],
}
CURATOR_MODELS = {"curator": ["candidate", "decision"], "posting": ["post"]}


def create_groups(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, models in (("owner", OWNER_MODELS), ("curator", CURATOR_MODELS)):
        group, _ = Group.objects.get_or_create(name=name)
        for app_label, model_names in models.items():
            group.permissions.add(*Permission.objects.filter(content_type__app_label=app_label, content_type__model__in=model_names))


def remove_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=["owner", "curator"]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("curator", "0001_initial"),
        ("generation", "0001_initial"),
        ("posting", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]
    operations = [migrations.RunPython(create_groups, remove_groups)]
