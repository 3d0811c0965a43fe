"""The security log's helpers, and the 403s and 404s it records."""

from __future__ import annotations

from django.test import RequestFactory

from core.security import client_ip, fingerprint


def security_records(caplog):
    return [r for r in caplog.records if r.name == "landfall.security"]


def test_a_fingerprint_is_short_stable_and_hides_the_value():
    assert fingerprint("wang.ming") == fingerprint("wang.ming")
    assert fingerprint("wang.ming") != fingerprint("wang.min")
    assert len(fingerprint("wang.ming")) == 12
    assert "wang" not in fingerprint("wang.ming")
    assert fingerprint("") == "-"


def test_a_fingerprint_depends_on_the_secret_key(settings):
    before = fingerprint("wang.ming")
    settings.SECRET_KEY = "another-secret-key-for-this-test-only-0123456789abcdef"
    assert fingerprint("wang.ming") != before


def test_the_client_address_is_the_peer_without_trusted_proxies(settings):
    settings.LANDFALL_TRUSTED_PROXY_COUNT = 0
    request = RequestFactory().get(
        "/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.1"
    )
    assert client_ip(request) == "127.0.0.1"


def test_behind_a_trusted_proxy_the_address_it_saw_counts_not_a_forged_one(settings):
    settings.LANDFALL_TRUSTED_PROXY_COUNT = 1
    request = RequestFactory().get(
        "/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.7"
    )
    assert client_ip(request) == "203.0.113.7"


def test_a_refused_page_is_logged_with_the_user_id(client_in, user, caplog):
    # The administration refuses a signed-in officer with 403.
    assert client_in.get("/admin/login/").status_code == 403
    [record] = security_records(caplog)
    assert record.levelname == "WARNING"
    assert record.getMessage().startswith("permission denied")
    assert f"user_id={user.pk}" in record.getMessage()
    assert user.username not in record.getMessage()


def test_a_record_outside_the_users_scope_is_logged_as_not_found(client_in, user, caplog):
    # The scoping selectors answer "not found" for what a user may not see, as for what
    # does not exist; the log cannot tell them apart either, and records both.
    assert client_in.get("/crm/institutions/999999/").status_code == 404
    [record] = security_records(caplog)
    assert record.getMessage() == (
        f"not found user_id={user.pk} username=- ip={fingerprint('127.0.0.1')} "
        "path=/crm/institutions/999999/"
    )


def test_the_query_string_stays_out_of_the_log(client_in, caplog):
    client_in.get("/crm/institutions/999999/?q=张三")
    [record] = security_records(caplog)
    assert "张三" not in record.getMessage()
