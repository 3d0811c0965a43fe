from __future__ import annotations

from unittest import mock

import pytest
from django.db import OperationalError, connections
from django.urls import reverse

from config.celery import app as celery_app
from core import views

UNREACHABLE_BROKER = "redis://127.0.0.1:1/0"  # nothing listens on port 1: refused at once


@pytest.fixture
def broker_at(monkeypatch):
    """Point Celery at a broker (tasks no longer run in-process) for one test."""

    def point(url: str) -> None:
        monkeypatch.setitem(celery_app.conf, "task_always_eager", False)
        monkeypatch.setitem(celery_app.conf, "broker_url", url)
        monkeypatch.setenv("CELERY_BROKER_URL", url)  # Celery reads it before its settings

    return point


def test_health_answers_without_login(client, db):
    response = client.get(reverse("health"))
    assert response.status_code == 200
    # The tests run tasks in-process, as a deployment without a broker does.
    assert response.json() == {"database": "ok", "broker": "off", "status": "ok"}
    assert "no-cache" in response["Cache-Control"]


def test_health_without_the_database_is_down_so_a_load_balancer_takes_the_process_out(client, db):
    database = type(connections["default"])
    with mock.patch.object(database, "cursor", side_effect=OperationalError("gone")):
        response = client.get(reverse("health"))
    assert response.status_code == 503
    assert response.json()["database"] == "down"
    assert response.json()["status"] == "down"


def test_health_without_the_broker_keeps_the_web_in_rotation_but_deep_says_down(
    client, db, broker_at
):
    broker_at(UNREACHABLE_BROKER)

    plain = client.get(reverse("health"))
    deep = client.get(reverse("health"), {"deep": "1"})

    assert plain.status_code == 200
    assert plain.json() == {"database": "ok", "broker": "down", "status": "degraded"}
    assert deep.status_code == 503
    assert deep.json() == {"database": "ok", "broker": "down", "workers": 0, "status": "down"}


def test_deep_health_counts_the_workers_that_answer_and_is_down_with_none(
    client, db, monkeypatch, broker_at
):
    broker_at("redis://broker.example:6379/0")
    monkeypatch.setattr(views, "_broker_state", lambda: "ok")
    replies = {"celery@web1": {"ok": "pong"}, "celery@worker2": {"ok": "pong"}}
    inspect = mock.Mock()
    inspect.return_value.ping.return_value = replies
    monkeypatch.setattr(celery_app.control, "inspect", inspect)

    two = client.get(reverse("health"), {"deep": "1"})
    inspect.return_value.ping.return_value = None  # nobody answered within the timeout
    none = client.get(reverse("health"), {"deep": "1"})

    assert two.status_code == 200
    assert two.json() == {"database": "ok", "broker": "ok", "workers": 2, "status": "ok"}
    assert inspect.call_args.kwargs["timeout"] <= 1.0  # the page stays quick
    assert none.status_code == 503
    assert none.json()["workers"] == 0 and none.json()["status"] == "down"
