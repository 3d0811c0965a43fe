"""How many queries the key pages make: a fixed few, however many rows they list.

Each case opens a page on a small fixed world (tests/world.py and a little more), counts
its queries, adds three more of everything the page lists (institutions with contacts,
categories, aliases, owners and buildings; interactions with officers and contacts;
projects with stage changes, categories, follow-ups and milestones; import jobs), and
counts again. A page that queries once per row (an N+1) makes more the second time and
fails here, in CI, before it is slow in production; the message names the repeated SQL.

Each case is also pinned to its count today, per database where the two differ (the
test settings run the suite on SQLite and on PostgreSQL). A pin is not a budget to fill:
changing one needs a reason, given in the commit that changes it (a new card on the page,
a query merged away). Lists, searches and detail pages must also stay within the
performance budget of 12 queries a page; the funnel, progress, dashboard, board, export,
import and admin pages have only their pins.
"""

from __future__ import annotations

import datetime
import io
import re
import zipfile
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from stdnum.cn import uscc as uscc_check

from accounts.models import User
from crm.models import Contact, Institution, MilestoneKind
from crm.services import FollowUpDraft, institution_save, interaction_log, milestone_record
from pipeline.dashboard import OVERDUE_SHOWN
from pipeline.models import LostReason, Project, Stage
from pipeline.services import Registration, project_create, project_move
from plans.models import Category, Plan
from spreadsheets.models import ImportJob
from tests.factories import (
    BuildingFactory,
    ContactFactory,
    FollowUpFactory,
    InstitutionFactory,
    UserFactory,
    milestone,
)
from tests.helpers import client_as
from tests.world import World

# Every row the growth adds carries this in its name, so that a case can check that the
# page (or the workbook) really shows more rows, and the unchanged count means something.
GROWN = "增长"
LIST_BUDGET = 12  # queries a list, search or detail page may make (the performance budget)
PROGRESS_AS_OF = "2025-06-30"  # inside the shipped 14th plan, so its counts are fixed
TODAY = timezone.localdate()


def valid_uscc(n: int) -> str:
    """A unified social credit code that passes its check digit, starting with 9131011563."""
    base = "913101156302187%02d" % n
    return base + uscc_check.calc_check_digit(base)


def stage(code: str) -> Stage:
    return Stage.objects.get(code=code)


# ---------------------------------------------------------------- the world


@dataclass
class Scene:
    world: World
    plan: Plan
    categories: list[Category]
    root: User  # a superuser, for the Django admin

    @property
    def people(self) -> dict[str, User]:
        return {**self.world.people, "root": self.root}


@pytest.fixture
def scene(world: World, plan: Plan) -> Scene:
    """Team A's records (tests/world.py) with one of everything the pages list.

    Every list starts with a row, so that the queries a row brings (a prefetch, a join)
    are already counted before the growth and only a per-row query shows up after it.
    """
    # A six-service-economy and a finance sub-sector: the filters and the counted targets.
    categories = [
        plan.categories.get(code="asset-management"),
        plan.categories.get(code="finance-public-fund"),
    ]
    officer, officer2 = world.people["officer_a"], world.people["officer_a2"]
    institution = world.institution
    institution.building = world.building
    institution.uscc = valid_uscc(1)
    institution_save(institution=institution, categories=categories, aliases=["瀚海资管"])
    second = ContactFactory(institution=institution, name="王芳")
    world.interaction.officers.set([officer, officer2])
    world.interaction.contacts.set([world.contact, second])
    FollowUpFactory(
        title="寄送政策材料",
        institution=institution,
        interaction=world.interaction,
        assignee=officer2,
        team=world.team_a,
        created_by=officer,
    )
    milestone(institution, MilestoneKind.REGISTERED, datetime.date(2021, 3, 1))
    landed = project_create(
        institution=InstitutionFactory(
            name_zh="基石资产管理有限公司", uscc=valid_uscc(2), owner=officer, team=world.team_a
        ),
        title="设立资管子公司",
        actor=officer,
        team=world.team_a,
    )
    _advance(landed, "landed", officer)  # this quarter's landing, for the dashboard
    project = world.project
    project.categories.set(categories)
    project_move(project=project, to=stage("contacted"), actor=officer)
    FollowUpFactory(
        title="A组项目待办",
        institution=institution,
        project=project,
        assignee=officer,
        team=world.team_a,
        created_by=officer,
        due_date=TODAY - datetime.timedelta(days=1),
    )
    _import_job(world.people["manager_a"], "台账.xlsx")
    root = UserFactory(username="root", is_staff=True, is_superuser=True)
    return Scene(world, plan, categories, root)


def _import_job(user: User, name: str) -> ImportJob:
    return ImportJob.objects.create(
        kind="institutions",
        created_by=user,
        file="imports/%s" % name,
        original_name=name,
        state=ImportJob.State.DONE,
        counts={"create": 3, "failed": 1},
        problems=[{"row": 2, "messages": ["缺少名称"]}],
    )


def grow(scene: Scene, n: int = 3) -> None:
    """Add ``n`` more of every kind of row the key pages list, all visible to team A."""
    world = scene.world
    people = world.people
    officer, officer2 = people["officer_a"], people["officer_a2"]
    owners = [officer, officer2, people["manager_a"]]
    codes = ["landed", "lost", "negotiating"]
    for i in range(n):
        institution = InstitutionFactory(
            name_zh="%s%d资产管理有限公司" % (GROWN, i),
            name_en="%s %d Asset Management Co., Ltd." % (GROWN, i),
            uscc=valid_uscc(10 + i),
            owner=owners[i % len(owners)],
            team=world.team_a,
            building=BuildingFactory(),
        )
        institution_save(
            institution=institution,
            categories=scene.categories,
            aliases=["%s%d资管" % (GROWN, i), "%s%d AM" % (GROWN, i)],
        )
        contacts = [ContactFactory(institution=institution) for _ in range(2)]
        _log(institution, contacts, officer, officer2, day=i)
        milestone(institution, MilestoneKind.REGISTERED, datetime.date(2022, 3, i + 1))
        milestone(institution, MilestoneKind.LICENSED, datetime.date(2023, 3, i + 1))
        project = project_create(
            institution=institution,
            title="%s%d设立子公司" % (GROWN, i),
            actor=officer,
            owner=owners[i % len(owners)],
            team=world.team_a,
            categories=scene.categories,
        )
        _advance(project, codes[i % len(codes)], officer)
        FollowUpFactory(
            title="%s%d项目待办" % (GROWN, i),
            institution=institution,
            project=project,
            assignee=officer,
            team=world.team_a,
            created_by=officer,
            due_date=TODAY - datetime.timedelta(days=i + 1),
        )
        _import_job(people["manager_a"], "%s%d.xlsx" % (GROWN, i))

        # The institution and the project every detail case opens get more of theirs too.
        contacts = [ContactFactory(institution=world.institution, name="%s联系人%d" % (GROWN, i))]
        _log(world.institution, [world.contact, *contacts], officer, officer2, day=i)
        milestone_record(
            institution=world.institution,
            kind=MilestoneKind.RECOGNISED,
            date=TODAY - datetime.timedelta(days=i),
            actor=owners[i % len(owners)],
            recognition="跨国公司地区总部认定",
            recognised_by="市商务委",
            project=world.project,
        )
        FollowUpFactory(
            title="%s项目待办%d" % (GROWN, i),
            institution=world.institution,
            project=world.project,
            assignee=owners[i % len(owners)],
            team=world.team_a,
            created_by=officer,
        )
    for code, actor in zip(["negotiating", "committed", "negotiating"], owners, strict=True):
        project_move(project=world.project, to=stage(code), actor=actor, note=GROWN)
    world.project.categories.add(*Category.objects.filter(plan=scene.plan)[:3])


def _log(
    institution: Institution, contacts: list[Contact], officer: User, officer2: User, day: int
) -> None:
    """An interaction with two officers and the contacts present, and its follow-up."""
    interaction_log(
        institution=institution,
        actor=officer,
        kind="meeting",
        date=TODAY - datetime.timedelta(days=day),
        summary="%s会谈%d" % (GROWN, day),
        officers=[officer, officer2],
        contacts=contacts,
        follow_up=FollowUpDraft(
            title="%s寄送材料%d" % (GROWN, day),
            assignee=officer,
            due_date=TODAY - datetime.timedelta(days=day + 1),
        ),
    )


def _advance(project: Project, code: str, actor: User) -> None:
    """Move a new project through the pipeline to ``code``, leaving its stage changes."""
    project_move(project=project, to=stage("contacted"), actor=actor)
    if code == "lost":
        project_move(
            project=project, to=stage("lost"), actor=actor, lost_reason=LostReason.OTHER_LOCATION
        )
        return
    project_move(project=project, to=stage("negotiating"), actor=actor)
    if code == "landed":
        project_move(
            project=project,
            to=stage("landed"),
            actor=actor,
            registration=Registration(date=TODAY),
        )


# ---------------------------------------------------------------- the cases


def fill_overdue(scene: Scene, user: User) -> None:
    """Fill the dashboard's overdue card to its limit, as a busy officer's is.

    Past the limit the card adds one count of the rest; starting full, the small and the
    grown dashboard both make it, and only a query per row would tell them apart.
    """
    for n in range(OVERDUE_SHOWN):
        FollowUpFactory(
            title="逾期待办%d" % n,
            institution=scene.world.institution,
            assignee=user,
            team=scene.world.team_a,
            created_by=user,
            due_date=TODAY - datetime.timedelta(days=10 + n),
        )


@dataclass(frozen=True)
class Case:
    """One page as one person opens it, and the queries it may make.

    ``pins`` is the count today, by ``connection.vendor`` where the two differ.
    ``budget`` is the ceiling of the performance budget, None where there is only the pin.
    ``shows`` is what the grown page must contain: the growth reached what it lists.
    """

    id: str
    who: str
    url: Callable[[Scene], str]
    pins: int | dict[str, int]
    params: dict[str, object] = field(default_factory=dict)
    budget: int | None = LIST_BUDGET
    htmx: bool = False
    shows: str = GROWN
    prepare: Callable[[Scene, User], None] | None = None

    def pin(self) -> int:
        return self.pins if isinstance(self.pins, int) else self.pins[connection.vendor]


def to(name: str, *args: Callable[[Scene], object]) -> Callable[[Scene], str]:
    """A URL reversed from its name, with arguments taken from the scene when the case runs."""
    return lambda scene: reverse(name, args=[arg(scene) for arg in args])


def institution_pk(scene: Scene) -> int:
    return scene.world.institution.pk


def project_pk(scene: Scene) -> int:
    return scene.world.project.pk


def plan_code(scene: Scene) -> str:
    return scene.plan.code


def category_pk(scene: Scene) -> int:
    return scene.categories[0].pk


INSTITUTIONS = to("crm:institution_list")
PROJECTS = to("pipeline:project_list")


CASES = [
    # -- the register: its list, searched and filtered, its htmx fragment, a record's page
    Case("institution-list", "officer_a", INSTITUTIONS, pins=7),
    Case(
        "institution-list-3-filters",
        "officer_a",
        INSTITUTIONS,
        pins=7,
        params={"institution_type": "public-fund", "ownership": "wfoe", "category": category_pk},
    ),
    Case("institution-search-zh", "officer_a", INSTITUTIONS, pins=7, params={"q": "资产管理"}),
    Case(
        "institution-search-en", "officer_a", INSTITUTIONS, pins=7, params={"q": "asset management"}
    ),
    Case("institution-search-uscc", "officer_a", INSTITUTIONS, pins=7, params={"q": "9131011563"}),
    Case("institution-list-htmx", "officer_a", INSTITUTIONS, pins=6, htmx=True),
    Case(
        "institution-detail",
        "officer_a",
        to("crm:institution_detail", institution_pk),
        pins=12,
    ),
    # Contacts, interactions and follow-ups have no list page of their own: the institution
    # page lists them, my-work lists an officer's follow-ups and interactions, the exports all.
    Case("my-work", "officer_a", to("crm:my_work"), pins=7),
    # -- the pipeline
    Case("project-list", "officer_a", PROJECTS, pins=8),
    Case("project-search", "officer_a", PROJECTS, pins=9, params={"q": "子公司"}),
    Case("board", "officer_a", to("pipeline:board"), pins=7, budget=None),
    Case(
        "project-detail",
        "officer_a",
        to("pipeline:project_detail", project_pk),
        pins=11,
    ),
    Case("funnel", "manager_a", to("pipeline:funnel"), pins=14, budget=None, shows=""),
    Case(
        "funnel-projects",
        "manager_a",
        to("pipeline:funnel_projects"),
        pins=8,
        params={"show": "reached:lead"},
        budget=None,
    ),
    Case(
        "progress",
        "analyst",
        to("pipeline:progress", plan_code),
        pins=10,
        params={"as_of": PROGRESS_AS_OF},
        budget=None,
        shows="",
    ),
    Case(
        "progress-target",
        "analyst",
        to("pipeline:progress_target", plan_code, lambda scene: "financial-institutions"),
        pins=12,
        params={"as_of": PROGRESS_AS_OF},
        budget=None,
    ),
    # -- the dashboard, for each role
    *[
        Case("dashboard-%s" % who, who, to("home"), pins=16, budget=None, prepare=fill_overdue)
        for who in ["officer_a", "manager_a", "analyst", "admin", "viewer"]
    ],
    # -- the list exports (the streamed workbook read to its end), and the imports
    *[
        Case(
            "export-%s" % kind,
            "manager_a",
            to("spreadsheets:list_export", lambda scene, kind=kind: kind),
            pins=pins,
            budget=None,
        )
        for kind, pins in [
            ("institutions", 9),
            ("contacts", 5),
            ("interactions", 9),
            ("projects", 9),
        ]
    ],
    Case("import-list", "manager_a", to("spreadsheets:import_list"), pins=6, budget=None),
    Case("import-start", "manager_a", to("spreadsheets:import_start"), pins=4, budget=None),
    # -- the Django admin
    Case(
        "admin-institution-search",
        "root",
        to("admin:crm_institution_changelist"),
        pins=5,
        params={"q": "资产管理"},
        budget=None,
    ),
]


# ---------------------------------------------------------------- counting


@dataclass
class Opened:
    queries: list[str]
    content: bytes


def open_page(client: Client, case: Case, scene: Scene) -> Opened:
    """GET the case's page (reading a streamed response to its end) and keep its SQL."""
    params = {k: v(scene) if callable(v) else v for k, v in case.params.items()}
    headers = {"HX-Request": "true"} if case.htmx else {}
    with CaptureQueriesContext(connection) as captured:
        response = client.get(case.url(scene), params, headers=headers)
        content = b"".join(response.streaming_content) if response.streaming else response.content
    assert response.status_code == 200, (case.id, response.status_code)
    return Opened([query["sql"] for query in captured.captured_queries], content)


def shown_text(opened: Opened) -> str:
    """The text of a page, or of every part of an .xlsx workbook."""
    if opened.content.startswith(b"PK"):
        with zipfile.ZipFile(io.BytesIO(opened.content)) as book:
            return "".join(book.read(name).decode() for name in book.namelist())
    return opened.content.decode()


LITERALS = re.compile(r"'(?:[^']|'')*'|\b\d+\b|%s")
IN_LISTS = re.compile(r"IN \((?:\?, )*\?\)")


def shape(sql: str) -> str:
    """A statement with its values taken out, so that one query per row counts as one shape."""
    return IN_LISTS.sub("IN (…)", LITERALS.sub("?", sql))


def repeated(before: list[str], after: list[str]) -> str:
    """The statements the grown page makes more often than the small one, for the message."""
    extra = Counter(map(shape, after)) - Counter(map(shape, before))
    return "\n".join("%d× more: %s" % (n, sql[:600]) for sql, n in extra.most_common())


def numbered(queries: list[str]) -> str:
    return "\n".join("%2d. %s" % (n, sql[:300]) for n, sql in enumerate(queries, start=1))


def param(case: Case) -> object:
    return pytest.param(case, id=case.id)


@pytest.mark.parametrize("case", [param(case) for case in CASES])
def test_the_page_makes_the_same_few_queries_however_many_rows(case: Case, scene: Scene):
    user = scene.people[case.who]
    if case.prepare:
        case.prepare(scene, user)
    client = client_as(user)
    open_page(client, case, scene)  # the session, and what a process caches, once
    small = open_page(client, case, scene)
    grow(scene)
    grown = open_page(client, case, scene)

    if case.shows:
        assert case.shows in shown_text(grown), "the growth did not reach the page"
    assert len(grown.queries) == len(small.queries), (
        "%s: %d queries with the small world, %d with more rows (N+1):\n%s"
        % (case.id, len(small.queries), len(grown.queries), repeated(small.queries, grown.queries))
    )
    assert len(small.queries) == case.pin(), (
        "%s on %s: %d queries, pinned at %d (changing the pin needs a reason):\n%s"
        % (case.id, connection.vendor, len(small.queries), case.pin(), numbered(small.queries))
    )


@pytest.mark.parametrize("case", [param(case) for case in CASES if case.budget is not None])
def test_the_page_keeps_to_the_budget(case: Case, scene: Scene):
    client = client_as(scene.people[case.who])
    open_page(client, case, scene)
    opened = open_page(client, case, scene)
    assert len(opened.queries) <= case.budget, "%s: %d queries, over the budget of %d:\n%s" % (
        case.id,
        len(opened.queries),
        case.budget,
        numbered(opened.queries),
    )
