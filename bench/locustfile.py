"""Landfall under load (issue 7): officers, managers and an analyst at work, over HTTP.

Run by bench/load.py, which sets the users' password, starts the production server and
reads the figures; by hand, against a server already running::

    .venv/bin/python bench/load.py --set-password-only --password '…'
    LANDFALL_BENCH_PASSWORD='…' .venv/bin/locust -f bench/locustfile.py \
        --host http://127.0.0.1:8000 --headless -u 50 -r 5 -t 5m

Each simulated person signs in through the login form (a real session, CSRF and all) as
one of bench/seed_register.py's users, then works with a pause of 2 to 8 s between pages:

- an officer (``bench``, most of the crowd) browses and searches the institution list
  (the sidebar's searches as htmx fragments, as the browser sends them), opens
  institutions found there, and looks at the team's board;
- a manager (``wang.ming``) reviews the funnel and its drill-down, target progress, the
  dashboard and the board;
- an analyst (``ma.chao``) filters the list, exports a small filtered list to .xlsx and
  reads progress.

Requests go as nginx passes them in production (docs/deployment.md): with
``X-Forwarded-Proto: https``, so the production settings treat them as secure, and the
cookie jar sends the session and CSRF cookies, marked Secure, over this plain-HTTP leg
(nginx would speak HTTPS to the browser). The users are locust's FastHttpUser, which
costs the 2 cores the server shares with it less than the requests-based HttpUser.
Requests are named by page ("list ?q=", "institution"), so the figures are per page.
"""

from __future__ import annotations

import json
import os
import random
import re
from http.cookiejar import DefaultCookiePolicy
from pathlib import Path

from locust import FastHttpUser, between, events, task
from locust.stats import StatsEntry

PASSWORD = os.environ.get("LANDFALL_BENCH_PASSWORD", "")
LOGIN = "/accounts/login/"
LIST = "/crm/institutions/"
PLAN = "lujiazui-14th"

# What officers type in the search box: words and brands of seed_register.py's names
# (Chinese, pinyin, English), and USCC prefixes.
SEARCHES = [
    "基金",
    "博远",
    "瀚海",
    "嘉禾",
    "资产管理",
    "证券",
    "保险",
    "boyuan",
    "hanhai",
    "capital",
    "securities",
    "9131",
    "913101",
]
FILTERS = [
    {"institution_type": "public-fund"},
    {"institution_type": "bank", "status": "landed"},
    {"institution_type": "public-fund", "status": "prospect"},
    {"status": "in-pipeline"},
    {"overdue": "true"},
    {"sort": "-contacted"},
    {"institution_type": "securities", "sort": "name_en"},
]
INSTITUTION_LINK = re.compile(r'href="/crm/institutions/(\d+)/"')
SIGN_IN = ("login page", "login")


@events.test_stop.add_listener
def pages_without_sign_in(environment, **_kwargs) -> None:
    """Write the pages' figures without the sign-in to LANDFALL_LOAD_PAGES_JSON, for load.py.

    Each person signs in once, and the password's hash takes a deliberate half second or
    so: in a short run those requests weigh on the overall percentiles more than on a working day.
    """
    path = os.environ.get("LANDFALL_LOAD_PAGES_JSON")
    if not path:
        return
    pages = StatsEntry(environment.stats, "pages, sign-in excluded", "")
    for entry in environment.stats.entries.values():
        if entry.name not in SIGN_IN:
            pages.extend(entry)
    figures = {"requests": pages.num_requests, "failures": pages.num_failures}
    for percent in (50, 95, 99):
        figures[f"p{percent}_ms"] = pages.get_response_time_percentile(percent / 100)
    Path(path).write_text(json.dumps(figures))


class Staff(FastHttpUser):
    """Someone of the office, signed in through the login form."""

    abstract = True
    username = ""
    wait_time = between(2, 8)
    default_headers = {"X-Forwarded-Proto": "https"}

    def on_start(self) -> None:
        if not PASSWORD:
            raise RuntimeError("set LANDFALL_BENCH_PASSWORD (bench/load.py sets it)")
        self.client.cookiejar.set_policy(DefaultCookiePolicy(secure_protocols=("https", "http")))
        self.seen: list[str] = []
        self.client.get(LOGIN, name="login page")
        token = next((c.value for c in self.client.cookiejar if c.name == "csrftoken"), "")
        origin = self.host.replace("http://", "https://", 1).rstrip("/")
        with self.client.post(
            LOGIN,
            data={"username": self.username, "password": PASSWORD, "csrfmiddlewaretoken": token},
            # Checked against the host for a secure request, as a browser's would be.
            headers={"Referer": origin + LOGIN},
            name="login",
            allow_redirects=False,
            catch_response=True,
        ) as response:
            # Signed in: redirected away from the login page (which a refusal shows again).
            if response.status_code != 302 or LOGIN in response.headers.get("Location", LOGIN):
                response.failure(f"{self.username} was not signed in (password set?)")
            else:
                response.success()

    def page(self, name: str, path: str, params: dict | None = None, htmx: bool = False) -> bytes:
        """GET a page; a failure unless it answers 200 with the page (not the login form)."""
        headers = {"HX-Request": "true"} if htmx else {}
        with self.client.get(
            path, params=params, headers=headers, name=name, catch_response=True
        ) as response:
            if response.status_code != 200:
                response.failure(f"HTTP {response.status_code}")
            elif b'id="login-form"' in (response.content or b""):  # the session was lost
                response.failure("sent to the login page")
            return response.content or b""

    def list_page(self, name: str, params: dict[str, str], htmx: bool = False) -> None:
        """A page of the institution list; remembers the institutions it links to."""
        found = INSTITUTION_LINK.findall(self.page(name, LIST, params, htmx=htmx).decode())
        if found:
            self.seen = found

    def open_institution(self) -> None:
        if self.seen:
            self.page("institution", f"{LIST}{random.choice(self.seen)}/")


class Officer(Staff):
    weight = 6
    username = "bench"

    @task(3)
    def browse(self) -> None:
        self.list_page("list", {"page": str(random.randint(1, 20))})

    @task(4)
    def search(self) -> None:
        self.list_page("list ?q= (htmx)", {"q": random.choice(SEARCHES)}, htmx=True)

    @task(2)
    def filter(self) -> None:
        self.list_page("list ?filters", random.choice(FILTERS))

    @task(5)
    def institution(self) -> None:
        self.open_institution()

    @task(2)
    def board(self) -> None:
        self.page("board", "/pipeline/board/")

    @task(1)
    def dashboard(self) -> None:
        self.page("dashboard", "/")


class Manager(Staff):
    weight = 2
    username = "wang.ming"

    @task(3)
    def funnel(self) -> None:
        self.page("funnel", "/pipeline/funnel/")

    @task(1)
    def funnel_drill_down(self) -> None:
        self.page("funnel ?show=", "/pipeline/funnel/projects/", {"show": "reached:negotiating"})

    @task(2)
    def progress(self) -> None:
        self.page("progress", f"/pipeline/progress/{PLAN}/")

    @task(2)
    def dashboard(self) -> None:
        self.page("dashboard", "/")

    @task(2)
    def board(self) -> None:
        self.page("board", "/pipeline/board/")


class Analyst(Staff):
    weight = 1
    username = "ma.chao"

    @task(3)
    def filter(self) -> None:
        self.list_page("list ?filters", random.choice(FILTERS))

    @task(1)
    def export(self) -> None:
        """A small filtered list to .xlsx, read to its end as a browser downloads it."""
        params = {"institution_type": "public-fund", "status": "prospect", "q": "基金"}
        self.page("export", "/spreadsheets/export/institutions.xlsx", params)

    @task(2)
    def progress(self) -> None:
        self.page("progress", f"/pipeline/progress/{PLAN}/")

    @task(1)
    def dashboard(self) -> None:
        self.page("dashboard", "/")
