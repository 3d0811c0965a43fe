"""The home dashboard: whose pipeline, this quarter's landings, targets behind pace, overdue."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from pipeline.dashboard import Scope, behind_pace, dashboard, quarter_start
from pipeline.models import Stage
from pipeline.progress import TargetProgress
from pipeline.services import project_move
from tests.factories import FollowUpFactory, InstitutionFactory, ProjectFactory, milestone
from tests.helpers import client_as


def counts(board) -> dict[str, int]:
    return {row.stage.code: row.count for row in board.pipeline}


def test_an_officer_starts_on_their_own_projects_and_a_manager_on_the_team(world):
    officer, manager = world.people["officer_a"], world.people["manager_a"]
    ProjectFactory(owner=world.people["officer_a2"], institution=world.institution)
    mine = dashboard(user=officer)
    assert mine.scope == Scope.MINE and mine.scopes == [Scope.MINE, Scope.TEAM]
    assert counts(mine)["lead"] == 2  # the world's project and its confidential one
    team = dashboard(user=manager)
    assert team.scope == Scope.TEAM
    assert counts(team)["lead"] == 3
    assert dashboard(user=officer, scope=Scope.TEAM).open_total == 3


def test_it_never_counts_another_teams_projects(world):
    board = dashboard(user=world.people["officer_b"], scope=Scope.TEAM)
    assert board.open_total == 0
    # A scope one may not choose falls back to one's default.
    assert dashboard(user=world.people["officer_b"], scope=Scope.ALL).scope == Scope.MINE
    analyst = dashboard(user=world.people["analyst"])
    assert analyst.scope == Scope.ALL and analyst.open_total == 2


def test_landed_projects_leave_the_open_count(world):
    officer = world.people["officer_a"]
    project_move(
        project=world.project, to=Stage.objects.get(code="lost"), actor=officer, lost_reason="cost"
    )
    board = dashboard(user=officer)
    assert board.open_total == 1 and counts(board)["lost"] == 1  # lost this quarter


def test_landings_this_quarter_stand_against_last_quarter(world):
    today = timezone.localdate()
    start = quarter_start(today)
    last_start = quarter_start(start - datetime.timedelta(days=1))
    same_point = last_start + (today - start)
    for day in [start, today, last_start, same_point]:
        milestone(InstitutionFactory(), "registered", day)
    milestone(InstitutionFactory(), "registered", start - datetime.timedelta(days=1))
    if same_point + datetime.timedelta(days=1) < start:
        milestone(InstitutionFactory(), "registered", same_point + datetime.timedelta(days=1))
        whole_last = 4
    else:
        whole_last = 3
    milestone(InstitutionFactory(), "licensed", today)  # not a registration
    milestone(InstitutionFactory(), "registered", last_start - datetime.timedelta(days=1))
    landings = dashboard(user=world.people["viewer"]).landings
    assert landings.this_quarter == 2
    assert landings.last_quarter_to_date == 2
    assert landings.last_quarter == whole_last
    assert len(landings.latest) == 2 + whole_last


def progress_row(code: str, required: str | None, actual: str | None) -> TargetProgress:
    def number(value):
        return None if value is None else Decimal(value)

    return TargetProgress(
        code=code,
        name=code,
        kind="count",
        unit="家",
        baseline=Decimal(0),
        value=Decimal(1),
        target=Decimal(10),
        comparator=">=",
        percent=Decimal(10),
        required_pace=number(required),
        actual_pace=number(actual),
        projection=None,
    )


def test_the_targets_furthest_behind_pace_come_first():
    rows = [
        progress_row("ahead", "2", "3"),
        progress_row("far-behind", "4", "1"),
        progress_row("behind", "2", "1.5"),
        progress_row("no-pace", None, "1"),
        progress_row("nothing-required", "0", "1"),
    ]
    assert [b.progress.code for b in behind_pace(rows)] == ["far-behind", "behind"]
    assert behind_pace(rows)[0].ratio == Decimal("0.25")


def test_overdue_follow_ups_are_ones_own_and_for_a_manager_the_teams(world):
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    officer, officer_a2 = world.people["officer_a"], world.people["officer_a2"]
    mine = FollowUpFactory(
        title="回访",
        institution=world.institution,
        assignee=officer,
        team=world.team_a,
        created_by=officer,
        due_date=yesterday,
    )
    colleague = FollowUpFactory(
        title="寄材料",
        institution=world.institution,
        assignee=officer_a2,
        team=world.team_a,
        created_by=officer_a2,
        due_date=yesterday,
    )
    assert dashboard(user=officer).overdue == [mine]  # the world's own is not yet due
    assert set(dashboard(user=world.people["manager_a"]).overdue) == {mine, colleague}
    assert dashboard(user=world.people["officer_b"]).overdue_total == 0


def test_the_home_page_shows_the_dashboard(world, plan):
    manager = world.people["manager_a"]
    page = client_as(manager).get(reverse("home")).content.decode()
    assert 'data-testid="open-projects">2<' in page
    assert 'data-chart="pipeline-chart"' in page and 'id="pipeline-chart"' in page
    # Nothing has landed since the plan's baseline, so its count targets are behind pace.
    behind = dashboard(user=manager).behind
    assert behind
    for item in behind:
        assert reverse("pipeline:progress_target", args=[plan.code, item.progress.code]) in page


@pytest.mark.parametrize("extra", [0, 25])
def test_the_dashboard_runs_a_fixed_number_of_queries(
    world, plan, extra, django_assert_max_num_queries
):
    officer = world.people["manager_a"]
    for n in range(extra):
        project = ProjectFactory(owner=officer, institution=InstitutionFactory())
        milestone(project.institution, "registered", timezone.localdate())
        FollowUpFactory(
            institution=project.institution,
            assignee=officer,
            team=world.team_a,
            created_by=officer,
            due_date=timezone.localdate() - datetime.timedelta(days=n + 1),
        )
    client = client_as(officer)
    with django_assert_max_num_queries(16):
        assert client.get(reverse("home")).status_code == 200
