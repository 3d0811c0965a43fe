"""Everything the office holds on one person, for a subject-access request.

``contact_record`` gathers it as plain data; ``contact_workbook`` lays the same data out
as a printable Excel file. Headers are translated into the requesting admin's language.
"""

from __future__ import annotations

from io import BytesIO
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from accounts.models import User

from .models import Contact
from .selectors import interactions_visible_to


def contact_record(*, user: User, contact: Contact) -> dict[str, Any]:
    """The person's data and every interaction ``user`` can see them recorded at."""
    fields = {}
    for name in (*Contact.PERSONAL_FIELDS, "lawful_basis", "do_not_contact", "is_primary"):
        field = Contact._meta.get_field(name)
        value = getattr(contact, name)
        if field.choices:
            value = str(getattr(contact, "get_%s_display" % name)())
        fields[name] = {"label": str(field.verbose_name), "value": value}
    interactions = [
        {
            "date": interaction.date.isoformat(),
            "kind": str(interaction.get_kind_display()),
            "summary": interaction.summary,
            "outcome": interaction.outcome,
            "next_step": interaction.next_step,
        }
        for interaction in interactions_visible_to(user)
        .filter(contacts=contact)
        .order_by("date", "pk")
    ]
    return {
        "contact_id": contact.pk,
        "institution": contact.institution.name,
        "erased": contact.erased_at is not None,
        "created_at": timezone.localtime(contact.created_at).isoformat(),
        "updated_at": timezone.localtime(contact.updated_at).isoformat(),
        "exported_at": timezone.localtime().isoformat(),
        "fields": fields,
        "interactions": interactions,
    }


def contact_workbook(record: dict[str, Any]) -> bytes:
    """The record as an .xlsx with two sheets, set up to print on A4."""
    book = Workbook()
    sheet = book.active
    sheet.title = _("Personal data")[:31]
    bold = Font(bold=True)
    sheet.append([_("Field"), _("Value")])
    sheet.append([_("Institution"), record["institution"]])
    for item in record["fields"].values():
        value = item["value"]
        if isinstance(value, bool):
            value = _("Yes") if value else _("No")
        sheet.append([item["label"], value])
    sheet.append([_("Exported at"), record["exported_at"]])
    sheet.column_dimensions["A"].width = 24
    sheet.column_dimensions["B"].width = 60

    log = book.create_sheet(_("Interactions")[:31])
    log.append([_("Date"), _("Kind"), _("Summary"), _("Outcome"), _("Next step")])
    for row in record["interactions"]:
        log.append([row["date"], row["kind"], row["summary"], row["outcome"], row["next_step"]])
    for column, width in zip("ABCDE", (12, 14, 60, 40, 40), strict=True):
        log.column_dimensions[column].width = width
    for ws in (sheet, log):
        for cell in ws[1]:
            cell.font = bold
        for row in ws.iter_rows(min_row=2):
            for cell in row:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
        ws.freeze_panes = "A2"
        ws.print_title_rows = "1:1"
        ws.page_setup.paperSize = ws.PAPERSIZE_A4
        ws.page_setup.orientation = "landscape"
        ws.page_setup.fitToWidth = 1
        ws.page_setup.fitToHeight = 0
        ws.sheet_properties.pageSetUpPr.fitToPage = True
    out = BytesIO()
    book.save(out)
    return out.getvalue()
