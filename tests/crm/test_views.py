"""The register's pages: what officers see and do, and what bad input gets."""

from __future__ import annotations

import datetime
import json

import pytest
from django.urls import reverse
from django.utils import timezone

from crm.models import FollowUp, Institution, InstitutionMerge, Interaction
from crm.services import institution_save
from tests.factories import (
    BuildingFactory,
    ContactFactory,
    FollowUpFactory,
    InstitutionFactory,
    UserFactory,
)
from tests.helpers import INSTITUTION_FORM, signed_in

from .conftest import member

FORM_EN = {**INSTITUTION_FORM, "name_en": "Hanhai Asset Management Co., Ltd."}

TODAY = timezone.localdate()


# ---------------------------------------------------------------- list


def test_the_list_shows_matching_institutions(client_in):
    InstitutionFactory(name_zh="贝莱德基金管理有限公司", name_en="BlackRock")
    InstitutionFactory(name_zh="浦江融资租赁有限公司", name_en="Pujiang Leasing")
    page = client_in.get(reverse("crm:institution_list"), {"q": "ｂｌａｃｋ"}).content.decode()
    assert "贝莱德基金管理有限公司" in page
    assert "浦江融资租赁有限公司" not in page
    assert "共 1 家机构" in page


def test_the_list_answers_htmx_with_the_results_only(client_in):
    InstitutionFactory(name_zh="贝莱德基金管理有限公司")
    response = client_in.get(reverse("crm:institution_list"), HTTP_HX_REQUEST="true")
    page = response.content.decode()
    assert "贝莱德基金管理有限公司" in page
    assert "<html" not in page


@pytest.mark.parametrize(
    "params",
    [
        {"page": "abc"},
        {"page": "99999"},
        {"sort": "password"},
        {"category": "x"},
        {"owner": "999999"},
        {"contacted_before": "2026-02-31"},
        {"overdue": "maybe"},
        {"institution_type": "spaceship"},
        {"q": "%_\\'\""},
    ],
)
def test_bad_list_parameters_never_break_the_page(client_in, params):
    InstitutionFactory()
    assert client_in.get(reverse("crm:institution_list"), params).status_code == 200


def test_the_list_keeps_its_query_count_whatever_the_page_size(
    client_in, plan, django_assert_max_num_queries
):
    owner = UserFactory()
    building = BuildingFactory()
    category = plan.categories.get(code="asset-management")
    for n in range(60):
        institution = InstitutionFactory(
            name_zh="基金%d" % n, owner=owner, building=building, status="prospect"
        )
        institution.categories.set([category])
        FollowUpFactory(institution=institution, due_date=TODAY - datetime.timedelta(days=1))
    params = {
        "q": "基金",
        "institution_type": "public-fund",
        "status": "prospect",
        "category": category.pk,
        "overdue": "true",
        "owner": owner.pk,
        "building": building.pk,
        "sort": "-contacted",
    }
    # Session, user, categories of the filter, count, page, owner and building choosers.
    with django_assert_max_num_queries(12):
        response = client_in.get(reverse("crm:institution_list"), params)
    assert response.context["page"].paginator.count == 60
    assert len(response.context["page"].object_list) == 50


def test_no_chooser_renders_every_user_or_building(client_in, user):
    for n in range(30):
        UserFactory(username="colleague%d" % n)
        BuildingFactory()
    page = client_in.get(reverse("crm:institution_create")).content.decode()
    assert "colleague7" not in page
    assert "data-autocomplete-url" in page


# ---------------------------------------------------------------- create and edit


def test_an_officer_creates_an_institution(client_in, user):
    response = client_in.post(
        reverse("crm:institution_create"),
        {**FORM_EN, "uscc": "91310110666007217T", "aliases": "瀚海\nHanhai AM", "owner": user.pk},
    )
    institution = Institution.objects.get()
    assert response["Location"] == institution.get_absolute_url()
    assert institution.uscc == "91310110666007217T"
    assert institution.created_by == user
    assert set(institution.aliases.values_list("name", flat=True)) == {"瀚海", "Hanhai AM"}


def test_a_failing_uscc_is_saved_only_after_the_warning_is_confirmed(client_in):
    data = {**FORM_EN, "uscc": "91350211M00013FA1N"}
    response = client_in.post(reverse("crm:institution_create"), data)
    page = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="identifier-warning"' in page
    assert "校验" in page
    assert not Institution.objects.exists()
    client_in.post(reverse("crm:institution_create"), {**data, "confirm_identifiers": "on"})
    assert Institution.objects.get().uscc == "91350211M00013FA1N"


def test_a_malformed_lei_is_refused_with_its_reason(client_in):
    response = client_in.post(reverse("crm:institution_create"), {**FORM_EN, "lei": "12345"})
    assert "20" in response.content.decode()
    assert not Institution.objects.exists()


def test_a_likely_duplicate_is_shown_before_saving(client_in):
    existing = InstitutionFactory(name_zh="瀚海资产管理(上海)有限公司", name_en="")
    response = client_in.post(reverse("crm:institution_create"), FORM_EN)
    page = response.content.decode()
    assert 'data-testid="duplicate-warning"' in page
    assert existing.get_absolute_url() in page
    assert Institution.objects.count() == 1
    client_in.post(reverse("crm:institution_create"), {**FORM_EN, "confirm_not_duplicate": "on"})
    assert Institution.objects.count() == 2


def test_a_duplicate_uscc_cannot_be_confirmed_away(client_in):
    InstitutionFactory(uscc="91310110666007217T")
    data = {**FORM_EN, "uscc": "91310110666007217T", "confirm_not_duplicate": "on"}
    response = client_in.post(reverse("crm:institution_create"), data)
    assert response.status_code == 200
    assert "已存在" in response.content.decode()
    assert Institution.objects.count() == 1


def test_the_live_duplicate_panel_answers_as_the_user_types(client_in):
    existing = institution_save(
        institution=InstitutionFactory(name_en="BlackRock"), aliases=["贝莱德"]
    )
    url = reverse("crm:institution_duplicates")
    assert existing.name in client_in.get(url, {"name_zh": "贝莱德"}).content.decode()
    mine = client_in.get(url, {"name_zh": "贝莱德", "pk": existing.pk}).content.decode()
    assert 'data-testid="no-duplicates"' in mine


def test_editing_keeps_unchanged_fields_and_updates_aliases(client_in):
    institution = institution_save(
        institution=InstitutionFactory(name_zh="甲", name_en="Jia"), aliases=["甲方"]
    )
    url = reverse("crm:institution_edit", args=[institution.pk])
    assert "甲方" in client_in.get(url).content.decode()
    client_in.post(url, {**FORM_EN, "name_zh": "甲", "name_en": "Jia", "aliases": "甲行"})
    institution.refresh_from_db()
    assert list(institution.aliases.values_list("name", flat=True)) == ["甲行"]
    assert institution.ownership == "private"


# ---------------------------------------------------------------- the institution page


def test_the_institution_page_keeps_its_query_count(client_in, user, django_assert_max_num_queries):
    institution = InstitutionFactory(owner=user, building=BuildingFactory())
    for n in range(8):
        contact = ContactFactory(institution=institution)
        interaction = Interaction.objects.create(
            institution=institution,
            kind="visit",
            date=TODAY,
            summary="第%d次" % n,
            team=user.memberships.get().team,
        )
        interaction.officers.set([user])
        interaction.contacts.set([contact])
        FollowUpFactory(institution=institution, interaction=interaction, assignee=user)
    with django_assert_max_num_queries(17):  # 17: the milestones card (its own query)
        response = client_in.get(institution.get_absolute_url())
    assert response.content.decode().count('data-testid="interaction"') == 8


@pytest.mark.parametrize(
    "name",
    [
        "crm:institution_detail",
        "crm:institution_edit",
        "crm:contact_create",
        "crm:contact_edit",
        "crm:institution_merge",
    ],
)
def test_an_unknown_id_is_not_found(client, db, name):
    signed_in(client, member("boss", "admin"))
    assert client.get(reverse(name, args=[999999])).status_code == 404


def test_logging_an_interaction_with_a_follow_up_without_leaving_the_page(client_in, user):
    institution = InstitutionFactory()
    contact = ContactFactory(institution=institution)
    response = client_in.post(
        reverse("crm:interaction_create", args=[institution.pk]),
        {
            "kind": "visit",
            "date": TODAY.isoformat(),
            "summary": "拜访首席代表,介绍陆家嘴政策",
            "contacts": [contact.pk],
            "follow_up_title": "寄送政策汇编",
            "follow_up_due": (TODAY + datetime.timedelta(days=5)).isoformat(),
        },
        HTTP_HX_REQUEST="true",
    )
    page = response.content.decode()
    assert 'data-testid="logged"' in page
    assert "拜访首席代表" in page
    assert 'hx-swap-oob="true"' in page and "寄送政策汇编" in page
    follow_up = FollowUp.objects.get()
    assert follow_up.assignee == user
    assert follow_up.interaction.contacts.get() == contact


@pytest.mark.parametrize(
    "data, field_error",
    [
        ({"kind": "visit", "date": "2026-02-31", "summary": "x"}, "date"),
        ({"kind": "séance", "date": "2026-01-02", "summary": "x"}, "kind"),
        ({"kind": "visit", "date": "2099-01-01", "summary": "x"}, "date"),
        ({"kind": "visit", "date": "2026-01-02", "summary": ""}, "summary"),
        (
            {"kind": "visit", "date": "2026-01-02", "summary": "x", "follow_up_title": "寄送"},
            "follow_up_due",
        ),
        ({"kind": "visit", "date": "2026-01-02", "summary": "x", "officers": ["abc"]}, "officers"),
    ],
)
def test_a_bad_interaction_gets_an_error_on_its_field(client_in, data, field_error):
    institution = InstitutionFactory()
    response = client_in.post(
        reverse("crm:interaction_create", args=[institution.pk]), data, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    assert field_error in response.context["form"].errors
    assert not Interaction.objects.exists()


def test_another_institutions_contact_is_refused(client_in):
    institution = InstitutionFactory()
    stranger = ContactFactory()
    response = client_in.post(
        reverse("crm:interaction_create", args=[institution.pk]),
        {"kind": "visit", "date": TODAY.isoformat(), "summary": "x", "contacts": [stranger.pk]},
    )
    assert "contacts" in response.context["form"].errors
    assert not Interaction.objects.exists()


def test_a_follow_up_is_ticked_off_in_place(client_in, user):
    follow_up = FollowUpFactory(assignee=user)
    response = client_in.post(
        reverse("crm:follow_up_toggle", args=[follow_up.pk]), {"done": "1"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    follow_up.refresh_from_db()
    assert follow_up.done


# ---------------------------------------------------------------- my work


def test_my_work_lists_what_is_due_what_went_quiet_and_what_i_did(client_in, user):
    quiet = InstitutionFactory(
        name_zh="久未联系", owner=user, last_contacted_on=TODAY - datetime.timedelta(days=45)
    )
    InstitutionFactory(name_zh="刚联系过", owner=user, last_contacted_on=TODAY)
    InstitutionFactory(name_zh="别人的", owner=UserFactory())
    FollowUpFactory(
        title="逾期事项",
        assignee=user,
        institution=quiet,
        due_date=TODAY - datetime.timedelta(days=2),
    )
    FollowUpFactory(title="下周事项", assignee=user, due_date=TODAY + datetime.timedelta(days=6))
    FollowUpFactory(title="同事的事", due_date=TODAY - datetime.timedelta(days=2))
    FollowUpFactory(
        title="做完的事", assignee=user, done=True, due_date=TODAY - datetime.timedelta(days=2)
    )
    response = client_in.get(reverse("crm:my_work"))
    work = response.context["work"]
    assert [f.title for f in work.overdue] == ["逾期事项"]
    assert [f.title for f in work.upcoming] == ["下周事项"]
    assert [i.name_zh for i in work.stale] == ["久未联系"]
    assert work.stale_days == 30
    assert [
        i.name_zh
        for i in client_in.get(reverse("crm:my_work"), {"days": "60"}).context["work"].stale
    ] == []
    assert client_in.get(reverse("crm:my_work"), {"days": "-3"}).context["work"].stale_days == 30


# ---------------------------------------------------------------- merge


def test_officers_cannot_merge(client_in):
    a, b = InstitutionFactory(), InstitutionFactory()
    url = reverse("crm:institution_merge", args=[a.pk])
    assert client_in.get(url).status_code == 403
    assert client_in.post(url, {"other": b.pk, "survivor": "a"}).status_code == 403
    assert Institution.objects.count() == 2


def test_a_manager_merges_choosing_values_field_by_field(client, db):
    signed_in(client, member("boss", "manager"))
    a = InstitutionFactory(name_zh="瀚海资管", name_en="", country="CN")
    b = InstitutionFactory(name_zh="", name_en="Hanhai AM", country="HK", uscc="91310110666007217T")
    url = reverse("crm:institution_merge", args=[a.pk])
    page = client.get(url, {"other": b.pk}).content.decode()
    assert "Hanhai AM" in page and "香港" in page
    response = client.post(
        url,
        {
            "other": b.pk,
            "survivor": "a",
            "name_zh": "a",
            "name_en": "b",
            "country": "b",
            "uscc": "b",
        },
    )
    assert response["Location"] == a.get_absolute_url()
    a.refresh_from_db()
    assert (a.name_en, a.country.code, a.uscc) == ("Hanhai AM", "HK", "91310110666007217T")
    assert not Institution.objects.filter(pk=b.pk).exists()
    assert InstitutionMerge.objects.get().actor.username == "boss"


def test_merging_with_itself_or_garbage_is_refused_politely(client, db):
    signed_in(client, member("boss", "manager"))
    a = InstitutionFactory()
    url = reverse("crm:institution_merge", args=[a.pk])
    assert client.get(url, {"other": a.pk}).status_code == 200
    assert client.get(url, {"other": "abc"}).status_code == 200
    assert client.get(url, {"other": "999999"}).status_code == 404
    assert Institution.objects.count() == 1


# ---------------------------------------------------------------- autocomplete


def test_autocompletes_search_and_cap_their_answers(client_in):
    for n in range(25):
        InstitutionFactory(name_zh="基金%d" % n)
        UserFactory(username="colleague%d" % n)
    institutions = json.loads(
        client_in.get(reverse("crm:autocomplete_institutions"), {"q": "基金"}).content
    )["results"]
    assert len(institutions) == 20
    users = json.loads(
        client_in.get(reverse("crm:autocomplete_users"), {"q": "colleague1"}).content
    )["results"]
    assert {u["text"] for u in users} >= {"用户%d" % n for n in []} and len(users) == 11
    assert json.loads(client_in.get(reverse("crm:autocomplete_institutions")).content) == {
        "results": []
    }


def test_pages_read_in_english(client_in, user):
    user.language = "en"
    user.save()
    InstitutionFactory(status="landed")
    page = client_in.get(reverse("crm:institution_list")).content.decode()
    assert "Institutions" in page and "Landed" in page


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"registered_capital": "abc"}, "registered_capital"),
        ({"registered_capital": "-5"}, "registered_capital"),
        ({"registered_capital": "1" * 30}, "registered_capital"),
        ({"registered_capital_currency": "BTC"}, "registered_capital_currency"),
        ({"website": "not a site"}, "website"),
        ({"country": "ZZ"}, "country"),
        ({"name_zh": "名" * 300}, "name_zh"),
        ({"institution_type": "spaceship"}, "institution_type"),
        ({"owner": "999999"}, "owner"),
        ({"owner": "abc"}, "owner"),
        ({"building": "999999"}, "building"),
        ({"categories": ["999999"]}, "categories"),
        ({"name_zh": "", "name_en": ""}, "__all__"),
    ],
)
def test_a_bad_institution_value_gets_a_translated_error_on_its_field(client_in, changes, field):
    response = client_in.post(reverse("crm:institution_create"), {**FORM_EN, **changes})
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert field in errors
    assert all(not message.isascii() for message in errors[field])  # said in Chinese
    assert not Institution.objects.exists()


def test_a_bad_contact_value_gets_an_error_on_its_field(client_in):
    institution = InstitutionFactory()
    response = client_in.post(
        reverse("crm:contact_create", args=[institution.pk]),
        {"name": "李想", "email": "not-an-email", "lawful_basis": "because"},
    )
    errors = response.context["form"].errors
    assert {"email", "lawful_basis"} <= set(errors)
    assert not institution.contacts.exists()


def test_ticking_a_follow_up_never_redirects_off_site(client_in, user):
    follow_up = FollowUpFactory(assignee=user)
    response = client_in.post(
        reverse("crm:follow_up_toggle", args=[follow_up.pk]),
        {"done": "1", "next": "https://evil.example/"},
    )
    assert response["Location"] == follow_up.institution.get_absolute_url()


def test_the_page_lists_projects_and_an_interaction_can_name_one(client_in, user):
    from pipeline.models import Project

    institution = InstitutionFactory()
    team = user.memberships.get().team
    project = Project.objects.create(
        institution=institution, title="设立外商独资基金管理公司", team=team
    )
    Project.objects.create(institution=InstitutionFactory(), title="别家的项目", team=team)
    Project.objects.create(institution=institution, title="另一团队的项目")
    page = client_in.get(institution.get_absolute_url())
    assert "设立外商独资基金管理公司" in page.content.decode()
    assert list(page.context["form"].fields["project"].queryset) == [project]
    client_in.post(
        reverse("crm:interaction_create", args=[institution.pk]),
        {
            "kind": "meeting",
            "date": TODAY.isoformat(),
            "summary": "项目会谈",
            "project": project.pk,
        },
    )
    assert Interaction.objects.get().project == project


def test_the_country_filter_keeps_the_chosen_country(client_in):
    InstitutionFactory(name_zh="英国机构", country="GB")
    InstitutionFactory(name_zh="美国机构", country="US")
    page = client_in.get(reverse("crm:institution_list"), {"country": "GB"}).content.decode()
    assert 'value="GB" selected' in page
    assert "英国机构" in page and "美国机构" not in page


def test_the_category_filter_starts_empty_so_a_search_is_not_narrowed(client_in, plan):
    from tests.factories import InstitutionFactory

    InstitutionFactory(name_zh="瀚海资产管理有限公司")
    page = client_in.get(reverse("crm:institution_list")).content.decode()
    select = page[page.index('name="category"') :]
    first_option = select[select.index("<option") : select.index("</option>")]
    assert 'value=""' in first_option
    # The form as a browser sends it, every field at its first option, still finds the firm.
    found = client_in.get(reverse("crm:institution_list"), {"q": "瀚海", "category": ""})
    assert "瀚海资产管理有限公司" in found.content.decode()
