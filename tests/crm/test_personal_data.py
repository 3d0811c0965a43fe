"""Everything held on one person can be exported, and the person erased."""

from __future__ import annotations

import io
import json

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from crm.models import Contact, InteractionKind
from crm.services import contact_erase, contact_save, interaction_log
from tests.factories import PASSWORD, ContactFactory

from .conftest import member


@pytest.fixture
def person(user):
    contact = ContactFactory(
        name="李想",
        name_en="Li Xiang",
        title="首席代表",
        email="li.xiang@example.com",
        phone="+86 138 0000 0000",
        wechat="lixiang_sh",
        notes="喜欢早上开会",
    )
    interaction_log(
        institution=contact.institution,
        actor=user,
        kind=InteractionKind.VISIT,
        date=timezone.localdate(),
        summary="与首席代表讨论设立子公司",
        contacts=[contact],
    )
    return contact


@pytest.fixture
def admin_client(client, db):
    admin = member("privacy-admin", "admin")
    assert client.login(username=admin.username, password=PASSWORD)
    return client


def test_an_admin_exports_everything_held_on_a_person_as_json(admin_client, person):
    response = admin_client.get(reverse("crm:contact_export", args=[person.pk, "json"]))
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    record = json.loads(response.content)
    values = {name: item["value"] for name, item in record["fields"].items()}
    assert values["name"] == "李想"
    assert values["email"] == "li.xiang@example.com"
    assert values["wechat"] == "lixiang_sh"
    assert values["lawful_basis"] == "公开的商业信息"
    assert record["institution"] == person.institution.name
    assert record["interactions"][0]["summary"] == "与首席代表讨论设立子公司"


def test_an_admin_exports_the_same_as_a_printable_workbook(admin_client, person):
    response = admin_client.get(reverse("crm:contact_export", args=[person.pk, "xlsx"]))
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    first, log = book.worksheets
    cells = {row[0]: row[1] for row in first.iter_rows(values_only=True)}
    assert cells["姓名"] == "李想"
    assert cells["电话"] == "+86 138 0000 0000"
    assert log.cell(2, 3).value == "与首席代表讨论设立子公司"
    assert first.page_setup.orientation == "landscape"
    assert first.print_title_rows == "$1:$1"  # the header row repeats on every page


def test_an_unknown_export_format_is_not_found(admin_client, person):
    response = admin_client.get(reverse("crm:contact_export", args=[person.pk, "csv"]))
    assert response.status_code == 404


def test_erasing_removes_personal_fields_and_keeps_the_business_record(person):
    interaction = person.interactions.get()
    contact_erase(contact=person)
    person.refresh_from_db()
    for field in Contact.PERSONAL_FIELDS:
        assert getattr(person, field) == ""
    assert person.erased_at is not None
    assert person.do_not_contact
    assert str(person) == "已删除的联系人"
    assert list(interaction.contacts.all()) == [person]  # still present, without a name
    assert interaction.summary == "与首席代表讨论设立子公司"


def test_an_erased_contact_cannot_be_edited_back(person):
    contact_erase(contact=person)
    person.name = "李想"
    with pytest.raises(Exception, match="删除"):
        contact_save(contact=person)


def test_erasing_through_the_page_needs_the_institution_name(admin_client, person):
    url = reverse("crm:contact_personal_data", args=[person.pk])
    response = admin_client.post(url, {"confirm": "wrong"}, follow=True)
    person.refresh_from_db()
    assert person.erased_at is None
    assert "确认" in response.content.decode()
    admin_client.post(url, {"confirm": person.institution.name})
    person.refresh_from_db()
    assert person.erased_at is not None
    page = admin_client.get(person.institution.get_absolute_url()).content.decode()
    assert "李想" not in page
    assert "已删除的联系人" in page


@pytest.mark.parametrize("name", ["contact_personal_data", "contact_export"])
def test_only_admins_reach_personal_data(client_in, person, name):
    args = [person.pk, "json"] if name == "contact_export" else [person.pk]
    assert client_in.get(reverse("crm:" + name, args=args)).status_code == 403
