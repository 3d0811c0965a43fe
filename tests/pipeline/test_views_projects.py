"""The project pages: creating, editing (with conflicts), moving, and the project page itself."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from stdnum.cn import uscc as uscc_check

from accounts.models import Role
from crm.models import InstitutionStatus, Milestone, MilestoneKind
from pipeline.models import LostReason, Project, Stage, StageChange
from pipeline.services import project_move, project_update
from tests.factories import InstitutionFactory, MembershipFactory, UserFactory
from tests.helpers import client_as

BASE = "91310115630218720"
VALID_USCC = BASE + uscc_check.calc_check_digit(BASE)
FAILING_USCC = BASE + ("1" if VALID_USCC[-1] != "1" else "2")
YESTERDAY = timezone.localdate() - datetime.timedelta(days=1)


def stage(code: str) -> Stage:
    return Stage.objects.get(code=code)


def move_url(project: Project) -> str:
    return reverse("pipeline:project_move", args=[project.pk])


def edit_url(project: Project) -> str:
    return reverse("pipeline:project_edit", args=[project.pk])


def project_form(project: Project, **changes) -> dict:
    """The edit form as the page posts it, with ``changes`` typed over it."""
    data = {
        "title": project.title,
        "vehicle": project.vehicle,
        "owner": project.owner_id,
        "team": project.team_id,
        "code_name": project.code_name,
        "expected_registered_capital_currency": project.expected_registered_capital_currency,
        "probability": project.probability,
        "competing_locations": "、".join(project.competing_locations),
        "version": project.version,
    }
    if project.confidential:
        data["confidential"] = "on"
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


# ---------------------------------------------------------------- create


def test_the_create_page_starts_from_the_institution_it_was_opened_from(world):
    officer = world.people["officer_a"]
    url = reverse("pipeline:project_create") + "?institution=%d" % world.institution.pk
    page = client_as(officer).get(url).content.decode()
    assert 'value="%d" selected' % world.institution.pk in page
    assert "瀚海资产管理有限公司" in page
    # The creator owns it, in their team, unless they choose otherwise.
    assert '<option value="%d" selected>' % world.team_a.pk in page
    assert 'value="%d" selected' % officer.pk in page


def test_an_officer_creates_a_project_with_the_institutions_categories(world, plan):
    officer = world.people["officer_a"]
    first, second = plan.categories.all()[:2]
    world.institution.categories.set([first, second])
    response = client_as(officer).post(
        reverse("pipeline:project_create"),
        {
            "institution": world.institution.pk,
            "title": "设立外商独资私募基金管理人",
            "vehicle": "wfoe-fund-manager",
            "owner": officer.pk,
            "team": world.team_a.pk,
            "expected_registered_capital": "2000",
            "expected_registered_capital_currency": "USD",
            "expected_jobs": "30",
            "expected_year": "2026",
            "expected_quarter": "3",
            "competing_locations": "北京、深圳前海，Hong Kong; Singapore/北京\n香港",
        },
    )
    project = Project.objects.get(title="设立外商独资私募基金管理人")
    assert response.status_code == 302 and response["Location"] == project.get_absolute_url()
    assert project.stage.code == "lead" and project.owner == officer
    assert set(project.categories.all()) == {first, second}
    assert project.competing_locations == ["北京", "深圳前海", "Hong Kong", "Singapore", "香港"]
    assert project.expected_landing and project.expected_registered_capital_currency == "USD"
    (change,) = project.stage_changes.all()
    assert change.from_stage is None and change.actor == officer


def test_the_create_form_explains_what_is_missing_and_saves_nothing(world):
    officer = world.people["officer_a"]
    before = Project.objects.count()
    response = client_as(officer).post(
        reverse("pipeline:project_create"),
        {
            "institution": world.institution.pk,
            "title": "保密项目",
            "owner": officer.pk,
            "team": world.team_a.pk,
            "confidential": "on",
            "code_name": "  ",
            "expected_registered_capital_currency": "CNY",
            "expected_year": "2026",
        },
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "保密项目需要代号。" in page
    assert response.context["form"].errors.keys() >= {"code_name", "expected_quarter"}
    assert Project.objects.count() == before


def test_an_officer_cannot_file_a_project_under_another_team(world):
    officer = world.people["officer_a"]
    response = client_as(officer).post(
        reverse("pipeline:project_create"),
        {
            "institution": world.institution.pk,
            "title": "设立分公司",
            "owner": officer.pk,
            "team": world.team_b.pk,
            "expected_registered_capital_currency": "CNY",
        },
    )
    assert response.status_code == 200
    assert "team" in response.context["form"].errors


@pytest.mark.parametrize("person", ["analyst", "viewer"])
def test_analysts_and_viewers_do_not_create_projects(world, person):
    client = client_as(world.people[person])
    assert client.get(reverse("pipeline:project_create")).status_code == 403
    response = client.post(
        reverse("pipeline:project_create"),
        {"institution": world.institution.pk, "title": "x", "team": world.team_a.pk},
    )
    assert response.status_code == 403


# ---------------------------------------------------------------- edit


def test_a_team_officer_edits_the_project_but_not_its_stage(world):
    project = world.project
    response = client_as(world.people["officer_a2"]).post(
        edit_url(project),
        project_form(
            project,
            title="设立公募基金管理公司",
            competing_locations="北京，深圳前海",
            stage=stage("landed").pk,  # not on the form: ignored
        ),
    )
    assert response.status_code == 302
    project.refresh_from_db()
    assert project.title == "设立公募基金管理公司"
    assert project.competing_locations == ["北京", "深圳前海"]
    assert project.stage.code == "lead"
    assert project.version == 2


def test_an_edit_over_a_newer_version_shows_what_changed_and_keeps_the_newer(world):
    project = world.project
    stale = project_form(project, title="我的标题")
    project_update(
        project=project,
        actor=world.people["manager_a"],
        expected_version=project.version,
        title="经理的标题",
    )
    client = client_as(world.people["officer_a"])
    response = client.post(edit_url(project), stale)
    assert response.status_code == 200
    assert 'data-testid="edit-conflict"' in response.content.decode()
    project.refresh_from_db()
    assert project.title == "经理的标题"
    # Having read it, saving again overwrites knowingly.
    again = dict(stale, version=response.context["form"].data["version"])
    assert client.post(edit_url(project), again).status_code == 302
    project.refresh_from_db()
    assert project.title == "我的标题"


def test_a_lost_project_keeps_its_reason_on_the_edit_form(world):
    project = world.project
    project_move(
        project=project,
        to=stage("lost"),
        actor=world.people["officer_a"],
        lost_reason=LostReason.COST,
    )
    client = client_as(world.people["officer_a"])
    form = client.get(edit_url(project)).context["form"]
    assert "lost_reason" in form.fields and "hold_reason" not in form.fields
    response = client.post(
        edit_url(project),
        project_form(project, lost_reason=LostReason.OTHER_LOCATION, lost_note="去了新加坡"),
    )
    assert response.status_code == 302
    project.refresh_from_db()
    assert (project.lost_reason, project.lost_note) == (LostReason.OTHER_LOCATION, "去了新加坡")


def test_only_those_named_to_a_confidential_project_edit_or_move_it(world):
    # officer_a2 works in team A and sees the secret's card, but not whose plans they are.
    client = client_as(world.people["officer_a2"])
    assert client.get(edit_url(world.secret)).status_code == 403
    assert client.get(move_url(world.secret)).status_code == 403
    page = client.get(world.secret.get_absolute_url()).content.decode()
    assert 'data-testid="edit-button"' not in page and 'data-testid="move-button"' not in page
    page = client_as(world.people["officer_a"]).get(world.secret.get_absolute_url())
    assert 'data-testid="move-button"' in page.content.decode()


# ---------------------------------------------------------------- moves


def test_a_move_to_an_open_stage_takes_one_click_and_is_kept(world):
    project = world.project
    client = client_as(world.people["officer_a"])
    form = client.get(move_url(project)).context["form"]
    assert form.target.code == "contacted"  # the next stage along the line
    response = client.post(move_url(project), {"to": stage("contacted").pk, "note": "首次拜访"})
    assert response.status_code == 302 and response["Location"] == project.get_absolute_url()
    project.refresh_from_db()
    assert project.stage.code == "contacted"
    change = project.stage_changes.last()
    assert (change.to_stage.code, change.note) == ("contacted", "首次拜访")
    page = client.get(project.get_absolute_url()).content.decode()
    assert "首次拜访" in page and 'data-testid="stage-history"' in page


def test_the_move_form_asks_what_the_target_stage_needs(world):
    client = client_as(world.people["officer_a"])
    fields = {
        code: set(
            client.get(move_url(world.project), {"to": stage(code).pk}).context["form"].fields
        )
        for code in ("negotiating", "landed", "lost", "hold")
    }
    assert fields["negotiating"] == {"to", "note"}
    assert fields["landed"] == {"to", "note", "registration_date", "uscc", "confirm_uscc"}
    assert fields["lost"] == {"to", "note", "lost_reason", "lost_note"}
    assert fields["hold"] == {"to", "note", "hold_reason"}


def test_landing_without_a_date_is_refused_with_a_translated_message(world):
    project = world.project
    client = client_as(world.people["officer_a"])
    response = client.post(move_url(project), {"to": stage("landed").pk, "uscc": VALID_USCC})
    assert response.status_code == 200
    assert "落地须填写注册日期。" in response.content.decode()
    assert response.context["form"].errors["registration_date"]
    project.refresh_from_db()
    assert project.stage.code == "lead" and not project.stage_changes.exists()
    assert not Milestone.objects.filter(project=project).exists()

    english = world.people["officer_a"]
    english.language = "en"
    english.save()
    response = client_as(english).post(move_url(project), {"to": stage("landed").pk})
    assert "A landing needs the date of registration." in response.content.decode()


def test_landing_records_the_registration_and_the_code(world):
    project = world.project
    response = client_as(world.people["officer_a"]).post(
        move_url(project),
        {
            "to": stage("landed").pk,
            "registration_date": YESTERDAY.isoformat(),
            "uscc": VALID_USCC,
            "note": "领取营业执照",
        },
    )
    assert response.status_code == 302
    project.refresh_from_db()
    assert project.stage.code == "landed"
    assert project.stage_changes.last().registration_date == YESTERDAY
    milestone = Milestone.objects.get(project=project, kind=MilestoneKind.REGISTERED)
    assert (milestone.date, milestone.uscc) == (YESTERDAY, VALID_USCC)
    project.institution.refresh_from_db()
    assert project.institution.uscc == VALID_USCC
    assert project.institution.status == InstitutionStatus.LANDED


def test_a_code_failing_its_check_needs_the_confirmation(world):
    project = world.project
    client = client_as(world.people["officer_a"])
    data = {
        "to": stage("landed").pk,
        "registration_date": YESTERDAY.isoformat(),
        "uscc": FAILING_USCC,
    }
    response = client.post(move_url(project), data)
    assert response.status_code == 200
    assert 'data-testid="uscc-warning"' in response.content.decode()
    assert response.context["form"].errors["uscc"]
    project.refresh_from_db()
    assert project.stage.code == "lead"
    assert client.post(move_url(project), {**data, "confirm_uscc": "on"}).status_code == 302
    project.refresh_from_db()
    assert project.stage.code == "landed"


def test_losing_needs_a_reason_and_keeps_it(world):
    project = world.project
    client = client_as(world.people["officer_a"])
    response = client.post(move_url(project), {"to": stage("lost").pk})
    assert response.status_code == 200
    assert "请说明项目流失的原因。" in response.content.decode()
    project.refresh_from_db()
    assert project.stage.code == "lead"
    response = client.post(
        move_url(project),
        {"to": stage("lost").pk, "lost_reason": "other-location", "lost_note": "选择了新加坡"},
    )
    assert response.status_code == 302
    project.refresh_from_db()
    assert (project.stage.code, project.lost_reason) == ("lost", "other-location")
    page = client.get(project.get_absolute_url()).content.decode()
    assert "选择了新加坡" in page and 'data-testid="lost-reason"' in page


def test_a_hold_keeps_its_reason(world):
    project = world.project
    response = client_as(world.people["manager_a"]).post(
        move_url(project), {"to": stage("hold").pk, "hold_reason": "总部战略调整，明年再议"}
    )
    assert response.status_code == 302
    project.refresh_from_db()
    assert (project.stage.code, project.hold_reason) == ("hold", "总部战略调整，明年再议")


def test_moving_back_is_allowed_said_and_recorded(world):
    project = world.project
    officer = world.people["officer_a"]
    project_move(project=project, to=stage("negotiating"), actor=officer)
    client = client_as(officer)
    form = client.get(move_url(project), {"to": stage("contacted").pk}).context["form"]
    assert form.backwards
    assert client.post(move_url(project), {"to": stage("contacted").pk}).status_code == 302
    project.refresh_from_db()
    last = project.stage_changes.last()
    assert (last.from_stage.code, last.to_stage.code) == ("negotiating", "contacted")


def test_an_unknown_or_current_stage_is_refused_without_an_error_page(world):
    project = world.project
    client = client_as(world.people["officer_a"])
    response = client.post(move_url(project), {"to": stage("lead").pk})
    assert "项目已处于“线索”阶段。" in response.content.decode()
    for to in (999_999, "abc", ""):
        response = client.post(move_url(project), {"to": to})
        assert response.status_code == 200, to
        assert response.context["form"].errors["to"]
    assert not project.stage_changes.exists()


def test_a_move_someone_else_made_first_is_explained(world):
    project = world.project
    client = client_as(world.people["officer_a"])
    project_move(project=project, to=stage("contacted"), actor=world.people["manager_a"])
    # The form was opened before the manager's move; it still names contacted as the target.
    response = client.post(move_url(project), {"to": stage("contacted").pk})
    assert response.status_code == 200
    assert "项目已处于“初步接洽”阶段。" in response.content.decode()
    assert project.stage_changes.count() == 1


@pytest.mark.parametrize(
    "person, status",
    [("viewer", 404), ("officer_b", 404), ("analyst", 403)],
)
def test_viewers_analysts_and_other_teams_cannot_move(world, person, status):
    project = world.project
    client = client_as(world.people[person])
    response = client.post(move_url(project), {"to": stage("contacted").pk})
    assert response.status_code == status
    assert not project.stage_changes.exists()


def test_a_move_from_the_page_with_htmx_sends_the_browser_back_to_the_project(world):
    project = world.project
    client = client_as(world.people["officer_a"])
    partial = client.get(move_url(project), {"to": stage("contacted").pk}, HTTP_HX_REQUEST="true")
    assert partial.templates[0].name == "pipeline/_move_form.html"
    response = client.post(move_url(project), {"to": stage("contacted").pk}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert response["HX-Redirect"] == project.get_absolute_url()


# ---------------------------------------------------------------- the project page


def test_the_project_page_shows_history_milestones_and_reasons(world):
    project = world.project
    officer = world.people["officer_a"]
    project_update(
        project=project,
        actor=officer,
        expected_version=project.version,
        competing_locations=["北京", "Singapore"],
    )
    project_move(project=project, to=stage("contacted"), actor=officer, note="首次拜访")
    Milestone.objects.create(
        institution=project.institution,
        project=project,
        kind=MilestoneKind.LICENSED,
        date=YESTERDAY,
        licence_type="金融许可证",
        regulator="nfra",
    )
    page = client_as(world.people["manager_a"]).get(project.get_absolute_url()).content.decode()
    assert "首次拜访" in page
    assert "北京、Singapore" in page
    assert YESTERDAY.strftime("%Y-%m-%d") in page
    assert 'data-testid="edit-button"' in page and 'data-testid="move-button"' in page


def test_the_analyst_reads_the_project_without_controls(world):
    page = client_as(world.people["analyst"]).get(world.project.get_absolute_url())
    html = page.content.decode()
    assert page.status_code == 200 and "设立公募基金子公司" in html
    assert 'data-testid="edit-button"' not in html and 'data-testid="move-button"' not in html


def test_an_officer_of_the_team_who_does_not_own_the_project_still_moves_it(world):
    second = UserFactory(username="officer_a3")
    MembershipFactory(user=second, team=world.team_a, role=Role.OFFICER)
    response = client_as(second).post(move_url(world.project), {"to": stage("contacted").pk})
    assert response.status_code == 302
    assert StageChange.objects.filter(project=world.project).count() == 1


def test_the_move_page_works_without_javascript(world):
    project = world.project
    page = client_as(world.people["officer_a"]).get(move_url(project), {"to": stage("lost").pk})
    assert page.templates[0].name == "pipeline/project_move.html"
    html = page.content.decode()
    assert 'name="lost_reason"' in html and 'action="%s"' % move_url(project) in html


def test_a_new_project_for_an_institution_without_categories_starts_bare(world):
    officer = world.people["officer_a"]
    institution = InstitutionFactory()
    client_as(officer).post(
        reverse("pipeline:project_create"),
        {
            "institution": institution.pk,
            "title": "设立代表处",
            "owner": officer.pk,
            "team": world.team_a.pk,
            "expected_registered_capital_currency": "CNY",
        },
    )
    project = Project.objects.get(title="设立代表处")
    assert not project.categories.exists() and project.team == world.team_a
