"""Recording and deleting landing milestones from the institution page."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from crm.models import Institution, Milestone, MilestoneKind
from crm.services import milestone_record
from tests.factories import BuildingFactory, InstitutionFactory, milestone
from tests.helpers import client_as

VALID = "91310000710934640Y"
BAD_CHECK = "91350211M00013FA1N"
DAY = datetime.date(2022, 5, 10)
TODAY = timezone.localdate()


def _record_url(institution: Institution) -> str:
    return reverse("crm:milestone_create", args=[institution.pk])


def _registration(**fields) -> dict:
    return {"kind": "registered", "date": "2022-05-10", "uscc": VALID, **fields}


# ---------------------------------------------------------------- the institution page


def test_the_institution_page_lists_the_milestones_with_their_details(world):
    building = BuildingFactory(name_zh="上海中心大厦")
    milestone_record(
        institution=world.institution,
        kind=MilestoneKind.REGISTERED,
        date=DAY,
        actor=world.people["officer_a"],
        uscc=VALID,
        registered_capital=5000,
        building=building,
    )
    milestone(world.institution, "exited", TODAY, exit_kind="deregistered", reason="集团重组")
    page = (
        client_as(world.people["viewer"])
        .get(reverse("crm:institution_detail", args=[world.institution.pk]))
        .content.decode()
    )
    assert 'data-testid="milestones"' in page
    assert VALID in page and "上海中心大厦" in page and "5000" in page
    assert "集团重组" in page and "注销" in page
    assert str(world.people["officer_a"]) in page
    # Newest first: the exit above the registration.
    assert page.index('data-milestone="exited"') < page.index('data-milestone="registered"')


@pytest.mark.parametrize(
    ("person", "sees"),
    [("officer_a", True), ("officer_b", False), ("analyst", True), ("viewer", False)],
)
def test_the_record_button_shows_only_to_those_who_may_record(world, person, sees):
    page = (
        client_as(world.people[person])
        .get(reverse("crm:institution_detail", args=[world.institution.pk]))
        .content.decode()
    )
    assert ('data-testid="record-milestone"' in page) is sees


@pytest.mark.parametrize(
    ("person", "sees"),
    [("officer_b", True), ("manager_a", True), ("admin", True), ("viewer", False)],
)
def test_the_new_project_button_is_for_officers_managers_and_admins(world, person, sees):
    page = (
        client_as(world.people[person])
        .get(reverse("crm:institution_detail", args=[world.institution.pk]))
        .content.decode()
    )
    link = "%s?institution=%s" % (reverse("pipeline:project_create"), world.institution.pk)
    assert (link in page) is sees


# ---------------------------------------------------------------- recording


def test_the_owner_records_a_registration_without_a_project(world):
    owner = world.people["officer_a"]
    response = client_as(owner).post(
        _record_url(world.institution),
        _registration(
            uscc=" 9131 0000 7109 3464 0y ",
            registered_capital="5000",
            registered_capital_currency="USD",
            building=world.building.pk,
            note="工商公示系统查得",
        ),
    )
    assert response.status_code == 302
    assert response["Location"] == world.institution.get_absolute_url()
    recorded = Milestone.objects.get(institution=world.institution)
    assert (recorded.kind, recorded.date, recorded.uscc) == ("registered", DAY, VALID)
    assert recorded.project is None and recorded.created_by == owner
    assert recorded.registered_capital == 5000 and recorded.registered_capital_currency == "USD"
    assert recorded.building == world.building
    world.institution.refresh_from_db()
    assert world.institution.uscc == VALID


def test_an_analyst_records_a_landing_found_on_a_registry_list(world):
    found = InstitutionFactory(name_zh="名录中的机构")
    response = client_as(world.people["analyst"]).post(
        _record_url(found),
        {
            "kind": "licensed",
            "date": "2023-01-05",
            "licence_type": "金融许可证",
            "regulator": "nfra",
        },
    )
    assert response.status_code == 302
    assert found.milestones.get().kind == "licensed"


def test_the_fields_of_another_kind_are_dropped(world):
    client_as(world.people["officer_a"]).post(
        _record_url(world.institution),
        {
            "kind": "recognised",
            "date": "2023-01-05",
            "recognition": "跨国公司地区总部认定",
            "recognised_by": "市商务委",
            # typed before switching the kind
            "uscc": VALID,
            "exit_kind": "moved-out",
        },
    )
    recorded = world.institution.milestones.get()
    assert (recorded.uscc, recorded.exit_kind) == ("", "")
    world.institution.refresh_from_db()
    assert world.institution.uscc is None or world.institution.uscc == ""


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        (_registration(uscc=""), "uscc", "此类里程碑须填写本项。"),
        (_registration(date=(TODAY + datetime.timedelta(days=1)).isoformat()), "date", "不能晚于"),
        (_registration(date="2022-02-30"), "date", "有效的日期"),
        ({"kind": "licensed", "date": "2023-01-05"}, "licence_type", "须填写本项"),
        ({"kind": "exited", "date": "2023-01-05"}, "exit_kind", "须填写本项"),
        ({"kind": "launched", "date": "2023-01-05"}, "kind", "launched"),
    ],
)
def test_bad_input_gets_a_translated_message_and_writes_nothing(world, data, field, message):
    response = client_as(world.people["officer_a"]).post(_record_url(world.institution), data)
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert message in response.content.decode()
    assert not Milestone.objects.exists()


def test_a_code_failing_its_check_is_kept_only_when_confirmed(world):
    client = client_as(world.people["officer_a"])
    response = client.post(_record_url(world.institution), _registration(uscc=BAD_CHECK))
    assert response.status_code == 200
    assert 'data-testid="uscc-warning"' in response.content.decode()
    assert not Milestone.objects.exists()
    response = client.post(
        _record_url(world.institution), _registration(uscc=BAD_CHECK, confirm_uscc="on")
    )
    assert response.status_code == 302
    assert world.institution.milestones.get().uscc == BAD_CHECK


def test_a_code_another_institution_holds_is_a_field_error(world):
    InstitutionFactory(name_zh="已登记的机构", uscc=VALID)
    response = client_as(world.people["officer_a"]).post(
        _record_url(world.institution), _registration()
    )
    assert response.status_code == 200
    assert "已登记的机构" in " ".join(response.context["form"].errors["uscc"])
    assert not Milestone.objects.exists()


def test_a_registration_takes_the_code_the_institution_already_has(world):
    institution = InstitutionFactory(uscc=VALID, owner=world.people["officer_a"])
    response = client_as(world.people["officer_a"]).post(
        _record_url(institution), _registration(uscc="")
    )
    assert response.status_code == 302
    assert institution.milestones.get().uscc == VALID


@pytest.mark.parametrize(
    ("person", "status"),
    [
        ("officer_a", 200),  # the owner
        ("officer_a2", 200),  # an officer of its team
        ("manager_a", 200),
        ("analyst", 200),
        ("admin", 200),
        ("officer_b", 403),
        ("viewer", 403),
    ],
)
def test_who_may_record_a_milestone(world, person, status):
    client = client_as(world.people[person])
    assert client.get(_record_url(world.institution)).status_code == status
    response = client.post(_record_url(world.institution), _registration())
    assert response.status_code == (302 if status == 200 else 403)
    assert Milestone.objects.exists() is (status == 200)


def test_an_institution_nobody_owns_takes_a_landing_from_any_officer(world):
    unowned = InstitutionFactory()
    assert client_as(world.people["officer_b"]).get(_record_url(unowned)).status_code == 200
    assert client_as(world.people["viewer"]).get(_record_url(unowned)).status_code == 403


def test_the_form_page_preselects_the_kind_asked_for(world):
    response = client_as(world.people["officer_a"]).get(
        _record_url(world.institution) + "?kind=exited"
    )
    assert response.context["form"]["kind"].value() == "exited"
    assert 'data-milestone-kind="exited"' in response.content.decode()
    bad = client_as(world.people["officer_a"]).get(_record_url(world.institution) + "?kind=x")
    assert bad.status_code == 200


# ---------------------------------------------------------------- deleting


def _recorded_by(person, world) -> Milestone:
    return milestone_record(
        institution=world.institution,
        kind=MilestoneKind.LICENSED,
        date=DAY,
        actor=person,
        licence_type="金融许可证",
        regulator="nfra",
    )


def test_the_recorder_deletes_a_milestone_recorded_in_error(world):
    recorded = _recorded_by(world.people["officer_a"], world)
    client = client_as(world.people["officer_a"])
    page = client.get(reverse("crm:institution_detail", args=[world.institution.pk]))
    assert reverse("crm:milestone_delete", args=[recorded.pk]) in page.content.decode()
    response = client.post(reverse("crm:milestone_delete", args=[recorded.pk]))
    assert response.status_code == 302
    assert response["Location"] == world.institution.get_absolute_url()
    assert not Milestone.objects.exists()


@pytest.mark.parametrize(
    ("person", "status"),
    [("admin", 302), ("manager_a", 403), ("officer_b", 403), ("analyst", 403), ("viewer", 403)],
)
def test_only_the_recorder_and_admins_delete_a_milestone(world, person, status):
    recorded = _recorded_by(world.people["officer_a"], world)
    client = client_as(world.people[person])
    url = reverse("crm:milestone_delete", args=[recorded.pk])
    page = client.get(reverse("crm:institution_detail", args=[world.institution.pk]))
    assert (url in page.content.decode()) is (status == 302)
    assert client.post(url).status_code == status
    assert Milestone.objects.exists() is (status != 302)


def test_deleting_answers_only_a_post_and_a_missing_milestone_is_404(world):
    recorded = _recorded_by(world.people["admin"], world)
    client = client_as(world.people["admin"])
    assert client.get(reverse("crm:milestone_delete", args=[recorded.pk])).status_code == 405
    assert client.post(reverse("crm:milestone_delete", args=[recorded.pk + 1])).status_code == 404
    assert Milestone.objects.exists()


def test_the_milestones_card_takes_one_query_however_many_milestones(
    world, django_assert_num_queries
):
    client = client_as(world.people["officer_a"])
    url = reverse("crm:institution_detail", args=[world.institution.pk])
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for n in range(6):
        milestone_record(
            institution=world.institution,
            kind=MilestoneKind.RECOGNISED,
            date=DAY - datetime.timedelta(days=n),
            actor=world.people["officer_a2" if n % 2 else "officer_a"],
            recognition="跨国公司地区总部认定",
            recognised_by="市商务委",
        )
    with django_assert_num_queries(len(few)):
        page = client.get(url).content.decode()
    assert page.count('data-milestone="recognised"') == 6
