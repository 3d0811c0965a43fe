"""The main pages work under the Content Security Policy: no console error, no violation."""

from __future__ import annotations

import datetime

from accounts.models import Role
from tests.browser.conftest import log_in
from tests.factories import (
    InstitutionFactory,
    MembershipFactory,
    ProjectFactory,
    UserFactory,
    milestone,
)

# Recorded in the page itself: Chromium also prints each violation to the console, but
# the event names the directive, which makes a failure easy to read.
RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(`${event.violatedDirective} ${event.blockedURI}`);
});
"""


def test_the_main_pages_raise_no_console_error_or_policy_violation(page, plan, transactional_db):
    officer = UserFactory(username="li.na", display_name="李娜")
    MembershipFactory(user=officer, role=Role.OFFICER)
    institution = InstitutionFactory(owner=officer)
    project = ProjectFactory(owner=officer, institution=institution)
    milestone(InstitutionFactory(), "registered", datetime.date(2023, 5, 4))
    problems: list[str] = []
    page.on(
        "console",
        lambda message: (
            problems.append(f"console: {message.text}") if message.type == "error" else None
        ),
    )
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    page.add_init_script(RECORD_VIOLATIONS)

    log_in(page, "li.na")
    urls = [
        "/",
        "/plans/",
        f"/plans/{plan.code}/",
        "/crm/institutions/",
        f"/crm/institutions/{institution.pk}/",
        "/crm/my-work/",
        "/crm/institutions/new/",
        "/accounts/two-factor/",
        # The pipeline's pages, with their charts (ECharts draws on a canvas).
        "/pipeline/board/",
        "/pipeline/projects/",
        f"/pipeline/projects/{project.pk}/",
        f"/pipeline/projects/{project.pk}/edit/",
        "/pipeline/funnel/",
        f"/pipeline/progress/{plan.code}/",
        f"/pipeline/progress/{plan.code}/financial-institutions/",
        f"/crm/institutions/{institution.pk}/milestones/new/",
    ]
    for url in urls:
        response = page.goto(url)
        assert response.status == 200, url
        assert "'unsafe-inline'" not in response.headers["content-security-policy"]
        page.wait_for_load_state("networkidle")
        for violation in page.evaluate("window.__cspViolations"):
            problems.append(f"{url}: CSP violation {violation}")
    # The search-as-you-type chooser (fetch, connect-src) and the QR code (a data: image).
    page.goto("/crm/institutions/new/")
    page.fill("#id_owner-ts-control", "李")
    page.locator(".ts-dropdown .option", has_text="李娜").wait_for()
    page.goto("/accounts/two-factor/")
    assert page.get_by_test_id("totp-qr").evaluate("img => img.naturalWidth") > 0
    # A chart's tooltip on hover (rendered on the canvas, not as styled HTML).
    page.goto("/")
    chart = page.locator("[data-chart=pipeline-chart] canvas").first
    chart.hover()
    problems += [f"late: CSP violation {v}" for v in page.evaluate("window.__cspViolations")]
    assert problems == []
