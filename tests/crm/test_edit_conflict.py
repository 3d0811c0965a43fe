"""No silent overwrites: the second of two simultaneous edits is refused and told why."""

from __future__ import annotations

import pytest
from django.urls import reverse

from crm.models import Institution
from crm.services import EditConflict, institution_save
from tests.helpers import INSTITUTION_FORM, client_as


def test_the_second_of_two_edits_is_refused_with_what_changed(world):
    url = reverse("crm:institution_edit", args=[world.institution.pk])
    owner, manager = client_as(world.people["officer_a"]), client_as(world.people["manager_a"])
    started = world.institution.version
    # Both open the form; the manager saves first.
    assert owner.get(url).context["form"]["version"].value() == started
    manager.post(
        url,
        {
            **INSTITUTION_FORM,
            "status": "landed",
            "website": "https://a.example",
            "version": started,
        },
    )
    response = owner.post(url, {**INSTITUTION_FORM, "status": "lost", "version": started})
    page = response.content.decode()
    assert 'data-testid="edit-conflict"' in page
    assert "manager_a" in page or str(world.people["manager_a"]) in page
    assert "已落地" in page  # the manager's change, shown to the owner
    assert Institution.objects.get().status == "landed"  # nothing overwritten
    # Having seen it, the owner may save again on purpose.
    again = response.context["form"]["version"].value()
    owner.post(url, {**INSTITUTION_FORM, "status": "lost", "version": again})
    assert Institution.objects.get().status == "lost"


def test_the_service_refuses_a_stale_version(world):
    institution = world.institution
    stale = Institution.objects.get(pk=institution.pk)
    institution.status = "landed"
    institution_save(institution=institution, expected_version=institution.version)
    stale.status = "lost"
    with pytest.raises(EditConflict) as conflict:
        institution_save(institution=stale, expected_version=stale.version)
    assert conflict.value.changes[0].changes["status"] == ["prospect", "landed"]
    assert Institution.objects.get().status == "landed"
