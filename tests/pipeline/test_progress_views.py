"""The progress pages: the plan's targets on an as-of date, and the drill-down per target."""

from __future__ import annotations

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from pipeline.progress import quarterly_series, target_progress
from plans.models import Plan
from tests.factories import InstitutionFactory, milestone
from tests.helpers import client_as
from tests.pipeline import test_progress

d = datetime.date
_target = test_progress._target
small_plan = test_progress.small_plan  # the worked example: six targets, eight institutions
TODAY = timezone.localdate()


def _progress_url(plan: Plan, as_of: str | None = None) -> str:
    url = reverse("pipeline:progress", args=[plan.code])
    return url + "?as_of=%s" % as_of if as_of is not None else url


def _target_url(plan: Plan, code: str, as_of: str | None = None) -> str:
    url = reverse("pipeline:progress_target", args=[plan.code, code])
    return url + "?as_of=%s" % as_of if as_of is not None else url


def _row(page: str, code: str) -> str:
    """The HTML of the progress table's row for ``code``."""
    start = page.index('<tr data-target="%s">' % code)
    return page[start : page.index("</tr>", start)]


def _cell(row: str, testid: str) -> str:
    """The text of a row's cell, tags and spacing removed."""
    start = row.index('data-testid="%s"' % testid)
    cell = row[row.index(">", start) + 1 : row.index("</td>", start)]
    return " ".join(re.sub(r"<[^>]+>", " ", cell).split())


def _listed(page: str, testid: str) -> list[int]:
    """The institution ids of a drill-down table, in page order."""
    start = page.index('data-testid="%s"' % testid)
    table = page[start : page.index("</table>", start)]
    return [int(pk) for pk in re.findall(r'data-institution="(\d+)"', table)]


# ---------------------------------------------------------------- the index


def test_the_index_opens_the_current_plans_progress(client_in, plan):
    response = client_in.get(reverse("pipeline:progress_index"))
    assert response.status_code == 302
    assert response["Location"] == _progress_url(plan)
    response = client_in.get(reverse("pipeline:progress_index") + "?as_of=2023-06-30")
    assert response["Location"] == _progress_url(plan, "2023-06-30")


def test_the_index_explains_when_no_plan_is_loaded(client_in):
    response = client_in.get(reverse("pipeline:progress_index"))
    assert response.status_code == 200
    assert 'data-testid="no-plan"' in response.content.decode()


def test_the_plan_page_links_to_its_progress(client_in, plan):
    page = client_in.get(plan.get_absolute_url()).content.decode()
    assert 'href="%s"' % _progress_url(plan) in page


# ---------------------------------------------------------------- the plan's progress


@pytest.mark.parametrize("as_of", ["2021-03-31", "2022-09-29", "2022-09-30", "2023-06-30"])
def test_the_page_shows_the_figures_of_target_progress(client_in, small_plan, as_of):
    plan, _ = small_plan
    response = client_in.get(_progress_url(plan, as_of))
    assert response.status_code == 200
    expected = target_progress(plan=plan, as_of=d.fromisoformat(as_of))
    assert [row.progress for row in response.context["rows"]] == expected
    page = response.content.decode()
    for figures in expected:
        row = _row(page, figures.code)
        if figures.value is not None:
            assert _cell(row, "value").startswith("%d" % figures.value)
        if figures.percent is not None:
            assert "%g%%" % figures.percent in _cell(row, "percent")


def test_a_past_quarter_end_reproduces_that_quarters_figures(client_in, small_plan):
    plan, _ = small_plan
    page = client_in.get(_progress_url(plan, "2022-09-30")).content.decode()
    assert _cell(_row(page, "fin"), "value").startswith("102")  # D's exit on the day
    retail = _cell(_row(page, "retail"), "value")
    assert retail.startswith("950") and retail.endswith("2022年第2季度")
    earlier = client_in.get(_progress_url(plan, "2022-06-30")).content.decode()
    assert _cell(_row(earlier, "fin"), "value").startswith("103")


def test_a_measured_target_shows_its_last_measurement_and_quarter(client_in, small_plan):
    plan, _ = small_plan
    page = client_in.get(_progress_url(plan, "2023-06-30")).content.decode()
    value = _cell(_row(page, "retail"), "value")
    assert value.startswith("980") and value.endswith("2023年第1季度")


def test_values_link_to_the_drill_down_on_the_same_date(client_in, small_plan):
    plan, _ = small_plan
    response = client_in.get(_progress_url(plan, "2023-06-30"))
    link = _target_url(plan, "fin", "2023-06-30")
    assert 'href="%s"' % link in _row(response.content.decode(), "fin")
    bars = response.context["chart"]["series"][0]["data"]
    assert link in [bar["url"] for bar in bars]


def test_pace_and_projection_are_shown_against_the_target(client_in, small_plan):
    plan, _ = small_plan
    row = _row(client_in.get(_progress_url(plan, "2023-06-30")).content.decode(), "fin")
    assert _cell(row, "pace").startswith("0.5 / 0.1")  # required 10 over 20 quarters
    assert "text-danger" in row  # behind pace
    assert _cell(row, "projection") == "102"


@pytest.mark.parametrize(
    ("as_of", "message"),
    [
        ("2020-12-30", "2020-12-31"),  # before the baseline date
        ((TODAY + datetime.timedelta(days=1)).isoformat(), "未来"),
        ("2023-02-30", "有效的日期"),
        ("yesterday", "有效的日期"),
        ("9" * 300, "有效的日期"),
    ],
)
def test_a_date_that_cannot_be_counted_is_explained_with_todays_figures(
    client_in, small_plan, as_of, message
):
    plan, _ = small_plan
    response = client_in.get(_progress_url(plan, as_of))
    assert response.status_code == 200
    page = response.content.decode()
    error = page[page.index('data-testid="as-of-error"') :]
    assert message in error[: error.index("</div>")]
    figures = response.context["figures"]
    assert figures.fell_back and figures.as_of == TODAY
    assert [row.progress for row in response.context["rows"]] == target_progress(
        plan=plan, as_of=TODAY
    )


def test_the_page_offers_the_last_eight_quarter_ends(client_in, small_plan):
    plan, _ = small_plan
    links = client_in.get(_progress_url(plan)).context["figures"].quick_links
    assert len(links) == 8
    assert all(d.fromisoformat(day) <= TODAY for _, day in links)
    assert links == sorted(links, key=lambda link: link[1], reverse=True)


def test_a_plan_whose_baseline_is_still_ahead_has_nothing_to_count(client_in):
    plan = Plan.objects.create(
        code="next-plan",
        name_zh="下一个规划",
        name_en="Next plan",
        baseline_date=TODAY + datetime.timedelta(days=30),
        horizon_date=TODAY + datetime.timedelta(days=2000),
    )
    _target(plan, "fin", baseline_value=1, target_value=2)
    for url in [_progress_url(plan), _target_url(plan, "fin"), _progress_url(plan, "x")]:
        response = client_in.get(url)
        assert response.status_code == 200
        assert 'data-testid="not-started"' in response.content.decode()


def test_unknown_plans_and_targets_are_404(client_in, small_plan):
    plan, _ = small_plan
    assert client_in.get(reverse("pipeline:progress", args=["nope"])).status_code == 404
    assert client_in.get(_target_url(plan, "nope")).status_code == 404


def test_leadership_reads_progress(world, small_plan):
    plan, _ = small_plan
    client = client_as(world.people["viewer"])
    assert client.get(_progress_url(plan)).status_code == 200
    assert client.get(_target_url(plan, "fin")).status_code == 200


# ---------------------------------------------------------------- the drill-down


def test_the_drill_down_lists_exactly_the_counted_and_the_exited(client_in, small_plan):
    plan, people = small_plan
    response = client_in.get(_target_url(plan, "fin", "2023-06-30"))
    page = response.content.decode()
    # Newest landing first: F registered 2021-01-05, A on 2021-02-15.
    assert _listed(page, "counted") == [people["A"].pk, people["F"].pk]
    assert set(_listed(page, "exited")) == {people["B"].pk, people["D"].pk}
    figures = next(r for r in target_progress(plan=plan, as_of=d(2023, 6, 30)) if r.code == "fin")
    assert set(_listed(page, "counted")) == set(figures.counted_ids)
    assert set(_listed(page, "exited")) == set(figures.exited_ids)
    assert "甲" in page and "2021-02-15" in page  # the name, the registration date counted
    assert "2022-09-30" in page and "注销" in page  # D's exit and its kind


def test_the_drill_down_on_a_past_date_lists_who_was_counted_then(client_in, small_plan):
    plan, people = small_plan
    page = client_in.get(_target_url(plan, "fin", "2022-06-30")).content.decode()
    assert set(_listed(page, "counted")) == {people["A"].pk, people["B"].pk, people["F"].pk}
    assert _listed(page, "exited") == []


def test_a_flow_lists_every_landing_and_subtracts_no_exit(client_in, small_plan):
    plan, people = small_plan
    page = client_in.get(_target_url(plan, "hq-new", "2023-06-30")).content.decode()
    assert set(_listed(page, "counted")) == {people["C"].pk, people["G"].pk}
    assert 'data-testid="exited"' not in page


def test_the_drill_down_shows_the_quarterly_series(client_in, small_plan):
    plan, _ = small_plan
    response = client_in.get(_target_url(plan, "fin", "2023-06-30"))
    quarters = response.context["quarters"]
    target = plan.targets.get(code="fin")
    expected = quarterly_series(target=target, start=plan.baseline_date, end=d(2023, 6, 30))
    assert [(q.day, q.value) for q in quarters] == expected
    assert quarters[0].required == 100 and quarters[-1].required == 105  # 0.5 a quarter
    chart = response.context["chart"]
    assert [point["value"][1] for point in chart["series"][0]["data"]] == [v for _, v in expected]
    assert chart["series"][1]["lineStyle"]["type"] == "dashed"
    assert chart["series"][1]["data"] == [["2020-12-31", 100.0], ["2025-12-31", 110.0]]


def test_a_date_between_quarter_ends_ends_the_series_on_that_date(client_in, small_plan):
    plan, _ = small_plan
    quarters = client_in.get(_target_url(plan, "fin", "2022-09-29")).context["quarters"]
    assert (quarters[-1].day, quarters[-1].value) == (d(2022, 9, 29), 103)
    assert quarters[-2].day == d(2022, 6, 30)


def test_a_measured_target_has_quarters_and_no_institutions(client_in, small_plan):
    plan, _ = small_plan
    response = client_in.get(_target_url(plan, "retail", "2023-06-30"))
    page = response.content.decode()
    assert 'data-testid="measured-note"' in page and 'data-testid="counted"' not in page
    values = {q.day: q.value for q in response.context["quarters"]}
    assert values[d(2022, 6, 30)] == 950 and values[d(2023, 6, 30)] == 980


def test_the_drill_down_names_institutions_never_projects(world, plan):
    """A confidential project's title must not leak through a count."""
    world.institution.categories.set([plan.categories.get(code="finance")])
    milestone(world.institution, "registered", d(2023, 3, 1), project=world.secret)
    for person in ["viewer", "officer_b", "officer_a"]:
        page = (
            client_as(world.people[person])
            .get(_target_url(plan, "financial-institutions", "2023-06-30"))
            .content.decode()
        )
        assert _listed(page, "counted") == [world.institution.pk]
        assert world.secret.title not in page and world.project.title not in page


def test_garbage_page_numbers_do_not_break_the_drill_down(client_in, small_plan):
    plan, _ = small_plan
    url = _target_url(plan, "fin", "2023-06-30") + "&page=abc&exited_page=-3"
    assert client_in.get(url).status_code == 200


# ---------------------------------------------------------------- landings raise the count


def test_a_landing_recorded_without_a_project_raises_the_count(world, plan):
    found = InstitutionFactory(name_zh="名录中的资管公司")
    found.categories.set([plan.categories.get(code="finance")])
    analyst = client_as(world.people["analyst"])

    def financial_institutions() -> str:
        page = analyst.get(_progress_url(plan)).content.decode()
        return _cell(_row(page, "financial-institutions"), "value")

    assert financial_institutions().startswith("6,000")
    response = analyst.post(
        reverse("crm:milestone_create", args=[found.pk]),
        {"kind": "registered", "date": TODAY.isoformat(), "uscc": "91310000710934640Y"},
    )
    assert response.status_code == 302
    assert financial_institutions().startswith("6,001")
    page = analyst.get(_target_url(plan, "financial-institutions")).content.decode()
    assert _listed(page, "counted") == [found.pk]


# ---------------------------------------------------------------- queries


def test_the_pages_take_a_fixed_number_of_queries(
    client_in, small_plan, django_assert_max_num_queries
):
    plan, _ = small_plan
    client_in.get(_progress_url(plan))  # the session and the user, once
    with django_assert_max_num_queries(10):
        client_in.get(_progress_url(plan, "2023-06-30"))
    with django_assert_max_num_queries(12):
        client_in.get(_target_url(plan, "fin", "2023-06-30"))
    finance = plan.categories.get(code="finance")
    for n in range(5):
        _target(plan, "more-%d" % n, categories=[finance], baseline_value=1, target_value=9)
        landed = InstitutionFactory()
        landed.categories.set([finance])
        milestone(landed, "registered", d(2022, 1, n + 1))
        milestone(landed, "exited", d(2023, 1, n + 1))
    with django_assert_max_num_queries(10):
        client_in.get(_progress_url(plan, "2023-06-30"))
    with django_assert_max_num_queries(12):
        client_in.get(_target_url(plan, "fin", "2023-06-30"))


def test_a_landing_and_an_exit_on_one_day_cancel_out(client_in, small_plan):
    """On one day the landing comes first, so the exit takes it out again."""
    plan, _ = small_plan
    finance = plan.categories.get(code="finance")
    brief = InstitutionFactory(name_zh="昙花一现")
    brief.categories.set([finance])
    milestone(brief, "exited", d(2023, 4, 3))
    milestone(brief, "registered", d(2023, 4, 3))
    response = client_in.get(_target_url(plan, "fin", "2023-06-30"))
    assert response.context["report"].progress.value == 101  # as without it
    assert brief.pk in _listed(response.content.decode(), "exited")
