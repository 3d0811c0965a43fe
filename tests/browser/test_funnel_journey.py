"""A manager reviews the year's funnel and opens the projects behind a number; a colleague
not named to a confidential project finds it there by its code name only."""

from __future__ import annotations

import datetime
import re

from django.utils import timezone

from pipeline.models import Stage
from pipeline.services import project_create, project_move
from tests.browser.conftest import log_in
from tests.factories import InstitutionFactory

MAIN_LINE = ("lead", "contacted", "negotiating", "committed", "registering", "landed")


def build_history(world) -> dict[str, object]:
    """Team A's year so far, dated through the services; one older project, one of team B."""
    stages = {stage.code: stage for stage in Stage.objects.all()}
    zone = timezone.get_default_timezone()
    today = timezone.localdate()
    year_start = datetime.datetime(today.year, 1, 1, tzinfo=zone)
    elapsed = timezone.now() - year_start

    def moment(fraction: float) -> datetime.datetime:
        """A moment of this year so far: 0 is 1 January, 1 would be now."""
        return year_start + elapsed * fraction

    def project(title, owner, team, created, moves, **fields):
        made = project_create(
            institution=fields.pop("institution", world.institution),
            title=title,
            actor=owner,
            team=team,
            at=created,
            **fields,
        )
        for code, at in moves:
            project_move(project=made, to=stages[code], actor=owner, at=at)
        return made

    a, a2 = world.people["officer_a"], world.people["officer_a2"]
    far = year_start - datetime.timedelta(days=300)
    return {
        "asset": project(
            "设立资管子公司",
            a,
            world.team_a,
            moment(0.05),
            [("contacted", moment(0.15)), ("negotiating", moment(0.3))],
        ),
        "hq": project("设立区域总部", a2, world.team_a, moment(0.2), [("contacted", moment(0.8))]),
        "secret": project(
            "收购远景基金股权",
            a,
            world.team_a,
            moment(0.1),
            [
                ("contacted", moment(0.4)),
                ("negotiating", moment(0.5)),
                ("committed", moment(0.7)),
            ],
            institution=InstitutionFactory(name_zh="远景投资管理有限公司", team=world.team_a),
            confidential=True,
            code_name="青鸾",
        ),
        # Moved last year only: not in this year's funnel.
        "old": project(
            "设立融资租赁公司",
            a,
            world.team_a,
            far,
            [("contacted", far + datetime.timedelta(days=100))],
        ),
        # Team B's: not in team A's review.
        "other": project(
            "设立航运保险公司",
            world.people["officer_b"],
            world.team_b,
            moment(0.1),
            [("contacted", moment(0.2)), ("negotiating", moment(0.3))],
        ),
    }


def open_this_year(page) -> None:
    page.get_by_role("link", name="漏斗分析", exact=True).click()
    page.wait_for_url(re.compile(r"/pipeline/funnel/$"))
    page.get_by_role("link", name="本年度", exact=True).click()
    year = timezone.localdate().year
    page.wait_for_url(re.compile(rf"/pipeline/funnel/\?.*start={year}-01-01"))
    chosen = page.get_by_role("link", name="本年度", exact=True)
    assert chosen.get_attribute("aria-current") == "true"


def reached(page) -> dict[str, str]:
    table = page.get_by_test_id("funnel-stages")
    return {
        code: table.locator(f"tr[data-stage={code}] [data-testid=reached]").inner_text().strip()
        for code in MAIN_LINE
    }


def listed(page) -> list[str]:
    rows = page.get_by_test_id("funnel-projects").locator("tbody tr td:first-child a")
    return sorted(text.strip() for text in rows.all_inner_texts())


def test_a_manager_drills_from_the_years_funnel_to_its_projects(page, transactional_db, world):
    projects = build_history(world)

    log_in(page, "manager_a")
    open_this_year(page)
    assert reached(page) == {
        "lead": "3",
        "contacted": "3",
        "negotiating": "2",
        "committed": "1",
        "registering": "0",
        "landed": "0",
    }

    # The number of projects that reached 在谈 opens exactly those two.
    page.get_by_test_id("funnel-stages").locator(
        "tr[data-stage=negotiating] [data-testid=reached] a"
    ).click()
    page.wait_for_url(re.compile(r"/pipeline/funnel/projects/\?.*show=reached"))
    assert "到达“在谈”及之后阶段的项目" in page.get_by_test_id("funnel-list-title").inner_text()
    assert page.get_by_test_id("result-count").inner_text().strip() == "共 2 个项目"
    # The manager is named to the team's confidential project: its title, and its code name.
    assert listed(page) == sorted(["设立资管子公司", "收购远景基金股权"])
    body = page.locator("main").inner_text()
    assert "远景投资管理有限公司" in body and "青鸾" in body
    assert "设立航运保险公司" not in body and "设立融资租赁公司" not in body

    # An officer of the team who is not named to it sees the same count, and the code name.
    page.context.clear_cookies()
    log_in(page, "officer_a2")
    open_this_year(page)
    assert reached(page)["negotiating"] == "2"
    review = page.locator("main").inner_text()  # the stalled list too: by code name only
    assert "收购远景基金股权" not in review and "远景投资管理有限公司" not in review
    page.get_by_test_id("funnel-stages").locator(
        "tr[data-stage=negotiating] [data-testid=reached] a"
    ).click()
    page.wait_for_url(re.compile(r"/pipeline/funnel/projects/"))
    assert listed(page) == sorted(["设立资管子公司", "青鸾"])
    body = page.locator("main").inner_text()
    assert "收购远景基金股权" not in body
    assert "远景投资管理有限公司" not in body
    assert "瀚海资产管理有限公司" in body  # the named project's institution is shown
    # The code name leads to the code-name card, which names nothing more.
    page.get_by_test_id("funnel-projects").get_by_role("link", name="青鸾").click()
    page.wait_for_url(re.compile(rf"/pipeline/projects/{projects['secret'].pk}/$"))
    assert page.get_by_test_id("confidential-note").is_visible()
    assert "远景" not in page.locator("main").inner_text()
