"""Two-character search: the pairs kept in ``search_bigrams`` and the index that reads them."""

from __future__ import annotations

import importlib
from types import SimpleNamespace
from urllib.parse import urlencode

import pytest
from django.apps import apps
from django.db import connection
from django.http import QueryDict
from django.urls import reverse

from crm.lookups import bigrams
from crm.models import Institution, InstitutionType, Ownership
from crm.names import search_fold
from crm.selectors import institution_list
from crm.services import InstitutionDraft, institution_save, institutions_import
from tests.helpers import INSTITUTION_FORM

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the pairs' index is PostgreSQL's"
)


def found(user, query: str) -> set[str]:
    """The names the register list's search box finds for ``query``."""
    filterset = institution_list(user=user, params=QueryDict(urlencode({"q": query})))
    assert filterset.is_valid(), filterset.errors
    return {i.name_zh for i in filterset.qs}


def new(**fields) -> Institution:
    fields.setdefault("institution_type", InstitutionType.BANK)
    fields.setdefault("ownership", Ownership.WFOE)
    return Institution(**fields)


# ---------------------------------------------------------------- the pairs


def test_pairs_are_distinct_sorted_and_never_hold_whitespace():
    assert bigrams("") == ""
    assert bigrams("a") == ""
    assert bigrams("博远博远") == "博远 远博"  # 博远 once
    assert bigrams("ab cd\nef") == "ab cd ef"  # no pair across a space or a line
    assert bigrams("a\u3000b\tc") == ""  # any whitespace str.split() splits on


def test_pairs_keep_punctuation_and_digits():
    assert bigrams("(中国)") == "(中 中国 国)"
    assert bigrams("a1_%") == "1_ _% a1"


def test_refresh_keys_keeps_the_pairs_of_the_folded_search_text(db):
    institution = new(name_zh="博远基金", name_en="BoYuan ＡＢ", uscc="91310110666007217T")
    institution.refresh_keys(["博远"])
    # Latin folded as search_fold folds it: case and full width.
    assert institution.search_text == "博远基金\nboyuan ab\n博远\n91310110666007217t"
    pairs = institution.search_bigrams.split(" ")
    assert pairs == sorted(set(pairs))
    assert {"博远", "远基", "基金", "bo", "oy", "ab", "7t"} <= set(pairs)
    assert "金b" not in pairs and "AB" not in pairs and "ｂ" not in institution.search_bigrams
    assert institution.search_bigrams == bigrams(institution.search_text)


def test_saving_new_aliases_renews_the_pairs(db):
    institution = institution_save(institution=new(name_zh="甲银行"))
    assert "甲银" in institution.search_bigrams
    institution_save(institution=institution, aliases=["博远"])
    stored = Institution.objects.get(pk=institution.pk)
    assert "博远" in stored.search_bigrams.split(" ")


def test_the_lookup_matches_whole_pairs_only(db):
    institution_save(institution=new(name_zh="博远基金"))
    assert Institution.objects.filter(search_bigrams__has_bigram="远基").count() == 1
    assert not Institution.objects.filter(search_bigrams__has_bigram="远").exists()
    assert not Institution.objects.filter(search_bigrams__has_bigram="远 基").exists()
    assert not Institution.objects.filter(search_bigrams__has_bigram="基博").exists()


def test_the_migration_fills_the_pairs_of_existing_rows(db):
    kept = [institution_save(institution=new(name_zh=f"博远{n}号")) for n in range(3)]
    Institution.objects.update(search_bigrams="")
    migration = importlib.import_module("crm.migrations.0012_institution_search_bigrams")
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":  # the inserts' deferred checks block an index
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        editor = SimpleNamespace(connection=connection, execute=cursor.execute)
        migration.fill(apps, editor)
    for institution in kept:
        stored = Institution.objects.get(pk=institution.pk)
        assert stored.search_bigrams == bigrams(stored.search_text) != ""


# ---------------------------------------------------------------- on PostgreSQL


@postgresql_only
def test_a_two_character_search_finds_a_record_made_through_the_form(client_in, user):
    response = client_in.post(
        reverse("crm:institution_create"),
        {**INSTITUTION_FORM, "name_zh": "博远资产管理有限公司", "aliases": "浦江博远"},
    )
    assert response.status_code == 302
    assert found(user, "博远") == {"博远资产管理有限公司"}
    assert found(user, "江博") == {"博远资产管理有限公司"}  # from the alias
    assert found(user, "远江") == set()


@postgresql_only
def test_a_two_character_search_finds_a_record_made_by_an_import(user):
    drafts = [
        InstitutionDraft(
            institution=new(name_zh=name, name_en=english), category_ids=[], aliases=aliases
        )
        for name, english, aliases in [
            ("博远基金管理有限公司", "Boyuan Fund", ["博远"]),
            ("瀚海资产管理有限公司", "", ["瀚海AM"]),
        ]
    ]
    institutions_import(drafts=drafts, actor=user)
    assert found(user, "博远") == {"博远基金管理有限公司"}
    assert found(user, "海a") == {"瀚海资产管理有限公司"}  # the alias, folded
    assert found(user, "BO") == {"博远基金管理有限公司"}
    assert found(user, "管理") == {"博远基金管理有限公司", "瀚海资产管理有限公司"}


@postgresql_only
@pytest.mark.parametrize(
    "term", ["博远", "远博", "bo", "BO", "ｂｏ", "d博", "(中", "ab", "72", "a%", "_1", "t9", "公司"]
)
def test_two_character_terms_find_exactly_what_the_text_holds(user, term):
    for name_zh, name_en, uscc in [
        ("博远基金管理有限公司", "Boyuan Fund", "91310110666007217T"),
        ("ABC银行(中国)有限公司", "ABC Bank (China)", None),
        ("远博a%_1", "", None),
    ]:
        institution_save(institution=new(name_zh=name_zh, name_en=name_en, uscc=uscc))
    by_text = {i.name_zh for i in Institution.objects.all() if search_fold(term) in i.search_text}
    assert found(user, term) == by_text


@postgresql_only
def test_the_index_reads_the_pairs_column_and_the_function_is_gone(db):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'crm_institution'"
        )
        indexes = dict(cursor.fetchall())
        cursor.execute("SELECT count(*) FROM pg_proc WHERE proname = 'landfall_bigrams'")
        (functions,) = cursor.fetchone()
    assert "crm_institution_search_bigram" not in indexes
    assert "string_to_array(search_bigrams, ' '::text)" in indexes["crm_institution_search_bigrams"]
    assert functions == 0
