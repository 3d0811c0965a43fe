"""Finding the header row of a ledger and mapping its columns to the importer's fields.

``SYNONYMS`` lists, per import kind and field, the header names ledgers use, in Chinese
and English. Matching ignores case, spaces, full-width forms, punctuation and a bracket's
content (注册资本（万元） is 注册资本), though a header that matches with its bracket (Name
(English)) matches that way first. :func:`unit_hints` reads the bracket for the unit of an
amount column. See docs/spreadsheets-values.md.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache, lru_cache
from typing import NamedTuple

from django.utils.translation import gettext_lazy as _

from .values import CellError, UnitHint, parse_unit

__all__ = [
    "IGNORED",
    "KINDS",
    "SYNONYMS",
    "HeaderRowNotFound",
    "UnitHint",
    "auto_map",
    "find_header_row",
    "normalise_header",
    "unit_hint_above",
    "unit_hints",
]

# ------------------------------------------------------------------- synonyms
# Groups more than one kind shares. The first name of each field is the one the import
# templates use; the rest are what real 台账 and list exports call it.

_INSTITUTION = (
    "机构名称", "企业名称", "名称", "机构", "企业", "公司名称", "公司", "单位名称", "客户名称",
    "机构全称", "企业全称", "公司全称", "中文名称", "机构中文名称", "企业中文名称", "中文名",
    "Institution", "Institution name", "Name", "Company", "Company name", "Chinese name",
    "Name (Chinese)", "name_zh",
)  # fmt: skip
_USCC = (
    "统一社会信用代码", "信用代码", "社会信用代码", "统一信用代码", "社会统一信用代码",
    "统一代码", "营业执照号", "营业执照号码", "营业执照注册号", "工商注册号",
    "USCC", "Unified social credit code", "Credit code", "Social credit code",
)  # fmt: skip
_CATEGORIES = (
    "所属行业", "行业类别", "行业", "行业分类", "所属领域", "类别", "规划类别", "产业类别",
    "产业领域", "所属产业", "重点领域", "业态", "细分行业", "行业门类", "所属板块", "领域",
    "Categories", "Category", "Plan categories", "Sector", "Sectors", "Industry", "Industries",
)  # fmt: skip
_OWNER = (
    "负责人", "跟进人", "招商专员", "对接人", "招商负责人", "项目负责人", "责任人", "经办人",
    "服务专员", "企业服务专员", "首席企业服务专员", "招商人员", "客户经理", "跟进人员",
    "Owner", "Officer", "Responsible officer", "Account manager", "Relationship manager",
)  # fmt: skip
_TEAM = (
    "团队", "部门", "招商部门", "所属部门", "责任部门", "招商团队", "科室", "处室", "招商小组",
    "Team", "Department",
)  # fmt: skip
_BUILDING = (
    "楼宇", "所在楼宇", "入驻楼宇", "楼宇名称", "办公楼宇", "所在大厦", "大厦", "办公楼",
    "入驻大楼", "所在楼宇名称", "Building", "Building name", "Office building",
)  # fmt: skip
_REGISTERED_CAPITAL = (
    "注册资本", "注册资本金", "注册资金", "资本金", "认缴注册资本", "注册资本(万元)",
    "Registered capital", "Capital", "registered capital (10,000s)",
)  # fmt: skip
_REGISTRATION_DATE = (
    "注册日期", "落地时间", "落地日期", "注册时间", "成立日期", "成立时间", "设立日期",
    "设立时间", "登记日期", "营业执照日期", "发照日期", "工商注册日期", "实际落地时间",
    "Registration date", "Date registered", "Registered on", "Landed on", "Landing date",
    "Incorporation date", "Date of incorporation",
)  # fmt: skip

SYNONYMS: dict[str, dict[str, tuple[str, ...]]] = {
    "institutions": {
        "name_zh": _INSTITUTION,
        "name_en": (
            "英文名称", "机构英文名称", "企业英文名称", "公司英文名称", "英文名", "英文全称",
            "外文名称", "English name", "Name (English)", "Name in English", "name_en",
        ),
        "uscc": _USCC,
        "lei": (
            "LEI", "LEI码", "LEI代码", "LEI编码", "全球法人识别编码", "法人识别编码",
            "Legal entity identifier", "LEI (全球法人识别编码)",
        ),
        "institution_type": (
            "机构类型", "机构类别", "企业类型", "类型", "金融机构类型", "机构种类", "机构分类",
            "Institution type", "Type", "Type of institution",
        ),
        "ownership": (
            "所有制", "所有制性质", "企业性质", "资本性质", "经济类型", "经济性质", "股权性质",
            "内外资", "资本类型", "所有制类型", "Ownership", "Ownership type",
        ),
        "country": (
            "国别", "国家", "来源地", "国别(地区)", "国家(地区)", "国家/地区", "国别地区",
            "国家和地区", "投资方国别", "直接投资方国别", "直接投资方国别(地区)", "投资来源地",
            "外资来源地", "资本来源地", "来源国", "来源国别", "所属国家", "母国",
            "Country", "Country/region", "Country or region", "Origin", "Country of origin",
            "Home country", "Investor country", "Country of the direct investor",
        ),
        "parent_country": (
            "最终控股方国别", "最终控股方国别(地区)", "母公司国别", "母公司所在国",
            "母公司所在地", "集团总部所在地", "总部所在国", "总部国别", "实际控制人国别",
            "最终控制方国别", "Parent country", "Ultimate parent country",
            "Country of the ultimate parent", "HQ country", "Parent's country",
        ),
        "status": (
            "状态", "机构状态", "招商状态", "跟进状态", "当前状态", "企业状态", "Status",
        ),
        "licensed": (
            "持牌", "是否持牌", "持牌机构", "是否持牌机构", "持牌情况", "是否金融持牌机构",
            "Licensed", "Licensed?", "Is licensed",
        ),
        "national_first": (
            "全国首家", "是否全国首家", "首家", "是否首家", "First in China", "National first",
        ),
        "foreign_controlled": (
            "外资控股", "是否外资控股", "外资控股企业", "Foreign-controlled", "Foreign controlled",
        ),
        "regulator": (
            "监管机构", "监管部门", "主管部门", "监管单位", "主管机构", "Regulator", "Supervisor",
        ),
        "building": _BUILDING,
        "registered_capital": _REGISTERED_CAPITAL,
        "categories": _CATEGORIES,
        "website": (
            "网站", "网址", "官网", "公司网址", "官方网站", "主页", "Website", "Web site", "URL",
            "Homepage",
        ),
        "description": (
            "备注", "说明", "简介", "机构简介", "企业简介", "公司简介", "情况说明", "描述",
            "基本情况", "Notes", "Note", "Description", "Remarks", "Comments",
        ),
        "owner": _OWNER,
        "team": _TEAM,
        "aliases": (
            "别名", "曾用名", "原名", "简称", "企业简称", "机构简称", "其他名称", "Aliases", "Alias",
            "Former names", "Former name", "Also known as", "AKA", "Short name",
        ),
        "contact_name": (
            "联系人", "联系人姓名", "企业联系人", "对接联系人", "Contact", "Contact name",
            "Contact person",
        ),
        "contact_title": (
            "联系人职务", "职务", "职位", "联系人职位", "头衔", "Contact title", "Title",
            "Position", "Job title",
        ),
        "contact_phone": (
            "联系电话", "电话", "手机", "手机号", "手机号码", "联系方式", "联系人电话",
            "联系人手机", "电话号码", "座机", "Phone", "Telephone", "Tel", "Mobile",
            "Contact phone",
        ),
        "contact_email": (
            "邮箱", "电子邮箱", "电子邮件", "联系人邮箱", "邮件", "E-mail", "Email", "Mail",
            "Contact email", "Contact e-mail",
        ),
    },
    "interactions": {
        "institution": (*_INSTITUTION, "拜访对象", "拜访单位", "走访企业", "走访单位", "对象"),
        "uscc": _USCC,
        "date": (
            "日期", "拜访日期", "走访日期", "接洽日期", "会见日期", "时间", "拜访时间",
            "走访时间", "接洽时间", "会议日期", "会议时间", "发生日期", "Date", "Visit date",
            "Meeting date",
        ),
        "kind": (
            "类型", "方式", "接洽方式", "拜访方式", "沟通方式", "形式", "接洽类型", "活动类型",
            "Kind", "Type", "Channel",
        ),
        "summary": (
            "摘要", "内容", "接洽内容", "拜访内容", "沟通内容", "会谈内容", "洽谈内容", "主要内容",
            "纪要", "会议纪要", "走访情况", "情况", "Summary", "Content", "Notes", "Minutes",
        ),
        "outcome": (
            "结果", "成果", "接洽结果", "拜访结果", "进展", "成效", "结论", "Outcome", "Result",
        ),
        "next_step": (
            "下一步", "下一步计划", "下一步工作", "后续安排", "后续工作", "下步工作", "跟进事项",
            "后续跟进", "Next step", "Next steps", "Follow-up",
        ),
        "officers": (
            "在场招商人员", "招商人员", "拜访人", "拜访人员", "走访人员", "我方人员", "我方参加人员",
            "经办人", "跟进人", "负责人", "招商专员", "Officers", "Officers present", "Officer",
            "Staff",
        ),
        "team": _TEAM,
        "contacts": (
            "在场联系人", "联系人", "对方人员", "企业参会人员", "对方参加人员", "会见人", "会见对象",
            "Contacts", "Contacts present", "Contact", "Attendees",
        ),
    },
    "projects": {
        "institution": (*_INSTITUTION, "投资方", "投资主体", "投资方名称", "投资者"),
        "uscc": _USCC,
        "title": (
            "项目名称", "项目", "项目标题", "招商项目", "项目简称", "Project", "Project name",
            "Project title", "Title",
        ),
        "vehicle": (
            "设立形式", "设立类型", "拟设机构类型", "拟设立机构", "落地形式", "投资形式", "项目类型",
            "机构形式", "Vehicle", "Entity type", "Form",
        ),
        "categories": _CATEGORIES,
        "owner": _OWNER,
        "team": _TEAM,
        "stage": (
            "阶段", "项目阶段", "进展阶段", "当前阶段", "推进阶段", "项目进展", "项目状态", "状态",
            "进度", "Stage", "Status", "Pipeline stage",
        ),
        "stage_date": (
            "阶段日期", "进入阶段日期", "阶段变更日期", "进展日期", "最新进展日期", "状态日期",
            "更新日期", "Stage date", "Stage since", "In stage since", "In this stage since",
        ),
        "probability": (
            "概率", "落地概率", "成功率", "可能性", "落地可能性", "把握度", "Probability",
            "Likelihood", "Probability (%)",
        ),
        "expected_registered_capital": (
            "预计注册资本", "拟注册资本", "计划注册资本", "拟注册资本金", "预计注册资金",
            "预计注册资本（万）", "Expected registered capital", "Expected capital",
            "Planned capital", "expected registered capital (10,000s)",
        ),
        "expected_landing": (
            "预计落地时间", "预计落地季度", "预计落地", "计划落地时间", "预期落地时间",
            "预计落地日期", "预计注册时间", "Expected landing", "Expected landing quarter",
            "Expected quarter", "Target quarter",
        ),
        "expected_jobs": (
            "预计就业人数", "就业人数", "预计员工人数", "拟招聘人数", "员工人数", "人数", "预计人数",
            "Expected jobs", "Jobs", "Headcount", "Employees",
        ),
        "competing_locations": (
            "竞争地区", "竞争城市", "竞争地", "竞争对手地区", "比选城市", "备选地", "其他选址",
            "竞争区域", "Competing locations", "Competitors", "Alternative locations",
        ),
        "lost_reason": (
            "流失原因", "流失原因类别", "失败原因", "未落地原因", "Reason lost", "Lost reason",
            "Loss reason",
        ),
        "lost_note": (
            "流失说明", "流失情况说明", "流失备注", "Note on the loss", "Lost note", "Loss note",
        ),
        "hold_reason": (
            "搁置原因", "暂缓原因", "搁置说明", "Reason on hold", "Hold reason", "On-hold reason",
        ),
        "confidential": ("保密", "是否保密", "保密项目", "Confidential"),
        "code_name": ("代号", "项目代号", "代称", "Code name", "Codename"),
        "registration_date": _REGISTRATION_DATE,
        "registered_capital": (*_REGISTERED_CAPITAL, "实际注册资本", "落地注册资本"),
        "building": _BUILDING,
    },
    "measurements": {
        "target": (
            "指标", "指标名称", "规划指标", "指标代码", "统计指标", "考核指标", "目标", "Target",
            "Target code", "Indicator", "Metric", "KPI",
        ),
        "period": (
            "期间", "统计期间", "报告期", "统计期", "季度末", "截至日期", "截止日期", "统计时点",
            "时期", "Period", "As of", "Reporting period", "Quarter end",
        ),
        "year": ("年份", "年度", "年", "统计年度", "Year"),
        "quarter": ("季度", "季", "Quarter", "Qtr"),
        "value": (
            "数值", "值", "完成值", "实际值", "数据", "指标值", "统计值", "当期值", "Value",
            "Actual", "Amount",
        ),
        "note": ("备注", "说明", "数据来源", "Note", "Notes", "Remarks", "Comment", "Comments"),
    },
}  # fmt: skip
KINDS = tuple(SYNONYMS)

# Columns every ledger has that no field takes: a row number is not data.
# The list export's last-contact date is derived from interactions, never imported.
IGNORED = ("序号", "序", "编号", "行号", "序列号", "No.", "#", "S/N", "Number", "Nr.",
           "最近接洽", "Last contact")  # fmt: skip

# ------------------------------------------------------------------ matching

_BRACKETED = re.compile(r"[(\[{【〔《<][^)\]}】〕》>]*[)\]}】〕》>]")
_NOISE = re.compile(r"[\s()\[\]{}【】〔〕《》<>*:：_\-.。,，、/?？!！'\"“”‘’·]+")


@lru_cache(maxsize=4096)
def _header_keys(text: str) -> tuple[str, str]:
    """(the header with its brackets' content, the header without) as matching keys."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    full = _NOISE.sub("", folded)
    bare = _NOISE.sub("", _BRACKETED.sub("", folded))
    return full, bare or full


def normalise_header(text: object) -> str:
    """The key a header matches by: folded (NFKC, case), without spaces, punctuation and
    bracketed content. 注册资本（万元） → "注册资本"; " Ｎａｍｅ " → "name"."""
    if text is None:
        return ""
    return _header_keys(text if isinstance(text, str) else str(text))[1]


_IGNORED_KEYS = frozenset(key for name in IGNORED for key in _header_keys(name))


class _Lookup(NamedTuple):
    exact: dict[str, str]  # header key → field
    contained: tuple[tuple[str, str], ...]  # (key, field) for keys long enough to search in


_MIN_CONTAINED = 3  # shorter names (名称, 电话, Name) are too common to find inside others


@cache
def _lookup(kind: str) -> _Lookup:
    if kind not in SYNONYMS:
        raise ValueError(f"unknown import kind {kind!r}; use one of {KINDS}")
    exact: dict[str, str] = {}
    for field, names in SYNONYMS[kind].items():
        for name in (field, *names):
            for key in _header_keys(name):
                exact.setdefault(key, field)
    contained = tuple(
        sorted(
            ((key, field) for key, field in exact.items() if len(key) >= _MIN_CONTAINED),
            key=lambda item: -len(item[0]),
        )
    )
    return _Lookup(exact, contained)


# Scores: a header that is a synonym with its bracket, without it, or holds one inside.
_FULL, _BARE = 4.0, 3.0
_MIN_CONTAINED_SCORE = 0.75


@lru_cache(maxsize=8192)
def _column_match(kind: str, header: str) -> tuple[float, str] | None:
    """(score, field) for one header, or None when it names no field."""
    full, bare = _header_keys(header)
    if not bare or bare in _IGNORED_KEYS or full in _IGNORED_KEYS:
        return None
    lookup = _lookup(kind)
    if field := lookup.exact.get(full):
        return _FULL, field
    if field := lookup.exact.get(bare):
        return _BARE, field
    # 拟注册资本, 外资来源地, 企业联系人电话: a known name inside a longer header. Chinese
    # puts the head noun last, so a name the header ends with counts for more.
    best: tuple[float, str] | None = None
    for key, field in lookup.contained:
        if key in bare:
            score = len(key) / len(bare) + (0.5 if bare.endswith(key) else 0.0)
            if score >= _MIN_CONTAINED_SCORE and (best is None or score > best[0]):
                best = (score, field)
    return best


def _matches(kind: str, headers: list[object]) -> dict[int, tuple[float, str]]:
    """Column → (score, field), the best column for each field (ties: the first column)."""
    candidates = []
    for column, header in enumerate(headers):
        if header is None or isinstance(header, bool):
            continue
        text = header if isinstance(header, str) else str(header)
        if found := _column_match(kind, text):
            candidates.append((-found[0], column, found[1]))
    candidates.sort()
    taken: set[str] = set()
    chosen: dict[int, tuple[float, str]] = {}
    for negative_score, column, field in candidates:
        if field not in taken:
            taken.add(field)
            chosen[column] = (-negative_score, field)
    return dict(sorted(chosen.items()))


def auto_map(kind: str, headers: list[object]) -> dict[int, str]:
    """Column index → field for the headers of ``kind`` ("institutions", "interactions",
    "projects", "measurements"). Each field goes to at most one column, the one that
    matches it best (an exact synonym before a header that only contains one; the first
    column on a tie); columns that name no field, and row numbers (序号), are left out."""
    return {column: field for column, (_score, field) in _matches(kind, headers).items()}


class HeaderRowNotFound(CellError):
    """No row near the top of the sheet looks like a header row."""


def _row_score(kind: str, row: list[object]) -> float:
    """How header-like a row is: 1 for each exact synonym, ½ for a contained one."""
    return sum(1.0 if score >= _BARE else 0.5 for score, _field in _matches(kind, row).values())


def find_header_row(kind: str, rows: list[list[object]], *, scan: int = 30) -> int:
    """The index in ``rows`` of the header row, looking at the first ``scan`` rows.

    Title rows (2023年陆家嘴金融城招商台账), a merged title cell, 单位：万元 and blank rows
    above the headers score nothing; the row whose cells name the most fields wins, the
    first one on a tie. Raises :class:`HeaderRowNotFound` (a ``CellError``) when no row
    names a field exactly.
    """
    best, best_score = -1, 0.0
    for index, row in enumerate(rows[:scan]):
        score = _row_score(kind, row) if row else 0.0
        if score > best_score:
            best, best_score = index, score
    if best_score < 1.0:
        raise HeaderRowNotFound(
            _(
                "No header row found in the first %(scan)s rows. The sheet needs a row of "
                "column names such as %(examples)s."
            ),
            {"scan": scan, "examples": "、".join(_examples(kind))},
            code="header",
        )
    return best


def _examples(kind: str) -> list[str]:
    """A few header names of ``kind`` for the message: the first fields', and one in English."""
    fields = list(SYNONYMS[kind].values())[:3]
    english = next((name for name in fields[0] if name.isascii()), None)
    return [names[0] for names in fields] + ([english] if english else [])


# ---------------------------------------------------------------------- units

_BRACKET_CONTENT = re.compile(r"[(\[【〔]([^)\]】〕]*)[)\]】〕]")
_UNIT_LABEL = re.compile(r"(?:金额)?(?:单位|units?)\s*[:：]?\s*(?P<unit>.+)$", re.IGNORECASE)
# 注册资本万元 without a bracket; a bare 元 at the end is too common a character (单元).
_TRAILING_UNIT = re.compile(
    r"(?:(?:万|亿)(?:元|美元|港元|港币|欧元|英镑|日元|人民币)|美元|港元|港币|欧元|英镑|日元)$"
)


@lru_cache(maxsize=4096)
def _unit_hint(header: str) -> UnitHint | None:
    text = unicodedata.normalize("NFKC", header).strip()
    for content in _BRACKET_CONTENT.findall(text):
        if match := _UNIT_LABEL.search(content):
            content = match["unit"]
        if hint := parse_unit(content):
            return hint
    if (match := _UNIT_LABEL.search(text)) and (hint := parse_unit(match["unit"])):
        return hint
    if match := _TRAILING_UNIT.search(_BRACKETED.sub("", text).replace(" ", "")):
        return parse_unit(match.group())
    return None


def unit_hints(headers: list[object]) -> dict[int, UnitHint]:
    """Column index → the unit its header states, for the columns that state one.

    注册资本（万元） → UnitHint("wan", "CNY"); 注册资本（万美元） → ("wan", "USD");
    Registered capital (USD m) → ("million", "USD"); 金额（元） → ("yuan", "CNY");
    注册资本(万) → ("wan", None). Pass ``unit`` to ``parse_amount(unit_hint=...)`` and
    ``currency`` (when not None) as its ``default_currency``.
    """
    hints = {}
    for column, header in enumerate(headers):
        if isinstance(header, str) and (hint := _unit_hint(header)):
            hints[column] = hint
    return hints


def unit_hint_above(rows: list[list[object]], header_row: int) -> UnitHint | None:
    """The unit a line above the headers states for the whole sheet (单位：万元), if any.

    A column's own unit (:func:`unit_hints`) wins over it.
    """
    for row in rows[:header_row]:
        for cell in row:
            match = _UNIT_LABEL.search(cell.strip()) if isinstance(cell, str) else None
            if match and (hint := parse_unit(match["unit"])):
                return hint
    return None
