from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from accounts.models import Role
from plans.models import Target, TargetMeasurement
from tests.factories import PASSWORD, MembershipFactory


def signed_in_as(client, role):
    membership = MembershipFactory(role=role)
    client.login(username=membership.user.username, password=PASSWORD)
    return membership.user


def test_an_analyst_edits_a_target_in_the_admin(client, plan):
    signed_in_as(client, Role.ANALYST)
    target = Target.objects.get(code="retail-sales")
    url = f"/admin/plans/target/{target.pk}/change/"
    assert client.get(url).status_code == 200
    form = {
        "plan": plan.pk,
        "code": target.code,
        "name_zh": target.name_zh,
        "name_en": target.name_en,
        "kind": target.kind,
        "unit": target.unit,
        "position": target.position,
        "baseline_value": "1300",
        "baseline_qualifier": target.baseline_qualifier,
        "basis": target.basis,
        "target_value": "1000",
        "comparator": target.comparator,
        "due_date": "2025-12-31",
        "institution_types": "[]",
        "ownerships": "[]",
        "flags": "[]",
        "measurements-TOTAL_FORMS": "1",
        "measurements-INITIAL_FORMS": "0",
        "measurements-0-year": "2024",
        "measurements-0-quarter": "4",
        "measurements-0-value": "1412.5",
    }
    response = client.post(url, form)
    assert response.status_code == 302, response.content.decode()[:2000]
    target.refresh_from_db()
    assert target.baseline_value == Decimal(1300)
    measurement = target.measurements.get()
    assert (measurement.year, measurement.quarter, measurement.value) == (
        2024,
        4,
        Decimal("1412.5"),
    )


@pytest.mark.parametrize("role", [Role.OFFICER, Role.VIEWER])
def test_officers_and_viewers_cannot_open_the_admin(client, plan, role):
    signed_in_as(client, role)
    response = client.get("/admin/plans/target/")
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_a_count_target_takes_no_quarterly_value(plan):
    target = Target.objects.get(code="regional-hq")
    with pytest.raises(ValidationError, match="只有填报类指标"):
        TargetMeasurement(target=target, year=2024, quarter=1, value=150).full_clean()


def test_a_quarter_is_one_to_four(plan):
    target = Target.objects.get(code="retail-sales")
    with pytest.raises(ValidationError):
        TargetMeasurement(target=target, year=2024, quarter=5, value=1).full_clean()


def test_the_admin_sends_people_to_the_products_login(client, plan):
    response = client.get("/admin/plans/target/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/admin/plans/target/"


def test_a_non_staff_analyst_reaches_the_admin_after_the_products_login(client, plan):
    signed_in_as(client, Role.ANALYST)
    assert client.get("/admin/").status_code == 200
    assert "/admin/" in client.get("/").content.decode()  # the menu offers it
