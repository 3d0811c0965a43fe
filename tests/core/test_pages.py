from __future__ import annotations

from django.urls import reverse


def test_health_answers_without_login(client, db):
    response = client.get(reverse("health"))
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
