#!/usr/bin/env python
"""Add the attraction pipeline at size to the bench register: projects, histories, landings.

    DJANGO_SETTINGS_MODULE=config.settings.local \
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/landfall_bench \
    .venv/bin/python bench/seed_pipeline.py          # 50,000 projects, ~300,000 stage changes

A load generator, not a way to enter data: the rows are written in bulk (COPY on
PostgreSQL, bulk_create elsewhere), not through ``pipeline.services``. Nothing here checks
a move, keeps an institution's status or writes the audit trail; what matters is the
shape and the spread of the data the funnel, progress, dashboard and board pages read.

What it adds (defaults, seed 2021), on the register of ``seed_register.py``:

- 50,000 projects over the institutions the register has in the pipeline, landed, in
  aftercare or lost: ~40% landed, ~27% open, ~5% on hold, ~28% lost (with reasons and
  competing locations); ~3% confidential (code names); begun from 2021 on, landings
  rising year by year;
- their histories, ~300,000 stage changes: the main line with skips, moves back, rests on
  hold; each landing with its registration date, moved by the team's manager;
- ~35,000 milestones: the registration of every landing, registrations found on registry
  lists (before and since 2021), licences, regional-HQ recognitions, a few hundred exits
  (``--landings N``: that many projects land instead of 40%);
- interactions: the register's own are linked to the project alive on their day, and about
  one new one per two stage changes is logged on the move's day (officer present, one of
  the institution's contacts about half the time), with follow-ups; about 15% of the open
  projects are stalled: in their stage for months with nothing logged since; most of the
  others have a next follow-up;
- the projects' plan categories (the institution's), the institutions' last contact, and
  quarterly values of the measured targets (``pipeline.demo.seed_measurements``).

On an empty database it runs ``seed_register.py`` first (``--institutions``, default
100,000). It refuses to run on a database that has projects already; ``--reset`` seeds the
register and the pipeline again from scratch (``seed_register.py --reset`` empties both).
Deterministic for a ``--seed``; dates are relative to today. ``draw`` and ``write_pipeline``
are the two halves of ``seed``; seed_district.py calls them on a register drawn in memory.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import random
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

import django  # noqa: E402

django.setup()

import seed_register  # noqa: E402
from django.conf import settings  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402
from seed_register import (  # noqa: E402
    FOLLOW_UP_COLUMNS,
    INTERACTION_COLUMNS,
    next_id,
    reset_sequences,
    write,
)

from accounts.models import Membership, Role, User  # noqa: E402
from crm.models import (  # noqa: E402
    Contact,
    FollowUp,
    Institution,
    InstitutionStatus,
    InstitutionType,
    Interaction,
    InteractionKind,
    Milestone,
    MilestoneKind,
)
from pipeline.demo import (  # noqa: E402
    BACK_NOTES,
    COMPETING_LOCATIONS,
    EXITS,
    FORWARD_NOTES,
    HISTORY_START,
    HOLD_REASONS,
    LICENCES,
    LOST_NOTES,
    LOST_REASONS,
    NEXT_STEPS,
    RECOGNITION,
    STAGE_DAYS,
    VEHICLE_PHRASES,
    seed_measurements,
)
from pipeline.models import Project, Stage, StageChange, StageKind, Vehicle  # noqa: E402
from plans.models import Plan  # noqa: E402

PLAN_CODE = "lujiazui-14th"
MAIN_LINE = ("lead", "contacted", "negotiating", "committed", "registering", "landed")
TZ = ZoneInfo(settings.TIME_ZONE)
# What becomes of the projects: (outcome, share).
OUTCOMES = [("won", 0.40), ("open", 0.27), ("hold", 0.05), ("lost", 0.28)]
OPEN_AT = [
    ("lead", 16),
    ("contacted", 24),
    ("negotiating", 26),
    ("committed", 16),
    ("registering", 18),
]
LOST_AT = [
    ("lead", 20),
    ("contacted", 30),
    ("negotiating", 30),
    ("committed", 15),
    ("registering", 5),
]
# Landings and losses by year: more each year (2026 is not over).
YEARS = {2021: 10, 2022: 14, 2023: 17, 2024: 20, 2025: 22, 2026: 17}
STALLED_SHARE = 0.15
# How often a move is logged as an interaction on its day, and how often an open project
# that is not stalled was touched since its last move.
MOVE_LOGGED = 0.45
TOUCHED_LATELY = 0.8
CONFIDENTIAL_SHARE = 0.03
CODE_WORDS = ["猎鹰", "白鹭", "青松", "远帆", "晨星", "玄武", "朱雀", "麒麟", "鲲鹏", "北辰"]
VEHICLE_OF = {
    InstitutionType.REGIONAL_HQ: Vehicle.REGIONAL_HQ,
    InstitutionType.RD_CENTRE: Vehicle.RD_CENTRE,
    InstitutionType.LAW_FIRM: Vehicle.REPRESENTATIVE_OFFICE,
    InstitutionType.PRIVATE_FUND: Vehicle.WFOE_FUND_MANAGER,
    InstitutionType.FINANCIAL_LEASING: Vehicle.LEASING_SPV,
}
KINDS = [
    (InteractionKind.MEETING, 30),
    (InteractionKind.VISIT, 30),
    (InteractionKind.CALL, 20),
    (InteractionKind.EMAIL, 12),
    (InteractionKind.SITE_VISIT, 8),
]
SUMMARIES = {
    "lead": "初次接触,了解企业在华布局设想。",
    "contacted": "拜访企业高管,介绍金融城营商环境与扶持政策。",
    "negotiating": "商谈选址、注册资本与政策兑现安排。",
    "committed": "签约后对接注册与筹建事项。",
    "registering": "跟进工商注册与牌照申请进度。",
    "landed": "祝贺企业领取营业执照,了解开业筹备。",
    "hold": "了解项目暂缓原因,约定后续联系。",
    "lost": "确认企业最终决定,保持联系。",
}
FOLLOW_UPS = ["发送政策汇编", "安排实地看楼", "协调监管窗口指导", "确认注册资本到位时间"]


# ---------------------------------------------------------------- histories


def at(day: datetime.date, rng: random.Random) -> datetime.datetime:
    return datetime.datetime(
        day.year, day.month, day.day, rng.randint(9, 17), rng.randint(0, 59), tzinfo=TZ
    )


def day_in_year(rng: random.Random, today: datetime.date) -> datetime.date:
    years = [y for y in YEARS if y <= today.year]
    year = rng.choices(years, [YEARS[y] for y in years])[0]
    low = max(datetime.date(year, 1, 1), HISTORY_START + datetime.timedelta(days=90))
    high = min(datetime.date(year, 12, 31), today - datetime.timedelta(days=1))
    return low + datetime.timedelta(days=rng.randint(0, max((high - low).days, 0)))


def main_line(rng: random.Random, until: str) -> list[str]:
    """The stages after lead up to ``until``, some skipped."""
    stages = []
    i, goal = 0, MAIN_LINE.index(until)
    while i < goal:
        following = i + 1
        if i == 0 and goal >= 2 and rng.random() < 0.15:
            following = 2
        elif i == 3 and goal == 5 and rng.random() < 0.2:
            following = 5
        stages.append(MAIN_LINE[following])
        i = following
    return stages


def bounce(rng: random.Random, path: list[str]) -> list[str]:
    """Insert a detour after one open stage: back one stage, or on hold, then forward again.

    A path with no open stage after lead (lost or still at lead) is left as it is.
    """
    spots = [i for i, code in enumerate(path) if code in MAIN_LINE[1:5]]
    if not spots:
        return path
    i = rng.choice(spots)
    here = path[i]
    away = MAIN_LINE[MAIN_LINE.index(here) - 1] if rng.random() < 0.6 else "hold"
    return [*path[: i + 1], away, here, *path[i + 1 :]]


def date_path(
    rng: random.Random, path: list[str], end: datetime.date
) -> tuple[datetime.date, list[datetime.date]]:
    """Days for the creation and each step, the last on ``end``; squeezed after 2021-01-04."""
    previous = ["lead", *path][: len(path)]
    gaps = [
        rng.randint(*STAGE_DAYS[p]) if p in STAGE_DAYS else rng.randint(15, 90) for p in previous
    ]
    room = (end - HISTORY_START).days - len(gaps) - 1 - rng.randint(0, 60)
    if sum(gaps) > room:
        factor = max(room, 0) / max(sum(gaps), 1)
        gaps = [1 + int(g * factor) for g in gaps]
    days, day = [], end
    for gap in reversed(gaps):
        days.append(day)
        day -= datetime.timedelta(days=gap)
    days.reverse()
    return day, days


# ---------------------------------------------------------------- the run


class Register:
    """The register's institutions, the fields the pipeline needs, grouped by status."""

    FIELDS = (
        "pk",
        "status",
        "team_id",
        "owner_id",
        "uscc",
        "name_zh",
        "institution_type",
        "licensed",
        "regulator",
        "registered_capital",
        "registered_capital_currency",
        "country",
    )

    def __init__(self, institutions: Iterable[Institution] | None = None) -> None:
        """The register in the database, or these institutions (drawn, perhaps not written)."""
        self.rows: dict[int, dict] = {}
        self.landed: list[int] = []  # landed or in aftercare, with a USCC
        self.pipeline: list[int] = []
        self.lost: list[int] = []
        if institutions is None:
            found = Institution.objects.values_list(*self.FIELDS).order_by("pk")
        else:
            found = (
                tuple(getattr(inst, name) for name in self.FIELDS)
                for inst in sorted(institutions, key=lambda inst: inst.pk)
            )
        for values in found:
            row = dict(zip(self.FIELDS, values, strict=True))
            self.rows[row["pk"]] = row
            if row["status"] in (InstitutionStatus.LANDED, InstitutionStatus.AFTERCARE):
                if row["uscc"]:
                    self.landed.append(row["pk"])
            elif row["status"] == InstitutionStatus.IN_PIPELINE:
                self.pipeline.append(row["pk"])
            elif row["status"] == InstitutionStatus.LOST:
                self.lost.append(row["pk"])


def assign(
    rng: random.Random, register: Register, projects: int, landings: int | None = None
) -> list[tuple[int, str]]:
    """(institution, outcome) for each project.

    Landings go to landed institutions, open projects first to those in the pipeline, lost
    ones first to lost institutions; the rest are follow-ons and earlier attempts. With
    ``landings``, that many land and the other outcomes share the rest as in OUTCOMES.
    """
    if landings is None:
        quota = {outcome: round(share * projects) for outcome, share in OUTCOMES}
    else:
        rest = sum(share for outcome, share in OUTCOMES if outcome != "won")
        quota = {
            outcome: landings if outcome == "won" else round(share / rest * (projects - landings))
            for outcome, share in OUTCOMES
        }
    quota["won"] += projects - sum(quota.values())
    plans = [
        (pk, "won") for pk in rng.sample(register.landed, min(quota["won"], len(register.landed)))
    ]
    active = quota["open"] + quota["hold"]
    pipeline = rng.sample(register.pipeline, min(active, len(register.pipeline)))
    pipeline += [rng.choice(register.landed) for _ in range(active - len(pipeline))]
    plans += [(pk, "hold" if i < quota["hold"] else "open") for i, pk in enumerate(pipeline)]
    earlier = register.pipeline + register.landed
    lost = register.lost[: quota["lost"]]
    lost += [rng.choice(earlier) for _ in range(projects - len(plans) - len(lost))]
    plans += [(pk, "lost") for pk in lost]
    rng.shuffle(plans)
    return plans


def draw_paths(
    rng: random.Random, plans: list[tuple[int, str]], changes: int, log
) -> list[list[str]]:
    """Each project's stages after lead; detours spread over them to reach ``changes``."""
    paths: list[list[str]] = []
    for _pk, outcome in plans:
        if outcome == "won":
            paths.append(main_line(rng, "landed"))
        elif outcome == "lost":
            until = rng.choices(*zip(*LOST_AT, strict=True))[0]
            paths.append([*main_line(rng, until), "lost"])
        else:
            until = rng.choices(*zip(*OPEN_AT, strict=True))[0]
            paths.append(main_line(rng, until) + (["hold"] if outcome == "hold" else []))
    base = sum(1 + len(p) for p in paths)  # the creation, then each move
    detours = max(changes - base, 0) // 2
    added = tries = 0
    while added < detours and tries < 10 * detours:
        tries += 1
        i = rng.randrange(len(paths))
        longer = bounce(rng, paths[i])
        added += len(longer) > len(paths[i])
        paths[i] = longer
    log(f"planned {len(paths)} projects: {base} stage changes on the main line + {detours} detours")
    return paths


class Rows:
    """The rows to write, and what later steps need to know about the projects."""

    def __init__(self) -> None:
        self.projects: list[tuple] = []
        self.changes: list[tuple] = []
        self.milestones: list[tuple] = []
        self.activity: list[tuple] = []  # (institution, project, day, summary, officer, team)
        self.next_steps: list[tuple] = []  # (institution, project, assignee, team, what, due)
        # institution -> (begun, closed on or None, quiet after or None, project)
        self.spans: dict[int, list[tuple]] = defaultdict(list)
        self.landings: dict[int, tuple[int, datetime.date]] = {}  # institution -> (project, day)


MILESTONE_COLUMNS = [
    "institution_id",
    "project_id",
    "kind",
    "date",
    "uscc",
    "registered_capital",
    "registered_capital_currency",
    "licence_type",
    "regulator",
    "recognition",
    "recognised_by",
    "exit_kind",
    "reason",
    "note",
    "created_by_id",
    "created_at",
]


def milestone_row(institution: int, kind: str, day: datetime.date, **fields) -> tuple:
    values = {"institution_id": institution, "kind": kind, "date": day, **fields}
    values.setdefault("registered_capital_currency", "CNY")
    values.setdefault("created_at", timezone.now())
    nullable = {"project_id", "registered_capital", "created_by_id"}
    return tuple(values.get(c, None if c in nullable else "") for c in MILESTONE_COLUMNS)


def draw_histories(
    rng: random.Random,
    register: Register,
    plans: list[tuple[int, str]],
    paths: list[list[str]],
    stages: dict[str, Stage],
    people: tuple[dict[int, list[int]], dict[int, int], int],
    first_project: int,
) -> Rows:
    today = timezone.localdate()
    members, managers, anyone = people
    rows = Rows()
    titles: set[tuple[int, str]] = set()
    for n, ((pk, outcome), path) in enumerate(zip(plans, paths, strict=True)):
        project_id = first_project + n
        institution = register.rows[pk]
        team_id = institution["team_id"]
        owner_id = institution["owner_id"] or rng.choice(members.get(team_id) or [anyone])
        stalled = outcome == "open" and rng.random() < STALLED_SHARE
        if outcome in ("won", "lost"):
            end = day_in_year(rng, today)
        elif outcome == "hold":
            end = today - datetime.timedelta(days=rng.randint(20, 300))
        else:
            back = rng.randint(120, 420) if stalled else rng.randint(1, 80)
            end = today - datetime.timedelta(days=back)
        start, days = date_path(rng, path, end)
        moments = [at(start, rng)] + [at(day, rng) for day in days]

        vehicle = VEHICLE_OF.get(institution["institution_type"], Vehicle.SUBSIDIARY)
        title = institution["name_zh"] + VEHICLE_PHRASES[vehicle]
        if (pk, title) in titles:
            vehicle = Vehicle.OTHER if outcome != "lost" else Vehicle.BRANCH
            title = "%s%s(%d)" % (institution["name_zh"], VEHICLE_PHRASES[vehicle], n)
        titles.add((pk, title))
        reason = rng.choices(*zip(*LOST_REASONS, strict=True))[0]
        places = rng.sample(COMPETING_LOCATIONS, rng.randint(1, 3))
        competing = places if outcome == "lost" and reason == "other-location" else []
        if not competing and rng.random() < 0.25:
            competing = places
        confidential = rng.random() < CONFIDENTIAL_SHARE
        final = stages[path[-1]] if path else stages["lead"]
        ahead = (today.month - 1) // 3 + rng.randint(0, 5)
        expected = {
            "won": (end.year, (end.month - 1) // 3 + 1),
            "open": (today.year + ahead // 4, ahead % 4 + 1),
        }.get(outcome, (None, None))
        rows.projects.append(
            (
                project_id,
                pk,
                title,
                owner_id,
                team_id,
                confidential,
                "%s-%d" % (rng.choice(CODE_WORDS), project_id) if confidential else "",
                vehicle,
                rng.choice([1000, 5000, 10000, 30000, 50000]) if rng.random() < 0.6 else None,
                "CNY",
                rng.choice([10, 20, 50, 100, 200]) if rng.random() < 0.5 else None,
                *expected,
                final.pk,
                final.default_probability,
                moments[-1],
                json.dumps(competing, ensure_ascii=False),
                reason if outcome == "lost" else "",
                LOST_NOTES[reason] % {"place": places[0]} if outcome == "lost" else "",
                rng.choice(HOLD_REASONS) if final.kind == StageKind.HOLD else "",
                len(path) + 1,
                moments[0],
            )
        )

        rows.changes.append((project_id, None, stages["lead"].pk, moments[0], owner_id, "", None))
        previous = "lead"
        for code, moment, day in zip(path, moments[1:], days, strict=True):
            to = stages[code]
            note, actor, registration = "", owner_id, None
            onwards = code in MAIN_LINE and previous in MAIN_LINE
            if onwards and MAIN_LINE.index(code) > MAIN_LINE.index(previous):
                note = rng.choice(FORWARD_NOTES[code]) if rng.random() < 0.5 else ""
            elif onwards and previous in BACK_NOTES:
                note = BACK_NOTES[previous]
            if to.kind == StageKind.WON:
                registration = day - datetime.timedelta(days=rng.randint(0, 1))
                actor = managers.get(team_id, owner_id)  # the manager confirms a landing
                rows.landings[pk] = (project_id, registration)
                rows.milestones.append(
                    milestone_row(
                        pk,
                        MilestoneKind.REGISTERED,
                        registration,
                        project_id=project_id,
                        uscc=institution["uscc"],
                        registered_capital=institution["registered_capital"],
                        registered_capital_currency=institution["registered_capital_currency"],
                        created_by_id=actor,
                    )
                )
            rows.changes.append(
                (project_id, stages[previous].pk, to.pk, moment, actor, note, registration)
            )
            if rng.random() < MOVE_LOGGED:
                rows.activity.append((pk, project_id, day, SUMMARIES[code], owner_id, team_id))
            previous = code

        closed = end if outcome in ("won", "lost") else None
        rows.spans[pk].append((start, closed, end if stalled else None, project_id))
        if outcome in ("open", "hold") and not stalled:
            yesterday = today - datetime.timedelta(days=1)
            if end < yesterday and rng.random() < TOUCHED_LATELY:
                recent = end + datetime.timedelta(days=rng.randint(1, (yesterday - end).days))
                rows.activity.append(
                    (pk, project_id, recent, SUMMARIES[final.code], owner_id, team_id)
                )
            if rng.random() < 0.6:
                due = today + datetime.timedelta(days=rng.randint(-10, 30))
                what = NEXT_STEPS.get(final.code, NEXT_STEPS["lead"])
                rows.next_steps.append((pk, project_id, owner_id, team_id, what, due))
    return rows


def draw_milestones(rng: random.Random, register: Register, rows: Rows) -> None:
    """Beyond the landings' registrations: registry-list ones, licences, recognitions, exits."""
    today = timezone.localdate()
    yesterday = today - datetime.timedelta(days=1)
    for pk in register.landed:
        institution = register.rows[pk]
        project_id, registered = rows.landings.get(pk, (None, None))
        if registered is None:  # found on a registry list: before the plan, or since
            if rng.random() < 0.45:
                registered = day_in_year(rng, today)
            else:
                registered = datetime.date(
                    rng.randint(2005, 2020), rng.randint(1, 12), rng.randint(1, 28)
                )
            rows.milestones.append(
                milestone_row(
                    pk,
                    MilestoneKind.REGISTERED,
                    registered,
                    uscc=institution["uscc"],
                    registered_capital=institution["registered_capital"],
                    registered_capital_currency=institution["registered_capital_currency"],
                    note="市场监管部门新设企业名单",
                )
            )
        latest = registered
        licensed_on = registered + datetime.timedelta(days=rng.randint(60, 300))
        if institution["licensed"] and licensed_on <= yesterday and rng.random() < 0.9:
            rows.milestones.append(
                milestone_row(
                    pk,
                    MilestoneKind.LICENSED,
                    licensed_on,
                    project_id=project_id,
                    licence_type=LICENCES.get(institution["institution_type"], "金融许可证"),
                    regulator=institution["regulator"] or "other",
                )
            )
            latest = licensed_on
        recognised_on = max(registered, HISTORY_START) + datetime.timedelta(
            days=rng.randint(150, 700)
        )
        if (
            institution["institution_type"] == InstitutionType.REGIONAL_HQ
            and institution["country"] != "CN"
            and recognised_on <= yesterday
            and rng.random() < 0.6
        ):
            rows.milestones.append(
                milestone_row(
                    pk,
                    MilestoneKind.RECOGNISED,
                    recognised_on,
                    project_id=project_id,
                    recognition=RECOGNITION[0],
                    recognised_by=RECOGNITION[1],
                )
            )
            latest = max(latest, recognised_on)
        exit_on = latest + datetime.timedelta(days=rng.randint(300, 1500))
        if exit_on <= yesterday and rng.random() < 0.025:
            exit_kind, reason = rng.choice(EXITS)
            rows.milestones.append(
                milestone_row(pk, MilestoneKind.EXITED, exit_on, exit_kind=exit_kind, reason=reason)
            )


def project_on(
    spans: dict[int, list[tuple]], institution_id: int, day: datetime.date
) -> int | None:
    """The institution's project alive on ``day``, the latest begun, if any.

    Never a stalled project after its last move: nothing has been logged on it since.
    """
    alive = [
        s for s in spans.get(institution_id, ()) if s[0] <= day and (s[1] is None or day <= s[1])
    ]
    if not alive:
        return None
    _start, _closed, quiet, project_id = max(alive, key=lambda s: (s[0], s[3]))
    return project_id if quiet is None or day <= quiet else None


def link_interactions(spans: dict[int, list[tuple]]) -> int:
    """Link the register's interactions to the project alive on their day; return how many."""
    links: list[tuple[int, int]] = []
    found = Interaction.objects.filter(project__isnull=True).values_list(
        "pk", "institution_id", "date"
    )
    for pk, institution_id, day in found.iterator(chunk_size=20000):
        project_id = project_on(spans, institution_id, day)
        if project_id is not None:
            links.append((pk, project_id))
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("CREATE TEMP TABLE bench_links (id bigint, project_id bigint)")
            with cursor.cursor.copy("COPY bench_links (id, project_id) FROM STDIN") as copy:
                for row in links:
                    copy.write_row(row)
            cursor.execute(
                "UPDATE crm_interaction i SET project_id = l.project_id "
                "FROM bench_links l WHERE i.id = l.id"
            )
            cursor.execute(
                "UPDATE crm_followup f SET project_id = i.project_id FROM crm_interaction i "
                "WHERE f.interaction_id = i.id AND i.project_id IS NOT NULL"
            )
            cursor.execute("DROP TABLE bench_links")
    else:
        objects = [Interaction(pk=pk, project_id=project_id) for pk, project_id in links]
        Interaction.objects.bulk_update(objects, ["project_id"], batch_size=2000)
    return len(links)


def write_activity(
    rng: random.Random,
    rows: Rows,
    today: datetime.date,
    now: datetime.datetime,
    meeting: random.Random,
    keep_last_contact: bool = True,
) -> dict[str, int]:
    """The interactions logged on the projects' days, their officers, contacts and follow-ups.

    ``meeting`` draws who of the institution's contacts was there (about half the time, as
    in the register); ``keep_last_contact``: move the institutions' last contact on to the
    new interactions (the district seeder sets it before it writes the institutions).
    """
    first = next_id(Interaction)
    kinds, weights = zip(*KINDS, strict=True)
    contacts_of: dict[int, list[int]] = defaultdict(list)
    known = Contact.objects.filter(erased_at__isnull=True).order_by("pk")
    for institution_id, contact_id in known.values_list("institution_id", "pk").iterator(
        chunk_size=20000
    ):
        contacts_of[institution_id].append(contact_id)
    interactions, officers, present, follow_ups = [], [], [], []
    for offset, (pk, project_id, day, summary, officer, team_id) in enumerate(rows.activity):
        interaction_id = first + offset
        interactions.append(
            (
                interaction_id,
                pk,
                project_id,
                rng.choices(kinds, weights)[0],
                day,
                summary,
                "",
                "",
                team_id,
                officer,
                now,
            )
        )
        officers.append((interaction_id, officer))
        met = contacts_of.get(pk)
        if met and meeting.random() < 0.5:
            present.append((interaction_id, meeting.choice(met)))
        if rng.random() < 0.25:
            due = day + datetime.timedelta(days=rng.randint(3, 45))
            done = due < today and rng.random() < 0.85
            follow_ups.append(
                (
                    rng.choice(FOLLOW_UPS),
                    officer,
                    due,
                    done,
                    now if done else None,
                    pk,
                    project_id,
                    interaction_id,
                    team_id,
                    officer,
                    now,
                )
            )
    for pk, project_id, assignee, team_id, what, due in rows.next_steps:
        follow_ups.append(
            (what, assignee, due, False, None, pk, project_id, None, team_id, assignee, now)
        )
    write(Interaction, INTERACTION_COLUMNS, interactions)
    reset_sequences(Interaction)
    write(Interaction.officers.through, ["interaction_id", "user_id"], officers)
    write(Interaction.contacts.through, ["interaction_id", "contact_id"], present)
    write(FollowUp, FOLLOW_UP_COLUMNS, follow_ups)
    if keep_last_contact:  # the institutions' last contact, as the services keep it
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE crm_institution SET last_contacted_on = (SELECT MAX(i.date) "
                "FROM crm_interaction i WHERE i.institution_id = crm_institution.id) "
                "WHERE id IN (SELECT institution_id FROM crm_interaction WHERE id >= %s)",
                [first],
            )
    return {
        "interactions": len(interactions),
        "contacts present": len(present),
        "follow_ups": len(follow_ups),
    }


PROJECT_COLUMNS = [
    "id",
    "institution_id",
    "title",
    "owner_id",
    "team_id",
    "confidential",
    "code_name",
    "vehicle",
    "expected_registered_capital",
    "expected_registered_capital_currency",
    "expected_jobs",
    "expected_year",
    "expected_quarter",
    "stage_id",
    "probability",
    "stage_entered_at",
    "competing_locations",
    "lost_reason",
    "lost_note",
    "hold_reason",
    "version",
    "created_at",
]
CHANGE_COLUMNS = [
    "project_id",
    "from_stage_id",
    "to_stage_id",
    "changed_at",
    "actor_id",
    "note",
    "registration_date",
]


# The tables the pipeline fills (seed_district.py loads them with bulk_load).
PIPELINE_MODELS = [Project, StageChange, Project.categories.through, Milestone]


@dataclass
class Drawn:
    """The pipeline drawn, not yet written: its rows, its first project's id, its generator."""

    rows: Rows
    first_project: int
    rng: random.Random


def draw(
    *,
    register: Register,
    projects: int,
    changes: int,
    landings: int | None = None,
    seed_value: int,
    log: Callable[[str], None],
) -> Drawn:
    """Draw the projects, their histories, the milestones and the activity on the register."""
    rng = random.Random(seed_value)
    stages = {s.code: s for s in Stage.objects.all()}
    missing = (set(MAIN_LINE) | {"hold", "lost"}) - set(stages)
    if missing:
        raise SystemExit("The default stages are missing: %s" % ", ".join(sorted(missing)))
    members: dict[int, list[int]] = defaultdict(list)
    managers: dict[int, int] = {}
    memberships = Membership.objects.order_by("pk").values_list("user_id", "team_id", "role")
    for user_id, team_id, role in memberships:
        if role in (Role.OFFICER, Role.MANAGER):
            members[team_id].append(user_id)
        if role == Role.MANAGER:
            managers.setdefault(team_id, user_id)
    anyone = User.objects.order_by("pk").values_list("pk", flat=True).first()

    log(
        f"register: {len(register.rows)} institutions; {len(register.landed)} landed or in "
        f"aftercare with a USCC, {len(register.pipeline)} in the pipeline, "
        f"{len(register.lost)} lost"
    )
    plans = assign(rng, register, projects, landings)
    paths = draw_paths(rng, plans, changes, log)
    first_project = next_id(Project)
    rows = draw_histories(
        rng, register, plans, paths, stages, (members, managers, anyone), first_project
    )
    draw_milestones(rng, register, rows)
    log(
        f"drawn: {len(rows.projects)} projects, {len(rows.changes)} stage changes, "
        f"{len(rows.milestones)} milestones, {len(rows.activity)} interactions to log"
    )
    return Drawn(rows, first_project, rng)


def write_pipeline(
    drawn: Drawn,
    *,
    seed_value: int,
    log: Callable[[str], None],
    link_register: bool = True,
    keep_last_contact: bool = True,
) -> dict[str, int]:
    """Write what ``draw`` drew; return the counts.

    ``link_register``: link the register's interactions already written to the projects
    alive on their day; ``keep_last_contact``: see ``write_activity``. The district seeder
    turns both off: it writes the register's interactions after, linked as they are written.
    """
    rows, first_project = drawn.rows, drawn.first_project
    today, now = timezone.localdate(), timezone.now()
    write(Project, PROJECT_COLUMNS, rows.projects)
    reset_sequences(Project)
    log(f"projects written: {len(rows.projects)}")
    write(StageChange, CHANGE_COLUMNS, rows.changes)
    log(f"stage changes written: {len(rows.changes)}")
    through = connection.ops.quote_name(Project.categories.through._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {through} (project_id, category_id) "
            "SELECT p.id, c.category_id FROM pipeline_project p "
            "JOIN crm_institution_categories c ON c.institution_id = p.institution_id "
            "WHERE p.id >= %s",
            [first_project],
        )
        categories = cursor.rowcount
    write(Milestone, MILESTONE_COLUMNS, rows.milestones)
    log(f"milestones written: {len(rows.milestones)}; project categories: {categories}")
    counts = {
        "projects": len(rows.projects),
        "stage changes": len(rows.changes),
        "project categories": categories,
        "milestones": len(rows.milestones),
    }
    if link_register:
        counts["register interactions linked"] = link_interactions(rows.spans)
        log(f"register interactions linked to projects: {counts['register interactions linked']}")
    meeting = random.Random(f"{seed_value}:contacts present")
    made = write_activity(drawn.rng, rows, today, now, meeting, keep_last_contact)
    log(
        f"new interactions: {made['interactions']} ({made['contacts present']} with a contact "
        f"present), follow-ups: {made['follow_ups']}"
    )
    plan = Plan.objects.filter(code=PLAN_CODE).first()
    analyst = User.objects.filter(memberships__role=Role.ANALYST).order_by("pk").first()
    counts["measurements"] = seed_measurements(
        plan, random.Random(f"{seed_value}:measurements"), today=today, actor=analyst
    )
    counts["new interactions"] = made["interactions"]
    counts["new contacts present"] = made["contacts present"]
    counts["new follow-ups"] = made["follow_ups"]
    return counts


def activity_estimate(*, projects: int, changes: int, landings: int | None = None) -> int:
    """About how many interactions ``draw`` logs on the projects' days, for the district's sums.

    One per MOVE_LOGGED of the moves (every change but the creation), and one for most open
    projects that are neither stalled nor touched today.
    """
    won = OUTCOMES[0][1] * projects if landings is None else landings
    active_share = sum(share for outcome, share in OUTCOMES if outcome in ("open", "hold"))
    lost_share = sum(share for outcome, share in OUTCOMES if outcome != "won")
    active = (projects - won) * active_share / lost_share
    return round(MOVE_LOGGED * (changes - projects) + TOUCHED_LATELY * (1 - STALLED_SHARE) * active)


def seed(
    *, projects: int, changes: int, landings: int | None = None, seed_value: int, log
) -> dict[str, int]:
    drawn = draw(
        register=Register(),
        projects=projects,
        changes=changes,
        landings=landings,
        seed_value=seed_value,
        log=log,
    )
    with transaction.atomic():
        return write_pipeline(drawn, seed_value=seed_value, log=log)


def empty_pipeline() -> None:
    """Delete what this script adds that seed_register.py's reset does not reach on SQLite."""
    tables = ["pipeline_stagechange", "pipeline_project_categories", "crm_milestone"]
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute("DELETE FROM %s" % connection.ops.quote_name(table))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--projects", type=int, default=50_000)
    parser.add_argument("--changes", type=int, default=300_000, help="stage changes, about")
    parser.add_argument(
        "--landings",
        type=int,
        default=None,
        help="projects that land (default: 40%% of --projects)",
    )
    parser.add_argument("--seed", type=int, default=2021)
    parser.add_argument(
        "--institutions",
        type=int,
        default=100_000,
        help="for seed_register.py, when the register is empty or with --reset",
    )
    parser.add_argument(
        "--reset", action="store_true", help="seed the register again first (empties both)"
    )
    parser.add_argument(
        "--force", action="store_true", help="allow --reset on a database not named *bench*"
    )
    parser.add_argument("--no-analyze", action="store_true", help="skip VACUUM ANALYZE at the end")
    args = parser.parse_args(argv)

    started = time.perf_counter()

    def log(message: str) -> None:
        print(f"[{time.perf_counter() - started:6.1f}s] {message}", flush=True)

    log(f"database {connection.vendor}:{connection.settings_dict['NAME']}")
    register_args = ["--institutions", str(args.institutions), "--seed", str(args.seed)]
    if args.reset:
        if "bench" not in str(connection.settings_dict["NAME"]) and not args.force:
            print("Refusing to empty a database whose name has no 'bench' (use --force).")
            return 2
        empty_pipeline()
        register_args += ["--reset"] + (["--force"] if args.force else [])
        log("seeding the register again: seed_register.py " + " ".join(register_args))
        if seed_register.main([*register_args, "--no-analyze"]):
            return 2
    elif Project.objects.exists():
        print(
            f"The database has {Project.objects.count()} projects already: this script adds "
            "the pipeline once. To start again, run it with --reset (it seeds the register "
            "again too, a few minutes).",
            file=sys.stderr,
        )
        return 2
    elif not Institution.objects.exists():
        log("the register is empty: seed_register.py " + " ".join(register_args))
        if seed_register.main([*register_args, "--no-analyze"]):
            return 2

    counts = seed(
        projects=args.projects,
        changes=args.changes,
        landings=args.landings,
        seed_value=args.seed,
        log=log,
    )
    if connection.vendor == "postgresql" and not args.no_analyze:
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
        log("VACUUM ANALYZE done")
    log("done: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
