"""Stages are data: the default set, and admins keeping them in the Django admin."""

from __future__ import annotations

import pytest
from auditlog.models import LogEntry
from django.db.models import ProtectedError
from django.utils import translation

from pipeline.models import Stage, StageKind
from pipeline.services import project_create, project_move
from tests.helpers import client_as


def test_the_default_stages_exist_bilingual_and_in_order(db):
    stages = list(Stage.objects.all())
    assert [(s.code, s.name_zh, s.name_en, s.kind) for s in stages] == [
        ("lead", "线索", "Lead", StageKind.OPEN),
        ("contacted", "初步接洽", "Contacted", StageKind.OPEN),
        ("negotiating", "在谈", "Negotiating", StageKind.OPEN),
        ("committed", "签约", "Committed", StageKind.OPEN),
        ("registering", "筹建/注册", "Registering", StageKind.OPEN),
        ("landed", "已落地", "Landed", StageKind.WON),
        ("hold", "搁置", "On hold", StageKind.HOLD),
        ("lost", "流失", "Lost", StageKind.LOST),
    ]
    probabilities = [s.default_probability for s in stages[:6]]
    assert probabilities == sorted(probabilities) and probabilities[-1] == 100
    with translation.override("en"):
        assert str(stages[0]) == "Lead"
    with translation.override("zh-hans"):
        assert str(stages[0]) == "线索"


@pytest.fixture
def moved(world):
    """Team A's project, moved to contacted: the stage is in its history and holds it."""
    officer = world.people["officer_a"]
    project = project_create(institution=world.institution, title="设立地区总部", actor=officer)
    project_move(project=project, to=Stage.objects.get(code="contacted"), actor=officer)
    return project


def test_a_stage_in_use_cannot_be_deleted(moved):
    with pytest.raises(ProtectedError):
        Stage.objects.get(code="contacted").delete()
    # Only the history names it now: still protected.
    project_move(
        project=moved, to=Stage.objects.get(code="negotiating"), actor=moved.owner, note=""
    )
    with pytest.raises(ProtectedError):
        Stage.objects.get(code="contacted").delete()


def test_the_admin_refuses_to_delete_a_stage_in_use_with_a_message(world, moved):
    client = client_as(world.people["admin"])
    stage = Stage.objects.get(code="contacted")
    url = "/admin/pipeline/stage/%d/delete/" % stage.pk
    for method in ("get", "post"):
        response = getattr(client, method)(url, follow=True)
        assert response.status_code == 200
        messages = [str(m) for m in response.context["messages"]]
        assert any(stage.name in m for m in messages), messages
    assert Stage.objects.filter(pk=stage.pk).exists()
    change_page = client.get("/admin/pipeline/stage/%d/change/" % stage.pk).content.decode()
    assert "/delete/" not in change_page  # no delete button for a stage in use


def test_admins_add_rename_and_reorder_stages_and_delete_an_unused_one(world):
    client = client_as(world.people["admin"])
    response = client.post(
        "/admin/pipeline/stage/add/",
        {
            "code": "due-diligence",
            "name_zh": "尽职调查",
            "name_en": "Due diligence",
            "position": "35",
            "kind": "open",
            "default_probability": "50",
        },
    )
    assert response.status_code == 302
    added = Stage.objects.get(code="due-diligence")
    assert [s.code for s in Stage.objects.all()][2:4] == ["negotiating", "due-diligence"]
    assert LogEntry.objects.get_for_object(added).get().actor == world.people["admin"]
    assert client.post("/admin/pipeline/stage/%d/delete/" % added.pk, {"post": "yes"})
    assert not Stage.objects.filter(pk=added.pk).exists()


@pytest.mark.parametrize("person", ["analyst", "manager_a", "officer_a"])
def test_only_admins_keep_the_stages(world, person):
    client = client_as(world.people[person])
    assert client.get("/admin/pipeline/stage/").status_code in (302, 403)
