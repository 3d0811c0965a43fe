from __future__ import annotations

import os
import subprocess
import sys

from tests.conftest import ROOT

PRODUCTION_ENV = {
    "DJANGO_SETTINGS_MODULE": "config.settings.production",
    "SECRET_KEY": "p7#Kq2!vZ9@xL4$wN8^rT1&yB6*cM3(hJ5)gF0_dS-aE+uQ=iO",
    "ALLOWED_HOSTS": "landfall.example.gov.cn",
    "DATABASE_URL": "sqlite:////tmp/landfall-check.sqlite3",
}


def manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    dropped = {*PRODUCTION_ENV, "DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    clean = {k: v for k, v in os.environ.items() if k not in dropped}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_settings_pass_check_deploy_without_warnings():
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION_ENV)
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_without_its_environment_says_what_to_set():
    env = {"DJANGO_SETTINGS_MODULE": "config.settings.production"}
    result = manage("check", env=env)
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert "SECRET_KEY, ALLOWED_HOSTS, DATABASE_URL" in result.stderr


def test_a_weak_production_secret_key_is_refused():
    result = manage("check", env={**PRODUCTION_ENV, "SECRET_KEY": "short"})
    assert result.returncode != 0
    assert "SECRET_KEY must be at least 50 characters" in result.stderr
    assert "Traceback" not in result.stderr


def test_tasks_run_in_process_without_a_broker_and_queue_with_one():
    code = "from django.conf import settings; print(settings.CELERY_TASK_ALWAYS_EAGER)"
    without = manage("shell", "-c", code, env={"CELERY_BROKER_URL": ""})
    assert without.stdout.strip().endswith("True")
    with_broker = manage("shell", "-c", code, env={"CELERY_BROKER_URL": "redis://127.0.0.1:6379/9"})
    assert with_broker.stdout.strip().endswith("False")


def test_language_and_time_zone_defaults(settings):
    assert settings.LANGUAGE_CODE == "zh-hans"
    assert settings.TIME_ZONE == "Asia/Shanghai"
    assert [code for code, _name in settings.LANGUAGES] == ["zh-hans", "en"]
