from __future__ import annotations

import datetime
import itertools
from collections.abc import Iterator
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from stdnum import lei
from stdnum.cn import uscc

from accounts.models import User
from crm.models import (
    Building,
    Contact,
    FollowUp,
    Institution,
    InstitutionStatus,
    Interaction,
    LawfulBasis,
    Milestone,
    MilestoneKind,
    Ownership,
)
from crm.selectors import my_work
from pipeline.demo import (
    BUILDINGS,
    COMPETING_LOCATIONS,
    CONFIDENTIAL_CODE_NAMES,
    DEMO_PASSWORD,
    DEMO_USERNAME,
    HISTORY_START,
    seed_demo,
)
from pipeline.models import LostReason, Project, StageChange, StageKind
from pipeline.progress import target_progress
from plans.models import Plan, TargetMeasurement
from plans.services import plan_load_file

PLAN_FILE = Path(__file__).resolve().parents[2] / "data" / "plans" / "lujiazui-14th.yaml"


@pytest.fixture(scope="class")
def shipped_demo(django_db_setup, django_db_blocker) -> Iterator[Plan]:
    """The demo as ``make run`` seeds it (seed 2021, 300 institutions); returns the plan.

    Seeding it takes tens of seconds, so the read-only tests of ``TestTheShippedDemo`` share
    one run, rolled back when the class is done; each test runs in its own savepoint (``db``).
    """
    with django_db_blocker.unblock(), transaction.atomic():
        plan = plan_load_file(path=PLAN_FILE).plan
        seed_demo(seed=2021, institutions=300)
        yield plan
        transaction.set_rollback(True)


def register() -> list[tuple]:
    return list(
        Institution.objects.order_by("name_zh").values_list(
            "name_zh", "name_en", "uscc", "lei", "country", "institution_type", "owner__username"
        )
    )


def activity() -> list[tuple]:
    """Contacts, interactions and follow-ups as comparable rows."""
    return [
        *Contact.objects.order_by("institution__name_zh", "email", "name").values_list(
            "institution__name_zh", "name", "name_en", "title", "email", "lawful_basis"
        ),
        *Interaction.objects.order_by("institution__name_zh", "date", "summary").values_list(
            "institution__name_zh", "date", "kind", "summary", "created_by__username"
        ),
        *FollowUp.objects.order_by("institution__name_zh", "due_date", "title").values_list(
            "institution__name_zh", "title", "due_date", "done", "assignee__username"
        ),
    ]


def histories() -> list[tuple]:
    """Projects, their stage changes and the milestones as comparable rows."""
    return [
        *Project.objects.order_by("institution__name_zh", "title").values_list(
            "institution__name_zh",
            "title",
            "stage__code",
            "created_at",
            "stage_entered_at",
            "confidential",
            "code_name",
            "lost_reason",
            "hold_reason",
            "competing_locations",
        ),
        *StageChange.objects.order_by("project__title", "changed_at").values_list(
            "project__title",
            "from_stage__code",
            "to_stage__code",
            "changed_at",
            "note",
            "registration_date",
            "actor__username",
        ),
        *Milestone.objects.order_by("institution__name_zh", "kind", "date").values_list(
            "institution__name_zh", "kind", "date", "project__title", "uscc", "exit_kind"
        ),
        *Interaction.objects.order_by("institution__name_zh", "date", "summary").values_list(
            "institution__name_zh", "date", "project__title"
        ),
    ]


def test_seed_demo_is_deterministic_and_idempotent(plan):
    counts = seed_demo(seed=7, institutions=80)
    first, first_activity, first_histories = register(), activity(), histories()
    changes, milestones = StageChange.objects.count(), Milestone.objects.count()
    measurements = TargetMeasurement.objects.count()
    assert changes > counts["projects"] > 0 and milestones > 0 and measurements > 0

    assert seed_demo(seed=7, institutions=80) == counts
    assert register() == first
    assert activity() == first_activity
    assert histories() == first_histories
    assert StageChange.objects.count() == changes  # a second run adds no stage change
    assert Milestone.objects.count() == milestones  # nor a milestone
    assert TargetMeasurement.objects.count() == measurements
    assert len(first) == 80

    Project.objects.all().delete()  # projects protect their institutions
    Institution.objects.all().delete()
    assert seed_demo(seed=7, institutions=80) == counts
    assert register() == first
    assert activity() == first_activity
    assert histories() == first_histories


def test_a_different_seed_gives_different_data(plan):
    seed_demo(seed=1, institutions=30)
    one = {row[0] for row in register()}
    Project.objects.all().delete()  # projects protect their institutions
    Institution.objects.all().delete()
    seed_demo(seed=2, institutions=30)
    assert {row[0] for row in register()} != one


def test_seed_demo_fills_the_register_with_buildings_contacts_and_interactions(plan):
    counts = seed_demo(seed=7, institutions=80)
    assert counts["buildings"] == Building.objects.count() == len(BUILDINGS)
    assert counts["contacts"] == Contact.objects.count() >= 80
    assert counts["interactions"] == Interaction.objects.count() >= 80
    assert counts["follow_ups"] == FollowUp.objects.count() > 0
    assert counts["aliases"] > 0
    institutions = Institution.objects.all()
    assert {i.status for i in institutions} == set(InstitutionStatus.values)
    registered = [i for i in institutions if i.uscc]
    assert all(i.building_id and i.status != InstitutionStatus.PROSPECT for i in registered)
    assert any(i.registered_capital_currency == "USD" for i in registered)
    assert FollowUp.objects.filter(done=True).exists()
    assert FollowUp.objects.filter(done=False).exists()


def test_demo_interactions_are_dated_in_the_last_eighteen_months_with_their_own_contacts(plan):
    seed_demo(seed=7, institutions=40)
    today = timezone.localdate()
    interactions = Interaction.objects.prefetch_related("contacts", "officers")
    assert all(today - datetime.timedelta(days=550) <= i.date <= today for i in interactions)
    assert all(c.institution_id == i.institution_id for i in interactions for c in i.contacts.all())
    assert all(i.officers.all() for i in interactions)
    assert any(len(i.officers.all()) == 2 for i in interactions)


def test_every_institution_was_last_contacted_on_its_latest_interaction(plan):
    seed_demo(seed=3, institutions=50)
    institutions = Institution.objects.annotate(latest=Max("interactions__date"))
    assert any(i.latest is None for i in institutions)
    assert all(i.last_contacted_on == i.latest for i in institutions)


def test_the_demo_user_has_work_waiting_at_first_login(plan):
    seed_demo(seed=2021, institutions=80)
    demo = User.objects.get(username=DEMO_USERNAME)
    work = my_work(user=demo, stale_days=30)
    assert work.overdue
    assert work.upcoming
    assert work.stale
    assert work.recent


def test_seed_demo_refuses_to_run_with_debug_off(db, settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG"):
        call_command("seed_demo", "--institutions", "5")
    assert not User.objects.exists()


def test_the_command_prints_a_demo_login_that_works(plan, client):
    out = StringIO()
    call_command("seed_demo", "--institutions", "20", "--force", stdout=out)
    assert f"Demo login: {DEMO_USERNAME} / {DEMO_PASSWORD}" in out.getvalue()
    assert "20 institutions" in out.getvalue()
    assert f"{Interaction.objects.count()} interactions" in out.getvalue()
    assert User.objects.get(username=DEMO_USERNAME).is_superuser
    assert client.login(username=DEMO_USERNAME, password=DEMO_PASSWORD)


class TestTheShippedDemo:
    """Read-only checks of the demo that ``make run`` seeds."""

    def test_demo_institutions_are_plausible(self, shipped_demo, db):
        institutions = Institution.objects.prefetch_related("categories")
        assert institutions.count() == 300
        assert all(uscc.is_valid(i.uscc) for i in institutions if i.uscc)
        assert all(lei.is_valid(i.lei) for i in institutions if i.lei)
        assert len({i.country.code for i in institutions}) >= 10
        categories = {c.code for i in institutions for c in i.categories.all()}
        assert {
            "asset-management",
            "financial-leasing",
            "hq-regional-mnc",
            "shipping-high-end-services",
        } <= categories
        assert all(i.name_zh and i.name_en and i.owner_id for i in institutions)
        assert 0 < sum(i.national_first for i in institutions) < 15
        assert all(
            i.ownership in (Ownership.FOREIGN_CONTROLLED, Ownership.JOINT_VENTURE)
            for i in institutions
            if i.foreign_controlled
        )
        contacts = Contact.objects.all()
        assert {c.lawful_basis for c in contacts} == set(LawfulBasis.values)
        assert any(c.do_not_contact for c in contacts)
        assert all(c.email.endswith(".example") for c in contacts)

    def test_demo_histories_run_from_2021_to_today_in_order(self, shipped_demo, db):
        now, today = timezone.now(), timezone.localdate()
        projects = Project.objects.select_related("stage").prefetch_related(
            "stage_changes__to_stage"
        )
        assert 150 <= len(projects) <= 400
        begun = {timezone.localdate(p.created_at).year for p in projects}
        assert {2021, 2022, 2023, 2024, 2025} <= begun
        for project in projects:
            changes = list(project.stage_changes.all())
            moments = [c.changed_at for c in changes]
            assert moments == sorted(moments)
            assert changes[0].from_stage_id is None and moments[0] == project.created_at
            assert changes[-1].to_stage == project.stage and moments[-1] == project.stage_entered_at
            assert timezone.localdate(moments[0]) >= HISTORY_START and moments[-1] < now
            assert all(a.to_stage != b.to_stage for a, b in itertools.pairwise(changes))
        # Some skip a stage, some go back one, some rest on hold and come back.
        positions = [
            (c.from_stage.position, c.to_stage.position)
            for c in StageChange.objects.select_related("from_stage", "to_stage").filter(
                from_stage__kind=StageKind.OPEN, to_stage__kind=StageKind.OPEN
            )
        ]
        assert any(b < a for a, b in positions)
        assert StageChange.objects.filter(
            from_stage__kind=StageKind.HOLD, to_stage__kind=StageKind.OPEN
        ).exists()
        open_now = [p for p in projects if p.stage.kind in (StageKind.OPEN, StageKind.HOLD)]
        assert len(open_now) >= 40 and any(
            timezone.localdate(p.stage_entered_at).year == today.year for p in open_now
        )

    def test_demo_landings_record_what_the_targets_count(self, shipped_demo, db):
        plan = shipped_demo
        today = timezone.localdate()
        won = Project.objects.filter(stage__kind=StageKind.WON).select_related("institution")
        assert won.count() >= 60
        for project in won:
            landing = project.stage_changes.get(to_stage__kind=StageKind.WON)
            registered = project.milestones.get(kind=MilestoneKind.REGISTERED)
            assert registered.date == landing.registration_date <= today
            assert uscc.is_valid(registered.uscc) and project.institution.uscc == registered.uscc
            assert project.institution.status in (
                InstitutionStatus.LANDED,
                InstitutionStatus.AFTERCARE,
            )

        milestones = Milestone.objects.all()
        registered = milestones.filter(kind=MilestoneKind.REGISTERED, date__gt=plan.baseline_date)
        per_year = {y: registered.filter(date__year=y).count() for y in range(2021, 2026)}
        assert all(n >= 5 for n in per_year.values())
        recent = registered.filter(date__year__gte=2024).count()
        assert recent > registered.filter(date__year__lt=2024).count()  # more landings lately
        assert registered.filter(project__isnull=True).exists()  # found on a registry list
        assert milestones.filter(kind=MilestoneKind.LICENSED).count() >= 20
        assert milestones.filter(kind=MilestoneKind.RECOGNISED, recognition="跨国公司地区总部认定")
        exits = milestones.filter(kind=MilestoneKind.EXITED)
        assert 1 <= exits.count() <= 10 and all(e.reason and e.exit_kind for e in exits)

        progress = {p.code: p for p in target_progress(plan=plan, as_of=today)}
        for code in (
            "financial-institutions",
            "licensed-financial-institutions",
            "regional-hq",
            "professional-service-institutions",
        ):
            assert progress[code].value > progress[code].baseline, code
        assert progress["international-shipping-organisations"].value >= 1
        assert progress["new-hq-all-kinds"].value >= 5
        # Measured targets: some met, some well short, the unpublished ones left empty.
        assert progress["retail-sales"].value >= progress["retail-sales"].target
        assert progress["buildings-tax-1bn"].percent < 100
        assert progress["buildings-tax-5bn"].value is None

    def test_demo_pipeline_has_losses_holds_and_three_confidential_projects(self, shipped_demo, db):
        projects = Project.objects.select_related("stage", "institution")
        secret = [p for p in projects if p.confidential]
        assert sorted(p.code_name for p in secret) == sorted(CONFIDENTIAL_CODE_NAMES)
        assert all(p.stage.kind in (StageKind.OPEN, StageKind.HOLD) for p in secret)

        lost = [p for p in projects if p.stage.kind == StageKind.LOST]
        assert len(lost) >= 10
        assert all(p.lost_reason in LostReason.values and p.lost_note for p in lost)
        elsewhere = [p for p in lost if p.lost_reason == LostReason.OTHER_LOCATION]
        assert elsewhere and all(p.competing_locations for p in elsewhere)
        named = {place for p in projects for place in p.competing_locations}
        assert named <= set(COMPETING_LOCATIONS) and len(named) >= 4
        held = [p for p in projects if p.stage.kind == StageKind.HOLD]
        assert held and all(p.hold_reason for p in held)

        for institution in Institution.objects.prefetch_related("projects__stage"):
            kinds = {p.stage.kind for p in institution.projects.all()}
            if kinds and kinds <= {StageKind.LOST}:
                assert institution.status == InstitutionStatus.LOST
            if StageKind.WON in kinds:
                assert institution.status in (InstitutionStatus.LANDED, InstitutionStatus.AFTERCARE)

    def test_demo_links_activity_to_projects_and_leaves_a_few_stalled(self, shipped_demo, db):
        today = timezone.localdate()
        quiet = today - datetime.timedelta(days=90)
        alive = Project.objects.filter(stage__kind=StageKind.OPEN).annotate(
            last=Max("interactions__date")
        )
        assert Interaction.objects.filter(project__in=alive).exists()
        assert FollowUp.objects.filter(project__in=alive, done=False, due_date__gte=today).exists()
        stalled = [
            p
            for p in alive
            if timezone.localdate(p.stage_entered_at) < quiet and (p.last is None or p.last < quiet)
        ]
        assert 2 <= len(stalled) <= len(alive) // 3
        for interaction in Interaction.objects.filter(project__isnull=False).select_related(
            "project"
        ):
            assert interaction.project.institution_id == interaction.institution_id
            assert timezone.localdate(interaction.project.created_at) <= interaction.date
