"""The audit trail: who changed what, when, each field before and after, on every path."""

from __future__ import annotations

import datetime

from auditlog.models import LogEntry
from django.urls import reverse
from django.utils import timezone

from crm.models import Contact, Institution, Interaction
from crm.services import contact_erase, institution_merge
from tests.factories import InstitutionFactory
from tests.helpers import INSTITUTION_FORM, signed_in


def entries_for(obj):
    return LogEntry.objects.get_for_object(obj).order_by("timestamp", "pk")


def test_creating_and_editing_through_the_pages_keeps_who_when_and_each_field(client_in, user):
    client_in.post(reverse("crm:institution_create"), INSTITUTION_FORM)
    institution = Institution.objects.get()
    client_in.post(
        reverse("crm:institution_edit", args=[institution.pk]),
        {**INSTITUTION_FORM, "status": "landed", "version": institution.version},
    )
    created, updated = entries_for(institution)
    assert created.action == LogEntry.Action.CREATE and created.actor == user
    assert updated.action == LogEntry.Action.UPDATE and updated.actor == user
    assert updated.changes["status"] == ["prospect", "landed"]
    assert "search_text" not in updated.changes  # derived columns are not noise in the trail
    assert updated.timestamp <= timezone.now()


def test_deleting_is_kept_too(user):
    institution = InstitutionFactory()
    pk = institution.pk
    institution.delete()
    assert LogEntry.objects.filter(
        content_type__model="institution", object_pk=str(pk), action=LogEntry.Action.DELETE
    ).exists()


def test_a_merge_logs_every_row_it_moved_with_its_actor(world):
    other = InstitutionFactory(name_zh="瀚海资管")
    Interaction.objects.create(
        institution=other, kind="call", date=timezone.localdate(), summary="x"
    )
    manager = world.people["manager_a"]
    institution_merge(keep=world.institution, drop=other, actor=manager)
    moved = LogEntry.objects.filter(content_type__model="interaction", actor=manager)
    assert moved.count() == 1
    assert moved.get().changes["institution"] == ["瀚海资管", "瀚海资产管理有限公司"]
    assert LogEntry.objects.filter(content_type__model="institutionmerge", actor=manager).exists()


def test_erasing_a_person_scrubs_them_from_the_trail(world):
    contact = world.contact
    contact.phone = "+86 139 1234 5678"
    contact.save()
    contact_erase(contact=contact)
    text = " ".join(str(e.changes) + e.object_repr for e in entries_for(Contact(pk=contact.pk)))
    assert "李想" not in text and "139 1234" not in text
    assert entries_for(contact).count() >= 3  # created, changed, erased: the events stay


def test_loading_a_plan_is_kept(plan):
    created = LogEntry.objects.filter(content_type__model="target", action=LogEntry.Action.CREATE)
    assert created.count() == plan.targets.count()


def test_the_history_tab_lists_the_records_changes(client_in, world):
    world.institution.status = "landed"
    world.institution.save()
    page = client_in.get(reverse("crm:institution_history", args=[world.institution.pk]))
    assert page.status_code == 200
    assert "已落地" in page.content.decode()


def test_admins_search_the_trail_by_user_model_and_date(client, world):
    officer = world.people["officer_a"]
    signed_in(client, officer)
    client.post(
        reverse("crm:institution_edit", args=[world.institution.pk]),
        {**INSTITUTION_FORM, "status": "landed", "version": world.institution.version},
    )
    assert client.get(reverse("audit")).status_code == 403
    client.logout()
    signed_in(client, world.people["admin"])
    today = timezone.localdate()
    response = client.get(
        reverse("audit"),
        {
            "actor": officer.pk,
            "content_type": LogEntry.objects.filter(actor=officer).first().content_type_id,
            "since": today.isoformat(),
            "until": today.isoformat(),
        },
    )
    entries = list(response.context["page"].object_list)
    assert entries and all(e.actor == officer for e in entries)
    assert "已落地" in response.content.decode()
    yesterday = (today - datetime.timedelta(days=1)).isoformat()
    empty = client.get(reverse("audit"), {"actor": officer.pk, "until": yesterday})
    assert list(empty.context["page"].object_list) == []
    assert client.get(reverse("audit"), {"since": "garbage", "page": "x"}).status_code == 200


def test_the_history_reads_as_a_person_would_write_it(plan, user):
    from core.audit import changes_shown, history_of
    from pipeline.services import project_create
    from plans.models import Category

    institution = InstitutionFactory(owner=user)
    project = project_create(institution=institution, title="设立资管子公司", actor=user)
    project.categories.set([Category.objects.get(plan=plan, code="finance-public-fund")])
    (tagged, created) = history_of(project)
    # A many-to-many change lists what was added, not auditlog's raw JSON.
    assert changes_shown(tagged) == [("规划类别", "", "+ 公募基金")]
    shown = {label: after for label, _, after in changes_shown(created)}
    assert shown["项目名称"] == "设立资管子公司"
    # Related records and bookkeeping are not "fields" of the project.
    assert not {"follow_ups", "Follow_ups", "版本", "ID"} & set(shown)
    assert all("None" not in after for after in shown.values())
    assert "follow_ups" not in created.changes_dict  # not even stored


def test_logged_values_read_like_the_pages(plan, user):
    from core.audit import action_label, changes_shown, history_of
    from crm.services import EditConflict  # noqa: F401  (the version stays in the trail)
    from pipeline.services import project_create, project_update

    project = project_create(
        institution=InstitutionFactory(owner=user), title="设立租赁SPV", actor=user
    )
    project_update(
        project=project,
        actor=user,
        expected_version=project.version,
        confidential=True,
        code_name="白鹭",
        competing_locations=["北京", "新加坡"],
    )
    changed = history_of(project).first()
    assert action_label(changed) == "修改"
    shown = {label: (before, after) for label, before, after in changes_shown(changed)}
    assert shown["保密"] == ("否", "是")
    assert shown["竞争地区"] == ("", "北京、新加坡")
    assert "version" in changed.changes_dict  # kept for edit conflicts, not shown
