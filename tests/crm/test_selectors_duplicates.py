"""Likely duplicates, found before a record is made."""

from __future__ import annotations

import pytest

from crm.selectors import institution_duplicates
from crm.services import institution_save
from tests.factories import InstitutionFactory


@pytest.fixture
def blackrock(db):
    institution = InstitutionFactory(
        name_zh="",
        name_en="BlackRock Fund Management Co., Ltd.",
        uscc="91310110666007217T",
        lei="724500VKKSH9QOLTFR81",
    )
    return institution_save(institution=institution, aliases=["贝莱德"])


def found(user, **typed) -> dict[int, list[str]]:
    return {d.institution.pk: d.reasons for d in institution_duplicates(user=user, **typed)}


def test_a_chinese_alias_finds_the_english_named_record(user, blackrock):
    assert blackrock.pk in found(user, name_zh="贝莱德")


@pytest.mark.parametrize(
    "name_en",
    [
        "BlackRock Fund Management",  # without the legal suffix
        "BLACKROCK FUND MANAGEMENT LIMITED",  # another suffix, upper case
        "ＢｌａｃｋＲｏｃｋ Ｆｕｎｄ Ｍａｎａｇｅｍｅｎｔ Ｃｏ．， Ｌｔｄ．",  # full width
        "BlackRock Fund Management (China) Co., Ltd.",  # a bracketed place
    ],
)
def test_names_match_once_suffix_width_case_and_place_are_set_aside(user, blackrock, name_en):
    assert blackrock.pk in found(user, name_en=name_en)


def test_chinese_legal_suffixes_and_places_are_set_aside(user, db):
    existing = InstitutionFactory(name_zh="瀚海资产管理(上海)股份有限公司", name_en="")
    assert existing.pk in found(user, name_zh="瀚海资产管理有限公司")
    assert existing.pk in found(user, name_zh="瀚海资产管理")


def test_identifiers_match_in_any_case_and_with_spaces(user, blackrock):
    assert list(found(user, uscc="9131 0110 6660 0721 7t")) == [blackrock.pk]
    assert blackrock.pk in found(user, lei="724500vkksh9qoltfr81")


def test_the_strongest_match_comes_first(user, blackrock):
    InstitutionFactory(name_zh="贝莱德投资咨询", name_en="")
    results = institution_duplicates(user=user, name_zh="贝莱德", uscc="91310110666007217T")
    assert results[0].institution == blackrock
    assert len(results[0].reasons) == 2
    assert {d.institution.name_zh for d in results} == {"", "贝莱德投资咨询"}


def test_a_record_is_not_its_own_duplicate(user, blackrock):
    assert found(user, name_en=blackrock.name_en, exclude_pk=blackrock.pk) == {}


def test_different_institutions_are_not_flagged(user, blackrock):
    assert found(user, name_zh="浦江融资租赁有限公司", name_en="Pujiang Leasing") == {}


def test_short_latin_fragments_do_not_match_half_the_register(user, blackrock):
    assert found(user, name_en="Co") == {}
