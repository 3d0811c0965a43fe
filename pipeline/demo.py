"""Plausible, fictional demo data for ``make run`` and manual testing.

Deterministic for a given seed: the same seed gives the same records, and running it
again updates them in place rather than adding copies. Every name here is invented;
any likeness to a real firm is chance. It grows with each part of the product.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from django.db import transaction
from stdnum.cn import uscc as uscc_check
from stdnum.iso7064 import mod_97_10

from accounts.models import Membership, Role, Team, User
from crm.models import Institution, InstitutionType, Ownership, Regulator
from crm.services import institution_save
from plans.models import Category, Plan

DEMO_USERNAME = "demo"
DEMO_PASSWORD = "landfall-demo-2026"  # printed by make run; a demo machine only
PLAN_CODE = "lujiazui-14th"

TEAMS = [
    ("金融机构招商一部", "banks, securities, insurance"),
    ("资管与融资租赁招商部", "asset management and leasing"),
    ("总部经济招商部", "regional and domestic headquarters"),
    ("航运与专业服务招商部", "shipping, trade and professional services"),
]
# (username, display name, team index, role)
PEOPLE = [
    ("wang.ming", "王明", 0, Role.MANAGER),
    ("li.na", "李娜", 0, Role.OFFICER),
    ("zhang.wei", "张伟", 0, Role.OFFICER),
    ("chen.jing", "陈静", 1, Role.MANAGER),
    ("liu.yang", "刘洋", 1, Role.OFFICER),
    ("zhao.lei", "赵磊", 1, Role.OFFICER),
    ("huang.min", "黄敏", 2, Role.MANAGER),
    ("zhou.jie", "周杰", 2, Role.OFFICER),
    ("wu.fang", "吴芳", 2, Role.OFFICER),
    ("xu.tao", "徐涛", 3, Role.MANAGER),
    ("sun.li", "孙丽", 3, Role.OFFICER),
    ("ma.chao", "马超", 3, Role.ANALYST),
    ("gao.jian", "高建", 3, Role.VIEWER),
]


@dataclass(frozen=True)
class Kind:
    type: str
    zh: str
    en: str
    categories: tuple[str, ...]
    licensed: bool = False
    regulator: str = ""
    team: int = 0


KINDS = [
    Kind(InstitutionType.BANK, "银行", "Bank", ("finance-bank",), True, Regulator.NFRA, 0),
    Kind(
        InstitutionType.SECURITIES,
        "证券",
        "Securities",
        ("finance-securities",),
        True,
        Regulator.CSRC,
        0,
    ),
    Kind(
        InstitutionType.PUBLIC_FUND,
        "基金管理",
        "Fund Management",
        ("finance-public-fund", "asset-management"),
        True,
        Regulator.CSRC,
        1,
    ),
    Kind(
        InstitutionType.PRIVATE_FUND,
        "私募基金管理",
        "Private Fund Management",
        ("finance-private-fund", "asset-management"),
        False,
        "",
        1,
    ),
    Kind(InstitutionType.FUTURES, "期货", "Futures", ("finance-futures",), True, Regulator.CSRC, 0),
    Kind(
        InstitutionType.LIFE_INSURER,
        "人寿保险",
        "Life Insurance",
        ("finance-life-insurance",),
        True,
        Regulator.NFRA,
        0,
    ),
    Kind(
        InstitutionType.REINSURER,
        "再保险",
        "Reinsurance",
        ("finance-reinsurance",),
        True,
        Regulator.NFRA,
        0,
    ),
    Kind(
        InstitutionType.INSURANCE_AM,
        "保险资产管理",
        "Insurance Asset Management",
        ("finance-insurance-am", "asset-management"),
        True,
        Regulator.NFRA,
        1,
    ),
    Kind(
        InstitutionType.BANK_WEALTH,
        "理财",
        "Wealth Management",
        ("finance-bank-wealth", "asset-management"),
        True,
        Regulator.NFRA,
        1,
    ),
    Kind(InstitutionType.TRUST, "信托", "Trust", ("finance-trust",), True, Regulator.NFRA, 1),
    Kind(
        InstitutionType.FINANCIAL_LEASING,
        "融资租赁",
        "Financial Leasing",
        ("financial-leasing",),
        False,
        Regulator.SHANGHAI_FINANCE,
        1,
    ),
    Kind(InstitutionType.PAYMENT, "支付", "Payment", ("finance-payment",), True, Regulator.PBOC, 0),
    Kind(
        InstitutionType.FINTECH,
        "金融科技",
        "Fintech",
        ("finance-fintech", "theme-digital-economy"),
        False,
        "",
        0,
    ),
    Kind(
        InstitutionType.CREDIT_RATING,
        "信用评级",
        "Credit Rating",
        ("finance-credit-rating",),
        False,
        Regulator.PBOC,
        0,
    ),
    Kind(InstitutionType.REGIONAL_HQ, "投资", "Investment", ("hq-regional-mnc",), False, "", 2),
    Kind(
        InstitutionType.SHIPPING, "航运", "Shipping", ("shipping-high-end-services",), False, "", 3
    ),
    Kind(
        InstitutionType.COMMODITY_TRADING,
        "大宗商品贸易",
        "Commodities Trading",
        ("trade-commodities", "commodities"),
        False,
        "",
        3,
    ),
    Kind(
        InstitutionType.LAW_FIRM,
        "律师事务所",
        "Law Firm",
        ("ps-legal", "professional-service-economy"),
        False,
        "",
        3,
    ),
    Kind(
        InstitutionType.ACCOUNTING,
        "会计师事务所",
        "Accounting",
        ("ps-accounting", "professional-service-economy"),
        False,
        "",
        3,
    ),
    Kind(
        InstitutionType.CONSULTING,
        "管理咨询",
        "Consulting",
        ("ps-consulting", "professional-service-economy"),
        False,
        "",
        3,
    ),
    Kind(InstitutionType.RD_CENTRE, "研发中心", "R&D Centre", ("tech-rd-centre",), False, "", 2),
]

# Invented brands: (Chinese, English). Foreign ones are transliterated.
FOREIGN_BRANDS = [
    ("奥德摩尔", "Aldermoor"),
    ("布莱特沃特", "Brightwater"),
    ("克雷斯特黑文", "Cresthaven"),
    ("邓莫尔", "Dunmore"),
    ("埃弗莱恩", "Everline"),
    ("费尔霍洛", "Fairhollow"),
    ("格伦布鲁克", "Glenbrook"),
    ("哈特菲尔德", "Hartfield"),
    ("艾文斯通", "Ivenstone"),
    ("金斯莱特", "Kingslate"),
    ("洛克米尔", "Lockmere"),
    ("莫尔盖特", "Morgate"),
    ("诺斯韦尔", "Northwell"),
    ("奥克赫斯特", "Oakhurst"),
    ("彭布罗克", "Penbrook"),
    ("奎因斯伯里", "Quinsbury"),
    ("雷文克罗夫特", "Ravencroft"),
    ("斯特林盖特", "Stirlingate"),
    ("塔文顿", "Tavington"),
    ("厄尔斯沃特", "Ullswater"),
    ("维尔德曼", "Veldmann"),
    ("韦斯特霍尔姆", "Westholme"),
    ("雅德利", "Yardley"),
    ("泽纳斯", "Zenaris"),
    ("阿斯特拉蒙", "Astramont"),
    ("贝尔维克", "Belvick"),
    ("科尔丁", "Colding"),
    ("德拉克斯", "Draxon"),
    ("伊斯特维尔", "Eastvale"),
    ("弗罗斯特", "Frostmere"),
]
DOMESTIC_BRANDS = [
    ("瀚海", "Hanhai"),
    ("博远", "Boyuan"),
    ("汇川", "Huichuan"),
    ("嘉禾", "Jiahe"),
    ("锦程", "Jincheng"),
    ("景行", "Jingxing"),
    ("澜石", "Lanshi"),
    ("明德", "Mingde"),
    ("浦江", "Pujiang"),
    ("启元", "Qiyuan"),
    ("睿信", "Ruixin"),
    ("尚易", "Shangyi"),
    ("泰和", "Taihe"),
    ("通衢", "Tongqu"),
    ("万象", "Wanxiang"),
    ("玺誉", "Xiyu"),
    ("云岫", "Yunxiu"),
    ("致远", "Zhiyuan"),
    ("中衡", "Zhongheng"),
    ("东方澄", "Dongfangcheng"),
    ("华峰", "Huafeng"),
    ("金瓯", "Jin'ou"),
    ("临港泓", "Lingganghong"),
    ("陆源", "Luyuan"),
]
# Where direct investors come from, with rough weights for a financial district.
COUNTRIES = [
    ("CN", 40),
    ("HK", 12),
    ("US", 10),
    ("GB", 7),
    ("SG", 6),
    ("JP", 6),
    ("DE", 4),
    ("FR", 4),
    ("CH", 3),
    ("KR", 2),
    ("NL", 2),
    ("LU", 2),
    ("AU", 1),
    ("CA", 1),
]
FOREIGN_OWNERSHIP = [
    Ownership.WFOE,
    Ownership.WFOE,
    Ownership.JOINT_VENTURE,
    Ownership.FOREIGN_CONTROLLED,
]
DOMESTIC_OWNERSHIP = [
    Ownership.CENTRAL_SOE,
    Ownership.LOCAL_SOE,
    Ownership.PRIVATE,
    Ownership.PRIVATE,
]
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def _org_code(rng: random.Random) -> str:
    """A 9-character organisation code (GB 11714) with its check character."""
    body = "".join(rng.choice("0123456789ABCDEFGHJKLMNPQRTUWXY") for _ in range(8))
    weights = (3, 7, 9, 10, 5, 8, 4, 2)
    total = sum(int(c, 36) * w for c, w in zip(body, weights, strict=True))
    check = 11 - total % 11
    return body + {10: "X", 11: "0"}.get(check, str(check))


def make_uscc(rng: random.Random) -> str:
    """A valid, fictional unified social credit code registered in Pudong (310115)."""
    head = "91310115" + _org_code(rng)
    return head + uscc_check.calc_check_digit(head)


def make_lei(rng: random.Random) -> str:
    """A valid, fictional LEI (ISO 17442, mod 97-10)."""
    body = "".join(rng.choice("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ") for _ in range(18))
    return body + mod_97_10.calc_check_digits(body)


@transaction.atomic
def seed_demo(*, seed: int = 2021, institutions: int = 300) -> dict[str, int]:
    """Create or refresh the demo teams, users and institutions; return counts."""
    rng = random.Random(seed)
    plan = Plan.objects.filter(code=PLAN_CODE).first()
    categories = {c.code: c for c in Category.objects.filter(plan=plan)} if plan else {}

    teams = [
        Team.objects.update_or_create(name=name, defaults={"description": about})[0]
        for name, about in TEAMS
    ]
    demo = _demo_user(teams[0])
    officers: list[tuple[User, Team]] = [(demo, teams[0])]
    for username, display_name, team_index, role in PEOPLE:
        user, created = User.objects.get_or_create(
            username=username,
            defaults={"display_name": display_name, "email": f"{username}@landfall.example"},
        )
        if created:
            user.set_unusable_password()
            user.save()
        Membership.objects.update_or_create(
            user=user, team=teams[team_index], defaults={"role": role}
        )
        if role in (Role.OFFICER, Role.MANAGER):
            officers.append((user, teams[team_index]))

    countries, weights = zip(*COUNTRIES, strict=True)
    made = 0
    attempts = 0
    seen: set[str] = set()
    while made < institutions and attempts < institutions * 20:
        attempts += 1
        kind = rng.choice(KINDS)
        country = rng.choices(countries, weights)[0]
        foreign = country != "CN"
        brand_zh, brand_en = rng.choice(FOREIGN_BRANDS if foreign else DOMESTIC_BRANDS)
        name_zh, name_en = _names(brand_zh, brand_en, kind, foreign)
        if name_zh in seen:
            continue
        seen.add(name_zh)
        registered = rng.random() < 0.6
        owner, team = rng.choice(
            [pair for pair in officers if pair[1] == teams[kind.team]] or officers
        )
        institution = Institution.objects.filter(name_zh=name_zh).first() or Institution(
            name_zh=name_zh
        )
        institution.name_en = name_en
        institution.institution_type = kind.type
        institution.ownership = rng.choice(FOREIGN_OWNERSHIP if foreign else DOMESTIC_OWNERSHIP)
        institution.country = country
        institution.parent_country = country if rng.random() < 0.85 else rng.choice(countries)
        institution.licensed = kind.licensed and registered
        institution.regulator = kind.regulator if kind.licensed else ""
        # Draw every random value whether or not it is used, so that the sequence (and so
        # the data) is the same on a second run over existing records.
        uscc, lei, has_lei = make_uscc(rng), make_lei(rng), foreign and rng.random() < 0.4
        if not institution.pk:  # identifiers of an existing record stay as they are
            institution.uscc = uscc if registered else None
            institution.lei = lei if has_lei else None
        institution.owner, institution.team = owner, team
        wanted = [categories[c] for c in kind.categories if c in categories]
        if rng.random() < 0.15 and "theme-green-finance" in categories:
            wanted.append(categories["theme-green-finance"])
        institution_save(institution=institution, categories=wanted)
        made += 1
    return {"teams": len(teams), "users": len(PEOPLE) + 1, "institutions": made}


def _names(brand_zh: str, brand_en: str, kind: Kind, foreign: bool) -> tuple[str, str]:
    if kind.type == InstitutionType.LAW_FIRM:
        return (
            f"{brand_zh}律师事务所上海代表处" if foreign else f"上海{brand_zh}律师事务所",
            f"{brand_en} LLP Shanghai",
        )
    if kind.type == InstitutionType.RD_CENTRE:
        return f"{brand_zh}(上海)研发中心有限公司", f"{brand_en} R&D Centre (Shanghai) Co., Ltd."
    if foreign:
        return f"{brand_zh}{kind.zh}(中国)有限公司", f"{brand_en} {kind.en} (China) Co., Ltd."
    return f"上海{brand_zh}{kind.zh}有限公司", f"Shanghai {brand_en} {kind.en} Co., Ltd."


def _demo_user(team: Team) -> User:
    user, _created = User.objects.get_or_create(
        username=DEMO_USERNAME,
        defaults={"display_name": "演示用户 Demo", "email": "demo@landfall.example"},
    )
    user.is_staff = user.is_superuser = True
    user.set_password(DEMO_PASSWORD)
    user.save()
    Membership.objects.update_or_create(user=user, team=team, defaults={"role": Role.ADMIN})
    return user
