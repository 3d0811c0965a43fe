"""A merge loses nothing: every related row is counted before and after."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from crm.models import (
    Contact,
    FollowUp,
    Institution,
    InstitutionAlias,
    InstitutionMerge,
    Interaction,
    InteractionKind,
)
from crm.services import institution_merge, institution_save, interaction_log
from pipeline.models import Project
from plans.models import Category
from tests.factories import ContactFactory, FollowUpFactory, InstitutionFactory

TODAY = timezone.localdate()


def populate(institution, user, days_ago):
    contact = ContactFactory(institution=institution)
    project = Project.objects.create(institution=institution, title="设立子公司")
    interaction_log(
        institution=institution,
        actor=user,
        kind=InteractionKind.MEETING,
        date=TODAY - datetime.timedelta(days=days_ago),
        summary="会谈",
        contacts=[contact],
        project=project,
    )
    FollowUpFactory(institution=institution, project=project)


def related(institution) -> dict[str, int]:
    return {
        "contacts": Contact.objects.filter(institution=institution).count(),
        "interactions": Interaction.objects.filter(institution=institution).count(),
        "follow_ups": FollowUp.objects.filter(institution=institution).count(),
        "projects": Project.objects.filter(institution=institution).count(),
    }


@pytest.fixture
def pair(user, plan):
    leasing = Category.objects.get(plan=plan, code="financial-leasing")
    asset = Category.objects.get(plan=plan, code="asset-management")
    keep = InstitutionFactory(name_zh="贝莱德基金管理有限公司", name_en="", uscc=None, country="US")
    keep.categories.set([asset])
    institution_save(institution=keep, aliases=["贝莱德"])
    drop = InstitutionFactory(
        name_zh="",
        name_en="BlackRock Fund Management Co., Ltd.",
        uscc="91310110666007217T",
        country="GB",
        website="https://example.com",
    )
    drop.categories.set([asset, leasing])
    institution_save(institution=drop, aliases=["BLK"])
    populate(keep, user, days_ago=40)
    populate(drop, user, days_ago=3)
    populate(drop, user, days_ago=10)
    return keep, drop


def test_a_merge_moves_every_related_record_to_the_survivor(user, pair):
    keep, drop = pair
    before = {k: related(keep)[k] + related(drop)[k] for k in related(keep)}
    totals = {
        "contacts": Contact.objects.count(),
        "interactions": Interaction.objects.count(),
        "follow_ups": FollowUp.objects.count(),
        "projects": Project.objects.count(),
        "interaction_contacts": Interaction.contacts.through.objects.count(),
    }
    institution_merge(keep=keep, drop=drop, actor=user)
    assert (
        related(keep)
        == before
        == {"contacts": 3, "interactions": 3, "follow_ups": 3, "projects": 3}
    )
    assert totals == {
        "contacts": Contact.objects.count(),
        "interactions": Interaction.objects.count(),
        "follow_ups": FollowUp.objects.count(),
        "projects": Project.objects.count(),
        "interaction_contacts": Interaction.contacts.through.objects.count(),
    }
    assert not Institution.objects.filter(pk=drop.pk).exists()
    keep.refresh_from_db()
    assert keep.last_contacted_on == TODAY - datetime.timedelta(days=3)
    assert {c.code for c in keep.categories.all()} == {"asset-management", "financial-leasing"}


def test_the_merged_record_names_become_aliases(user, pair):
    keep, drop = pair
    institution_merge(keep=keep, drop=drop, actor=user)
    assert set(keep.aliases.values_list("name", flat=True)) == {
        "贝莱德",
        "BLK",
        "BlackRock Fund Management Co., Ltd.",
    }
    assert not InstitutionAlias.objects.exclude(institution=keep).exists()
    keep.refresh_from_db()
    assert "blackrock" in keep.search_text


def test_the_user_picks_field_by_field_which_value_stays(user, pair):
    keep, drop = pair
    institution_merge(
        keep=keep, drop=drop, actor=user, take_from_drop=["uscc", "name_en", "website"]
    )
    keep.refresh_from_db()
    assert keep.uscc == "91310110666007217T"  # unique, and taken from the merged record
    assert keep.name_en == "BlackRock Fund Management Co., Ltd."
    assert keep.website == "https://example.com"
    assert keep.country == "US"  # not picked: the survivor's value stays
    assert keep.name_zh == "贝莱德基金管理有限公司"


def test_the_merge_is_recorded_with_what_moved_and_what_it_replaced(user, pair):
    keep, drop = pair
    drop_pk = drop.pk
    record = institution_merge(keep=keep, drop=drop, actor=user, take_from_drop=["country"])
    record = InstitutionMerge.objects.get(pk=record.pk)
    assert record.survivor == keep
    assert record.merged_id == drop_pk
    assert record.actor == user
    assert record.merged_snapshot["uscc"] == "91310110666007217T"
    assert record.merged_snapshot["country"] == "GB"
    assert record.replaced_values == {"country": "US"}
    assert record.moved["crm.Contact"] == 2
    assert record.moved["crm.Interaction"] == 2
    assert record.moved["pipeline.Project"] == 2


def test_an_institution_cannot_be_merged_with_itself(user, pair):
    keep, _drop = pair
    with pytest.raises(ValidationError):
        institution_merge(keep=keep, drop=keep, actor=user)


def test_a_failing_merge_changes_nothing(user, pair):
    keep, drop = pair
    before = related(drop)
    with pytest.raises(ValidationError):
        institution_merge(keep=keep, drop=drop, actor=user, take_from_drop=["not_a_field"])
    assert related(drop) == before
    assert Institution.objects.filter(pk=drop.pk).exists()
    assert not InstitutionMerge.objects.exists()
