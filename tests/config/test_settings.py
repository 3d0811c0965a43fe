from __future__ import annotations

import json
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


HEADERS_PROBE = """
import json
from django.conf import settings
from django.test import Client
client = Client(HTTP_HOST="landfall.example.gov.cn")
page = client.get("/health/", secure=True)
plain = client.get("/health/")
switch = client.post("/accounts/language/", {"language": "en"}, secure=True)
cookie = switch.cookies[settings.LANGUAGE_COOKIE_NAME]
print(json.dumps({
    "status": page.status_code,
    "headers": dict(page.headers),
    "plain_status": plain.status_code,
    "plain_location": plain.get("Location"),
    "language_cookie": {"secure": bool(cookie["secure"]), "httponly": bool(cookie["httponly"])},
    "session_cookie_secure": settings.SESSION_COOKIE_SECURE,
    "session_cookie_httponly": settings.SESSION_COOKIE_HTTPONLY,
    "csrf_cookie_secure": settings.CSRF_COOKIE_SECURE,
    "require_2fa_for_admins": settings.LANDFALL_REQUIRE_2FA_FOR_ADMINS,
}))
"""


def test_production_responses_carry_the_security_headers():
    result = manage("shell", "-c", HEADERS_PROBE, env=PRODUCTION_ENV)
    assert result.returncode == 0, result.stderr
    probe = json.loads(result.stdout.strip().splitlines()[-1])
    headers = probe["headers"]
    assert probe["status"] == 200
    assert headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Cross-Origin-Opener-Policy"] == "same-origin"
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert "unsafe-inline" not in headers["Content-Security-Policy"]
    # Plain HTTP is sent to HTTPS.
    assert probe["plain_status"] == 301
    assert probe["plain_location"].startswith("https://landfall.example.gov.cn/")
    # Every cookie is HTTPS-only and out of scripts' reach.
    assert probe["language_cookie"] == {"secure": True, "httponly": True}
    assert probe["session_cookie_secure"] is True
    assert probe["session_cookie_httponly"] is True
    assert probe["csrf_cookie_secure"] is True
    # Administrators must use two-factor login in production unless the operator says not.
    assert probe["require_2fa_for_admins"] is True


def test_every_environment_sends_a_strict_content_security_policy(client_in):
    policy = client_in.get("/")["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
    assert directives == {
        "default-src": "'self'",
        "script-src": "'self'",
        "style-src": "'self'",
        "img-src": "'self' data:",
        "connect-src": "'self'",
        "frame-ancestors": "'none'",
        "form-action": "'self'",
        "base-uri": "'self'",
        "object-src": "'none'",
    }
