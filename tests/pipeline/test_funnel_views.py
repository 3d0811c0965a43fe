"""The funnel page and the lists behind its numbers, on the history of test_funnel.py."""

from __future__ import annotations

import json
import re
from html import unescape
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse

from accounts.models import User
from pipeline import funnel_views
from tests.helpers import client_as
from tests.pipeline.test_funnel import build_history

PERIOD = {"start": "2025-01-01", "end": "2025-06-30"}
LIST_URL = reverse("pipeline:funnel_projects")


@pytest.fixture
def history(world):
    return build_history(world)


class Cells(HTMLParser):
    """The number cells (``td.text-end``) of the review's tables: their text and first link.

    The list of stalled projects is left out: its days in stage are a project's, not a count.
    """

    def __init__(self):
        super().__init__()
        self.cells: list[dict] = []
        self._cell: dict | None = None
        self._table = ""

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table":
            self._table = attrs.get("data-testid") or ""
        if (
            tag == "td"
            and "text-end" in (attrs.get("class") or "")
            and self._table != "funnel-stalled"
        ):
            self._cell = {"text": "", "href": None}
        elif tag == "a" and self._cell is not None and self._cell["href"] is None:
            self._cell["href"] = attrs.get("href")

    def handle_data(self, data):
        if self._cell is not None:
            self._cell["text"] += data

    def handle_endtag(self, tag):
        if tag == "td" and self._cell is not None:
            self._cell["text"] = self._cell["text"].strip()
            self.cells.append(self._cell)
            self._cell = None


def number_cells(html: str) -> list[dict]:
    parser = Cells()
    parser.feed(html)
    return parser.cells


def chart(html: str, element_id: str) -> dict:
    found = re.search(r'<script id="%s" type="application/json">(.*?)</script>' % element_id, html)
    assert found, element_id
    return json.loads(found.group(1))


def query_of(url: str) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(urlsplit(unescape(url)).query).items()}


def get_funnel(client, **params):
    return client.get(reverse("pipeline:funnel"), {**PERIOD, **params})


def test_the_page_shows_the_funnel_and_every_number_links_to_its_list(world, history):
    response = get_funnel(client_as(world.people["manager_a"]))
    assert response.status_code == 200
    html = response.content.decode()
    cells = number_cells(html)
    assert cells
    for cell in cells:
        if cell["text"] == "—":
            continue
        assert cell["href"], cell
        assert cell["href"].startswith(LIST_URL), cell
        query = query_of(cell["href"])
        assert query["start"] == "2025-01-01" and query["end"] == "2025-06-30"
        assert query["team"] == str(world.team_a.pk)  # the default, spelled out
        assert query["show"]
    shown = [(query_of(c["href"])["show"], c["text"]) for c in cells if c["href"]]
    assert ("reached:lead", "6") in shown and ("reached:landed", "1") in shown
    assert ("stage_days:negotiating", "2") in shown  # the stays
    assert ("stage_days:negotiating", "52.5") in shown  # and their median
    assert ("lost_reason:policy", "1") in shown and ("location:北京", "1") in shown
    assert 'data-testid="funnel-won"' in html


def test_the_charts_carry_the_numbers_and_open_the_lists(world, history):
    html = get_funnel(client_as(world.people["manager_a"])).content.decode()
    funnel = chart(html, "funnel-chart")["series"][0]
    assert funnel["type"] == "funnel"
    assert [item["value"] for item in funnel["data"]] == [6, 5, 4, 2, 1, 1]
    assert all(item["url"].startswith(LIST_URL) for item in funnel["data"])
    assert query_of(funnel["data"][2]["url"])["show"] == "reached:negotiating"
    reasons = chart(html, "funnel-reasons-chart")["series"][0]["data"]
    assert [item["value"] for item in reasons] == [1, 1]
    days = chart(html, "funnel-days-chart")["series"][0]["data"]
    assert [item["value"] for item in days] == [30.0, 30.0, 52.5, 181.0, 61.0, 90.0]
    assert query_of(days[2]["url"])["show"] == "stage_days:negotiating"


def test_the_page_speaks_english_to_an_english_user(world, history):
    manager = world.people["manager_a"]
    User.objects.filter(pk=manager.pk).update(language="en")
    html = get_funnel(client_as(manager)).content.decode()
    assert "Negotiating" in html and "在谈" not in html
    labels = [item["name"] for item in chart(html, "funnel-chart")["series"][0]["data"]]
    assert labels[:3] == ["Lead", "Contacted", "Negotiating"]
    assert "Reached" in html


def test_following_a_number_lists_exactly_the_projects_behind_it(world, history):
    client = client_as(world.people["manager_a"])
    html = get_funnel(client).content.decode()
    link = next(
        c["href"] for c in number_cells(html) if c["href"] and "reached%3Acommitted" in c["href"]
    )
    page = client.get(unescape(link))
    assert page.status_code == 200
    text = page.content.decode()
    assert "项目A" in text and "项目E" in text
    assert "项目B" not in text and "项目D" not in text
    assert 'data-testid="result-count"' in text
    assert history["A"].get_absolute_url() in text


def test_a_colleague_sees_a_confidential_project_by_its_code_name_only(world, history):
    client = client_as(world.people["officer_a2"])
    page = client.get(LIST_URL, {**PERIOD, "show": "lost"}).content.decode()
    assert "白鹭" in page and "项目C" in page
    assert "项目H" not in page and "H机构有限公司" not in page
    funnel = get_funnel(client).content.decode()
    assert "项目H" not in funnel and "H机构有限公司" not in funnel and "深圳前海" not in funnel


def test_the_list_pages_keep_the_filters(world, history, monkeypatch):
    monkeypatch.setattr(funnel_views, "PAGE_SIZE", 2)
    client = client_as(world.people["manager_a"])
    first = client.get(LIST_URL, {**PERIOD, "show": "reached:lead"}).content.decode()
    assert "6" in re.search(r'data-testid="result-count">([^<]*)<', first).group(1)
    next_link = re.search(r'href="(\?[^"]*page=2)"', first).group(1)
    query = query_of(next_link)
    assert query["show"] == "reached:lead" and query["start"] == "2025-01-01"
    second = client.get(LIST_URL + unescape(next_link))
    assert second.status_code == 200


@pytest.mark.parametrize(
    "params",
    [
        {"start": "2025-07-01", "end": "2025-06-30"},
        {"start": "not a date"},
        {"idle_days": "0"},
        {"team": "x"},
    ],
)
def test_bad_filters_get_a_message_not_an_error(world, params):
    client = client_as(world.people["manager_a"])
    response = client.get(reverse("pipeline:funnel"), params)
    assert response.status_code == 200
    assert 'data-testid="funnel-invalid"' in response.content.decode()
    response = client.get(LIST_URL, {**params, "show": "won"})
    assert response.status_code == 200
    assert 'data-testid="funnel-invalid"' in response.content.decode()


@pytest.mark.parametrize("show", ["", "reached:nowhere", "everything", "location:"])
def test_an_unknown_list_gets_a_message(world, show):
    response = client_as(world.people["manager_a"]).get(LIST_URL, {"show": show})
    assert response.status_code == 200
    assert 'data-testid="funnel-unknown"' in response.content.decode()


def test_the_pages_run_a_fixed_number_of_queries(world, history, django_assert_max_num_queries):
    client = client_as(world.people["manager_a"])
    get_funnel(client)  # the session and the user's memberships, once
    with django_assert_max_num_queries(20):
        assert get_funnel(client).status_code == 200
    with django_assert_max_num_queries(14):
        assert client.get(LIST_URL, {**PERIOD, "show": "reached:lead"}).status_code == 200
    with django_assert_max_num_queries(14):
        assert client.get(LIST_URL, {**PERIOD, "show": "location:北京"}).status_code == 200


def test_the_presets_change_the_period_and_keep_the_other_filters(world, history):
    html = get_funnel(client_as(world.people["manager_a"]), vehicle="branch").content.decode()
    presets = re.findall(r'<a class="btn btn-outline-primary[^"]*"[^>]*href="\?([^"]+)"', html)
    assert len(presets) == 4
    for preset in presets:
        query = query_of("?" + preset)
        assert query["vehicle"] == "branch" and query["start"] != "2025-01-01"


def test_the_filters_of_the_form_reach_the_lists(world, history):
    client = client_as(world.people["manager_a"])
    cases = [
        ({"country": "JP"}, {"项目E"}),
        ({"vehicle": "branch"}, {"项目B"}),
        ({"owner": str(world.people["officer_a2"].pk)}, {"项目F"}),
        ({"category": str(history["categories"][0].pk)}, {"项目A"}),  # via its sub-category
    ]
    for params, titles in cases:
        page = client.get(LIST_URL, {**PERIOD, **params, "show": "reached:lead"}).content.decode()
        shown = set(re.findall(r"项目[A-H]", page))
        assert shown == titles, params
