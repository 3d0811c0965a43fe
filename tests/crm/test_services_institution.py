from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from crm.models import Institution, InstitutionType, Ownership
from crm.services import institution_save
from tests.factories import InstitutionFactory


def new(**fields) -> Institution:
    fields.setdefault("institution_type", InstitutionType.BANK)
    fields.setdefault("ownership", Ownership.WFOE)
    return Institution(**fields)


def test_an_institution_needs_a_name(db):
    with pytest.raises(ValidationError):
        institution_save(institution=new())


def test_identifiers_are_stored_upper_case_and_empty_ones_as_null(db):
    a = institution_save(institution=new(name_zh="甲银行", uscc=" 91310110666007217t ", lei=""))
    b = institution_save(institution=new(name_zh="乙银行", uscc="", lei=" "))
    assert a.uscc == "91310110666007217T"
    assert a.lei is None and b.uscc is None and b.lei is None  # two blanks do not clash


def test_uscc_and_lei_are_unique(db):
    InstitutionFactory(uscc="91310110666007217T", lei="724500VKKSH9QOLTFR81")
    with pytest.raises(ValidationError) as error:
        institution_save(institution=new(name_zh="另一家", uscc="91310110666007217T"))
    assert "uscc" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        institution_save(institution=new(name_zh="又一家", lei="724500VKKSH9QOLTFR81"))
    assert "lei" in error.value.message_dict
    assert Institution.objects.count() == 1


def test_aliases_are_kept_once_and_never_repeat_the_own_names(db):
    institution = institution_save(
        institution=new(name_zh="贝莱德基金管理有限公司", name_en="BlackRock Fund Management"),
        aliases=["贝莱德", " 贝莱德 ", "", "BlackRock Fund Management Co., Ltd.", "BLK"],
    )
    assert sorted(institution.aliases.values_list("name", flat=True)) == ["BLK", "贝莱德"]
    institution_save(institution=institution, aliases=["BLK"])
    assert list(institution.aliases.values_list("name", flat=True)) == ["BLK"]


def test_search_text_holds_folded_names_aliases_and_codes(db):
    institution = institution_save(
        institution=new(name_zh="ＡＢＣ银行", name_en="ABC Bank", uscc="91310110666007217T"),
        aliases=["农行"],
    )
    assert institution.search_text.split("\n") == [
        "abc银行",
        "abc bank",
        "农行",
        "91310110666007217t",
    ]
    assert institution.name_key_zh == "abc银行"
    assert institution.name_key_en == "abcbank"


def test_saving_without_aliases_keeps_the_ones_it_has(db):
    institution = institution_save(institution=new(name_zh="甲银行"), aliases=["甲行"])
    institution.name_en = "Jia Bank"
    institution_save(institution=institution)
    assert "甲行" in institution.search_text
    assert institution.aliases.count() == 1
