"""The default stages, bilingual and ordered; existing projects start at the first one."""

from django.db import migrations

# Frozen here, as migrations must be: pipeline.models.DEFAULT_STAGES may change later.
STAGES = [
    ("lead", "线索", "Lead", "open", 10),
    ("contacted", "初步接洽", "Contacted", "open", 20),
    ("negotiating", "在谈", "Negotiating", "open", 40),
    ("committed", "签约", "Committed", "open", 70),
    ("registering", "筹建/注册", "Registering", "open", 90),
    ("landed", "已落地", "Landed", "won", 100),
    ("hold", "搁置", "On hold", "hold", 10),
    ("lost", "流失", "Lost", "lost", 0),
]


def create_stages(apps, schema_editor):
    Stage = apps.get_model("pipeline", "Stage")
    Project = apps.get_model("pipeline", "Project")
    StageChange = apps.get_model("pipeline", "StageChange")
    for position, (code, name_zh, name_en, kind, probability) in enumerate(STAGES, start=1):
        Stage.objects.get_or_create(
            code=code,
            defaults={
                "name_zh": name_zh,
                "name_en": name_en,
                "kind": kind,
                "position": position * 10,
                "default_probability": probability,
            },
        )
    first = Stage.objects.filter(kind="open").order_by("position", "pk").first()
    # Projects made before stages existed start at the first one, since they were made,
    # with the creation in their history like every project made by the service.
    for project in Project.objects.filter(stage__isnull=True):
        project.stage = first
        project.probability = first.default_probability
        project.stage_entered_at = project.created_at
        project.save(update_fields=["stage", "probability", "stage_entered_at"])
        StageChange.objects.create(
            project=project,
            from_stage=None,
            to_stage=first,
            changed_at=project.created_at,
            actor=None,
        )


class Migration(migrations.Migration):
    dependencies = [("pipeline", "0003_stages")]

    operations = [migrations.RunPython(create_stages, migrations.RunPython.noop)]
