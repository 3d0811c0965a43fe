"""The register list: search, filters and scoping, through the selector the pages use."""

from __future__ import annotations

import datetime
from urllib.parse import urlencode

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import QueryDict
from django.utils import timezone

from crm.models import Flag, InstitutionStatus, InstitutionType
from crm.selectors import institution_list, institutions_visible_to
from crm.services import institution_save
from plans.models import Category
from tests.factories import BuildingFactory, FollowUpFactory, InstitutionFactory, UserFactory

TODAY = timezone.localdate()


def query(**params) -> QueryDict:
    """Parameters as a request carries them."""
    return QueryDict(urlencode(params, doseq=True))


def names(user, **params) -> set[str]:
    filterset = institution_list(user=user, params=query(**params))
    assert filterset.is_valid(), filterset.errors
    return {i.name_zh for i in filterset.qs}


@pytest.fixture
def register(db):
    blackrock = InstitutionFactory(
        name_zh="贝莱德基金管理有限公司",
        name_en="BlackRock Fund Management Co., Ltd.",
        uscc="91310110666007217T",
    )
    institution_save(institution=blackrock, aliases=["贝莱德"])
    InstitutionFactory(
        name_zh="上海浦江融资租赁有限公司",
        name_en="Shanghai Pujiang Leasing Co., Ltd.",
        institution_type=InstitutionType.FINANCIAL_LEASING,
        lei="724500VKKSH9QOLTFR81",
    )
    InstitutionFactory(name_zh="ABC银行(中国)有限公司", name_en="", institution_type="bank")
    return blackrock


@pytest.mark.parametrize(
    "query, expected",
    [
        ("贝莱", {"贝莱德基金管理有限公司"}),  # a Chinese substring
        ("基金管理", {"贝莱德基金管理有限公司"}),
        ("blackrock", {"贝莱德基金管理有限公司"}),  # case folded
        ("BLACK fund", {"贝莱德基金管理有限公司"}),  # every term must match
        ("ＡＢＣ", {"ABC银行(中国)有限公司"}),  # full-width folds to half-width
        ("abc", {"ABC银行(中国)有限公司"}),
        ("9131011066", {"贝莱德基金管理有限公司"}),  # part of the USCC
        ("724500vkks", {"上海浦江融资租赁有限公司"}),  # part of the LEI, any case
        ("租赁", {"上海浦江融资租赁有限公司"}),
        (
            "有限公司",
            {"贝莱德基金管理有限公司", "上海浦江融资租赁有限公司", "ABC银行(中国)有限公司"},
        ),
        ("nothing-like-it", set()),
    ],
)
def test_the_search_box_finds_partial_folded_input(user, register, query, expected):
    assert names(user, q=query) == expected


def test_the_search_box_finds_aliases(user, register):
    institution_save(institution=register, aliases=["BLK Shanghai"])
    assert names(user, q="blk") == {"贝莱德基金管理有限公司"}


def test_the_category_filter_includes_every_sub_category(user, plan):
    root = Category.objects.get(plan=plan, name_zh="六大服务经济")
    leaf = Category.objects.get(plan=plan, name_zh="资产管理")
    assert leaf.parent_id == root.pk
    in_leaf = InstitutionFactory(name_zh="资管甲")
    in_leaf.categories.set([leaf])
    elsewhere = InstitutionFactory(name_zh="无类别乙")
    assert elsewhere.categories.count() == 0
    twice = InstitutionFactory(name_zh="两类丙")
    twice.categories.set([root, leaf])
    assert names(user, category=str(root.pk)) == {"资管甲", "两类丙"}
    # Listed once, not once per matching category.
    assert institution_list(user=user, params=query(category=root.pk)).qs.count() == 2


def test_flags_filter_on_every_flag_chosen(user, db):
    InstitutionFactory(name_zh="首家持牌", licensed=True, national_first=True)
    InstitutionFactory(name_zh="仅持牌", licensed=True)
    InstitutionFactory(name_zh="外资控股", foreign_controlled=True)
    assert names(user, flags=Flag.LICENSED) == {"首家持牌", "仅持牌"}
    assert names(user, flags=[Flag.LICENSED, Flag.NATIONAL_FIRST]) == {"首家持牌"}


def test_status_owner_team_building_and_country_filters(user, db):
    tower = BuildingFactory()
    mine = InstitutionFactory(
        name_zh="我的", owner=user, status=InstitutionStatus.LANDED, building=tower, country="GB"
    )
    InstitutionFactory(name_zh="别人的", owner=UserFactory(), status=InstitutionStatus.PROSPECT)
    assert names(user, owner=str(user.pk)) == {mine.name_zh}
    assert names(user, status="landed") == {mine.name_zh}
    assert names(user, building=str(tower.pk)) == {mine.name_zh}
    assert names(user, country="GB") == {mine.name_zh}


def test_overdue_and_last_contact_filters(user, db):
    late = InstitutionFactory(
        name_zh="有逾期", last_contacted_on=TODAY - datetime.timedelta(days=90)
    )
    FollowUpFactory(institution=late, due_date=TODAY - datetime.timedelta(days=1))
    done_late = InstitutionFactory(name_zh="已完成", last_contacted_on=TODAY)
    FollowUpFactory(institution=done_late, due_date=TODAY - datetime.timedelta(days=9), done=True)
    never = InstitutionFactory(name_zh="从未联系")
    assert never.last_contacted_on is None
    assert names(user, overdue="true") == {"有逾期"}
    assert names(user, overdue="false") == {"已完成", "从未联系"}
    cutoff = (TODAY - datetime.timedelta(days=30)).isoformat()
    assert names(user, contacted_before=cutoff) == {"有逾期", "从未联系"}
    assert names(user, contacted_after=cutoff) == {"已完成"}


def test_sorting_by_last_contact(user, db):
    InstitutionFactory(name_zh="早", last_contacted_on=TODAY - datetime.timedelta(days=9))
    InstitutionFactory(name_zh="晚", last_contacted_on=TODAY)
    qs = institution_list(user=user, params=query(sort="-contacted")).qs
    assert [i.name_zh for i in qs][:2] == ["晚", "早"]


def test_bad_filter_values_are_reported_not_raised(user, db):
    filterset = institution_list(
        user=user, params=query(category="not-a-number", contacted_after="2026-13-45")
    )
    assert not filterset.is_valid()
    assert set(filterset.errors) == {"category", "contacted_after"}


def test_nobody_signed_out_sees_the_register(register):
    assert not institutions_visible_to(AnonymousUser()).exists()
