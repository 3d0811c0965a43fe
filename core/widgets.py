"""Choosers that search as you type instead of rendering every row.

The widget renders only the selected options; the browser asks ``data-autocomplete-url``
for the rest (static/js/landfall.js wires Tom Select to it). The form field keeps its
full, scoped queryset, so a submitted id is validated exactly as with a plain select.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.urls import reverse


class AutocompleteMixin:
    url_name: str

    def __init__(self, url_name: str, attrs: dict[str, Any] | None = None, **params: str):
        self.url_name = url_name
        self.params = params
        super().__init__(attrs)

    def build_attrs(self, base_attrs, extra_attrs=None):
        attrs = super().build_attrs(base_attrs, extra_attrs)
        url = reverse(self.url_name)
        if self.params:
            url += "?" + "&".join("%s=%s" % item for item in self.params.items())
        attrs["data-autocomplete-url"] = url
        attrs["class"] = (attrs.get("class", "") + " form-select").strip()
        return attrs

    def optgroups(self, name, value, attrs=None):
        choices = self.choices
        queryset = getattr(choices, "queryset", None)
        options = []
        if queryset is not None:
            selected = _valid_keys(queryset.model, value)
            chosen = queryset.filter(pk__in=selected) if selected else queryset.none()
            if not self.is_required and not self.allow_multiple_selected:
                options.append(self.create_option(name, "", "", not selected, 0))
            for index, obj in enumerate(chosen, start=1):
                options.append(
                    self.create_option(
                        name, str(obj.pk), choices.field.label_from_instance(obj), True, index
                    )
                )
        return [(None, options, 0)]


class AutocompleteSelect(AutocompleteMixin, forms.Select):
    pass


class AutocompleteSelectMultiple(AutocompleteMixin, forms.SelectMultiple):
    pass


def _valid_keys(model, values) -> list:
    """The submitted values that can be primary keys; the field reports the others."""
    keys = []
    for value in values:
        if value in ("", None):
            continue
        try:
            keys.append(model._meta.pk.to_python(value))
        except ValidationError:
            continue
    return keys
