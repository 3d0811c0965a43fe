from __future__ import annotations

import datetime
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
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
    Ownership,
)
from crm.selectors import my_work
from pipeline.demo import BUILDINGS, DEMO_PASSWORD, DEMO_USERNAME, seed_demo
from pipeline.models import Project


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


def test_seed_demo_is_deterministic_and_idempotent(plan):
    counts = seed_demo(seed=7, institutions=80)
    first, first_activity = register(), activity()
    assert seed_demo(seed=7, institutions=80) == counts
    assert register() == first
    assert activity() == first_activity
    assert len(first) == 80

    Project.objects.all().delete()  # projects protect their institutions
    Institution.objects.all().delete()
    assert seed_demo(seed=7, institutions=80) == counts
    assert register() == first
    assert activity() == first_activity


def test_a_different_seed_gives_different_data(plan):
    seed_demo(seed=1, institutions=30)
    one = {row[0] for row in register()}
    Project.objects.all().delete()  # projects protect their institutions
    Institution.objects.all().delete()
    seed_demo(seed=2, institutions=30)
    assert {row[0] for row in register()} != one


def test_demo_institutions_are_plausible(plan):
    seed_demo(seed=2021, institutions=300)
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
