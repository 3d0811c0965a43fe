"""The production run (``serve.py``, what ``make serve`` starts), as an operator starts it.

``serve.py`` runs on a free port with the production settings, against this test's
PostgreSQL database and the Redis in CELERY_BROKER_URL: it collects the static files,
migrates, and starts gunicorn, a Celery worker and Celery beat. The test waits for
``/health/``, logs in over HTTP as an analyst, imports a ledger through the wizard's pages
(every run goes to the worker: ``LANDFALL_IMPORT_INLINE_ROWS=0``), and stops the lot with
SIGTERM. Requests carry ``X-Forwarded-Proto: https`` as nginx sends it; the production
settings stay as they are. CI runs it in its PostgreSQL pass; elsewhere it is skipped.
"""

from __future__ import annotations

import http.client
import io
import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
import uuid
from html.parser import HTMLParser
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import quote, urlencode, urlsplit

import pytest
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.db import connection
from openpyxl import Workbook as OpenpyxlWorkbook

from accounts.models import Role
from crm.models import Institution
from spreadsheets.models import ImportJob
from tests.factories import PASSWORD, MembershipFactory, TeamFactory, UserFactory

ROOT = Path(__file__).resolve().parents[1]
BROKER = os.environ.get("CELERY_BROKER_URL", "")
BUDGET = 85  # seconds for the whole test, start to stop
State = ImportJob.State

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not BROKER, reason="needs CELERY_BROKER_URL (Redis), as in CI"),
]


class Deadline:
    """One time budget shared by every wait of the test."""

    def __init__(self, seconds: float) -> None:
        self.end = time.monotonic() + seconds

    def left(self, at_most: float | None = None) -> float:
        left = max(0.0, self.end - time.monotonic())
        return left if at_most is None else min(left, at_most)


class Server:
    """``serve.py`` in a process group of its own, with its output in a file."""

    def __init__(self, tmp_path: Path, deadline: Deadline) -> None:
        self.port = free_port()
        self.deadline = deadline
        self.log_path = tmp_path / "serve.log"
        db = connection.settings_dict
        credentials = quote(db["USER"] or "", safe="")
        if db["PASSWORD"]:
            credentials += ":" + quote(db["PASSWORD"], safe="")
        host = f"{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
        dropped = {"DJANGO_ALLOW_ASYNC_UNSAFE", "DEBUG", "MEDIA_ROOT", "SECRET_KEY"}
        env = {k: v for k, v in os.environ.items() if k not in dropped}
        env.update(
            DJANGO_SETTINGS_MODULE="config.settings.production",
            SECRET_KEY=secrets.token_urlsafe(60),
            ALLOWED_HOSTS="127.0.0.1",
            DATABASE_URL=f"postgres://{credentials}@{host}/{quote(db['NAME'], safe='')}",
            CELERY_BROKER_URL=BROKER,
            MEDIA_ROOT=str(tmp_path / "media"),
            CELERY_BEAT_SCHEDULE_FILE=str(tmp_path / "beat-schedule"),
            LANDFALL_IMPORT_INLINE_ROWS="0",  # every run goes to the worker
            WEB_CONCURRENCY="2",
            CELERY_CONCURRENCY="1",
            LANDFALL_STOP_TIMEOUT="20",
        )
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(
                [sys.executable, "serve.py", "--bind", f"127.0.0.1:{self.port}"],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def fail(self, what: str) -> None:
        pytest.fail(f"{what}\n--- serve.py output (last 60 lines) ---\n" + tail(self.log(), 60))

    def wait_until_ready(self) -> dict:
        """Wait until /health/?deep=1 reports a worker, and return that report."""
        while self.deadline.left():
            if self.process.poll() is not None:
                self.fail(f"serve.py exited with status {self.process.returncode}")
            try:
                status, _headers, body = Browser(self).request("GET", "/health/?deep=1")
            except OSError:
                status = 0
            if status == 200:
                return json.loads(body)
            time.sleep(0.5)
        self.fail("serve.py did not become healthy in time")

    def running(self) -> bool:
        """Whether any process of the group (supervisor, gunicorn, Celery) is alive."""
        try:
            os.killpg(self.process.pid, 0)
        except ProcessLookupError:
            return False
        return True

    def kill(self) -> None:
        if self.running():
            os.killpg(self.process.pid, signal.SIGKILL)
        if self.process.poll() is None:
            self.process.wait(timeout=10)


class Form(HTMLParser):
    """The fields a browser would send for each form of a page, as the page shows them."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.forms: list[dict] = []
        self.select: tuple[str, list[tuple[str, bool]]] | None = None
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attr = {k: (v if v is not None else "") for k, v in attrs}
        if tag == "form":
            self.forms.append({"attrs": attr, "fields": [], "buttons": []})
        if not self.forms:
            return
        form = self.forms[-1]
        kind = attr.get("type", "text").lower() if tag == "input" else ""
        if tag == "button" or kind == "submit":
            form["buttons"].append(attr)
        elif tag == "input" and kind in ("checkbox", "radio"):
            if "checked" in attr:
                form["fields"].append((attr["name"], attr.get("value", "on")))
        elif tag == "input" and "name" in attr and kind != "file":
            form["fields"].append((attr["name"], attr.get("value", "")))
        elif tag == "select":
            self.select = (attr["name"], [])
        elif tag == "option" and self.select is not None:
            self.select[1].append((attr.get("value", ""), "selected" in attr))

    def handle_endtag(self, tag: str) -> None:
        if tag == "select" and self.select is not None:
            name, options = self.select
            chosen = [value for value, selected in options if selected] or [options[0][0]]
            self.forms[-1]["fields"].append((name, chosen[0]))
            self.select = None

    def find(self, **attrs: str) -> dict:
        """The form with these attributes, or holding a button with them."""
        for form in self.forms:
            if all(form["attrs"].get(k) == v for k, v in attrs.items()):
                return form
            if any(all(b.get(k) == v for k, v in attrs.items()) for b in form["buttons"]):
                return form
        raise AssertionError(f"no form with {attrs} on the page")

    @staticmethod
    def data(form: dict, **changes: str) -> dict[str, str]:
        return {**dict(form["fields"]), **changes}


class Browser:
    """Plain HTTP to the app as nginx forwards it: HTTPS said in a header, cookies kept.

    Each request names the status it expects; another fails the test with the page and
    the server's output.
    """

    def __init__(self, server: Server) -> None:
        self.server = server
        self.origin = f"https://127.0.0.1:{server.port}"
        self.cookies: dict[str, str] = {}

    def request(
        self, method: str, path: str, body: bytes | None = None, content_type: str = ""
    ) -> tuple[int, http.client.HTTPMessage, str]:
        headers = {"X-Forwarded-Proto": "https", "Accept-Language": "en"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if method == "POST":
            headers["Origin"] = self.origin  # what CSRF protection checks on HTTPS
            headers["Content-Type"] = content_type
        conn = http.client.HTTPConnection("127.0.0.1", self.server.port, timeout=30)
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            content = response.read().decode("utf-8", errors="replace")
        finally:
            conn.close()
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                if morsel["max-age"] == "0" or not morsel.value:
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value
        return response.status, response.headers, content

    def get(self, path: str, *, expect: int = 200) -> tuple[http.client.HTTPMessage, str]:
        return self._expect(expect, "GET", path, *self.request("GET", path))

    def post(
        self,
        path: str,
        data: dict[str, str],
        *,
        files: dict[str, tuple[str, bytes]] | None = None,
        expect: int = 302,
    ) -> tuple[http.client.HTTPMessage, str]:
        if not files:
            body = urlencode(data).encode()
            answer = self.request("POST", path, body, "application/x-www-form-urlencoded")
            return self._expect(expect, "POST", path, *answer)
        boundary = uuid.uuid4().hex
        parts = io.BytesIO()
        for name, value in data.items():
            parts.write(
                f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode()
            )
            parts.write(f"{value}\r\n".encode())
        for name, (filename, content) in files.items():
            parts.write(f"--{boundary}\r\nContent-Disposition: form-data; "
                        f'name="{name}"; filename="{filename}"\r\n'
                        "Content-Type: application/octet-stream\r\n\r\n".encode())  # fmt: skip
            parts.write(content + b"\r\n")
        parts.write(f"--{boundary}--\r\n".encode())
        answer = self.request(
            "POST", path, parts.getvalue(), f"multipart/form-data; boundary={boundary}"
        )
        return self._expect(expect, "POST", path, *answer)

    def _expect(
        self, expect: int, method: str, path: str, status: int, headers, content: str
    ) -> tuple[http.client.HTTPMessage, str]:
        if status != expect:
            where = headers.get("Location", "")
            self.server.fail(
                f"{method} {path} answered {status} {where}, not {expect}:\n{content[:2000]}"
            )
        return headers, content


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def tail(text: str, lines: int) -> str:
    return "\n".join(text.splitlines()[-lines:])


def ledger(names: list[str]) -> bytes:
    book = OpenpyxlWorkbook()
    sheet = book.active
    sheet.title = "台账"
    sheet.append(["机构名称", "国别", "注册资本（万元）"])
    for n, name in enumerate(names):
        sheet.append([name, "新加坡", 800 + n])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def path_of(location: str) -> str:
    return urlsplit(location).path


@pytest.fixture
def on_postgres():
    if connection.vendor != "postgresql":
        pytest.skip("the server shares the test database only on PostgreSQL")


@pytest.fixture
def analyst(on_postgres, transactional_db):
    """An analyst, with a password the production settings' hasher can check."""
    person = UserFactory(username="prod-analyst", display_name="生产分析员")
    person.password = PBKDF2PasswordHasher().encode(PASSWORD, PBKDF2PasswordHasher().salt())
    person.save(update_fields=["password"])
    MembershipFactory(user=person, team=TeamFactory(name="研究部"), role=Role.ANALYST)
    return person


@pytest.fixture
def deadline() -> Deadline:
    return Deadline(BUDGET)


@pytest.fixture
def server(on_postgres, transactional_db, tmp_path, deadline):
    """serve.py, killed (the whole process group) before the test database is flushed."""
    started = Server(tmp_path, deadline)
    try:
        yield started
    finally:
        started.kill()


def wait_for_job(pk: int, deadline: Deadline, server: Server) -> ImportJob:
    """Poll the job in the database until its run ends (it ends only on a worker)."""
    job = ImportJob.objects.get(pk=pk)
    while job.active and deadline.left():
        time.sleep(0.2)
        job.refresh_from_db()
    if job.active:
        server.fail(f"import job {pk} did not finish in time: {job.state} {job.done}/{job.total}")
    return job


def test_serve_runs_the_app_a_worker_and_beat_and_an_import_goes_through_the_worker(
    analyst, server, deadline
):
    # Started: static files collected, migrated, gunicorn, a worker and beat up.
    health = server.wait_until_ready()
    assert health["database"] == health["broker"] == health["status"] == "ok"
    assert health["workers"] >= 1
    browser = Browser(server)
    _headers, body = browser.get("/health/")
    assert json.loads(body)["status"] == "ok"
    assert "beat: Starting" in server.log()

    # The production settings are in force: plain HTTP is sent to HTTPS.
    plain = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    plain.request("GET", "/accounts/login/")
    redirected = plain.getresponse()
    plain.close()
    assert redirected.status == 301
    assert redirected.headers["Location"].startswith("https://127.0.0.1")

    # The login page, with its collected (hashed) stylesheet served by the app.
    _headers, page = browser.get("/accounts/login/")
    stylesheet = re.search(r'href="(/static/css/landfall\.[0-9a-f]{12}\.css)"', page)
    assert stylesheet, "the page does not link the collected stylesheet"
    browser.get(stylesheet.group(1))

    # Log in.
    login = Form(page).find(id="login-form")
    headers, _body = browser.post(
        "/accounts/login/", Form.data(login, username="prod-analyst", password=PASSWORD)
    )
    assert path_of(headers["Location"]) == "/"
    browser.get("/")

    # Upload a ledger.
    names = [f"生产测试资产管理{n}号有限公司" for n in range(1, 4)]
    _headers, page = browser.get("/spreadsheets/import/")
    upload = Form(page).find(**{"data-testid": "upload-form"})
    headers, _body = browser.post(
        "/spreadsheets/import/",
        Form.data(upload, kind="institutions"),
        files={"file": ("台账.xlsx", ledger(names))},
    )
    mapping_path = path_of(headers["Location"])
    pk = int(re.fullmatch(r"/spreadsheets/import/(\d+)/mapping/", mapping_path).group(1))

    # The columns as the wizard guessed them; the dry run goes to the worker.
    _headers, page = browser.get(mapping_path)
    mapping = Form(page).find(**{"data-testid": "mapping-form"})
    headers, _body = browser.post(mapping_path, Form.data(mapping, action="check"))
    assert path_of(headers["Location"]) == f"/spreadsheets/import/{pk}/"
    job = wait_for_job(pk, deadline, server)
    assert job.state == State.CHECKED, job.message
    assert job.counts["create"] == 3
    assert not Institution.objects.filter(name_zh__in=names).exists()

    # The import, from the preview's button; it too goes to the worker.
    _headers, page = browser.get(f"/spreadsheets/import/{pk}/")
    commit = Form(page).find(**{"data-testid": "commit"})
    browser.post(f"/spreadsheets/import/{pk}/run/", Form.data(commit, action="commit"))
    job = wait_for_job(pk, deadline, server)
    assert job.state == State.DONE and job.written, job.message
    created = Institution.objects.filter(name_zh__in=names).values_list("name_zh", flat=True)
    assert sorted(created) == sorted(names)
    browser.get(f"/spreadsheets/import/{pk}/")

    # Both runs were the worker's, not the web process's.
    log = server.log()
    assert len(re.findall(r"Task spreadsheets\.run_import_job\[[\w-]+\] succeeded", log)) == 2

    # SIGTERM stops everything: the supervisor, gunicorn and its workers, Celery.
    server.process.send_signal(signal.SIGTERM)
    try:
        code = server.process.wait(timeout=deadline.left(at_most=30))
    except subprocess.TimeoutExpired:
        server.fail("serve.py did not stop on SIGTERM")
    assert code == 0
    stopped_by = time.monotonic() + 5
    while server.running() and time.monotonic() < stopped_by:
        time.sleep(0.1)
    assert not server.running(), "a process of the run outlived serve.py"
