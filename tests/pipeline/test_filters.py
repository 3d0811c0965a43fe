"""The project list: its filters, its search and its sorting, none of which unmasks a code name."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from pipeline.models import LostReason, Project, Stage, Vehicle
from pipeline.selectors import project_list, project_list_page
from pipeline.services import project_move
from tests.factories import InstitutionFactory
from tests.helpers import client_as

LIST = reverse("pipeline:project_list")


def stage(code: str) -> Stage:
    return Stage.objects.get(code=code)


def found(world, person: str, **params) -> set[str]:
    """What ``person`` finds with ``params``, as project titles."""
    filterset = project_list(user=world.people[person], params=params)
    return set(filterset.qs.values_list("title", flat=True))


@pytest.fixture
def more(world):
    """A British-owned leasing project in team A, landing in 2027, and one of team B."""
    leasing = Project.objects.create(
        institution=InstitutionFactory(name_zh="伦敦租赁有限公司", country="GB"),
        title="设立租赁SPV",
        owner=world.people["officer_a2"],
        team=world.team_a,
        vehicle=Vehicle.LEASING_SPV,
        expected_year=2027,
        expected_quarter=2,
        expected_registered_capital=Decimal("800"),
    )
    other = Project.objects.create(
        institution=InstitutionFactory(name_zh="深港基金", country="HK"),
        title="B组的项目",
        owner=world.people["officer_b"],
        team=world.team_b,
    )
    return leasing, other


def test_the_list_starts_from_the_projects_the_user_may_see(world, more):
    assert found(world, "officer_a") == {"设立公募基金子公司", "收购某券商股权", "设立租赁SPV"}
    assert found(world, "officer_b") == {"B组的项目"}
    assert found(world, "viewer") == set()
    assert len(found(world, "analyst")) == 4


def test_search_matches_title_and_institution_of_named_projects(world, more):
    assert found(world, "officer_a", q="租赁") == {"设立租赁SPV"}
    assert found(world, "officer_a", q="瀚海") == {"设立公募基金子公司", "收购某券商股权"}
    assert found(world, "officer_a", q="瀚海 收购") == {"收购某券商股权"}


@pytest.mark.parametrize("person", ["officer_a2", "analyst"])
def test_a_coded_project_matches_its_code_name_only(world, person):
    assert found(world, person, q="瀚海") == {"设立公募基金子公司"}
    assert found(world, person, q="收购") == set()
    assert found(world, person, q="猎鹰") == {"收购某券商股权"}


@pytest.mark.parametrize("person", ["officer_a2", "analyst"])
def test_filters_on_the_institution_do_not_match_coded_projects(world, more, person):
    # Both of team A's first projects belong to an American institution.
    assert found(world, person, country="US") == {"设立公募基金子公司"}
    assert found(world, "officer_a", country="US") == {"设立公募基金子公司", "收购某券商股权"}
    assert found(world, person, country="GB") == {"设立租赁SPV"}


def test_filters_on_the_projects_particulars_do_not_match_coded_projects(world, plan):
    category = plan.categories.get(code="asset-management")
    world.secret.categories.set([category])
    Project.objects.filter(pk=world.secret.pk).update(
        vehicle=Vehicle.SUBSIDIARY, expected_year=2026
    )
    named, coded = "officer_a", "officer_a2"
    for params in ({"category": category.pk}, {"vehicle": [Vehicle.SUBSIDIARY]}, {"year": 2026}):
        assert found(world, named, **params) == {"收购某券商股权"}, params
        assert found(world, coded, **params) == set(), params


def test_the_confidential_filter_lists_code_names_only(client, world):
    html = client_as(world.people["officer_a2"]).get(LIST, {"confidential": "true"})
    html = html.content.decode()
    assert "猎鹰" in html
    assert "收购某券商股权" not in html and "瀚海" not in html
    assert "设立公募基金子公司" not in html


def test_country_filtered_list_page_does_not_give_a_coded_project_away(world):
    html = client_as(world.people["analyst"]).get(LIST, {"country": "US"}).content.decode()
    assert "设立公募基金子公司" in html and "猎鹰" not in html


def test_team_owner_mine_and_stage_filters(world, more):
    leasing, _other = more
    officer = world.people["officer_a"]
    project_move(project=world.project, to=stage("negotiating"), actor=officer)
    project_move(
        project=leasing, to=stage("lost"), actor=officer, lost_reason=LostReason.OTHER_LOCATION
    )
    assert found(world, "analyst", team=world.team_b.pk) == {"B组的项目"}
    assert found(world, "officer_a", owner=world.people["officer_a2"].pk) == {"设立租赁SPV"}
    assert found(world, "officer_a2", mine="1") == {"设立租赁SPV"}
    assert found(world, "officer_a", stage=[stage("negotiating").pk]) == {"设立公募基金子公司"}
    assert found(world, "officer_a", stage_kind=["lost"]) == {"设立租赁SPV"}
    assert found(world, "officer_a", stage_kind=["open"]) == {
        "设立公募基金子公司",
        "收购某券商股权",
    }


def test_a_category_filter_takes_in_its_sub_categories(world, plan):
    parent = plan.categories.get(code="hq-economy")
    child = parent.children.first()
    world.project.categories.set([child])
    assert found(world, "officer_a", category=parent.pk) == {"设立公募基金子公司"}
    assert found(world, "officer_a", category=child.pk) == {"设立公募基金子公司"}


def test_sorting_by_capital_puts_coded_projects_last_whatever_their_amount(world, more):
    Project.objects.filter(pk=world.secret.pk).update(expected_registered_capital=Decimal("1e6"))
    Project.objects.filter(pk=world.project.pk).update(expected_registered_capital=Decimal("100"))
    for person, expected in [
        ("officer_a", ["收购某券商股权", "设立租赁SPV", "设立公募基金子公司"]),
        ("officer_a2", ["设立租赁SPV", "设立公募基金子公司", "收购某券商股权"]),
    ]:
        _filterset, page = project_list_page(
            user=world.people[person], params={"sort": "-capital"}, page=1, per_page=50
        )
        assert [p.title for p in page.object_list] == expected, person


def test_pages_never_overlap(world):
    officer = world.people["officer_a"]
    institution = InstitutionFactory()
    for n in range(7):
        Project.objects.create(
            institution=institution, title="项目%d" % n, owner=officer, team=world.team_a
        )
    for sort in ("", "stage", "-days", "probability", "landing"):
        seen = []
        for number in (1, 2, 3):
            _f, page = project_list_page(
                user=officer, params={"sort": sort}, page=number, per_page=4
            )
            seen += [p.pk for p in page.object_list]
        assert len(seen) == len(set(seen)) == 9, sort


def test_another_team_finds_a_code_name_card_and_nothing_else(world):
    html = client_as(world.people["officer_b"]).get(LIST, {"q": "猎鹰"}).content.decode()
    assert 'data-testid="code-name-cards"' in html and "猎鹰" in html
    assert "收购某券商股权" not in html and "瀚海" not in html
    # Filters other than the search never reach a card outside the user's projects.
    html = client_as(world.people["officer_b"]).get(LIST, {"country": "US"}).content.decode()
    assert "猎鹰" not in html


def test_bad_filter_values_are_ignored_with_a_note(world):
    response = client_as(world.people["officer_a"]).get(
        LIST, {"stage": "x", "year": "abc", "team": "999999", "sort": "nonsense", "page": "9"}
    )
    assert response.status_code == 200
    assert "result-count" in response.content.decode()


def test_the_list_makes_the_same_few_queries_for_a_full_page(world, django_assert_max_num_queries):
    officer = world.people["officer_a"]
    for n in range(30):
        Project.objects.create(
            institution=InstitutionFactory(),
            title="项目%d" % n,
            owner=officer,
            team=world.team_a,
        )
    client = client_as(officer)
    with django_assert_max_num_queries(12):
        response = client.get(LIST, {"q": "项目", "sort": "-capital"})
    assert response.content.decode().count('data-testid="project-row"') == 30
