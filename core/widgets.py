"""Choosers that search as you type instead of rendering every row.

The widget renders only the selected options; the browser asks ``data-autocomplete-url``
for the rest (static/js/landfall.js wires Tom Select to it). The form field keeps its
full, scoped queryset, so a submitted id is validated exactly as with a plain select.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.forms.utils import flatatt
from django.urls import reverse
from django.utils.html import escape, format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import get_language


class AutocompleteMixin:
    url_name: str

    def __init__(self, url_name: str, attrs: dict[str, Any] | None = None, **params: str):
        self.url_name = url_name
        self.params = params
        # Records the caller holds already (pk → instance): when every selected value is
        # one of them, they are shown without a query (the signed-in officer, say).
        self.known: dict[Any, Any] = {}
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
            if selected and all(key in self.known for key in selected):
                chosen = [self.known[key] for key in selected]
            else:
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


class QuickSelectMixin:
    """Renders the options in Python rather than through one template include per option.

    Django's select templates include select_option.html and attrs.html for every option:
    the register's filter sidebar has ~370 options (249 countries alone), which cost
    50-70 ms of CPU per page. The HTML is the same, attributes aside from their order.
    """

    def render(self, name, value, attrs=None, renderer=None):
        widget = self.get_context(name, value, attrs)["widget"]
        groups = []
        for group_name, options, _index in widget["optgroups"]:
            inner = format_html_join(
                "",
                '<option value="{}"{}>{}</option>',
                (
                    (option["value"], flatatt(option["attrs"]), option["label"])
                    for option in options
                ),
            )
            groups.append(
                format_html('<optgroup label="{}">{}</optgroup>', group_name, inner)
                if group_name
                else inner
            )
        return format_html(
            '<select name="{}"{}>{}</select>',
            widget["name"],
            flatatt(widget["attrs"]),
            mark_safe("".join(groups)),  # each part came out of format_html
        )


class QuickSelect(QuickSelectMixin, forms.Select):
    pass


class QuickSelectMultiple(QuickSelectMixin, forms.SelectMultiple):
    pass


class StaticOptionsSelect(forms.Select):
    """A select over a long, fixed list (countries): its options are built once per language.

    Only the selected option changes from one page to the next, so the rest of the HTML is
    kept and the ``selected`` mark added to a copy.
    """

    _options: dict[str, str] = {}

    def render(self, name, value, attrs=None, renderer=None):
        language = get_language() or ""
        # Keyed by the field's name and language: the choices of a name never change.
        key = "%s:%s:%d" % (name, language, len(self.choices))
        options = self._options.get(key)
        if options is None:
            options = format_html_join(
                "", '<option value="{}">{}</option>', ((v, str(label)) for v, label in self.choices)
            )
            self._options[key] = options
        selected = "" if value in (None, "") else str(value)
        if selected:
            needle = 'value="%s">' % escape(selected)
            options = options.replace(needle, 'value="%s" selected>' % escape(selected), 1)
        final_attrs = self.build_attrs(self.attrs, {**(attrs or {}), "name": name})
        return format_html(
            "<select{}>{}</select>",
            flatatt(final_attrs),
            mark_safe(options),  # built by format_html_join above
        )
