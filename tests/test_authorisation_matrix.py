"""Every route of the product, tried with every method by every kind of person.

The objects belong to team A (tests/world.py). Each route below states what each person
gets; a route missing from the table fails the test, so a new page cannot ship without
saying who may reach it. Across teams, records answer 404 (not 403), so that a forbidden
record does not even reveal that it exists.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from crm.services import milestone_record
from plans.services import plan_load_file
from tests.conftest import PLAN_FILE
from tests.world import World

PEOPLE = ["anonymous", "officer_a", "officer_b", "manager_a", "analyst", "viewer", "admin"]
STAFF = PEOPLE[1:]
LOGIN = "login"  # a redirect to the login page
OK = 200

# route name → (URL arguments from the world, main method, expected status by person).
# People not named get ``default``. Anonymous visitors always go to the login page unless
# the route is public.
Args = Callable[[World], list]
NO_ARGS: Args = lambda w: []  # noqa: E731


def everyone(status: int) -> dict[str, int]:
    return dict.fromkeys(STAFF, status)


def only(allowed: dict[str, int], otherwise: int) -> dict[str, int]:
    return {person: allowed.get(person, otherwise) for person in STAFF}


EDITORS = {"officer_a": OK, "manager_a": OK, "admin": OK}
CREATORS = {"officer_a": OK, "officer_b": OK, "manager_a": OK, "analyst": OK, "admin": OK}
TEAM_A_VIEW = {"officer_a": OK, "manager_a": OK, "analyst": OK, "admin": OK}

IMPORTERS = {"manager_a": OK, "analyst": OK, "admin": OK}


def JOB(world: World) -> list[int]:
    """The analyst's import job, checked, with an error workbook (made once per world)."""
    from django.core.files.base import ContentFile

    from spreadsheets.models import ImportJob

    job = ImportJob.objects.filter(created_by=world.people["analyst"]).first()
    if job is None:
        job = ImportJob(
            kind="institutions",
            created_by=world.people["analyst"],
            original_name="台账.xlsx",
            sheets=[{"name": "台账", "hidden": False, "rows": 2, "sample": [["机构名称"], ["甲"]]}],
            sheet="台账",
            mapping={"0": "name_zh"},
            data_rows=1,
            state=ImportJob.State.CHECKED,
            counts={"create": 1, "update": 0, "unchanged": 0, "duplicate": 0, "failed": 0},
        )
        job.file.save("台账.xlsx", ContentFile(b"not read by these pages"), save=False)
        job.error_file.save("台账-errors.xlsx", ContentFile(b"PK"), save=False)
        job.save()
    return [job.pk]


ROUTES: dict[str, tuple[Args, str, dict[str, int]]] = {
    "home": (NO_ARGS, "get", everyone(OK)),
    "audit": (NO_ARGS, "get", only({"admin": OK}, 403)),
    "plans:index": (NO_ARGS, "get", everyone(302)),  # straight to the only plan
    "plans:detail": (lambda w: ["lujiazui-14th"], "get", everyone(OK)),
    "crm:institution_list": (NO_ARGS, "get", everyone(OK)),
    "crm:institution_create": (NO_ARGS, "get", only(CREATORS, 403)),
    "crm:institution_duplicates": (NO_ARGS, "get", everyone(OK)),
    "crm:institution_detail": (lambda w: [w.institution.pk], "get", everyone(OK)),
    "crm:institution_history": (lambda w: [w.institution.pk], "get", everyone(OK)),
    "crm:institution_edit": (lambda w: [w.institution.pk], "get", only(EDITORS, 403)),
    "crm:institution_merge": (
        lambda w: [w.institution.pk],
        "get",
        only({"manager_a": OK, "admin": OK}, 403),
    ),
    "crm:interaction_create": (
        lambda w: [w.institution.pk],
        "post",
        only({"officer_a": OK, "officer_b": OK, "manager_a": OK, "admin": OK}, 403),
    ),
    "crm:contact_create": (lambda w: [w.institution.pk], "get", only(EDITORS, 403)),
    "crm:contact_edit": (lambda w: [w.contact.pk], "get", only(EDITORS, 403)),
    "crm:contact_personal_data": (lambda w: [w.contact.pk], "get", only({"admin": OK}, 403)),
    "crm:contact_export": (lambda w: [w.contact.pk, "json"], "get", only({"admin": OK}, 403)),
    "crm:follow_up_toggle": (
        lambda w: [w.follow_up.pk],
        "post",
        # The assignee, the team's manager and admins tick it off (then go back to the
        # institution); the analyst sees it but may not; team B and viewers never see it.
        only({"officer_a": 302, "manager_a": 302, "admin": 302, "analyst": 403}, 404),
    ),
    "crm:my_work": (NO_ARGS, "get", everyone(OK)),
    "crm:autocomplete_users": (NO_ARGS, "get", everyone(OK)),
    "crm:autocomplete_buildings": (NO_ARGS, "get", everyone(OK)),
    "crm:autocomplete_institutions": (NO_ARGS, "get", everyone(OK)),
    "pipeline:project_list": (NO_ARGS, "get", everyone(OK)),
    "pipeline:project_detail": (lambda w: [w.project.pk], "get", only(TEAM_A_VIEW, 404)),
    # -- projects, board, moves (pipeline/views.py)
    "pipeline:project_create": (
        NO_ARGS,
        "get",
        only({"officer_a": OK, "officer_b": OK, "manager_a": OK, "admin": OK}, 403),
    ),
    # The owner, the team's officers and manager, admins; the analyst reads but may not.
    "pipeline:project_edit": (
        lambda w: [w.project.pk],
        "get",
        only({**EDITORS, "analyst": 403}, 404),
    ),
    "pipeline:project_move": (
        lambda w: [w.project.pk],
        "get",
        only({**EDITORS, "analyst": 403}, 404),
    ),
    "pipeline:board": (NO_ARGS, "get", everyone(OK)),
    # -- funnel (pipeline/funnel_views.py)
    # Counts and lists are scoped to each person's projects: team B and viewers see zeros.
    "pipeline:funnel": (NO_ARGS, "get", everyone(OK)),
    "pipeline:funnel_projects": (NO_ARGS, "get", everyone(OK)),  # no list named: a message
    # -- progress and milestones (pipeline/progress_views.py, crm milestone views)
    # Every member of staff reads progress; with no plan loaded, the index says so (200).
    "pipeline:progress_index": (NO_ARGS, "get", everyone(OK)),
    "pipeline:progress": (
        lambda w: [plan_load_file(path=PLAN_FILE).plan.code],
        "get",
        everyone(OK),
    ),
    "pipeline:progress_target": (
        lambda w: [plan_load_file(path=PLAN_FILE).plan.code, "financial-institutions"],
        "get",
        everyone(OK),
    ),
    # The owner, the institution's team, analysts and admins record a landing.
    "crm:milestone_create": (
        lambda w: [w.institution.pk],
        "get",
        only({**EDITORS, "analyst": OK}, 403),
    ),
    # Its recorder (here the admin, who comes last and so deletes it) and admins delete one.
    "crm:milestone_delete": (
        lambda w: [
            milestone_record(
                institution=w.institution,
                kind="exited",
                date=w.interaction.date,
                actor=w.people["admin"],
                exit_kind="moved-out",
            ).pk
        ],
        "post",
        only({"admin": 302}, 403),
    ),
    "accounts:two_factor": (NO_ARGS, "get", everyone(OK)),
    "accounts:two_factor_off": (NO_ARGS, "post", everyone(302)),
    "accounts:otp_verify": (NO_ARGS, "get", everyone(302)),  # nothing to verify: go home
    "accounts:logout": (NO_ARGS, "post", everyone(302)),
    # -- spreadsheets
    # An export is its list: whoever opens the list exports it, scoped to what they see
    # (team B and viewers get a workbook without team A's projects).
    "spreadsheets:list_export": (lambda w: ["projects"], "get", everyone(OK)),
    # The tally's form; its workbook holds only what each person sees.
    "spreadsheets:tally": (NO_ARGS, "get", everyone(OK)),
    # Imports: analysts and admins import anything, managers their team's records.
    "spreadsheets:import_start": (NO_ARGS, "get", only(IMPORTERS, 403)),
    "spreadsheets:import_list": (NO_ARGS, "get", only(IMPORTERS, 403)),
    "spreadsheets:import_template": (lambda w: ["institutions"], "get", everyone(OK)),
    # A job is its uploader's (the analyst's); admins see it but change nothing of it.
    "spreadsheets:import_job": (JOB, "get", only({"analyst": OK, "admin": OK}, 404)),
    "spreadsheets:import_progress": (JOB, "get", only({"analyst": OK, "admin": OK}, 404)),
    "spreadsheets:import_errors": (JOB, "get", only({"analyst": OK, "admin": OK}, 404)),
    "spreadsheets:import_mapping": (JOB, "get", only({"analyst": OK, "admin": 403}, 404)),
    "spreadsheets:import_run": (JOB, "post", only({"analyst": 302, "admin": 403}, 404)),
    "spreadsheets:import_cancel": (JOB, "post", only({"analyst": 302, "admin": 403}, 404)),
}
# Reachable signed out, by design.
PUBLIC = {
    "health": (NO_ARGS, "get", 200),
    "accounts:login": (NO_ARGS, "get", 200),
    "accounts:set_language": (NO_ARGS, "post", 400),  # a bare POST names no language
}


def route_names() -> set[str]:
    """Every named route of the project (the admin site is checked on its own below)."""
    names: set[str] = set()

    def walk(patterns, prefix: str) -> None:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                if pattern.namespace == "admin":
                    continue
                namespace = f"{prefix}{pattern.namespace}:" if pattern.namespace else prefix
                walk(pattern.url_patterns, namespace)
            elif isinstance(pattern, URLPattern):
                assert pattern.name, f"unnamed route {pattern.pattern}"
                names.add(prefix + pattern.name)

    walk(get_resolver().url_patterns, "")
    return names


def test_the_matrix_covers_every_route():
    missing = route_names() - set(ROUTES) - set(PUBLIC)
    assert not missing, f"routes without an access rule: {sorted(missing)}"
    assert not (set(ROUTES) | set(PUBLIC)) - route_names(), "rules for routes that are gone"


def client_for(world: World, person: str) -> Client:
    client = Client()
    if person != "anonymous":
        client.force_login(
            world.people[person], backend="django.contrib.auth.backends.ModelBackend"
        )
    return client


def call(client: Client, method: str, url: str):
    return getattr(client, method)(url, HTTP_HOST="testserver")


@pytest.mark.parametrize("route", sorted(ROUTES))
def test_each_person_gets_what_the_rule_says(world, request, route):
    if route.startswith("plans:"):
        request.getfixturevalue("plan")
    args, method, expected = ROUTES[route]
    url = reverse(route, args=args(world))
    other = "post" if method == "get" else "get"
    for person in PEOPLE:
        client = client_for(world, person)
        response = call(client, method, url)
        if person == "anonymous":
            assert response.status_code == 302, (route, person)
            assert reverse("accounts:login") in response["Location"], (route, person)
            continue
        assert response.status_code == expected[person], (route, method, person)
        # The other method never breaks the page, and never lets a refused person in.
        response = call(client_for(world, person), other, url)
        assert response.status_code < 500, (route, other, person)
        if expected[person] in (403, 404):
            assert response.status_code in (403, 404, 405), (route, other, person)


@pytest.mark.parametrize("route", sorted(PUBLIC))
def test_public_routes_answer_signed_out(world, route):
    args, method, status = PUBLIC[route]
    assert call(Client(), method, reverse(route, args=args(world))).status_code == status


@pytest.mark.parametrize(
    "person, status",
    [("anonymous", 302), ("officer_a", 302), ("viewer", 302), ("analyst", 200), ("admin", 200)],
)
def test_the_admin_site_is_for_analysts_and_admins(world, person, status):
    for url in ["/admin/", "/admin/plans/target/", "/admin/crm/building/"]:
        assert call(client_for(world, person), "get", url).status_code == status, url
