from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from plans.models import Target
from tests.conftest import PLAN_FILE


def test_load_plan_reports_what_it_did_in_the_active_language(db):
    out = StringIO()
    with translation.override("en"):
        call_command("load_plan", str(PLAN_FILE), stdout=out)
    assert "lujiazui-14th: 86 created, 0 updated, 0 unchanged." in out.getvalue()
    assert Target.objects.count() == 24
    out = StringIO()
    with translation.override("zh-hans"):
        call_command("load_plan", str(PLAN_FILE), stdout=out)
    assert "lujiazui-14th:新建 0 条,更新 0 条,未变 86 条。" in out.getvalue()


def test_load_plan_turns_a_bad_file_into_one_message(db, tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("code: Not A Slug\n", encoding="utf-8")
    with pytest.raises(CommandError, match=r"^bad\.yaml: baseline_date: required key is missing$"):
        call_command("load_plan", str(path))
