"""What every list's filter sidebar shares."""

from __future__ import annotations

import django_filters
from django import forms


class SidebarFilterSet(django_filters.FilterSet):
    """A FilterSet whose form fields carry Bootstrap's classes themselves.

    The sidebar renders on every search, so the template lays its fields out without
    crispy's per-field templates (templates/crm/_filter_field.html).
    """

    @property
    def form(self) -> forms.Form:
        form = super().form
        if not getattr(form, "_styled", False):
            for field in form.fields.values():
                widget = field.widget
                css = (
                    "form-check-input"
                    if isinstance(widget, forms.CheckboxInput | forms.CheckboxSelectMultiple)
                    else "form-select"
                    if isinstance(widget, forms.Select)
                    else "form-control"
                )
                widget.attrs["class"] = (widget.attrs.get("class", "") + " " + css).strip()
            form._styled = True
        return form
