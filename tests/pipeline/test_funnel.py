"""The funnel's arithmetic on a history worked out by hand (docs/funnel.md).

Eight projects of team A, moved through the services with dated moves. The period is the
first half of 2025 (Asia/Shanghai); every move is at 10:00 Shanghai, so stays are whole days.

    A  lead 2024-12-01 → contacted 01-10 → negotiating 02-09 → committed 04-10
    B  lead 01-05 → negotiating 01-15 (skips contacted) → contacted 03-01 (back) → negotiating 03-25
    C  lead 02-01 → contacted 02-11 → lost 03-13 (another location: 北京, Singapore)
    D  lead 01-20 → hold 02-19 → negotiating 05-20
    E  lead 2024-06-01 → committed 2024-09-01 → registering 03-01 → landed 05-01 (" 北京")
    F  lead 03-01 → contacted 08-01 (after the period); owned by officer_a2
    G  lead 2024-01-01 → contacted 2024-03-01 (all before the period)
    H  lead 2024-11-01 → lost 06-15 (policy; 深圳前海); confidential, code name 白鹭
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from stdnum.cn import uscc as uscc_check

from crm.services import interaction_log
from pipeline.funnel import (
    FunnelFilters,
    Period,
    default_period,
    funnel_list,
    funnel_review,
    period_presets,
)
from pipeline.funnel_forms import FunnelForm
from pipeline.models import LostReason, Project, Stage
from pipeline.selectors import is_named_to
from pipeline.services import Registration, project_create, project_move
from plans.models import Category, Plan
from tests.factories import InstitutionFactory

SHANGHAI = ZoneInfo("Asia/Shanghai")
PERIOD = Period(datetime.date(2025, 1, 1), datetime.date(2025, 6, 30))
USCC_BASE = "91310115630218720"
USCC = USCC_BASE + uscc_check.calc_check_digit(USCC_BASE)


def at(day: str, time: str = "10:00") -> datetime.datetime:
    return datetime.datetime.fromisoformat(f"{day}T{time}").replace(tzinfo=SHANGHAI)


def stage(code: str) -> Stage:
    return Stage.objects.get(code=code)


def build_history(world) -> dict[str, Project]:
    """The eight projects of the module docstring, in team A."""
    officer, officer2 = world.people["officer_a"], world.people["officer_a2"]
    plan = Plan.objects.create(
        code="test-plan",
        name_zh="测试规划",
        name_en="Test plan",
        baseline_date=datetime.date(2020, 12, 31),
        horizon_date=datetime.date(2025, 12, 31),
    )
    services = Category.objects.create(
        plan=plan, code="services", name_zh="六大服务经济", name_en="Service economies"
    )
    asset_management = Category.objects.create(
        plan=plan, code="am", name_zh="资产管理", name_en="Asset management", parent=services
    )

    def create(name, day, *, owner=officer, categories=(), institution=None, **fields):
        institution = institution or InstitutionFactory(name_zh=f"{name}机构有限公司")
        return project_create(
            institution=institution,
            title=f"项目{name}",
            actor=owner,
            owner=owner,
            team=world.team_a,
            categories=categories,
            at=at(day),
            **fields,
        )

    def move(project, code, day, **kwargs):
        project_move(project=project, to=stage(code), actor=officer, at=at(day), **kwargs)

    projects = {}
    a = projects["A"] = create(
        "A", "2024-12-01", vehicle="subsidiary", categories=[asset_management]
    )
    move(a, "contacted", "2025-01-10")
    move(a, "negotiating", "2025-02-09")
    move(a, "committed", "2025-04-10")
    b = projects["B"] = create("B", "2025-01-05", vehicle="branch")
    move(b, "negotiating", "2025-01-15")
    move(b, "contacted", "2025-03-01")
    move(b, "negotiating", "2025-03-25")
    c = projects["C"] = create(
        "C",
        "2025-02-01",
        institution=InstitutionFactory(name_zh="C机构有限公司", country="GB"),
        competing_locations=["北京", "Singapore"],
    )
    move(c, "contacted", "2025-02-11")
    move(c, "lost", "2025-03-13", lost_reason=LostReason.OTHER_LOCATION)
    d = projects["D"] = create("D", "2025-01-20")
    move(d, "hold", "2025-02-19", hold_reason="等待母公司批准")
    move(d, "negotiating", "2025-05-20")
    e = projects["E"] = create(
        "E",
        "2024-06-01",
        vehicle="regional-hq",
        institution=InstitutionFactory(
            name_zh="E机构有限公司", country="HK", parent_country="JP", uscc=USCC
        ),
        competing_locations=[" 北京"],
    )
    move(e, "committed", "2024-09-01")
    move(e, "registering", "2025-03-01")
    move(e, "landed", "2025-05-01", registration=Registration(date=datetime.date(2025, 4, 28)))
    f = projects["F"] = create("F", "2025-03-01", owner=officer2)
    move(f, "contacted", "2025-08-01")
    g = projects["G"] = create("G", "2024-01-01")
    move(g, "contacted", "2024-03-01")
    h = projects["H"] = create(
        "H",
        "2024-11-01",
        vehicle="fund",
        confidential=True,
        code_name="白鹭",
        competing_locations=["深圳前海"],
    )
    move(h, "lost", "2025-06-15", lost_reason=LostReason.POLICY)
    projects["categories"] = (services, asset_management)
    return projects


@pytest.fixture
def history(world):
    return build_history(world)


def review_for(user, **filters):
    return funnel_review(user=user, filters=FunnelFilters(period=PERIOD, **filters))


def listed(user, show, **filters) -> set[str]:
    """The projects behind ``show``: their titles, or code names where ``user`` sees no more."""
    found = funnel_list(user=user, filters=FunnelFilters(period=PERIOD, **filters), show=show)
    assert found is not None, show
    return {p.title if is_named_to(user, p) else p.code_name for p in found.projects}


def names(*letters: str) -> set[str]:
    return {f"项目{letter}" for letter in letters}


def reached(review) -> dict[str, int]:
    return {row.stage.code: row.reached.value for row in review.rows}


# ---------------------------------------------------------------- the arithmetic


def test_it_counts_the_projects_that_reached_each_stage_from_the_history(world, history):
    review = review_for(world.people["manager_a"])
    assert reached(review) == {
        "lead": 6,
        "contacted": 5,
        "negotiating": 4,
        "committed": 2,
        "registering": 1,
        "landed": 1,
    }
    conversions = {row.stage.code: row.conversion for row in review.rows}
    assert conversions == {
        "lead": Decimal("83.3"),
        "contacted": Decimal("80.0"),
        "negotiating": Decimal("50.0"),
        "committed": Decimal("50.0"),
        "registering": Decimal("100.0"),
        "landed": None,
    }
    assert (review.won.value, review.lost.value, review.held.value) == (1, 2, 1)
    assert review.overall_conversion == Decimal("16.7")


def test_the_lists_behind_the_reached_counts_are_exactly_those_projects(world, history):
    manager = world.people["manager_a"]
    assert listed(manager, "reached:lead") == names("A", "B", "C", "D", "E", "F")
    # B skipped contacted and D went from hold straight to negotiating: both passed through.
    assert listed(manager, "reached:contacted") == names("A", "B", "C", "D", "E")
    assert listed(manager, "reached:negotiating") == names("A", "B", "D", "E")
    assert listed(manager, "reached:committed") == names("A", "E")
    assert listed(manager, "reached:landed") == names("E")
    assert listed(manager, "won") == names("E")
    assert listed(manager, "lost") == names("C", "H")
    assert listed(manager, "held") == names("D")


def test_it_takes_the_median_of_the_stays_that_ended_in_the_period(world, history):
    review = review_for(world.people["manager_a"])
    days = {row.stage.code: (row.stays.value, row.median_days.value) for row in review.waiting}
    assert days == {
        "lead": (5, Decimal("30.0")),  # A 40, B 10, C 10, D 30, H 226
        "contacted": (3, Decimal("30.0")),  # A 30, B 24, C 30
        "negotiating": (2, Decimal("52.5")),  # A 60, B 45: the mean of the middle two
        "committed": (1, Decimal("181.0")),  # E, from 2024-09-01
        "registering": (1, Decimal("61.0")),
        "hold": (1, Decimal("90.0")),  # D
    }
    manager = world.people["manager_a"]
    assert listed(manager, "stage_days:lead") == names("A", "B", "C", "D", "H")
    assert listed(manager, "stage_days:negotiating") == names("A", "B")
    assert listed(manager, "stage_days:hold") == names("D")


def test_it_gives_the_median_age_of_the_projects_in_each_stage_today(world, history):
    review = review_for(world.people["manager_a"])
    now = {row.stage.code: row.now_in_stage.value for row in review.waiting}
    # The world's two projects sit at lead since now; B and D negotiate, F and G contacted.
    assert now == {
        "lead": 2,
        "contacted": 2,
        "negotiating": 2,
        "committed": 1,
        "registering": 0,
        "hold": 0,
    }
    committed = next(row for row in review.waiting if row.stage.code == "committed")
    expected = (timezone.now() - at("2025-04-10")).total_seconds() / 86400
    assert abs(float(committed.median_age) - expected) < 0.1
    assert next(r for r in review.waiting if r.stage.code == "registering").median_age is None
    assert listed(world.people["manager_a"], "in_stage:negotiating") == names("B", "D")


def test_it_breaks_the_losses_down_by_reason_and_competing_location(world, history):
    review = review_for(world.people["manager_a"])
    assert [(r.code, r.count.value) for r in review.reasons] == [
        ("other-location", 1),
        ("policy", 1),
    ]
    # " 北京" on E and "北京" on C are one place; E was won against it, C lost to it.
    assert [(r.name, r.lost.value, r.won.value) for r in review.locations] == [
        ("北京", 1, 1),
        ("Singapore", 1, 0),
        ("深圳前海", 1, 0),
    ]
    assert review.hidden_locations == 0
    manager = world.people["manager_a"]
    assert listed(manager, "lost_reason:policy") == {"项目H"}
    assert listed(manager, "location:北京") == names("C")
    assert listed(manager, "won_location:北京") == names("E")


def test_moves_outside_the_period_count_nowhere(world, history):
    review = funnel_review(
        user=world.people["manager_a"],
        filters=FunnelFilters(period=Period(datetime.date(2025, 7, 1), datetime.date(2025, 9, 30))),
    )
    # Only F moved in the third quarter (to contacted on 08-01).
    assert reached(review) == {
        "lead": 1,
        "contacted": 1,
        "negotiating": 0,
        "committed": 0,
        "registering": 0,
        "landed": 0,
    }
    assert [row.conversion for row in review.rows][2:] == [None, None, None, None]
    days = {row.stage.code: row.median_days.value for row in review.waiting}
    assert days["lead"] == Decimal("153.0")  # F: 2025-03-01 → 08-01
    assert days["contacted"] is None


def test_the_period_runs_from_midnight_to_midnight_in_shanghai(world, history):
    officer = world.people["officer_a"]
    late = project_create(
        institution=InstitutionFactory(),
        title="项目晚",
        actor=officer,
        team=world.team_a,
        at=at("2025-06-30", "23:30"),
    )
    project_create(
        institution=InstitutionFactory(),
        title="项目早",
        actor=officer,
        team=world.team_a,
        at=at("2025-07-01", "00:10"),
    )
    assert "项目晚" in listed(world.people["manager_a"], "reached:lead")
    assert "项目早" not in listed(world.people["manager_a"], "reached:lead")
    assert late.created_at.date() == datetime.date(2025, 6, 30)  # 15:30 UTC


def test_stalled_projects_are_open_ones_without_recent_interaction_or_long_in_a_stage(
    world, history
):
    manager = world.people["manager_a"]
    # As of today, every open project of the history last moved in 2025 and its
    # institution was never contacted; the world's two projects were made just now.
    review = review_for(manager)
    assert review.stalled_idle.value == 5
    assert listed(manager, "stalled_idle") == names("A", "B", "D", "F", "G")
    assert listed(manager, "stalled_stuck") == names("A", "B", "D", "F", "G")
    # A visit to B's institution wakes B up; C (lost), E (landed) and H never count.
    interaction_log(
        institution=history["B"].institution,
        actor=world.people["officer_a"],
        kind="visit",
        date=timezone.localdate() - datetime.timedelta(days=3),
        summary="拜访",
    )
    assert listed(manager, "stalled_idle") == names("A", "D", "F", "G")
    assert listed(manager, "stalled_idle", idle_days=1) == names("A", "B", "D", "F", "G")
    # A project moved yesterday is no longer long in its stage.
    project_move(project=history["A"], to=stage("registering"), actor=world.people["officer_a"])
    assert listed(manager, "stalled_stuck") == names("B", "D", "F", "G")
    rows = review_for(manager).stalled
    assert [row.project.title for row in rows][:1] == ["项目G"]  # longest in its stage


# ---------------------------------------------------------------- filters and scope


def test_filters_narrow_every_figure(world, history):
    manager = world.people["manager_a"]
    services, asset_management = history["categories"]
    assert reached(review_for(manager, owner=world.people["officer_a2"]))["lead"] == 1  # F
    # A category includes its sub-categories.
    assert listed(
        manager, "reached:lead", category_ids=frozenset({services.pk, asset_management.pk})
    ) == names("A")
    assert listed(manager, "reached:lead", vehicle="branch") == names("B")
    # The country of origin is the ultimate parent's, else the direct investor's.
    assert listed(manager, "reached:lead", country="JP") == names("E")
    assert listed(manager, "reached:lead", country="HK") == set()
    assert listed(manager, "lost", country="GB") == names("C")
    assert reached(review_for(manager, team=world.team_b))["lead"] == 0


def test_a_member_of_another_team_sees_none_of_team_as_projects(world, history):
    officer_b = world.people["officer_b"]
    review = review_for(officer_b)
    assert set(reached(review).values()) == {0}
    assert (review.won.value, review.lost.value) == (0, 0)
    assert review.reasons == [] and review.locations == []
    assert listed(officer_b, "reached:lead") == set()
    assert listed(officer_b, "stalled_idle") == set()


def test_analysts_count_every_team(world, history):
    assert reached(review_for(world.people["analyst"]))["lead"] == 6


# ---------------------------------------------------------------- confidential projects


def test_a_confidential_project_is_counted_but_its_details_are_kept(world, history):
    colleague = world.people["officer_a2"]  # team A, neither owner nor manager of H
    review = review_for(colleague)
    assert review.lost.value == 2  # H counts
    # H's reason is one of its details: it goes into a bucket of its own.
    assert [(r.code, r.count.value) for r in review.reasons] == [
        ("other-location", 1),
        ("confidential", 1),
    ]
    assert [r.name for r in review.locations] == ["北京", "Singapore"]
    assert review.hidden_locations == 1
    assert listed(colleague, "lost") == {"项目C", "白鹭"}
    assert listed(colleague, "lost_reason:confidential") == {"白鹭"}
    assert listed(colleague, "lost_reason:policy") == set()
    assert listed(colleague, "location:深圳前海") == set()
    # The manager reads it all.
    assert listed(world.people["manager_a"], "lost_reason:confidential") == set()


def test_filters_on_a_projects_details_do_not_match_confidential_projects(world, history):
    """Else "lost: 1" under vehicle=fund would tell a colleague what 白鹭 is."""
    colleague, manager = world.people["officer_a2"], world.people["manager_a"]
    assert review_for(colleague, vehicle="fund").lost.value == 0
    assert review_for(manager, vehicle="fund").lost.value == 1
    assert listed(colleague, "lost", vehicle="fund") == set()
    assert listed(manager, "lost", vehicle="fund") == {"项目H"}
    # Team and officer are on the code-name card: those filters still count it.
    assert review_for(colleague, owner=world.people["officer_a"]).lost.value == 2


# ---------------------------------------------------------------- periods and the form


def test_the_presets_cover_quarters_years_and_the_last_twelve_months():
    presets = period_presets(datetime.date(2026, 2, 15))
    assert presets["this_quarter"] == Period(datetime.date(2026, 1, 1), datetime.date(2026, 2, 15))
    assert presets["last_quarter"] == Period(
        datetime.date(2025, 10, 1), datetime.date(2025, 12, 31)
    )
    assert presets["this_year"] == Period(datetime.date(2026, 1, 1), datetime.date(2026, 2, 15))
    assert presets["last_12_months"] == Period(
        datetime.date(2025, 2, 16), datetime.date(2026, 2, 15)
    )
    leap = period_presets(datetime.date(2024, 2, 29))["last_12_months"]
    assert leap == Period(datetime.date(2023, 3, 1), datetime.date(2024, 2, 29))
    autumn = datetime.date(2026, 11, 27)
    assert default_period(autumn) == Period(datetime.date(2026, 10, 1), autumn)


def test_the_form_defaults_to_the_users_team_and_the_stale_days_setting(world, settings):
    settings.LANDFALL_STALE_DAYS = 21
    form = FunnelForm({}, user=world.people["manager_a"])
    assert form.is_valid(), form.errors
    filters = form.filters()
    assert filters.team == world.team_a
    assert (filters.idle_days, filters.stuck_days) == (21, 90)
    assert filters.period == default_period()
    # An empty team, as the form sends it, means every team the user may see.
    for params, user in [({"team": ""}, world.people["manager_a"]), ({}, world.people["analyst"])]:
        form = FunnelForm(params, user=user)
        assert form.is_valid() and form.filters().team is None


@pytest.mark.parametrize(
    "params",
    [
        {"start": "2025-07-01", "end": "2025-06-30"},
        {"start": "yesterday"},
        {"idle_days": "0"},
        {"stuck_days": "-3"},
        {"team": "999999"},
        {"vehicle": "spaceship"},
        {"category": "abc"},
    ],
)
def test_the_form_refuses_bad_input_with_a_message(world, params):
    form = FunnelForm(params, user=world.people["manager_a"])
    assert not form.is_valid()
    assert all(str(message) for errors in form.errors.values() for message in errors)


def test_an_officer_cannot_pick_another_team(world):
    form = FunnelForm({"team": str(world.team_b.pk)}, user=world.people["officer_a"])
    assert not form.is_valid() and "team" in form.errors


def test_unknown_lists_are_refused(world, history):
    manager = world.people["manager_a"]
    for show in ["", "reached:hold", "reached:nope", "stage_days:landed", "won:x", "nonsense"]:
        assert funnel_list(user=manager, filters=FunnelFilters(period=PERIOD), show=show) is None


# ---------------------------------------------------------------- queries


def test_the_review_runs_a_fixed_number_of_queries(world, history, django_assert_max_num_queries):
    manager = world.people["manager_a"]
    with CaptureQueriesContext(connection) as first:
        review_for(manager)
    for n in range(5):
        project_create(
            institution=InstitutionFactory(),
            title=f"更多{n}",
            actor=world.people["officer_a"],
            team=world.team_a,
            at=at("2025-02-01"),
        )
    with django_assert_max_num_queries(len(first.captured_queries)):
        review_for(manager)
    assert len(first.captured_queries) <= 9


def test_stages_are_data_a_missing_kind_is_simply_absent(world):
    Stage.objects.filter(kind="hold").delete()
    review = review_for(world.people["admin"])
    assert review.held.value == 0
    assert [row.stage.code for row in review.waiting] == [
        "lead",
        "contacted",
        "negotiating",
        "committed",
        "registering",
    ]
    assert funnel_list(
        user=world.people["admin"], filters=FunnelFilters(period=PERIOD), show="held"
    )
