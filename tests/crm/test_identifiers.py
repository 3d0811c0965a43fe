from __future__ import annotations

import pytest
from django.utils import translation

from crm.identifiers import check_lei, check_uscc


@pytest.mark.parametrize(
    ("raw", "valid"),
    [
        ("91310110666007217T", True),
        ("９１３１０１１０６６６００７２１７ｔ", True),  # full-width, lower case
        ("9131 0110 6660 0721 7T", True),
        ("91350211M00013FA1N", False),  # fails the check character
        ("9131011066600721", False),  # too short
    ],
)
def test_uscc_follows_gb_32100(raw, valid):
    result = check_uscc(raw)
    assert result.valid is valid
    assert bool(result.problem) is not valid


def test_a_failed_uscc_check_says_why_in_both_languages():
    with translation.override("zh-hans"):
        assert "校验" in check_uscc("91350211M00013FA1N").problem
    with translation.override("en"):
        assert "check character" in check_uscc("91350211M00013FA1N").problem


@pytest.mark.parametrize(
    ("raw", "valid"),
    [
        ("724500VKKSH9QOLTFR81", True),
        ("724500vkksh9qoltfr81", True),
        ("724500VKKSH9QOLTFR82", False),
        ("724500VKKSH9", False),
    ],
)
def test_lei_follows_iso_17442(raw, valid):
    assert check_lei(raw).valid is valid
