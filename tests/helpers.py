"""Small things many tests share."""

from __future__ import annotations

from django.test import Client

from accounts.models import User
from tests.factories import PASSWORD

# A valid institution form, as the create page posts it; tests override what they test.
INSTITUTION_FORM = {
    "name_zh": "瀚海资产管理有限公司",
    "name_en": "",
    "institution_type": "public-fund",
    "ownership": "private",
    "status": "prospect",
    "registered_capital_currency": "CNY",
}


def signed_in(client: Client, user: User) -> Client:
    """``client`` signed in as ``user`` through the login backends, password and all."""
    assert client.login(username=user.username, password=PASSWORD)
    return client


def client_as(user: User) -> Client:
    """A fresh client signed in as ``user``."""
    return signed_in(Client(), user)
