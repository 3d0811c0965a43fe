"""A team's pipeline board: its columns, its cards, and moves made from it."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from stdnum.cn import uscc as uscc_check

from accounts.models import Role
from pipeline.models import LostReason, Project, Stage
from pipeline.selectors import board
from pipeline.services import project_create, project_move
from tests.factories import (
    FollowUpFactory,
    InstitutionFactory,
    MembershipFactory,
    TeamFactory,
    UserFactory,
)
from tests.helpers import client_as

BOARD = reverse("pipeline:board")
BASE = "91310115630218720"
VALID_USCC = BASE + uscc_check.calc_check_digit(BASE)
TODAY = timezone.localdate()


def stage(code: str) -> Stage:
    return Stage.objects.get(code=code)


def column(html: str, code: str) -> str:
    """The HTML of one column of the board."""
    start = html.index('data-testid="column-%s"' % code)
    end = html.find("</section>", start)
    return html[start:end]


def days_ago(project: Project, days: int) -> None:
    Project.objects.filter(pk=project.pk).update(
        stage_entered_at=timezone.now() - datetime.timedelta(days=days)
    )


def test_the_board_has_a_column_per_stage_in_order(world):
    html = client_as(world.people["officer_a"]).get(BOARD).content.decode()
    codes = re.findall(r'data-drop-stage="\d+"\s+data-testid="column-([a-z-]+)"', html)
    assert codes == list(Stage.objects.order_by("position").values_list("code", flat=True))
    assert 'data-testid="column-count">2<' in column(html, "lead")


def test_a_card_shows_the_institution_owner_days_in_stage_and_next_follow_up(world):
    project = world.project
    days_ago(project, 5)
    team_a, officer = world.team_a, world.people["officer_a"]
    for days, title in [(9, "稍后"), (2, "最近"), (-1, "已完成")]:
        FollowUpFactory(
            title=title,
            project=project,
            institution=project.institution,
            assignee=officer,
            team=team_a,
            due_date=TODAY + datetime.timedelta(days=days),
            done=title == "已完成",
        )
    html = client_as(world.people["manager_a"]).get(BOARD).content.decode()
    card = html[html.index('id="card-%d"' % project.pk) :]
    card = card[: card.index("</li>\n")]
    assert "瀚海资产管理有限公司" in card and "设立公募基金子公司" in card
    assert str(officer) in card
    assert "5 天" in card or "5 days" in card
    soon = (TODAY + datetime.timedelta(days=2)).isoformat()
    assert soon in card and "lf-overdue" not in card


def test_an_overdue_follow_up_is_marked(world):
    FollowUpFactory(
        project=world.project,
        institution=world.institution,
        assignee=world.people["officer_a"],
        team=world.team_a,
        due_date=TODAY - datetime.timedelta(days=3),
    )
    result = board(user=world.people["officer_a"], team=world.team_a)
    (card,) = [c for c in result.cards if c.project.pk == world.project.pk]
    assert card.overdue and card.next_follow_up == TODAY - datetime.timedelta(days=3)


def test_the_next_follow_up_comes_from_those_the_user_may_see(world):
    # Team B logged a follow-up on team A's project: team A's officers do not see it.
    FollowUpFactory(
        project=world.project,
        institution=world.institution,
        assignee=world.people["officer_b"],
        team=world.team_b,
        due_date=TODAY + datetime.timedelta(days=1),
    )
    result = board(user=world.people["officer_a2"], team=world.team_a)
    (card,) = [c for c in result.cards if c.project.pk == world.project.pk]
    assert card.next_follow_up is None


@pytest.mark.parametrize("person", ["officer_a2", "analyst"])
def test_a_confidential_card_shows_only_the_code_name(world, person):
    client = client_as(world.people[person])
    team = "?team=%d" % world.team_a.pk
    html = client.get(BOARD + team).content.decode()
    assert "猎鹰" in html
    assert "收购某券商股权" not in html
    secret = html[html.index('id="card-%d"' % world.secret.pk) :]
    secret = secret[: secret.index("</li>\n")]
    assert "瀚海" not in secret
    assert "data-move-url" not in secret and 'data-testid="card-move"' not in secret


def test_the_owner_sees_the_confidential_card_by_name_and_may_move_it(world):
    html = client_as(world.people["officer_a"]).get(BOARD).content.decode()
    secret = html[html.index('id="card-%d"' % world.secret.pk) :]
    secret = secret[: secret.index("</li>\n")]
    assert "收购某券商股权" in secret and "data-move-url" in secret


def test_the_analyst_reads_any_teams_board_without_move_controls(world):
    html = client_as(world.people["analyst"]).get(BOARD, {"team": world.team_a.pk})
    html = html.content.decode()
    assert "设立公募基金子公司" in html
    assert "data-move-url" not in html and 'data-testid="card-move"' not in html


def test_another_teams_board_is_not_found(world):
    client = client_as(world.people["officer_b"])
    assert client.get(BOARD, {"team": world.team_a.pk}).status_code == 404
    html = client.get(BOARD).content.decode()
    assert "设立公募基金子公司" not in html and "猎鹰" not in html


def test_a_viewer_is_told_a_board_belongs_to_a_team(world):
    response = client_as(world.people["viewer"]).get(BOARD)
    assert response.status_code == 200
    assert 'data-testid="no-board"' in response.content.decode()


def test_only_mine_shows_the_users_own_projects(world):
    other = Project.objects.create(
        institution=InstitutionFactory(name_zh="远航融资租赁"),
        title="设立租赁SPV",
        owner=world.people["officer_a2"],
        team=world.team_a,
    )
    client = client_as(world.people["officer_a"])
    assert "远航融资租赁" in client.get(BOARD).content.decode()
    html = client.get(BOARD, {"mine": "1"}).content.decode()
    assert "远航融资租赁" not in html and "设立公募基金子公司" in html
    assert other.pk


def test_landed_and_lost_columns_show_the_last_90_days(world):
    officer = world.people["officer_a"]
    old = Project.objects.create(
        institution=InstitutionFactory(name_zh="旧日流失机构"),
        title="旧项目",
        owner=officer,
        team=world.team_a,
    )
    project_move(project=old, to=stage("lost"), actor=officer, lost_reason=LostReason.COST)
    days_ago(old, 120)
    project_move(
        project=world.project, to=stage("lost"), actor=officer, lost_reason=LostReason.TIMING
    )
    html = client_as(officer).get(BOARD).content.decode()
    lost = column(html, "lost")
    assert "瀚海资产管理有限公司" in lost and "旧日流失机构" not in lost
    assert 'data-testid="column-count">1<' in lost
    assert 'data-testid="closed-note"' in lost
    assert "stage=%d" % stage("lost").pk in lost  # all of them are in the list


def test_the_column_header_sums_expected_capital_per_currency(world):
    officer = world.people["officer_a"]
    for amount, currency in [("1000", "CNY"), ("500.5", "CNY"), ("200", "USD")]:
        project_create(
            institution=InstitutionFactory(),
            title="项目%s%s" % (amount, currency),
            actor=officer,
            team=world.team_a,
            expected_registered_capital=Decimal(amount),
            expected_registered_capital_currency=currency,
        )
    Project.objects.filter(pk=world.secret.pk).update(expected_registered_capital=Decimal("9999"))
    (lead, *_rest) = board(user=officer, team=world.team_a).columns
    assert lead.count == 5
    assert lead.totals == [("CNY", Decimal("11499.50")), ("USD", Decimal("200"))]
    # Someone the secret is not named to sees it counted, but not its amount.
    (lead, *_rest) = board(user=world.people["officer_a2"], team=world.team_a).columns
    assert lead.count == 5 and lead.unnamed == 1
    assert lead.totals == [("CNY", Decimal("1500.50")), ("USD", Decimal("200"))]


def test_the_board_makes_the_same_few_queries_for_any_number_of_projects(
    world, django_assert_max_num_queries
):
    officer = world.people["officer_a"]
    client = client_as(officer)
    client.get(BOARD)  # the session and the stages are warm after this

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(BOARD).status_code == 200
        return len(captured)

    few = queries()
    codes = ["lead", "contacted", "negotiating", "hold", "lost"]
    for n in range(30):
        project = project_create(
            institution=InstitutionFactory(), title="项目%d" % n, actor=officer, team=world.team_a
        )
        code = codes[n % len(codes)]
        if code != "lead":
            project_move(project=project, to=stage(code), actor=officer, lost_reason="cost")
        FollowUpFactory(
            project=project,
            institution=project.institution,
            assignee=officer,
            team=world.team_a,
        )
    assert queries() == few
    with django_assert_max_num_queries(12):
        html = client.get(BOARD).content.decode()
    assert html.count('data-testid="card"') == 32


def test_a_column_shows_at_most_its_limit_and_counts_the_rest(world):
    officer = world.people["officer_a"]
    for n in range(4):
        Project.objects.create(
            institution=world.institution, title="批量%d" % n, owner=officer, team=world.team_a
        )
    (lead, *_rest) = board(user=officer, team=world.team_a, limit=3).columns
    assert lead.count == 6 and len(lead.cards) == 3 and lead.more == 3


def test_moving_from_the_board_redraws_it_in_place(world):
    client = client_as(world.people["officer_a"])
    url = reverse("pipeline:project_move", args=[world.project.pk])
    form = client.get(
        url,
        {"to": stage("negotiating").pk, "from": "board", "team": world.team_a.pk},
        HTTP_HX_REQUEST="true",
    )
    html = form.content.decode()
    assert (
        'name="from" value="board"' in html and 'name="team" value="%d"' % world.team_a.pk in html
    )
    response = client.post(
        url,
        {"to": stage("negotiating").pk, "from": "board", "team": world.team_a.pk},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert response["HX-Retarget"] == "#board"
    assert "landfall:moved" in response["HX-Trigger"]
    html = response.content.decode()
    assert 'data-testid="moved"' in html
    assert "设立公募基金子公司" in column(html, "negotiating")
    assert 'data-testid="column-count">1<' in column(html, "lead")


def test_a_refused_move_from_the_board_stays_in_the_modal(world):
    client = client_as(world.people["officer_a"])
    url = reverse("pipeline:project_move", args=[world.project.pk])
    response = client.post(
        url,
        {"to": stage("landed").pk, "from": "board", "team": world.team_a.pk},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200 and "HX-Retarget" not in response
    assert 'data-testid="move-form"' in response.content.decode()
    assert "落地须填写注册日期。" in response.content.decode()
    world.project.refresh_from_db()
    assert world.project.stage.code == "lead"


def test_a_landing_from_the_board_lands_on_the_landed_column(world):
    client = client_as(world.people["officer_a"])
    response = client.post(
        reverse("pipeline:project_move", args=[world.project.pk]),
        {
            "to": stage("landed").pk,
            "registration_date": TODAY.isoformat(),
            "uscc": VALID_USCC,
            "from": "board",
        },
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200 and response["HX-Retarget"] == "#board"
    assert "瀚海资产管理有限公司" in column(response.content.decode(), "landed")


def test_the_default_board_is_the_users_first_working_team(db):
    officer = UserFactory(username="two_teams")
    second, first = TeamFactory(name="乙组"), TeamFactory(name="甲组")
    MembershipFactory(user=officer, team=second, role=Role.OFFICER)
    MembershipFactory(user=officer, team=first, role=Role.MANAGER)
    response = client_as(officer).get(BOARD)
    assert response.context["team"] in (first, second)
    assert [t.name for t in response.context["teams"]] == sorted(["甲组", "乙组"])
    assert client_as(officer).get(BOARD, {"team": "abc"}).status_code == 200


def test_the_team_chooser_answers_htmx_with_the_columns_only(world):
    response = client_as(world.people["officer_a"]).get(
        BOARD, {"team": world.team_a.pk}, HTTP_HX_REQUEST="true"
    )
    assert response.templates[0].name == "pipeline/_board.html"
    assert "<html" not in response.content.decode()
