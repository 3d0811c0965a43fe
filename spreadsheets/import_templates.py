"""Import templates: for each import kind, a workbook to fill in and import as it is.

Entry point: ``template_workbook(kind, *, user, language) -> bytes``, the .xlsx file the
import page offers (``spreadsheets.template_views``). It has three sheets:

1. the data sheet, first (an import reads the first visible sheet): the header row only,
   one column per field of ``headers.SYNONYMS[kind]``, in their order. In Chinese the
   header is the field's first synonym; in English the header ``FIELDS`` gives, itself a
   synonym, so that ``headers.auto_map`` maps either file back to every field. Each header
   carries a comment saying what the column takes; choice columns have a drop-down of the
   choices sheet's values; date, amount and number columns have their formats; columns
   of codes and phone numbers are text, so that Excel keeps 0-led and 18-digit values.
2. "How to fill in": one line per column (what it takes, whether required, examples).
3. "Valid choices": per choice column, the values the import accepts, in both languages
   where they have two: the register's vocabularies, the plan categories and measured
   targets of the user's plans, stages, and the buildings, teams and colleagues the user
   may choose (the same selectors the importers look names up in).

The house look is the tally workbook's (``spreadsheets.tally``): its header fill, its
formula-safe cells, A4 landscape printing one page wide.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from django.db import models
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext, pgettext_lazy
from django_countries import countries
from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from accounts.models import Team, User
from crm.models import InstitutionStatus, InstitutionType, InteractionKind, Ownership, Regulator
from crm.selectors import buildings_visible_to, users_choosable_by
from pipeline.models import LostReason, Stage, StageKind, Vehicle
from plans.models import Category, Target
from plans.selectors import category_index, plans_visible_to

from .headers import SYNONYMS
from .tally import AMOUNT, DATE, HEADER_BORDER, HEADER_FILL, INTEGER, Column, sheet_name
from .tally import _cell as cell_write
from .tally import _header_footer_text as header_footer_text
from .tally import _note_lines as note_lines
from .values import COUNTRY_ALIASES

__all__ = ["FIELDS", "KINDS", "header", "template_filename", "template_workbook"]

CHINESE = "zh-hans"
ENGLISH = "en"

# What a column holds, and so its cell format.
TEXT = "text"  # general: Excel reads what is typed
CODE = "code"  # kept as typed: identifiers, phone numbers, quarters, 60%
DATE_VALUE = "date"
AMOUNT_VALUE = "amount"
NUMBER = "number"  # a whole number

NUMBER_FORMATS = {CODE: "@", DATE_VALUE: DATE, AMOUNT_VALUE: AMOUNT, NUMBER: INTEGER}

REQUIRED_FILL = PatternFill("solid", fgColor="FCE4D6")
MUTED = "595959"
LAST_ROW = 1_048_576  # Excel's: drop-downs and formats cover the whole column below the header


@dataclass(frozen=True)
class Field:
    """One column of a template: its English header, what it takes and how it is typed.

    ``english`` must be a synonym of the field in ``headers.SYNONYMS`` that ``auto_map``
    maps back to it (tests prove it for every field); ``choices`` names the list of the
    choices sheet whose values the column's drop-down offers.
    """

    english: str
    hint: str | Promise
    value: str = TEXT
    width: float = 16
    required: bool = False
    choices: str = ""
    multiple: bool = False  # several values in one cell, separated by 、
    example: str = ""


_DATES = "2021-03-05; 2021/3/5; 2021年3月5日"
_AMOUNTS = "5000万元; 1.2亿; USD 20m; 港币500万"
_OWNER_FIELD = Field(
    "Owner",
    gettext_lazy("The officer responsible: a colleague's name or user name."),
    width=14,
    choices="person",
)
_TEAM_FIELD = Field("Team", gettext_lazy("A team, by its name."), width=18, choices="team")
_CATEGORIES_FIELD = Field(
    "Plan categories",
    gettext_lazy("Plan categories, by name or code; separate several with 、."),
    width=28,
    choices="category",
    multiple=True,
)
_REGISTERED_CAPITAL = Field(
    "Registered capital",
    gettext_lazy(
        "An amount: 5000万元, 1.2亿, USD 20m, 港币500万. A plain number is in 万元 (10,000 yuan)."
    ),
    value=AMOUNT_VALUE,
    width=16,
    example=_AMOUNTS,
)
_USCC_OF = gettext_lazy(
    "The institution's 18-character unified social credit code: it finds the institution "
    "before the name does."
)

FIELDS: dict[str, dict[str, Field]] = {
    "institutions": {
        "name_zh": Field(
            "Chinese name",
            gettext_lazy(
                "The institution's full Chinese name. A row needs this name, the English "
                "name, the USCC or the LEI."
            ),
            width=32,
            required=True,
            example="贝莱德基金管理有限公司",
        ),
        "name_en": Field(
            "English name",
            gettext_lazy("The institution's English name."),
            width=36,
            example="BlackRock Fund Management Co., Ltd.",
        ),
        "uscc": Field(
            "USCC",
            gettext_lazy(
                "The 18-character unified social credit code (统一社会信用代码). The import "
                "matches an institution by it first, then by LEI, then by name."
            ),
            value=CODE,
            width=22,
            example="91310000MA1FL0000N",
        ),
        "lei": Field(
            "LEI",
            gettext_lazy("The 20-character Legal Entity Identifier."),
            value=CODE,
            width=22,
            example="5493001KJTIIGC8Y1R12",
        ),
        "institution_type": Field(
            "Institution type",
            gettext_lazy("What kind of institution it is. Other when left empty."),
            width=20,
            choices="institution_type",
        ),
        "ownership": Field(
            "Ownership",
            gettext_lazy("Who owns it. Other when left empty."),
            width=18,
            choices="ownership",
        ),
        "country": Field(
            "Country of the direct investor",
            gettext_lazy(
                "The direct investor's country or region: its Chinese or English name or its "
                "ISO code."
            ),
            width=16,
            choices="country",
        ),
        "parent_country": Field(
            "Country of the ultimate parent",
            gettext_lazy(
                "The ultimate parent's country or region: its Chinese or English name or its "
                "ISO code."
            ),
            width=16,
            choices="country",
        ),
        "status": Field(
            "Status",
            gettext_lazy("Where the office stands with the institution."),
            width=14,
            choices="status",
        ),
        "licensed": Field(
            "Licensed",
            gettext_lazy("Whether it holds a financial licence."),
            width=10,
            choices="yes_no",
        ),
        "national_first": Field(
            "First in China",
            gettext_lazy("Whether it is the first of its kind in China."),
            width=10,
            choices="yes_no",
        ),
        "foreign_controlled": Field(
            "Foreign-controlled",
            gettext_lazy("Whether foreign investors control it."),
            width=10,
            choices="yes_no",
        ),
        "regulator": Field(
            "Regulator",
            gettext_lazy("The authority that supervises it."),
            width=22,
            choices="regulator",
        ),
        "building": Field(
            "Building",
            gettext_lazy("The building it sits in: a building in Landfall."),
            width=22,
            choices="building",
        ),
        "registered_capital": _REGISTERED_CAPITAL,
        "categories": _CATEGORIES_FIELD,
        "website": Field(
            "Website",
            gettext_lazy("The institution's web address."),
            width=24,
            example="www.blackrock.com",
        ),
        "description": Field(
            "Description",
            gettext_lazy("Anything else worth knowing; line breaks are kept."),
            width=40,
        ),
        "owner": _OWNER_FIELD,
        "team": _TEAM_FIELD,
        "aliases": Field(
            "Aliases",
            gettext_lazy(
                "Former names, short names and other names, separated by 、. They are added "
                "to the institution's; none is taken away."
            ),
            width=24,
            multiple=True,
            example="贝莱德基金、BlackRock FM",
        ),
        "contact_name": Field(
            "Contact name",
            gettext_lazy(
                "One person at the institution. A name it already has updates that contact; "
                "another name adds one."
            ),
            width=12,
            example="张三",
        ),
        "contact_title": Field(
            "Contact title",
            gettext_lazy("The contact's job title."),
            width=14,
            example="总经理",
        ),
        "contact_phone": Field(
            "Contact phone",
            gettext_lazy("The contact's phone number."),
            value=CODE,
            width=16,
            example="021-5888 0000",
        ),
        "contact_email": Field(
            "Contact email",
            gettext_lazy("The contact's e-mail address."),
            width=24,
            example="zhang.san@example.com",
        ),
    },
    "interactions": {
        "institution": Field(
            "Institution",
            gettext_lazy(
                "The institution's Chinese or English name. It must already be in Landfall: "
                "import it first. A row needs this name or the USCC."
            ),
            width=32,
            required=True,
            example="贝莱德基金管理有限公司",
        ),
        "uscc": Field("USCC", _USCC_OF, value=CODE, width=22, example="91310000MA1FL0000N"),
        "date": Field(
            "Date",
            gettext_lazy("The day it took place, not in the future."),
            value=DATE_VALUE,
            width=12,
            required=True,
            example=_DATES,
        ),
        "kind": Field(
            "Kind",
            gettext_lazy("Visit, meeting, call …"),
            width=14,
            required=True,
            choices="interaction_kind",
        ),
        "summary": Field(
            "Summary",
            gettext_lazy("What was discussed; line breaks are kept."),
            width=44,
            required=True,
        ),
        "outcome": Field("Outcome", gettext_lazy("What came of it."), width=28),
        "next_step": Field("Next step", gettext_lazy("What happens next."), width=28),
        "officers": Field(
            "Officers present",
            gettext_lazy("The colleagues present, by name or user name, separated by 、."),
            width=20,
            choices="person",
            multiple=True,
        ),
        "team": _TEAM_FIELD,
        "contacts": Field(
            "Contacts present",
            gettext_lazy(
                "The institution's people present, separated by 、. A name the institution "
                "does not have yet is added as its contact."
            ),
            width=20,
            multiple=True,
            example="张三、李四",
        ),
    },
    "projects": {
        "institution": Field(
            "Institution",
            gettext_lazy("The institution setting up the project: its Chinese or English name."),
            width=32,
            required=True,
            example="贝莱德基金管理有限公司",
        ),
        "uscc": Field(
            "USCC",
            gettext_lazy(
                "The institution's 18-character unified social credit code. A landed project "
                "needs it."
            ),
            value=CODE,
            width=22,
            example="91310000MA1FL0000N",
        ),
        "title": Field(
            "Project name",
            gettext_lazy(
                "What the institution sets up here. The import finds the project by the "
                "institution and this name; left empty, the row is about the institution's "
                "only open project."
            ),
            width=30,
            example="贝莱德理财子公司",
        ),
        "vehicle": Field(
            "Vehicle",
            gettext_lazy("The form it takes."),
            width=18,
            choices="vehicle",
        ),
        "categories": _CATEGORIES_FIELD,
        "owner": _OWNER_FIELD,
        "team": _TEAM_FIELD,
        "stage": Field(
            "Stage",
            gettext_lazy(
                "The project's stage. A landed stage needs the registration date and the "
                "USCC; a lost stage needs the reason lost."
            ),
            width=14,
            choices="stage",
        ),
        "stage_date": Field(
            "Stage date",
            gettext_lazy("The day the project reached its stage, not in the future."),
            value=DATE_VALUE,
            width=12,
            example=_DATES,
        ),
        "probability": Field(
            "Probability",
            gettext_lazy("The chance of landing, 0 to 100: 60 or 60%."),
            value=CODE,
            width=10,
            example="60%",
        ),
        "expected_registered_capital": replace(
            _REGISTERED_CAPITAL, english="Expected registered capital"
        ),
        "expected_landing": Field(
            "Expected landing quarter",
            gettext_lazy("The quarter it is expected to land in, or a date in that quarter."),
            value=CODE,
            width=14,
            choices="quarter",
            example="2026Q2; 2026年第二季度",
        ),
        "expected_jobs": Field(
            "Expected jobs",
            gettext_lazy("How many people it is expected to employ: a whole number."),
            value=NUMBER,
            width=10,
            example="50",
        ),
        "competing_locations": Field(
            "Competing locations",
            gettext_lazy("Other places the institution is considering, separated by 、."),
            width=20,
            multiple=True,
            example="北京、新加坡",
        ),
        "lost_reason": Field(
            "Lost reason",
            gettext_lazy("Why the project was lost, for a lost stage."),
            width=20,
            choices="lost_reason",
        ),
        "lost_note": Field(
            "Lost note",
            gettext_lazy("What happened, in words, for a lost stage."),
            width=28,
        ),
        "hold_reason": Field(
            "Hold reason",
            gettext_lazy("Why the project is on hold, in words."),
            width=28,
        ),
        "confidential": Field(
            "Confidential",
            gettext_lazy(
                "Yes for a project only its team may see by name; it then needs a code name."
            ),
            width=10,
            choices="yes_no",
        ),
        "code_name": Field(
            "Code name",
            gettext_lazy("The name everyone outside the team sees, for a confidential project."),
            value=CODE,
            width=14,
            example="Project Falcon",
        ),
        "registration_date": Field(
            "Registration date",
            gettext_lazy("The date of the business licence, for a landed project."),
            value=DATE_VALUE,
            width=12,
            example=_DATES,
        ),
        "registered_capital": _REGISTERED_CAPITAL,
        "building": Field(
            "Building",
            gettext_lazy("Where the landed institution sits: a building in Landfall."),
            width=22,
            choices="building",
        ),
    },
    "measurements": {
        "target": Field(
            "Target",
            gettext_lazy("A measured target of the plan, by its name or code."),
            width=36,
            required=True,
            choices="target",
        ),
        "period": Field(
            "Period",
            gettext_lazy(
                "The quarter the value is for. Or leave it empty and fill in the year and the "
                "quarter."
            ),
            value=CODE,
            width=14,
            choices="quarter",
            example="2025Q4; 2025年第四季度; 2025-12-31",
        ),
        "year": Field(
            "Year",
            gettext_lazy("The year, with the quarter, when the period is empty."),
            width=8,
            example="2025",
        ),
        "quarter": Field(
            "Quarter",
            gettext_lazy("The quarter, 1 to 4, with the year, when the period is empty."),
            width=8,
            example="4; Q4; 第四季度",
        ),
        "value": Field(
            "Value",
            gettext_lazy(
                "The value at the end of the quarter, in the target's unit (see the list of "
                "measured targets): 1,200 or 85%."
            ),
            width=14,
            required=True,
            example="1200; 85%",
        ),
        "note": Field(
            "Notes",
            gettext_lazy("Where the figure comes from, or anything else."),
            width=36,
        ),
    },
}
KINDS = tuple(FIELDS)

KIND_NAMES = {
    "institutions": gettext_lazy("Institutions"),
    "interactions": gettext_lazy("Interactions"),
    "projects": gettext_lazy("Projects"),
    "measurements": gettext_lazy("Target measurements"),
}
FILE_NAMES = {
    "institutions": pgettext_lazy("file name", "landfall-import-institutions"),
    "interactions": pgettext_lazy("file name", "landfall-import-interactions"),
    "projects": pgettext_lazy("file name", "landfall-import-projects"),
    "measurements": pgettext_lazy("file name", "landfall-import-measurements"),
}
ROWS_ARE = {
    "institutions": gettext_lazy(
        "One row per institution. A row that names an institution already in Landfall (by "
        "USCC, LEI or name) updates it; any other row adds one."
    ),
    "interactions": gettext_lazy(
        "One row per interaction with an institution already in Landfall. An interaction "
        "Landfall already has (same institution, date, kind and summary) is not added twice."
    ),
    "projects": gettext_lazy(
        "One row per project. A row updates the institution's project of the same name, or "
        "adds one; a new stage moves the project and keeps the move in its history."
    ),
    "measurements": gettext_lazy(
        "One row per measured target and quarter. A value Landfall already has for that "
        "quarter is replaced; the old one stays in the history."
    ),
}


def header(kind: str, name: str, language: str) -> str:
    """The template's header of field ``name`` in ``language``."""
    if language.startswith("zh"):
        return SYNONYMS[kind][name][0]
    return FIELDS[kind][name].english


def template_filename(kind: str, *, language: str) -> str:
    """The file's name, e.g. landfall-import-institutions.xlsx (in ``language``)."""
    with translation.override(language):
        return "%s.xlsx" % FILE_NAMES[kind]


# ---------------------------------------------------------------- choice lists


@dataclass
class ChoiceList:
    """One list of the choices sheet: a title, a table, and the column a drop-down offers."""

    title: str
    columns: list[str]
    rows: list[tuple]
    offered: int = 0  # the column whose values a drop-down lists
    also: str = ""  # what else the import takes for the list's values
    notes: list[str] = field(default_factory=list)
    indents: list[int] = field(default_factory=list)  # per row, of the first two columns


def _names_columns() -> list[str]:
    return [_("Chinese name"), _("English name"), _("Code")]


def _offered(language: str) -> int:
    return 0 if language.startswith("zh") else 1


def _labels(choices: type[models.Choices]) -> list[tuple[str, str, str]]:
    """(Chinese label, English label, code) of each choice."""
    with translation.override(CHINESE):
        chinese = [str(label) for label in choices.labels]
    with translation.override(ENGLISH):
        english = [str(label) for label in choices.labels]
    return list(zip(chinese, english, choices.values, strict=True))


def _vocabulary(
    title: str | Promise, choices: type[models.Choices]
) -> Callable[[User, str], ChoiceList]:
    def build(user: User, language: str) -> ChoiceList:
        return ChoiceList(
            str(title),
            _names_columns(),
            _labels(choices),
            _offered(language),
            also=_("The code or the name in the other language works too."),
        )

    return build


def _yes_no(user: User, language: str) -> ChoiceList:
    return ChoiceList(
        _("Yes or no"),
        [_("Chinese"), _("English"), _("Also accepted")],
        [("是", "Yes", "Y, TRUE, √, 1, 有"), ("否", "No", "N, FALSE, ×, 0, 无")],
        _offered(language),
        also=_("Y/N, √/× and 1/0 work too."),
        notes=[_("An empty cell leaves the answer Landfall holds as it is.")],
    )


# As the office writes them in English (each is one of values.COUNTRY_ALIASES).
ENGLISH_COUNTRY_NAMES = {
    "HK": "Hong Kong SAR, China",
    "MO": "Macao SAR, China",
    "TW": "Taiwan, China",
    "VG": "British Virgin Islands",
    "BS": "Bahamas",
}


def _countries(user: User, language: str) -> ChoiceList:
    rows = []
    for code, aliases in COUNTRY_ALIASES.items():
        with translation.override(ENGLISH):
            english = ENGLISH_COUNTRY_NAMES.get(code) or str(countries.name(code))
        rows.append((aliases[0], english, code))  # the first alias is the usual Chinese name
    return ChoiceList(
        _("Countries and regions"),
        [_("Chinese name"), _("English name"), _("ISO code")],
        rows,
        _offered(language),
        also=_("Any other country or region works too, by its name or ISO code."),
        notes=[
            _(
                "The countries and regions investors most often come from. Any other works "
                "too: write its Chinese or English name or its ISO code (two or three letters)."
            ),
            _(
                "The usual ways of writing them work as well: 香港特别行政区, Hong Kong SAR, 开曼, BVI."
            ),
        ],
    )


def _categories(user: User, language: str) -> ChoiceList:
    index = category_index(user=user)
    fields = Category.objects.filter(
        pk__in=[pk for _plan, items in index.choices for pk, _name in items]
    ).values_list("pk", "code", "name_zh", "name_en")
    found = {pk: (code, name_zh, name_en) for pk, code, name_zh, name_en in fields}
    rows, indents = [], []
    for plan_name, items in index.choices:
        for pk, indented in items:
            code, name_zh, name_en = found[pk]
            rows.append((name_zh, name_en, code, plan_name))
            indents.append(len(indented) - len(indented.lstrip("\u3000")))
    return ChoiceList(
        _("Plan categories"),
        [*_names_columns(), _("Plan")],
        rows,
        _offered(language),
        also=_("The code or the name in the other language works too."),
        notes=[_("Several categories go in one cell, separated by 、, e.g. 资产管理、公募基金.")],
        indents=indents,
    )


STAGE_MEANINGS = {
    StageKind.OPEN: gettext_lazy("In progress"),
    StageKind.WON: gettext_lazy("Landed: needs the registration date and the USCC"),
    StageKind.LOST: gettext_lazy("Lost: needs the reason lost"),
    StageKind.HOLD: gettext_lazy("On hold"),
}


def _stages(user: User, language: str) -> ChoiceList:
    stages = Stage.objects.order_by("position", "pk").values_list(
        "name_zh", "name_en", "code", "kind"
    )
    rows = [
        (name_zh, name_en, code, str(STAGE_MEANINGS.get(kind, "")))
        for name_zh, name_en, code, kind in stages
    ]
    return ChoiceList(
        _("Stages"),
        [*_names_columns(), pgettext("stage", "What it means")],
        rows,
        _offered(language),
        also=_("The code or the name in the other language works too."),
    )


def _people(user: User, language: str) -> ChoiceList:
    colleagues = users_choosable_by(user).order_by("display_name", "username")
    return ChoiceList(
        _("Colleagues"),
        [_("Name"), _("User name")],
        [(str(person), person.username) for person in colleagues],
        also=_("The user name works too."),
    )


def _teams(user: User, language: str) -> ChoiceList:
    names = Team.objects.order_by("name").values_list("name", flat=True)
    return ChoiceList(_("Teams"), [_("Name")], [(name,) for name in names])


def _buildings(user: User, language: str) -> ChoiceList:
    buildings = buildings_visible_to(user).order_by("name_zh", "pk")
    return ChoiceList(
        _("Buildings"),
        [_("Chinese name"), _("English name")],
        list(buildings.values_list("name_zh", "name_en")),
        _offered(language),
        also=_("The name in the other language works too."),
    )


def _targets(user: User, language: str) -> ChoiceList:
    targets = (
        Target.objects.filter(plan__in=plans_visible_to(user), kind=Target.Kind.MEASURED)
        .select_related("plan")
        .order_by("-plan__baseline_date", "plan_id", "position", "pk")
    )
    rows = [(t.name_zh, t.name_en, t.code, t.get_unit_display(), t.plan.name) for t in targets]
    return ChoiceList(
        _("Measured targets"),
        [*_names_columns(), _("Unit"), _("Plan")],
        rows,
        _offered(language),
        also=_("The code or the name in the other language works too."),
        notes=[
            _(
                "Only measured targets take values; count targets are counted from the "
                "institutions' landings."
            )
        ],
    )


def _quarters(user: User, language: str) -> ChoiceList:
    return ChoiceList(
        _("Quarters"),
        [_("Written as")],
        [("2025Q4",), ("2025 Q4",), ("2025年第四季度",), ("2025年四季度",), ("2025-12-31",)],
    )


CHOICE_LISTS: dict[str, Callable[[User, str], ChoiceList]] = {
    "institution_type": _vocabulary(gettext_lazy("Institution types"), InstitutionType),
    "ownership": _vocabulary(gettext_lazy("Ownership"), Ownership),
    "country": _countries,
    "status": _vocabulary(gettext_lazy("Statuses"), InstitutionStatus),
    "yes_no": _yes_no,
    "regulator": _vocabulary(gettext_lazy("Regulators"), Regulator),
    "building": _buildings,
    "category": _categories,
    "person": _people,
    "team": _teams,
    "interaction_kind": _vocabulary(gettext_lazy("Interaction kinds"), InteractionKind),
    "vehicle": _vocabulary(gettext_lazy("Vehicles"), Vehicle),
    "stage": _stages,
    "lost_reason": _vocabulary(gettext_lazy("Reasons lost"), LostReason),
    "target": _targets,
    "quarter": _quarters,
}
# Lists that show formats rather than values: no drop-down.
NO_DROP_DOWN = frozenset({"quarter"})


# ---------------------------------------------------------------- the workbook


@dataclass
class _Template:
    kind: str
    user: User
    language: str
    data_sheet: str = ""
    choices_sheet: str = ""
    lists: dict[str, ChoiceList] = field(default_factory=dict)
    ranges: dict[str, str] = field(default_factory=dict)  # list key → its drop-down's range

    def header(self, name: str) -> str:
        return header(self.kind, name, self.language)

    def columns_of(self, key: str) -> list[str]:
        return [name for name, spec in FIELDS[self.kind].items() if spec.choices == key]


def template_workbook(kind: str, *, user: User, language: str) -> bytes:
    """The import template of ``kind`` for ``user``, in ``language``, as .xlsx.

    Raises ``KeyError`` for a kind without a template (one of ``KINDS``).
    """
    fields = FIELDS[kind]
    with translation.override(language):
        template = _Template(kind, user, language)
        book = Workbook()
        data = book.active
        data.title = template.data_sheet = sheet_name(str(KIND_NAMES[kind]))
        template.choices_sheet = sheet_name(_("Valid choices"), [data.title, _("How to fill in")])
        for name in fields:
            key = fields[name].choices
            if key and key not in template.lists:
                template.lists[key] = CHOICE_LISTS[key](user, language)
        how_to = book.create_sheet(sheet_name(_("How to fill in"), book.sheetnames))
        choices = book.create_sheet(template.choices_sheet)
        _write_choices(choices, template)  # first: it places the values drop-downs point at
        _write_data(data, template)
        _write_how_to(how_to, template)
        book.active = 0
        book.properties.title = "%s · %s" % (_("Import template"), KIND_NAMES[kind])
        book.properties.creator = "Landfall"
        book.properties.language = language
        buffer = io.BytesIO()
        book.save(buffer)
    return buffer.getvalue()


def _write_data(ws: Worksheet, template: _Template) -> None:
    """The header row, with its hints, formats and drop-downs; nothing else."""
    fields = FIELDS[template.kind]
    for index, (name, spec) in enumerate(fields.items(), start=1):
        cell = cell_write(ws, 1, index, template.header(name))
        cell.font = Font(bold=True)
        cell.fill = REQUIRED_FILL if spec.required else HEADER_FILL
        cell.border = HEADER_BORDER
        cell.alignment = Alignment(wrap_text=True, vertical="center")
        hint = _column_hint(template, spec)
        cell.comment = Comment(hint, "Landfall", width=300, height=_comment_height(hint))
        letter = get_column_letter(index)
        ws.column_dimensions[letter].width = max(spec.width, _visual_width(cell.value) + 3)
        if number_format := NUMBER_FORMATS.get(spec.value):
            ws.column_dimensions[letter].number_format = number_format
    ws.row_dimensions[1].height = 30
    ws.freeze_panes = "B2"
    for key in template.lists:
        if key in template.ranges:
            ws.add_data_validation(_drop_down(template, key))
    _page_setup(ws, title=str(KIND_NAMES[template.kind]), title_row=1)


def _drop_down(template: _Template, key: str) -> DataValidation:
    """A list validation offering the values of ``key``; it warns about others but takes them,
    since the import also takes codes and names in the other language."""
    choice_list = template.lists[key]
    multiple = any(FIELDS[template.kind][name].multiple for name in template.columns_of(key))
    message = _("This is not a value of the list “%(list)s” on the sheet “%(sheet)s”.") % {
        "list": choice_list.title,
        "sheet": template.choices_sheet,
    }
    if choice_list.also:
        message += " " + choice_list.also
    if multiple:
        message += " " + _("Several values, separated by 、, are fine.")
    validation = DataValidation(
        type="list",
        formula1=template.ranges[key],
        allow_blank=True,
        showErrorMessage=True,
        # Several values in one cell are no mistake: only say what the list holds.
        errorStyle="information" if multiple else "warning",
        errorTitle=_("Not in the list")[:32],  # Excel's limits
        error=message[:255],
    )
    for name in template.columns_of(key):
        letter = get_column_letter(list(FIELDS[template.kind]).index(name) + 1)
        validation.add(f"{letter}2:{letter}{LAST_ROW}")
    return validation


def _column_hint(template: _Template, spec: Field, *, say_required: bool = True) -> str:
    """What the column takes, as its header's comment and its line on the how-to sheet."""
    parts = [str(spec.hint)]
    if spec.value == DATE_VALUE:
        parts.append(_("Dates: 2021-03-05, 2021/3/5, 2021年3月5日 or an Excel date."))
    if spec.choices:
        choice_list = template.lists[spec.choices]
        values = {"list": choice_list.title, "sheet": template.choices_sheet}
        if spec.choices in NO_DROP_DOWN:
            parts.append(_("Formats: see “%(list)s” on the sheet “%(sheet)s”.") % values)
        else:
            parts.append(
                _("Choose from the drop-down (the list “%(list)s” on the sheet “%(sheet)s”).")
                % values
            )
            if choice_list.also:
                parts.append(choice_list.also)
    if spec.required and say_required:
        parts.append(_("Required."))
    return " ".join(parts)


def _write_how_to(ws: Worksheet, template: _Template) -> None:
    """A title, the rules every row follows, then one line per column."""
    columns = [
        Column(_("Column"), 24),
        Column(_("Required"), 10),
        Column(_("What to write"), 72, wrap=True),
        Column(_("Examples"), 34, wrap=True),
    ]
    title = _("How to fill in the template: %(kind)s") % {"kind": KIND_NAMES[template.kind]}
    cell_write(ws, 1, 1, title).font = Font(bold=True, size=14)
    notes = [
        _(
            "Fill in the first sheet, “%(sheet)s”, from row 2. Keep the header row as it is; "
            "a column you do not need may stay empty."
        )
        % {"sheet": template.data_sheet},
        str(ROWS_ARE[template.kind]),
        _(
            "An empty cell leaves what Landfall holds as it is, and an import never deletes "
            "anything: importing the same file again changes nothing."
        ),
        _("Required columns have an orange header."),
        _(
            "Several values in one cell (categories, names) are separated by 、, a comma, a "
            "semicolon or a line break."
        ),
        _(
            "Amounts: 5000万元, 1.2亿, USD 20m, 港币500万, 3,000,000元. A plain number is in "
            "万元 (10,000 yuan)."
        ),
        _(
            "Choice columns have a drop-down of the sheet “%(sheet)s”; the code or the name in "
            "the other language works too."
        )
        % {"sheet": template.choices_sheet},
        _(
            "Before anything is written, the import checks every row and lists each problem "
            "by row and column; fix them and import the file again."
        ),
    ]
    row = 3
    for note in notes:
        cell = cell_write(ws, row, 1, "· " + note)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=len(columns))
        ws.row_dimensions[row].height = 15 * note_lines(cell.value, columns)
        row += 1
    row += 1
    header_row = row
    for index, column in enumerate(columns, start=1):
        cell = cell_write(ws, row, index, column.header)
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
        cell.border = HEADER_BORDER
        ws.column_dimensions[get_column_letter(index)].width = column.width
    for name, spec in FIELDS[template.kind].items():
        row += 1
        examples = spec.example or _list_examples(template, spec)
        values = [
            template.header(name),
            _("Required") if spec.required else "",
            _column_hint(template, spec, say_required=False),
            examples,
        ]
        for index, value in enumerate(values, start=1):
            cell = cell_write(ws, row, index, value)
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        if spec.required:
            ws.cell(row, 1).fill = REQUIRED_FILL
    ws.freeze_panes = ws.cell(header_row + 1, 1)
    _page_setup(ws, title=title, title_row=header_row)


def _list_examples(template: _Template, spec: Field) -> str:
    """Two values of the column's list, as the drop-down offers them."""
    choice_list = template.lists.get(spec.choices)
    if choice_list is None:
        return ""
    values = [row[choice_list.offered] for row in choice_list.rows[:2] if row]
    return "; ".join(str(value) for value in values if value)


def _write_choices(ws: Worksheet, template: _Template) -> None:
    """The lists one under another; records where each drop-down's values sit."""
    widths = [34, 40, 22, 30, 30]
    for index, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(index)].width = width
    quoted = "'%s'" % template.choices_sheet.replace("'", "''")
    row = 1
    cell_write(ws, row, 1, _("Valid choices")).font = Font(bold=True, size=14)
    row += 2
    for key, choice_list in template.lists.items():
        cell_write(ws, row, 1, choice_list.title).font = Font(bold=True, size=12)
        row += 1
        used_by = "、".join(template.header(name) for name in template.columns_of(key))
        cell_write(
            ws, row, 1, _("For the columns: %(columns)s") % {"columns": used_by}
        ).font = Font(italic=True, color=MUTED)
        row += 1
        for index, heading in enumerate(choice_list.columns, start=1):
            cell = cell_write(ws, row, index, heading)
            cell.font = Font(bold=True)
            cell.fill = HEADER_FILL
            cell.border = HEADER_BORDER
        row += 1
        first = row
        for number, values in enumerate(choice_list.rows):
            for index, value in enumerate(values, start=1):
                cell = cell_write(ws, row, index, value)
                if choice_list.indents and index <= 2 and choice_list.indents[number]:
                    cell.alignment = Alignment(indent=choice_list.indents[number] * 2)
            row += 1
        if choice_list.rows and key not in NO_DROP_DOWN:
            letter = get_column_letter(choice_list.offered + 1)
            template.ranges[key] = f"{quoted}!${letter}${first}:${letter}${row - 1}"
        if not choice_list.rows:
            cell_write(ws, row, 1, _("None yet.")).font = Font(italic=True, color=MUTED)
            row += 1
        for note in choice_list.notes:
            cell_write(ws, row, 1, note).font = Font(italic=True, color=MUTED)
            row += 1
        row += 1
    _page_setup(ws, title=template.choices_sheet, title_row=None)


def _page_setup(ws: Worksheet, *, title: str, title_row: int | None) -> None:
    """A4 landscape, one page wide, the header row on every page, page numbers below."""
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = ws.ORIENTATION_LANDSCAPE
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    if title_row is not None:
        ws.print_title_rows = "%d:%d" % (title_row, title_row)
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.page_margins.top = ws.page_margins.bottom = 0.6
    ws.oddHeader.left.text = header_footer_text(title)
    ws.oddFooter.center.text = _("Page &P of &N")


def _visual_width(text: object) -> int:
    """How wide a text shows: CJK characters count double."""
    return sum(2 if ord(char) >= 0x2E80 else 1 for char in str(text or ""))


def _comment_height(text: str) -> int:
    """Pixels for a comment 300 wide to show ``text`` whole."""
    return 24 + 16 * -(-_visual_width(text) // 44)
