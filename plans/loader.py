"""Read and check a plan file (YAML) into plain specs, before anything touches the database.

Every problem is reported as one ``PlanFileError`` naming the file and the key, e.g.
``lujiazui-14th.yaml: targets[3].baseline.value: not a number: 'abc'``.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import yaml
from django.db import models

from . import vocabulary
from .models import Target

SLUG = re.compile(r"^[a-z0-9][a-z0-9-]*$")


class _StrictLoader(yaml.SafeLoader):
    """A safe YAML loader that refuses a key given twice in one mapping."""


def _mapping_without_duplicates(loader: _StrictLoader, node: yaml.MappingNode) -> dict:
    seen: set = set()
    for key_node, _value in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r}", key_node.start_mark
            )
        seen.add(key)
    return loader.construct_mapping(node, deep=True)


_StrictLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping_without_duplicates
)


class PlanFileError(Exception):
    def __init__(self, path: Path | str, key: str, message: str) -> None:
        self.path, self.key, self.message = str(path), key, message
        super().__init__(f"{self.path}: {key}: {message}" if key else f"{self.path}: {message}")


@dataclass(frozen=True)
class CategorySpec:
    code: str
    name_zh: str
    name_en: str
    parent_code: str | None
    position: int


@dataclass(frozen=True)
class TargetSpec:
    code: str
    values: dict[str, Any]
    category_codes: tuple[str, ...]


@dataclass(frozen=True)
class PlanSpec:
    code: str
    values: dict[str, Any]
    source: str = ""
    categories: list[CategorySpec] = field(default_factory=list)
    targets: list[TargetSpec] = field(default_factory=list)


class _Reader:
    """Walks the parsed YAML, keeping the path of keys for error messages."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def fail(self, key: str, message: str) -> PlanFileError:
        return PlanFileError(self.path.name, key, message)

    def mapping(self, value: Any, key: str, *, required: set[str], optional: set[str]) -> dict:
        if not isinstance(value, dict):
            raise self.fail(key, "expected a mapping of keys to values")
        for name in sorted(required - value.keys()):
            raise self.fail(_join(key, name), "required key is missing")
        for name in sorted(value.keys() - required - optional, key=str):
            raise self.fail(_join(key, str(name)), "unknown key")
        return value

    def text(self, value: Any, key: str) -> str:
        if not isinstance(value, str) or not value.strip():
            raise self.fail(key, "expected non-empty text")
        return value.strip()

    def optional_text(self, value: Any, key: str) -> str:
        if value is None:
            return ""
        if not isinstance(value, str):
            raise self.fail(key, "expected text")
        return value.strip()

    def number_with_places(self, value: Any, key: str, *, places: int = 2) -> Decimal:
        number = self.number(value, key)
        if number.as_tuple().exponent < -places or number >= 10**12:
            raise self.fail(
                key, f"at most 12 digits before and {places} after the point: {value!r}"
            )
        return number

    def slug(self, value: Any, key: str) -> str:
        text = self.text(value, key) if not isinstance(value, int) else str(value)
        if not SLUG.match(text):
            raise self.fail(key, f"not a code (lower-case letters, digits, hyphens): {text!r}")
        return text

    def date(self, value: Any, key: str) -> dt.date:
        if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
            return value
        try:
            return dt.date.fromisoformat(str(value))
        except ValueError:
            raise self.fail(key, f"not a date (YYYY-MM-DD): {value!r}") from None

    def number(self, value: Any, key: str) -> Decimal:
        if isinstance(value, bool) or not isinstance(value, (int, float, str)):
            raise self.fail(key, f"not a number: {value!r}")
        try:
            number = Decimal(str(value))
        except InvalidOperation:
            raise self.fail(key, f"not a number: {value!r}") from None
        if not number.is_finite() or number < 0:
            raise self.fail(key, f"not a non-negative number: {value!r}")
        return number

    def choice(self, value: Any, key: str, choices: type[models.TextChoices]) -> str:
        allowed = [str(v) for v in choices.values]
        if value not in allowed:
            raise self.fail(key, f"must be one of {', '.join(allowed)}; got {value!r}")
        return str(value)

    def code_list(self, value: Any, key: str, *, allowed: set[str] | None = None) -> list[str]:
        if not isinstance(value, list):
            raise self.fail(key, "expected a list")
        codes = [self.slug(item, f"{key}[{i}]") for i, item in enumerate(value)]
        for i, code in enumerate(codes):
            if allowed and code not in allowed:
                raise self.fail(f"{key}[{i}]", f"unknown code {code!r}")
        return codes

    def names(self, value: Any, key: str) -> tuple[str, str]:
        names = self.mapping(value, key, required={"zh", "en"}, optional=set())
        return self.text(names["zh"], f"{key}.zh"), self.text(names["en"], f"{key}.en")


def _join(parent: str, child: str) -> str:
    return f"{parent}.{child}" if parent else child


def read_plan_file(path: Path | str) -> PlanSpec:
    """Parse and check a plan file; raise PlanFileError on the first problem."""
    path = Path(path)
    reader = _Reader(path)
    try:
        raw = yaml.load(path.read_text(encoding="utf-8"), Loader=_StrictLoader)
    except FileNotFoundError:
        raise PlanFileError(path, "", "file not found") from None
    except IsADirectoryError:
        raise PlanFileError(path, "", "is a folder, not a plan file") from None
    except OSError as exc:
        raise PlanFileError(path, "", f"cannot be read: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise PlanFileError(path.name, "", "not UTF-8 text") from None
    except ValueError as exc:  # PyYAML turns an impossible date such as 2020-02-30 into this
        raise PlanFileError(path.name, "", f"not valid YAML: {exc}") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise PlanFileError(path.name, where, f"not valid YAML: {problem}") from None

    top = reader.mapping(
        raw,
        "",
        required={"code", "name", "baseline_date", "horizon_date", "categories", "targets"},
        optional={"source"},
    )
    name_zh, name_en = reader.names(top["name"], "name")
    baseline_date = reader.date(top["baseline_date"], "baseline_date")
    horizon_date = reader.date(top["horizon_date"], "horizon_date")
    if horizon_date <= baseline_date:
        raise reader.fail("horizon_date", "must come after baseline_date")
    plan = PlanSpec(
        source=path.name,
        code=reader.slug(top["code"], "code"),
        values={
            "name_zh": name_zh,
            "name_en": name_en,
            "baseline_date": baseline_date,
            "horizon_date": horizon_date,
            "source": reader.optional_text(top.get("source"), "source"),
        },
    )
    if not isinstance(top["categories"], list):
        raise reader.fail("categories", "expected a list")
    _read_categories(reader, top["categories"], "categories", None, plan.categories)
    category_codes = {c.code for c in plan.categories}

    if not isinstance(top["targets"], list):
        raise reader.fail("targets", "expected a list")
    seen: set[str] = set()
    for i, raw_target in enumerate(top["targets"]):
        target = _read_target(reader, raw_target, f"targets[{i}]", i, category_codes)
        if target.code in seen:
            raise reader.fail(f"targets[{i}].code", f"duplicate code {target.code!r}")
        seen.add(target.code)
        plan.targets.append(target)
    return plan


def _read_categories(
    reader: _Reader, items: list, key: str, parent: str | None, out: list[CategorySpec]
) -> None:
    for i, raw in enumerate(items):
        here = f"{key}[{i}]"
        item = reader.mapping(raw, here, required={"code", "name"}, optional={"children"})
        code = reader.slug(item["code"], f"{here}.code")
        if any(c.code == code for c in out):
            raise reader.fail(f"{here}.code", f"duplicate code {code!r}")
        name_zh, name_en = reader.names(item["name"], f"{here}.name")
        out.append(CategorySpec(code, name_zh, name_en, parent, len(out)))
        children = item.get("children") or []
        if not isinstance(children, list):
            raise reader.fail(f"{here}.children", "expected a list")
        _read_categories(reader, children, f"{here}.children", code, out)


def _read_target(
    reader: _Reader, raw: Any, key: str, position: int, category_codes: set[str]
) -> TargetSpec:
    item = reader.mapping(
        raw,
        key,
        required={"code", "name", "kind", "unit", "due"},
        optional={"counts", "baseline", "target", "source", "note"},
    )
    name_zh, name_en = reader.names(item["name"], f"{key}.name")
    kind = reader.choice(item["kind"], f"{key}.kind", Target.Kind)
    values: dict[str, Any] = {
        "name_zh": name_zh,
        "name_en": name_en,
        "kind": kind,
        "unit": reader.choice(item["unit"], f"{key}.unit", Target.Unit),
        "position": position,
        "due_date": reader.date(item["due"], f"{key}.due"),
        "source_quote": reader.optional_text(item.get("source"), f"{key}.source"),
        "note_zh": "",
        "note_en": "",
        "counting": "",
        "milestone": "",
        "institution_types": [],
        "ownerships": [],
        "flags": [],
        "baseline_value": None,
        "baseline_qualifier": Target.Qualifier.EXACT.value,
        "target_value": None,
        "target_value_max": None,
        "comparator": Target.Comparator.GTE.value,
        "basis": Target.Basis.ABSOLUTE.value,
    }
    if "note" in item:
        values["note_zh"], values["note_en"] = reader.names(item["note"], f"{key}.note")
    categories: list[str] = []

    if kind == Target.Kind.COUNT:
        if "counts" not in item:
            raise reader.fail(f"{key}.counts", "a count target says what it counts")
        counts = reader.mapping(
            item["counts"],
            f"{key}.counts",
            required={"counting", "milestone"},
            optional={"categories", "institution_types", "ownerships", "flags"},
        )
        values["counting"] = reader.choice(
            counts["counting"], f"{key}.counts.counting", Target.Counting
        )
        values["milestone"] = reader.choice(
            counts["milestone"], f"{key}.counts.milestone", Target.Milestone
        )
        categories = reader.code_list(
            counts.get("categories", []), f"{key}.counts.categories", allowed=category_codes
        )
        for vocab in ("institution_types", "ownerships", "flags"):
            values[vocab] = reader.code_list(
                counts.get(vocab, []),
                f"{key}.counts.{vocab}",
                allowed=vocabulary.known(vocab) or None,
            )
    elif "counts" in item:
        raise reader.fail(
            f"{key}.counts", "a measured target takes quarterly values and counts nothing"
        )

    if "baseline" in item:
        baseline = reader.mapping(
            item["baseline"], f"{key}.baseline", required={"value"}, optional={"qualifier"}
        )
        values["baseline_value"] = reader.number_with_places(
            baseline["value"], f"{key}.baseline.value"
        )
        if "qualifier" in baseline:
            values["baseline_qualifier"] = reader.choice(
                baseline["qualifier"], f"{key}.baseline.qualifier", Target.Qualifier
            )

    if "target" in item:
        target = reader.mapping(
            item["target"],
            f"{key}.target",
            required=set(),
            optional={"value", "max", "comparator", "basis"},
        )
        if "comparator" in target:
            values["comparator"] = reader.choice(
                target["comparator"], f"{key}.target.comparator", Target.Comparator
            )
        if "basis" in target:
            values["basis"] = reader.choice(target["basis"], f"{key}.target.basis", Target.Basis)
        if "value" in target:
            if values["basis"] == Target.Basis.DOUBLE:
                raise reader.fail(
                    f"{key}.target.value", "a doubled target takes no value of its own"
                )
            values["target_value"] = reader.number_with_places(
                target["value"], f"{key}.target.value"
            )
        if "max" in target:
            values["target_value_max"] = reader.number_with_places(
                target["max"], f"{key}.target.max"
            )
            if (
                values["target_value"] is None
                or values["target_value_max"] < values["target_value"]
            ):
                raise reader.fail(f"{key}.target.max", "must come with a value and not be below it")
    if values["basis"] == Target.Basis.DOUBLE and values["baseline_value"] is not None:
        values["target_value"] = values["baseline_value"] * 2

    return TargetSpec(
        code=reader.slug(item["code"], f"{key}.code"),
        values=values,
        category_codes=tuple(categories),
    )
