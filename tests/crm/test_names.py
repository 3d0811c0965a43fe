from __future__ import annotations

import pytest

from crm.names import normalise_name


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("贝莱德基金管理有限公司", "贝莱德基金管理股份有限公司"),
        ("贝莱德(中国)基金管理有限公司", "贝莱德基金管理有限公司"),
        ("贝莱德（中国）基金管理有限公司", "贝莱德基金管理"),
        ("BlackRock Fund Management Co., Ltd.", "blackrock fund management"),
        ("BlackRock Fund Management (China) Limited", "BLACKROCK FUND MANAGEMENT LLC"),
        ("ＡＢＣ Capital", "ABC Capital Inc."),
        ("Aldermoor Asset Management (Shanghai) Co., Ltd.", "Aldermoor Asset Management"),
    ],
)
def test_names_that_differ_only_in_form_normalise_alike(a, b):
    assert normalise_name(a) == normalise_name(b)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("贝莱德基金管理有限公司", "贝莱德资产管理有限公司"),
        ("Hanhai Securities Co., Ltd.", "Hanhai Futures Co., Ltd."),
    ],
)
def test_different_firms_stay_different(a, b):
    assert normalise_name(a) != normalise_name(b)


def test_a_name_that_is_only_a_suffix_is_kept():
    assert normalise_name("有限公司") == "有限公司"
    assert normalise_name("") == ""
