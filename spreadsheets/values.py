"""Reading the values that real ledgers (台账) hold, one cell at a time.

Every ``parse_*`` function takes a cell as the reader gives it (``str``, ``int``, ``float``,
``Decimal``, ``bool``, ``datetime``/``date`` or ``None``) and returns the value Landfall
stores, or raises :class:`CellError`, whose ``message`` says in the user's language what
was expected. A blank cell raises ``CellError`` with ``code == "blank"``: whether blank
means "not given" is the importer's decision, made with :func:`is_blank` first.

These functions run about two million times for a 100k-row, 20-column workbook, so text
inputs are parsed once and remembered (``functools.lru_cache``), regular expressions are
compiled at import, and tables that need translations (choice labels, country names,
categories) are built once per process and never under a per-call language switch.
Only :func:`match_categories` reads the database (once per category index).

See docs/spreadsheets-values.md for the formats each function understands.
"""

from __future__ import annotations

import datetime
import re
import unicodedata
import weakref
from collections.abc import Iterable, Mapping
from decimal import ROUND_HALF_UP, Decimal
from functools import cache, lru_cache
from typing import TYPE_CHECKING, Any, NamedTuple

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from django.utils.translation import override

from core.money import Currency

if TYPE_CHECKING:
    from django.db import models
    from django.utils.functional import Promise

    from plans.selectors import CategoryIndex

__all__ = [
    "UNIT_FACTORS",
    "Amount",
    "CellError",
    "ParsedDate",
    "UnitHint",
    "is_blank",
    "match_categories",
    "normalise_text",
    "parse_amount",
    "parse_bool",
    "parse_choice",
    "parse_country",
    "parse_date",
    "parse_decimal",
    "parse_int",
    "parse_quarter",
    "parse_unit",
    "split_multi",
]

_CACHE = 65_536  # distinct texts remembered per parser: a large ledger's dates and amounts


class CellError(ValueError):
    """A cell's value cannot be read. ``message`` says what was expected, translated.

    ``code`` tells kinds apart for the importer: ``"blank"`` for an empty cell, otherwise
    ``"invalid"`` (or a more specific word such as ``"currency"`` or ``"ambiguous"``).
    The message is rendered when read, so it speaks the language active at that moment.
    """

    def __init__(
        self,
        message: str | Promise,
        params: Mapping[str, object] | None = None,
        *,
        code: str = "invalid",
    ) -> None:
        self._message = message
        self.params = dict(params or {})
        self.code = code
        super().__init__(message, self.params)

    @property
    def message(self) -> str:
        text = str(self._message)
        return text % self.params if self.params else text

    def __str__(self) -> str:
        return self.message


class ParsedDate(NamedTuple):
    """A date read from a cell; ``precision`` is "day", or "month" for 2021.3 (day 1)."""

    date: datetime.date
    precision: str


class Amount(NamedTuple):
    """An amount in ten-thousands (万) of ``currency``, as core.money stores money."""

    amount: Decimal
    currency: str


class UnitHint(NamedTuple):
    """The unit a column or sheet states for its amounts, e.g. （万美元） → ("wan", "USD").

    ``unit`` is a key of :data:`UNIT_FACTORS` or ``None`` when only a currency is stated;
    ``currency`` a ``core.money.Currency`` value or ``None`` when only a unit is stated.
    """

    unit: str | None
    currency: str | None


# What one of each unit is worth in 万 (ten-thousands), the unit money is stored in.
UNIT_FACTORS: dict[str, Decimal] = {
    "yuan": Decimal("0.0001"),  # one of the currency: 元, dollar, euro …
    "thousand": Decimal("0.1"),
    "wan": Decimal("1"),
    "million": Decimal("100"),
    "yi": Decimal("10000"),  # 亿
    "billion": Decimal("100000"),
}


def _shown(value: object) -> str:
    """The cell's value as an error message quotes it, cut short when long."""
    text = value if isinstance(value, str) else str(value)
    text = " ".join(text.split())
    return text if len(text) <= 60 else text[:57] + "…"


def _blank_error() -> CellError:
    return CellError(_("The cell is empty."), code="blank")


# ------------------------------------------------------------------------ text

_INVISIBLE = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad]")  # BOM, zero-width


def normalise_text(value: object, *, multiline: bool = False) -> str:
    """The cell as clean text: full-width folded to half-width (NFKC), spaces collapsed.

    ``None`` gives "". Numbers print as written (3.0 → "3"), dates as ISO 8601.
    With ``multiline`` the line breaks of a long text (notes, summaries) are kept, each
    line stripped; otherwise every run of white space, line breaks included, is one space.
    """
    if value is None:
        return ""
    if isinstance(value, str):
        text = value
    elif isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    elif isinstance(value, datetime.datetime):
        return value.date().isoformat() if value.time() == datetime.time() else value.isoformat(" ")
    elif isinstance(value, datetime.date):
        return value.isoformat()
    else:
        text = str(value)
    if not text.isascii():
        text = _INVISIBLE.sub("", unicodedata.normalize("NFKC", text))
    if multiline:
        lines = (" ".join(line.split()) for line in text.splitlines())
        return "\n".join(lines).strip("\n")
    return " ".join(text.split())


# A cell holding only one of these means "nothing here" (a placeholder, not a value).
BLANK_WORDS = frozenset(
    {"无", "暂无", "空", "n/a", "#n/a", "none", "null", "nil", "未知"}
)  # fmt: skip
_BLANK_MARK = re.compile(r"[-—–―‐－_/／\\~～.。…]+")
_BLANK_FIRST = frozenset("-—–―‐－_/／\\~～.。…")


def is_blank(value: object) -> bool:
    """Whether a cell says nothing: None, "", white space, or a placeholder.

    Placeholders: dashes (- — – －), slashes (/ \\), dots, and the words in
    :data:`BLANK_WORDS` (无, 暂无, N/A, #N/A, null …). In a yes/no column 无 answers
    "no", so the importer tries :func:`parse_bool` there before asking this.
    """
    if value is None:
        return True
    if not isinstance(value, str):
        return False
    text = value.strip()
    if not text:
        return True
    if text[0] in _BLANK_FIRST and _BLANK_MARK.fullmatch(text):
        return True
    return len(text) <= 4 and text.casefold() in BLANK_WORDS


_SEPARATORS = re.compile(r"[、,，;；/／\r\n]+")


def split_multi(value: object) -> list[str]:
    """The items of a cell that lists several: split on 、 , ， ; ； / and line breaks.

    Items are cleaned with :func:`normalise_text`; empty items and repeats are dropped.
    A blank cell gives an empty list.
    """
    if value is None:
        return []
    if not isinstance(value, str):
        value = normalise_text(value)
    return list(_split_multi(value))


@lru_cache(maxsize=_CACHE)
def _split_multi(text: str) -> tuple[str, ...]:
    items: dict[str, None] = {}
    for part in _SEPARATORS.split(text):
        item = normalise_text(part)
        if item:
            items.setdefault(item, None)
    return tuple(items)


# --------------------------------------------------------------------- numbers

_NUMBER = re.compile(
    r"(?P<sign>[-+−])?(?P<digits>\d{1,3}(?:,\d{3})+(?:\.\d*)?|\d+(?:\.\d*)?|\.\d+)"
    r"(?P<exp>e[-+]?\d+)?"
)
_COUNT_SUFFIX = re.compile(r"(?:人|名|个|家|位|年|户|%)$")


def _number_from_text(text: str) -> Decimal | None:
    """A plain written number (1,234.5 / -3 / 1.5E+07 / 60%) or None."""
    text = text.replace(" ", "").casefold()
    match = _NUMBER.fullmatch(text)
    if match is None:
        return None
    number = Decimal(match["digits"].replace(",", "") + (match["exp"] or ""))
    return -number if match["sign"] in ("-", "−") else number


def _number_from_cell(value: object) -> Decimal | None:
    """A number from a numeric cell, exactly as Excel shows it; None for other types."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            return None
        return Decimal(repr(value))
    if isinstance(value, Decimal):
        return value if value.is_finite() else None
    return None


def parse_decimal(value: object) -> Decimal:
    """A number: 1234.5, "1,234.5", "１２３４", "1.5E+07"; a trailing % is dropped (80% → 80)."""
    if value is None:
        raise _blank_error()
    if isinstance(value, str):
        return _parse_decimal_text(value)
    number = _number_from_cell(value)
    if number is None:
        raise CellError(_("“%(value)s” is not a number."), {"value": _shown(value)})
    return number


@lru_cache(maxsize=_CACHE)
def _parse_decimal_text(raw: str) -> Decimal:
    text = normalise_text(raw)
    if not text:
        raise _blank_error()
    number = _number_from_text(text.removesuffix("%"))
    if number is None or not number.is_finite():
        raise CellError(
            _("“%(value)s” is not a number. Write it like 1234.5 or 1,234.5."),
            {"value": _shown(raw)},
        )
    return number


def parse_int(value: object) -> int:
    """A whole number: 3, 3.0, "3", "1,000", "５０", and counts such as 50人 or 60%."""
    if isinstance(value, bool):
        raise CellError(_("“%(value)s” is not a whole number."), {"value": _shown(value)})
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        return _parse_int_text(value)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    number = parse_decimal(value)
    if number != number.to_integral_value():
        raise CellError(_("“%(value)s” is not a whole number."), {"value": _shown(value)})
    return int(number)


@lru_cache(maxsize=_CACHE)
def _parse_int_text(raw: str) -> int:
    text = normalise_text(raw)
    if not text:
        raise _blank_error()
    number = _number_from_text(_COUNT_SUFFIX.sub("", text))
    if number is None or not number.is_finite() or number != number.to_integral_value():
        raise CellError(
            _("“%(value)s” is not a whole number. Write it like 50 or 1,000."),
            {"value": _shown(raw)},
        )
    return int(number)


# ------------------------------------------------------------------------ yes/no

_TRUE_WORDS = frozenset(
    {"是", "是的", "有", "对", "y", "yes", "true", "t", "1", "√", "✓", "✔", "☑", "✅"}
)  # fmt: skip
_FALSE_WORDS = frozenset(
    {"否", "不是", "无", "没有", "非", "错", "n", "no", "false", "f", "0", "×", "✗", "✘", "☒", "❌"}
)  # fmt: skip


def parse_bool(value: object) -> bool:
    """Yes or no: 是/否, Y/N, Yes/No, TRUE/FALSE, √ ✓ ✔ / × ✗, 1/0, 有/无. Blank is an error."""
    if isinstance(value, bool):
        return value
    if value is None:
        raise _blank_error()
    if isinstance(value, str):
        return _parse_bool_text(value)
    number = _number_from_cell(value)
    if number is not None and number in (0, 1):
        return number == 1
    raise CellError(
        _("“%(value)s” is not yes or no. Write 是 or 否 (Y/N, √/×, 1/0)."),
        {"value": _shown(value)},
    )


@lru_cache(maxsize=1024)
def _parse_bool_text(raw: str) -> bool:
    text = normalise_text(raw).casefold()
    if not text:
        raise _blank_error()
    if text in _TRUE_WORDS:
        return True
    if text in _FALSE_WORDS:
        return False
    raise CellError(
        _("“%(value)s” is not yes or no. Write 是 or 否 (Y/N, √/×, 1/0)."),
        {"value": _shown(raw)},
    )


# ------------------------------------------------------------------------ dates

_EXCEL_EPOCH = datetime.date(1899, 12, 30)  # serial 1 is 1900-01-01; Excel counts a 1900-02-29
_FIRST_SERIAL = 61  # 1900-03-01, the first day after Excel's phantom leap day
_LAST_SERIAL = 2_958_465  # 9999-12-31
_YEARS = range(1900, 2101)

_TIME = r"(?:\s*[t ]?\s*\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?\s*(?:z|[+-]\d{2}:?\d{2})?)?"
_DAY = re.compile(
    r"(?P<y>\d{4})\s*[-/.年]\s*(?P<m>\d{1,2})\s*[-/.月]\s*(?P<d>\d{1,2})\s*[日号]?" + _TIME
)
_MONTH = re.compile(r"(?P<y>\d{4})\s*[-/.年]\s*(?P<m>\d{1,2})\s*(?:月份?)?")
_DIGITS = re.compile(r"\d+(?:\.\d+)?")


def _date_error(raw: object) -> CellError:
    return CellError(
        _("“%(value)s” is not a date. Write it like 2021-03-05, 2021/3/5, 2021年3月5日 or 2021.3."),
        {"value": _shown(raw)},
    )


def _make_date(raw: object, year: int, month: int, day: int, precision: str) -> ParsedDate:
    if year not in _YEARS:
        raise CellError(
            _("“%(value)s”: the year must lie between 1900 and 2100."), {"value": _shown(raw)}
        )
    try:
        return ParsedDate(datetime.date(year, month, day), precision)
    except ValueError:
        raise CellError(
            _("“%(value)s” is not a real date: there is no such month or day."),
            {"value": _shown(raw)},
        ) from None


def parse_date(value: object) -> ParsedDate:
    """A date from an Excel date, a serial number (44260) or text; 2021.3 is month precision.

    Text: 2021-03-05, 2021/3/5, 2021.3.5, 2021年3月5日, 20210305, with or without a time;
    2021-03, 2021.3, 2021年3月, 202103 give the month (its first day, precision "month").
    A number is an Excel serial, except 1900–2100 (a year alone: an error) and 8 digits
    (yyyymmdd). A decimal number such as 2021.3 is year.month; 2021.1 is refused, since
    Excel shows 2021.10 as 2021.1. Day-first and month-first forms (3/5/2021) are refused.
    """
    if isinstance(value, datetime.datetime):
        return ParsedDate(value.date(), "day")
    if isinstance(value, datetime.date):
        return ParsedDate(value, "day")
    if value is None:
        raise _blank_error()
    if isinstance(value, str):
        return _parse_date_text(value)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return _parse_date_number(value)
    number = _number_from_cell(value)
    if number is None:
        raise _date_error(value)
    return _date_from_number(value, number, written="")


@lru_cache(maxsize=_CACHE)
def _parse_date_number(value: float) -> ParsedDate:
    number = _number_from_cell(value)
    if number is None:
        raise _date_error(value)
    return _date_from_number(value, number, written=repr(value) if isinstance(value, float) else "")


@lru_cache(maxsize=_CACHE)
def _parse_date_text(raw: str) -> ParsedDate:
    text = normalise_text(raw).casefold()
    if not text:
        raise _blank_error()
    if match := _DAY.fullmatch(text):
        return _make_date(raw, int(match["y"]), int(match["m"]), int(match["d"]), "day")
    if match := _MONTH.fullmatch(text):
        return _make_date(raw, int(match["y"]), int(match["m"]), 1, "month")
    if _DIGITS.fullmatch(text):
        if len(text) == 8:
            return _make_date(raw, int(text[:4]), int(text[4:6]), int(text[6:]), "day")
        if len(text) == 6:
            return _make_date(raw, int(text[:4]), int(text[4:]), 1, "month")
        return _date_from_number(raw, Decimal(text), written="")
    raise _date_error(raw)


def _date_from_number(raw: object, number: Decimal, *, written: str) -> ParsedDate:
    """A date from a number; ``written`` is how a float reads (for 2021.3 → March)."""
    whole = int(number)
    if whole in _YEARS:
        if number == whole:
            raise CellError(
                _("“%(value)s” is a year, not a date. Write the date, e.g. 2021-03-05."),
                {"value": _shown(raw)},
            )
        fraction = (written or str(number)).partition(".")[2]
        if fraction == "1" and written:
            raise CellError(
                _(
                    "“%(value)s” could be January or October: Excel drops the 0 of 2021.10. "
                    "Format the cell as text or write 2021-10."
                ),
                {"value": _shown(raw)},
                code="ambiguous",
            )
        if len(fraction) > 2:
            raise _date_error(raw)
        return _make_date(raw, whole, int(fraction), 1, "month")
    if number == whole and 10_000_000 <= whole <= 99_999_999:
        return _make_date(raw, whole // 10_000, whole // 100 % 100, whole % 100, "day")
    if _FIRST_SERIAL <= number <= _LAST_SERIAL:
        parsed = _EXCEL_EPOCH + datetime.timedelta(days=whole)
        return _make_date(raw, parsed.year, parsed.month, parsed.day, "day")
    raise _date_error(raw)


# --------------------------------------------------------------------- quarters

_CN_QUARTER = {"一": 1, "二": 2, "三": 3, "四": 4, "1": 1, "2": 2, "3": 3, "4": 4}
_QUARTER_PATTERNS = (
    # 2025Q4, 2025 Q4, 2025-Q4, 2025年Q4, 2025 年 第Q4
    re.compile(r"(?P<y>\d{4})\s*(?:年度?)?\s*[-/_]?\s*第?\s*q(?P<q>[1-4])"),
    # Q4 2025, Q4/2025, 4Q2025
    re.compile(r"(?:q(?P<q>[1-4])|(?P<q2>[1-4])q)\s*[-/_,]?\s*(?P<y>\d{4})"),
    # 2025年第四季度, 2025年四季度, 2025年第4季度, 2025年4季度末, 2025第四季
    re.compile(r"(?P<y>\d{4})\s*(?:年度?)?\s*第?\s*(?P<q>[1-4一二三四])\s*季度?\s*末?"),
)
_QUARTER_ENDS = {(3, 31): 1, (6, 30): 2, (9, 30): 3, (12, 31): 4}


def parse_quarter(value: object) -> tuple[int, int]:
    """(year, quarter) from 2025Q4, 2025 Q4, Q4 2025, 2025年第四季度, 2025年四季度, 2025-12-31.

    A date must be the last day of its quarter. A month (2025.4, 2025年4月) is refused:
    2025.4 could mean April or the fourth quarter.
    """
    if value is None:
        raise _blank_error()
    if isinstance(value, str):
        return _parse_quarter_text(value)
    return _quarter_from_date(value, parse_date(value))


@lru_cache(maxsize=4096)
def _parse_quarter_text(raw: str) -> tuple[int, int]:
    text = normalise_text(raw).casefold()
    if not text:
        raise _blank_error()
    for pattern in _QUARTER_PATTERNS:
        if match := pattern.fullmatch(text):
            year = int(match["y"])
            if year not in _YEARS:
                break
            return year, _CN_QUARTER[match["q"] or match.groupdict()["q2"]]
    try:
        parsed = parse_date(raw)
    except CellError:
        raise CellError(
            _("“%(value)s” is not a quarter. Write it like 2025Q4, 2025年第四季度 or 2025-12-31."),
            {"value": _shown(raw)},
        ) from None
    return _quarter_from_date(raw, parsed)


def _quarter_from_date(raw: object, parsed: ParsedDate) -> tuple[int, int]:
    day = parsed.date
    if parsed.precision == "month":
        raise CellError(
            _(
                "“%(value)s” is a month, not a quarter (2025.4 could be April or the fourth "
                "quarter). Write it like 2025Q4 or 2025年第四季度."
            ),
            {"value": _shown(raw)},
            code="ambiguous",
        )
    quarter = _QUARTER_ENDS.get((day.month, day.day))
    if quarter is None:
        raise CellError(
            _("“%(value)s” is not the last day of a quarter. Write it like 2025-12-31 or 2025Q4."),
            {"value": _shown(raw)},
        )
    return day.year, quarter


# ---------------------------------------------------------------------- amounts

# Words for the currencies core.money keeps, as ledgers write them (case folded, NFKC).
CURRENCY_WORDS: dict[str, str] = {
    "cny": "CNY", "rmb": "CNY", "cn¥": "CNY", "rmb¥": "CNY", "¥": "CNY",
    "人民币": "CNY", "元": "CNY", "yuan": "CNY",
    "usd": "USD", "us$": "USD", "usd$": "USD", "$": "USD", "美元": "USD", "美金": "USD",
    "hkd": "HKD", "hk$": "HKD", "港币": "HKD", "港元": "HKD", "港幣": "HKD",
    "eur": "EUR", "€": "EUR", "euro": "EUR", "euros": "EUR", "欧元": "EUR",
    "gbp": "GBP", "£": "GBP", "英镑": "GBP",
    "jpy": "JPY", "jp¥": "JPY", "円": "JPY", "日元": "JPY", "日币": "JPY",
    "sgd": "SGD", "s$": "SGD", "新加坡元": "SGD", "新元": "SGD", "新币": "SGD",
    "chf": "CHF", "瑞士法郎": "CHF", "瑞郎": "CHF",
}  # fmt: skip
# Words, not codes or symbols: right after a number they name the unit (3000000元, 5000美元).
_UNIT_WORDS = frozenset(
    word for word in CURRENCY_WORDS if word in ("yuan", "euro", "euros") or word[0] >= "\u3400"
)
# Scale words and what they are worth in 万.
SCALE_WORDS: dict[str, Decimal] = {
    "万亿": Decimal("100000000"), "亿": Decimal("10000"), "千万": Decimal("1000"),
    "百万": Decimal("100"), "万": Decimal("1"), "w": Decimal("1"), "千": Decimal("0.1"),
    "billion": Decimal("100000"), "bn": Decimal("100000"), "b": Decimal("100000"),
    "million": Decimal("100"), "mio": Decimal("100"), "mn": Decimal("100"), "m": Decimal("100"),
    "thousand": Decimal("0.1"), "k": Decimal("0.1"),
}  # fmt: skip


def _alternation(words: Iterable[str]) -> str:
    return "|".join(re.escape(word) for word in sorted(words, key=len, reverse=True))


# A currency word we do not keep still reads as one, so the message can name it.
_CURRENCY = rf"(?:{_alternation(CURRENCY_WORDS)}|[a-z]{{3}}|[\u3400-\u9fff]{{1,4}}?[元币])"
_AMOUNT = re.compile(
    rf"(?:约|大约)?(?P<pre>{_CURRENCY})?(?P<sign>[-−])?"
    r"(?P<number>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+)(?P<exp>e[-+]?\d+)?"
    rf"(?P<scale>{_alternation(SCALE_WORDS)})?(?P<post>{_CURRENCY})?(?P<post2>{_CURRENCY})?"
    r"(?:左右)?"
)
_AMOUNT_NOISE = re.compile(r"[\s()\[\]]+")
_MAX_AMOUNT = Decimal("1e14")  # amount_field holds 16 digits, two after the point
_CENT = Decimal("0.01")


def _currency_of(token: str | None, raw: object) -> str | None:
    if not token:
        return None
    code = CURRENCY_WORDS.get(token)
    if code is None:
        raise CellError(
            _("“%(value)s”: %(currency)s is not a currency Landfall keeps (%(known)s)."),
            {"value": _shown(raw), "currency": token.upper(), "known": ", ".join(Currency.values)},
            code="currency",
        )
    return code


_CURRENCIES = frozenset(Currency.values)


def _check_amount_options(default_currency: str, unit_hint: str | None) -> None:
    if default_currency not in _CURRENCIES:
        raise ValueError(f"unknown default currency {default_currency!r}")
    if unit_hint is not None and unit_hint not in UNIT_FACTORS:
        raise ValueError(f"unknown unit hint {unit_hint!r}; use one of {list(UNIT_FACTORS)}")


def parse_amount(
    value: object, *, default_currency: str = "CNY", unit_hint: str | None = None
) -> Amount:
    """An amount in 万 of its currency: 5000万元, 1.2亿, USD 20m, 港币500万, 3,000,000元.

    A unit in the cell wins (万, 亿, 千万, m, million, bn, k; 元 or 美元 right after the
    number means the currency itself: 3000000元 → 300). A bare number takes
    ``unit_hint`` — a key of :data:`UNIT_FACTORS`, usually from the header
    (headers.unit_hints: 注册资本（万元） → "wan", （元） → "yuan"); ``None`` means 万,
    as 台账 label the column 注册资本（万元）. The currency comes from the cell
    (USD, US$, $, 美元, HK$, 港币, ¥, 人民币, EUR, € …) or else ``default_currency``;
    a currency Landfall does not keep is an error. Amounts are rounded to 0.01 万 (100元),
    the precision money is stored with. Negative amounts are refused.
    """
    _check_amount_options(default_currency, unit_hint)
    if value is None:
        raise _blank_error()
    if isinstance(value, str):
        return _parse_amount_text(value, default_currency, unit_hint)
    if isinstance(value, bool):
        raise _amount_error(value)
    if isinstance(value, (int, float)):
        return _parse_amount_number(value, default_currency, unit_hint)
    number = _number_from_cell(value)
    if number is None:
        raise _amount_error(value)
    return _amount(value, number, UNIT_FACTORS[unit_hint or "wan"], default_currency)


@lru_cache(maxsize=_CACHE)
def _parse_amount_number(value: float, default_currency: str, unit_hint: str | None) -> Amount:
    number = _number_from_cell(value)
    if number is None:
        raise _amount_error(value)
    return _amount(value, number, UNIT_FACTORS[unit_hint or "wan"], default_currency)


def _amount_error(raw: object) -> CellError:
    return CellError(
        _("“%(value)s” is not an amount. Write it like 5000万元, 1.2亿, USD 20m or 3,000,000元."),
        {"value": _shown(raw)},
    )


def _amount(raw: object, number: Decimal, factor: Decimal, currency: str) -> Amount:
    if number < 0:
        raise CellError(_("“%(value)s”: an amount cannot be negative."), {"value": _shown(raw)})
    amount = number * factor
    if amount >= _MAX_AMOUNT:
        raise CellError(_("“%(value)s” is too large for an amount."), {"value": _shown(raw)})
    return Amount(amount.quantize(_CENT, rounding=ROUND_HALF_UP), currency)


@lru_cache(maxsize=_CACHE)
def _parse_amount_text(raw: str, default_currency: str, unit_hint: str | None) -> Amount:
    text = _AMOUNT_NOISE.sub("", normalise_text(raw).casefold())
    if not text:
        raise _blank_error()
    match = _AMOUNT.fullmatch(text)
    if match is None:
        raise _amount_error(raw)
    found = {
        code
        for code in (_currency_of(match[name], raw) for name in ("pre", "post", "post2"))
        if code
    }
    if len(found) > 1:
        raise CellError(
            _("“%(value)s” names two currencies."), {"value": _shown(raw)}, code="currency"
        )
    number = Decimal(match["number"].replace(",", "") + (match["exp"] or ""))
    if match["sign"]:
        number = -number
    if match["scale"]:
        factor = SCALE_WORDS[match["scale"]]
    elif match["post"] in _UNIT_WORDS:
        factor = UNIT_FACTORS["yuan"]  # 3000000元, 5000美元: the currency itself is the unit
    else:
        factor = UNIT_FACTORS[unit_hint or "wan"]
    return _amount(raw, number, factor, found.pop() if found else default_currency)


_UNIT_TEXT = re.compile(
    rf"(?P<pre>{_alternation(CURRENCY_WORDS)})?"
    r"(?P<scale>10,?000|'?0000|'?000s?|"
    + _alternation(SCALE_WORDS)
    + rf")?(?P<post>{_alternation(CURRENCY_WORDS)})?(?P<post2>{_alternation(CURRENCY_WORDS)})?"
)
_HINT_SCALES = {
    "10,000": "wan", "10000": "wan", "'0000": "wan", "0000": "wan",
    "'000": "thousand", "000": "thousand", "'000s": "thousand", "000s": "thousand",
    "万": "wan", "w": "wan", "亿": "yi", "千": "thousand", "k": "thousand", "thousand": "thousand",
    "百万": "million", "m": "million", "mn": "million", "mio": "million", "million": "million",
    "b": "billion", "bn": "billion", "billion": "billion",
}  # fmt: skip


@lru_cache(maxsize=4096)
def parse_unit(text: str) -> UnitHint | None:
    """The unit a label states, e.g. 万美元 → ("wan", "USD"), 元 → ("yuan", "CNY"), None.

    For header brackets and 单位：… lines. A currency alone states its own unit (元,
    USD, 美元 → "yuan"); a scale alone states no currency (万 → ("wan", None)).
    """
    key = _AMOUNT_NOISE.sub("", normalise_text(text).casefold()).strip(":：")
    if not key:
        return None
    match = _UNIT_TEXT.fullmatch(key)
    if match is None or not (match["pre"] or match["scale"] or match["post"]):
        return None
    codes = {CURRENCY_WORDS[match[name]] for name in ("pre", "post", "post2") if match[name]}
    if len(codes) > 1:
        return None
    currency = codes.pop() if codes else None
    if match["scale"]:
        unit = _HINT_SCALES.get(match["scale"])
        if unit is None:  # 千万 and 万亿 are not units a ledger states for a column
            return None
    else:
        unit = "yuan"
    return UnitHint(unit, currency)


# -------------------------------------------------------------------- countries

# Names and codes of the jurisdictions investors in a Shanghai financial district come
# from, as ledgers write them, beyond what django-countries knows. Codes: ISO 3166-1.
COUNTRY_ALIASES: dict[str, tuple[str, ...]] = {
    "CN": ("中国", "中国大陆", "中国内地", "内地", "大陆", "境内", "中华人民共和国", "中國",
           "China", "PRC", "P.R.C.", "P.R. China", "Mainland China", "People's Republic of China",
           "Chinese Mainland"),
    "HK": ("中国香港", "香港", "香港特别行政区", "中国香港特别行政区", "香港特区", "中國香港",
           "香港特別行政區", "Hong Kong", "Hong Kong SAR", "Hong Kong, China", "Hong Kong SAR, China",
           "Hong Kong (China)", "HKSAR", "Hongkong"),
    "MO": ("中国澳门", "澳门", "澳门特别行政区", "中国澳门特别行政区", "澳門", "中國澳門", "Macao",
           "Macau", "Macao SAR", "Macau SAR", "Macao, China", "Macao SAR, China", "MSAR"),
    "TW": ("中国台湾", "台湾", "台湾地区", "中国台湾地区", "台灣", "中國台灣", "Taiwan",
           "Taiwan, China", "Taiwan (China)", "Chinese Taipei", "Taiwan Region"),
    "US": ("美国", "美國", "美利坚合众国", "USA", "U.S.", "U.S.A.", "US", "America",
           "United States", "United States of America", "the United States"),
    "GB": ("英国", "英國", "大不列颠", "联合王国", "英格兰", "苏格兰", "UK", "U.K.",
           "United Kingdom", "Great Britain", "Britain", "England", "Scotland"),
    "SG": ("新加坡", "新加坡共和国", "Singapore", "Republic of Singapore"),
    "JP": ("日本", "日本国", "Japan"),
    "KR": ("韩国", "韓國", "南韩", "大韩民国", "South Korea", "Korea", "Republic of Korea",
           "Korea, Republic of"),
    "DE": ("德国", "德國", "德意志联邦共和国", "Germany", "Deutschland"),
    "FR": ("法国", "法國", "France"),
    "CH": ("瑞士", "Switzerland", "Swiss", "Swiss Confederation"),
    "NL": ("荷兰", "荷蘭", "Netherlands", "The Netherlands", "Holland"),
    "LU": ("卢森堡", "盧森堡", "Luxembourg"),
    "BE": ("比利时", "Belgium"),
    "IE": ("爱尔兰", "Ireland"),
    "IT": ("意大利", "Italy"),
    "ES": ("西班牙", "Spain"),
    "PT": ("葡萄牙", "Portugal"),
    "AT": ("奥地利", "Austria"),
    "SE": ("瑞典", "Sweden"),
    "NO": ("挪威", "Norway"),
    "DK": ("丹麦", "Denmark"),
    "FI": ("芬兰", "Finland"),
    "PL": ("波兰", "Poland"),
    "GR": ("希腊", "Greece"),
    "RU": ("俄罗斯", "俄罗斯联邦", "Russia", "Russian Federation"),
    "CA": ("加拿大", "Canada"),
    "MX": ("墨西哥", "Mexico"),
    "BR": ("巴西", "Brazil"),
    "AU": ("澳大利亚", "澳洲", "Australia"),
    "NZ": ("新西兰", "New Zealand"),
    "IN": ("印度", "India"),
    "ID": ("印度尼西亚", "印尼", "Indonesia"),
    "MY": ("马来西亚", "Malaysia"),
    "TH": ("泰国", "Thailand"),
    "VN": ("越南", "Vietnam", "Viet Nam"),
    "PH": ("菲律宾", "Philippines"),
    "AE": ("阿联酋", "阿拉伯联合酋长国", "UAE", "U.A.E.", "United Arab Emirates", "Dubai", "迪拜"),
    "SA": ("沙特", "沙特阿拉伯", "Saudi Arabia", "KSA"),
    "QA": ("卡塔尔", "Qatar"),
    "KW": ("科威特", "Kuwait"),
    "IL": ("以色列", "Israel"),
    "TR": ("土耳其", "Turkey", "Türkiye"),
    "ZA": ("南非", "South Africa"),
    "KY": ("开曼群岛", "开曼", "開曼群島", "Cayman Islands", "Cayman", "the Cayman Islands"),
    "VG": ("英属维尔京群岛", "英属维京群岛", "英属处女群岛", "维尔京群岛(英属)", "英屬維爾京群島",
           "BVI", "B.V.I.", "British Virgin Islands", "Virgin Islands (British)"),
    "BM": ("百慕大", "百慕大群岛", "Bermuda"),
    "JE": ("泽西岛", "泽西", "Jersey"),
    "GG": ("根西岛", "根西", "Guernsey"),
    "IM": ("马恩岛", "Isle of Man"),
    "BS": ("巴哈马", "Bahamas", "The Bahamas"),
    "BB": ("巴巴多斯", "Barbados"),
    "MU": ("毛里求斯", "Mauritius"),
    "SC": ("塞舌尔", "Seychelles"),
    "WS": ("萨摩亚", "Samoa"),
    "MH": ("马绍尔群岛", "Marshall Islands"),
    "PA": ("巴拿马", "Panama"),
    "LR": ("利比里亚", "Liberia"),
    "GI": ("直布罗陀", "Gibraltar"),
    "LI": ("列支敦士登", "Liechtenstein"),
    "MC": ("摩纳哥", "Monaco"),
    "MT": ("马耳他", "Malta"),
    "CY": ("塞浦路斯", "Cyprus"),
}  # fmt: skip
_COUNTRY_NOISE = re.compile(r"[\s.,'’()\-_&]+")


def _country_key(text: str) -> str:
    return _COUNTRY_NOISE.sub("", normalise_text(text).casefold())


@cache
def _country_table() -> dict[str, str]:
    """Every way of writing a country we accept, keyed by :func:`_country_key`."""
    from django_countries import countries

    table: dict[str, str] = {}
    for language, _name in settings.LANGUAGES:
        with override(language):
            for code, name in countries:
                table.setdefault(_country_key(str(name)), code)
    for code in countries.countries:
        table[code.casefold()] = code
        alpha3 = countries.alpha3(code)
        if alpha3:
            table[alpha3.casefold()] = code
    for code, aliases in COUNTRY_ALIASES.items():
        for alias in aliases:
            table[_country_key(alias)] = code
    return table


def parse_country(value: object) -> str:
    """An ISO 3166-1 alpha-2 code from a name in Chinese or English or a code.

    美国, USA, U.S., United States, US, USA → "US"; 中国香港, 香港特别行政区, Hong Kong SAR,
    HK, HKG → "HK"; 开曼群岛, BVI … Case, spaces, dots and full-width forms do not matter.
    """
    if value is None:
        raise _blank_error()
    return _parse_country_text(value if isinstance(value, str) else str(value))


@lru_cache(maxsize=4096)
def _parse_country_text(raw: str) -> str:
    key = _country_key(raw)
    if not key:
        raise _blank_error()
    code = _country_table().get(key)
    if code is None:
        raise CellError(
            _(
                "“%(value)s” is not a country or region we know. Write its Chinese or English "
                "name or its ISO code, e.g. 美国, Hong Kong SAR, SG."
            ),
            {"value": _shown(raw)},
        )
    return code


# ---------------------------------------------------------------------- choices

_CHOICE_NOISE = re.compile(r"[\s\-_.·]+")
_PARENTHESIS = re.compile(r"\(([^()]*)\)")


@lru_cache(maxsize=_CACHE)
def _choice_key(text: str) -> str:
    return _CHOICE_NOISE.sub("", normalise_text(text).casefold())


def _name_variants(name: str) -> list[str]:
    """Lesser ways of writing a label: without its bracket, and the bracket's content.

    "Moved out (迁出)" gives "Moved out" and "迁出"; "不良资产/地方资产管理" its parts.
    """
    text = normalise_text(name)
    variants = [inner for inner in _PARENTHESIS.findall(text) if inner.strip()]
    bare = _PARENTHESIS.sub("", text).strip()
    if bare and bare != text:
        variants.append(bare)
    parts = split_multi(bare or text)
    if len(parts) > 1:
        variants.extend(parts)
    return variants


def _lookup_table(entries: Iterable[tuple[object, Iterable[str], Iterable[str]]]) -> dict:
    """Key → value from (value, exact names, lesser names); a lesser name two values share
    matches neither, and never shadows an exact name."""
    exact: dict[str, object] = {}
    lesser: dict[str, object] = {}
    ambiguous = object()
    for value, names, variants in entries:
        for name in names:
            exact.setdefault(_choice_key(name), value)
        for name in variants:
            key = _choice_key(name)
            if key in lesser and lesser[key] != value:
                lesser[key] = ambiguous
            else:
                lesser.setdefault(key, value)
    table = {key: value for key, value in lesser.items() if value is not ambiguous}
    table.update(exact)
    table.pop("", None)
    return table


@lru_cache(maxsize=256)
def _choice_table(choices: type[models.Choices]) -> dict[str, Any]:
    """Code, Chinese label and English label of each choice → its value (built once)."""
    labels: dict[Any, list[str]] = {member.value: [str(member.value)] for member in choices}
    for language, _name in settings.LANGUAGES:
        with override(language):
            for member in choices:
                labels[member.value].append(str(member.label))
    return _lookup_table(
        (value, names, [v for name in names for v in _name_variants(name)])
        for value, names in labels.items()
    )


@lru_cache(maxsize=256)
def _synonym_table(choices: type[models.Choices], items: tuple[tuple[str, Any], ...]) -> dict:
    known = {member.value for member in choices}
    table = {}
    for word, value in items:
        value = getattr(value, "value", value)
        if value not in known:
            raise ValueError(f"synonym {word!r} names {value!r}, not a value of {choices}")
        table[_choice_key(word)] = value
    return table


def parse_choice(
    value: object, choices: type[models.Choices], *, synonyms: Mapping[str, Any] | None = None
) -> str:
    """The value of one of ``choices`` (a TextChoices) from its code, Chinese or English label.

    Case, spaces, hyphens and full-width forms do not matter. ``synonyms`` adds the
    ledger's own words, e.g. ``{"外资": Ownership.WFOE}``; they win over labels.
    """
    if value is None:
        raise _blank_error()
    text = value if isinstance(value, str) else normalise_text(value)
    key = _choice_key(text)
    if not key:
        raise _blank_error()
    if synonyms:
        found = _synonym_table(choices, tuple(synonyms.items())).get(key)
        if found is not None:
            return found
    found = _choice_table(choices).get(key)
    if found is None:
        raise CellError(
            _("“%(value)s” is not one of: %(choices)s."),
            {"value": _shown(value), "choices": _ChoiceList(choices)},
        )
    return found


class _ChoiceList:
    """The choices' labels, rendered in the language active when the message is read."""

    def __init__(self, choices: type[models.Choices]) -> None:
        self.choices = choices

    def __str__(self) -> str:
        return ", ".join(str(label) for label in self.choices.labels)


# ------------------------------------------------------------------- categories


class _CategoryLookup(NamedTuple):
    single: dict[str, int]  # one name, code or lesser name → category id
    runs: dict[tuple[str, ...], int]  # a name that split_multi cuts in pieces → id
    longest: int


_CATEGORY_LOOKUPS: dict[int, _CategoryLookup] = {}


def _category_lookup(index: CategoryIndex) -> _CategoryLookup:
    """The names of the index's categories, read once per index (one query)."""
    lookup = _CATEGORY_LOOKUPS.get(id(index))
    if lookup is not None:
        return lookup
    from plans.models import Category

    order = [pk for _plan, items in index.choices for pk, _name in items]
    rows = {
        pk: (code, name_zh, name_en)
        for pk, code, name_zh, name_en in Category.objects.filter(pk__in=order).values_list(
            "pk", "code", "name_zh", "name_en"
        )
    }
    entries = []
    runs: dict[tuple[str, ...], int] = {}
    for pk in order:  # newest plan first: where two plans share a name, the newest wins
        code, name_zh, name_en = rows[pk]
        names = [code, name_zh, name_en]
        variants = [v for name in (name_zh, name_en) for v in _name_variants(name)]
        # 金融业 is also written 金融, and 银行 also 银行业.
        variants += [name_zh.removesuffix("业") if name_zh.endswith("业") else name_zh + "业"]
        entries.append((pk, names, variants))
        for name in (name_zh, name_en):
            pieces = tuple(_choice_key(piece) for piece in split_multi(name))
            if len(pieces) > 1:
                runs.setdefault(pieces, pk)
    lookup = _CategoryLookup(
        _lookup_table(entries), runs, max((len(run) for run in runs), default=1)
    )
    _CATEGORY_LOOKUPS[id(index)] = lookup
    weakref.finalize(index, _CATEGORY_LOOKUPS.pop, id(index), None)
    return lookup


def match_categories(
    index: CategoryIndex, values: Iterable[str] | str
) -> tuple[list[int], list[str]]:
    """(category ids, unknown names) for the names in a cell, matched to ``index``.

    ``index`` is ``plans.selectors.category_index(user=...)``; ``values`` the cell's items
    (:func:`split_multi`) or the cell itself. A name matches by code, Chinese name or
    English name (case, spaces and full-width forms aside), then by a lesser form (金融
    for 金融业, QFLP for 合格境外有限合伙人(QFLP)) that only one category has. Names that
    contain a separator (绿色金融/ESG/碳金融) match from their pieces. Unknown names come
    back in the second list, as written; ids come once each, in the cell's order.
    """
    items = split_multi(values) if isinstance(values, str) else [v for v in values if v]
    lookup = _category_lookup(index)
    keys = [_choice_key(item) for item in items]
    ids: dict[int, None] = {}
    unknown: list[str] = []
    position = 0
    while position < len(keys):
        for size in range(min(lookup.longest, len(keys) - position), 1, -1):
            pk = lookup.runs.get(tuple(keys[position : position + size]))
            if pk is not None:
                ids.setdefault(pk, None)
                position += size
                break
        else:
            pk = lookup.single.get(keys[position])
            if pk is None:
                unknown.append(normalise_text(items[position]))
            else:
                ids.setdefault(pk, None)
            position += 1
    return list(ids), unknown
