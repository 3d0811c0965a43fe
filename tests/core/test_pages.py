from __future__ import annotations

from django.urls import reverse

from tests.factories import InstitutionFactory


def test_health_answers_without_login(client, db):
    response = client.get(reverse("health"))
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_home_shows_the_plan_and_the_size_of_the_register(client_in, plan):
    InstitutionFactory.create_batch(3)
    page = client_in.get(reverse("home")).content.decode()
    assert plan.name_zh in page
    assert 'data-testid="institution-count">3<' in page
