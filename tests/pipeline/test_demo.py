from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from stdnum import lei
from stdnum.cn import uscc

from accounts.models import User
from crm.models import Institution
from pipeline.demo import DEMO_PASSWORD, DEMO_USERNAME, seed_demo


def register() -> list[tuple]:
    return list(
        Institution.objects.order_by("name_zh").values_list(
            "name_zh", "name_en", "uscc", "lei", "country", "institution_type", "owner__username"
        )
    )


def test_seed_demo_is_deterministic_and_idempotent(plan):
    seed_demo(seed=7, institutions=120)
    first = register()
    seed_demo(seed=7, institutions=120)
    assert register() == first
    assert len(first) == 120


def test_a_different_seed_gives_different_data(plan):
    seed_demo(seed=1, institutions=60)
    one = {row[0] for row in register()}
    Institution.objects.all().delete()
    seed_demo(seed=2, institutions=60)
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


def test_seed_demo_refuses_to_run_with_debug_off(db, settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG"):
        call_command("seed_demo", "--institutions", "5")
    assert not User.objects.exists()


def test_the_command_prints_a_demo_login_that_works(plan, client):
    out = StringIO()
    call_command("seed_demo", "--institutions", "20", "--force", stdout=out)
    assert f"Demo login: {DEMO_USERNAME} / {DEMO_PASSWORD}" in out.getvalue()
    assert User.objects.get(username=DEMO_USERNAME).is_superuser
    assert client.login(username=DEMO_USERNAME, password=DEMO_PASSWORD)
