from __future__ import annotations

import pytest


@pytest.fixture
def axes_on(settings):
    """Login lockout (django-axes) as deployed; the test settings leave it off for client.login.

    Its attempts live in the database, so each test's rollback forgets them.
    """
    settings.AXES_ENABLED = True
    return settings
