#!/usr/bin/env python
"""Fill a dedicated database with a register of realistic size, fast (bulk_create).

    DJANGO_SETTINGS_MODULE=config.settings.local \
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/landfall_bench \
    .venv/bin/python bench/seed_register.py --institutions 100000 --reset

What it makes (for 100,000 institutions, seed 2021, about 2-3 minutes on 2 cores):

- the 14th plan (``load_plan data/plans/lujiazui-14th.yaml``), 4 teams, 15 users;
- 60 buildings;
- institutions with invented Chinese and English names built from a brand, type words
  and a legal form (上海博远基金管理有限公司 / Shanghai Boyuan Fund Management Co., Ltd.),
  so that a search for 基金 or for a brand has the selectivity it would have on a real
  register; types, ownership, status and countries spread as in a financial district;
  about a third with a USCC, some foreign ones with an LEI, 1-2 plan categories each, 10%
  with an alias; ``search_text`` and the name keys computed by ``refresh_keys``;
- contacts for about 40% of them;
- about 200,000 interactions over three years (a few dozen institutions are "busy",
  with hundreds each), officers present, and ``last_contacted_on`` set to the latest;
- about 50,000 follow-ups, some done, some overdue.

Every name is invented. Deterministic for a given ``--seed`` (dates are relative to
today). Without ``--reset`` it refuses to add to a register that already has
institutions. ``--reset`` empties the crm tables (and pipeline projects, which point at
institutions) first; it only runs on a database whose name contains "bench" unless
``--force`` is given.
"""

from __future__ import annotations

import argparse
import datetime
import os
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402
from stdnum.cn import uscc as uscc_check  # noqa: E402
from stdnum.iso7064 import mod_97_10  # noqa: E402

from accounts.models import Membership, Role, Team, User  # noqa: E402
from crm.models import (  # noqa: E402
    Building,
    Contact,
    FollowUp,
    Institution,
    InstitutionAlias,
    InstitutionStatus,
    InstitutionType,
    Interaction,
    InteractionKind,
    LawfulBasis,
    Ownership,
    Regulator,
    TaxTier,
)
from crm.names import normalise_name  # noqa: E402
from plans.models import Category, Plan  # noqa: E402

PLAN_FILE = ROOT / "data" / "plans" / "lujiazui-14th.yaml"
# Interactions and follow-ups carry their team where the schema has the field (crm 0006).
INTERACTION_HAS_TEAM = any(f.name == "team" for f in Interaction._meta.get_fields())
FOLLOW_UP_HAS_TEAM = any(f.name == "team" for f in FollowUp._meta.get_fields())
PLAN_CODE = "lujiazui-14th"
BATCH = 5000
BENCH_USERNAME = "bench"

# ---------------------------------------------------------------- vocabulary

TEAMS = [
    "金融机构招商一部",
    "资管与融资租赁招商部",
    "总部经济招商部",
    "航运与专业服务招商部",
]
# (username, display name, team index, role); "bench" is the one the benchmark signs in as.
PEOPLE = [
    (BENCH_USERNAME, "基准测试", 0, Role.OFFICER),
    ("wang.ming", "王明", 0, Role.MANAGER),
    ("li.na", "李娜", 0, Role.OFFICER),
    ("zhang.wei", "张伟", 0, Role.OFFICER),
    ("chen.jing", "陈静", 1, Role.MANAGER),
    ("liu.yang", "刘洋", 1, Role.OFFICER),
    ("zhao.lei", "赵磊", 1, Role.OFFICER),
    ("yang.fan", "杨帆", 1, Role.OFFICER),
    ("huang.min", "黄敏", 2, Role.MANAGER),
    ("zhou.jie", "周杰", 2, Role.OFFICER),
    ("wu.fang", "吴芳", 2, Role.OFFICER),
    ("xu.tao", "徐涛", 3, Role.MANAGER),
    ("sun.li", "孙丽", 3, Role.OFFICER),
    ("ma.chao", "马超", 3, Role.ANALYST),
    ("gao.jian", "高建", 3, Role.VIEWER),
]

# Domestic brands: two characters, first × second, with their pinyin.
BRAND_FIRST = [
    ("瀚", "Han"),
    ("博", "Bo"),
    ("汇", "Hui"),
    ("嘉", "Jia"),
    ("锦", "Jin"),
    ("景", "Jing"),
    ("澜", "Lan"),
    ("明", "Ming"),
    ("浦", "Pu"),
    ("启", "Qi"),
    ("睿", "Rui"),
    ("尚", "Shang"),
    ("泰", "Tai"),
    ("通", "Tong"),
    ("万", "Wan"),
    ("玺", "Xi"),
    ("云", "Yun"),
    ("致", "Zhi"),
    ("中", "Zhong"),
    ("华", "Hua"),
    ("金", "Jin"),
    ("陆", "Lu"),
    ("东", "Dong"),
    ("鼎", "Ding"),
    ("恒", "Heng"),
    ("信", "Xin"),
    ("诚", "Cheng"),
    ("安", "An"),
    ("宏", "Hong"),
    ("盛", "Sheng"),
    ("泓", "Hong"),
    ("兴", "Xing"),
    ("隆", "Long"),
    ("融", "Rong"),
    ("弘", "Hong"),
    ("德", "De"),
    ("润", "Run"),
    ("丰", "Feng"),
    ("鑫", "Xin"),
    ("元", "Yuan"),
    ("聚", "Ju"),
    ("宝", "Bao"),
    ("国", "Guo"),
    ("天", "Tian"),
    ("海", "Hai"),
    ("申", "Shen"),
    ("沪", "Hu"),
    ("银", "Yin"),
]
BRAND_SECOND = [
    ("海", "hai"),
    ("远", "yuan"),
    ("川", "chuan"),
    ("禾", "he"),
    ("程", "cheng"),
    ("行", "xing"),
    ("石", "shi"),
    ("德", "de"),
    ("江", "jiang"),
    ("元", "yuan"),
    ("信", "xin"),
    ("易", "yi"),
    ("和", "he"),
    ("衢", "qu"),
    ("象", "xiang"),
    ("誉", "yu"),
    ("岫", "xiu"),
    ("衡", "heng"),
    ("峰", "feng"),
    ("瓯", "ou"),
    ("源", "yuan"),
    ("泰", "tai"),
    ("安", "an"),
    ("达", "da"),
    ("成", "cheng"),
    ("晟", "sheng"),
    ("瑞", "rui"),
    ("祥", "xiang"),
    ("辉", "hui"),
    ("泽", "ze"),
    ("腾", "teng"),
    ("宇", "yu"),
    ("康", "kang"),
    ("铭", "ming"),
    ("鸿", "hong"),
    ("策", "ce"),
    ("桥", "qiao"),
    ("舟", "zhou"),
    ("岳", "yue"),
    ("杉", "shan"),
]
BRAND_PREFIX = [
    ("", ""),
    ("", ""),
    ("", ""),
    ("新", "Xin"),
    ("东方", "Dongfang"),
    ("中海", "Zhonghai"),
]

# Foreign brands: an English name and its transliteration, from two halves.
FOREIGN_FIRST = [
    ("Bright", "布莱特"),
    ("Crest", "克雷斯特"),
    ("Glen", "格伦"),
    ("Hart", "哈特"),
    ("King", "金斯"),
    ("Lock", "洛克"),
    ("North", "诺斯"),
    ("Oak", "奥克"),
    ("Pen", "彭"),
    ("Raven", "雷文"),
    ("Stir", "斯特"),
    ("West", "韦斯特"),
    ("East", "伊斯特"),
    ("Ash", "阿什"),
    ("Black", "布莱克"),
    ("Fair", "费尔"),
    ("Silver", "西尔弗"),
    ("Stone", "斯通"),
    ("Wood", "伍德"),
    ("Red", "雷德"),
    ("Green", "格林"),
    ("Cole", "科尔"),
    ("Dun", "邓"),
    ("Ever", "埃弗"),
    ("High", "海"),
    ("Ivy", "艾维"),
    ("Mar", "马尔"),
    ("Nor", "诺"),
    ("Rose", "罗斯"),
    ("Sum", "萨姆"),
    ("Al", "奥"),
    ("Bel", "贝尔"),
    ("Cam", "坎"),
    ("Dray", "德雷"),
    ("Elm", "埃尔姆"),
    ("Frost", "弗罗斯特"),
    ("Grey", "格雷"),
    ("Hol", "霍尔"),
    ("Lang", "朗"),
    ("Vel", "维尔"),
]
FOREIGN_SECOND = [
    ("water", "沃特"),
    ("haven", "黑文"),
    ("more", "莫尔"),
    ("line", "莱恩"),
    ("brook", "布鲁克"),
    ("field", "菲尔德"),
    ("stone", "斯通"),
    ("gate", "盖特"),
    ("well", "韦尔"),
    ("hurst", "赫斯特"),
    ("bury", "伯里"),
    ("croft", "克罗夫特"),
    ("ton", "顿"),
    ("mont", "蒙"),
    ("vale", "维尔"),
    ("ford", "福德"),
    ("ridge", "里奇"),
    ("wick", "维克"),
    ("ley", "利"),
    ("mere", "米尔"),
    ("holm", "霍姆"),
    ("dale", "戴尔"),
    ("by", "比"),
    ("worth", "沃思"),
]

# type: (weight, [(zh words, en words)], category codes, licensed, regulator, team index)
TYPES = {
    InstitutionType.PRIVATE_FUND: (
        20,
        [
            ("私募基金管理", "Private Fund Management"),
            ("股权投资管理", "Equity Investment Management"),
            ("投资管理", "Investment Management"),
            ("资产管理", "Asset Management"),
            ("创业投资管理", "Venture Capital Management"),
            ("私募证券投资基金管理", "Private Securities Fund Management"),
        ],
        ("finance-private-fund", "asset-management"),
        False,
        "",
        1,
    ),
    InstitutionType.PUBLIC_FUND: (
        4,
        [("基金管理", "Fund Management"), ("基金", "Funds"), ("基金销售", "Fund Distribution")],
        ("finance-public-fund", "asset-management"),
        True,
        Regulator.CSRC,
        1,
    ),
    InstitutionType.BANK: (
        4,
        [("银行", "Bank"), ("商业银行", "Commercial Bank"), ("村镇银行", "Rural Bank")],
        ("finance-bank",),
        True,
        Regulator.NFRA,
        0,
    ),
    InstitutionType.SECURITIES: (
        3,
        [("证券", "Securities"), ("证券资产管理", "Securities Asset Management")],
        ("finance-securities",),
        True,
        Regulator.CSRC,
        0,
    ),
    InstitutionType.FUTURES: (
        2,
        [("期货", "Futures")],
        ("finance-futures",),
        True,
        Regulator.CSRC,
        0,
    ),
    InstitutionType.LIFE_INSURER: (
        2,
        [("人寿保险", "Life Insurance"), ("健康保险", "Health Insurance")],
        ("finance-life-insurance",),
        True,
        Regulator.NFRA,
        0,
    ),
    InstitutionType.PROPERTY_INSURER: (
        2,
        [("财产保险", "Property & Casualty Insurance")],
        ("finance-property-insurance",),
        True,
        Regulator.NFRA,
        0,
    ),
    InstitutionType.REINSURER: (
        0.5,
        [("再保险", "Reinsurance")],
        ("finance-reinsurance",),
        True,
        Regulator.NFRA,
        0,
    ),
    InstitutionType.INSURANCE_AM: (
        1,
        [("保险资产管理", "Insurance Asset Management")],
        ("finance-insurance-am", "asset-management"),
        True,
        Regulator.NFRA,
        1,
    ),
    InstitutionType.BANK_WEALTH: (
        1,
        [("理财", "Wealth Management")],
        ("finance-bank-wealth", "asset-management"),
        True,
        Regulator.NFRA,
        1,
    ),
    InstitutionType.TRUST: (1.5, [("信托", "Trust")], ("finance-trust",), True, Regulator.NFRA, 1),
    InstitutionType.FINANCIAL_LEASING: (
        5,
        [("融资租赁", "Financial Leasing"), ("金融租赁", "Financial Leasing"), ("租赁", "Leasing")],
        ("financial-leasing",),
        False,
        Regulator.SHANGHAI_FINANCE,
        1,
    ),
    InstitutionType.AMC: (
        1,
        [("资产管理", "Asset Management"), ("不良资产处置", "Distressed Asset")],
        ("finance-amc",),
        True,
        Regulator.NFRA,
        1,
    ),
    InstitutionType.PAYMENT: (
        2,
        [("支付", "Payment"), ("网络支付", "Online Payment"), ("支付服务", "Payment Services")],
        ("finance-payment",),
        True,
        Regulator.PBOC,
        0,
    ),
    InstitutionType.FINTECH: (
        7,
        [
            ("金融科技", "Fintech"),
            ("信息技术", "Information Technology"),
            ("数据科技", "Data Technology"),
        ],
        ("finance-fintech", "theme-digital-economy"),
        False,
        "",
        0,
    ),
    InstitutionType.CREDIT_RATING: (
        0.5,
        [("信用评级", "Credit Rating"), ("征信", "Credit Reference")],
        ("finance-credit-rating",),
        True,
        Regulator.PBOC,
        0,
    ),
    InstitutionType.REGIONAL_HQ: (
        6,
        [("投资", "Investment"), ("企业管理", "Enterprise Management"), ("控股", "Holding")],
        ("hq-regional-mnc", "hq-apac-global"),
        False,
        "",
        2,
    ),
    InstitutionType.SHIPPING: (
        4,
        [
            ("航运", "Shipping"),
            ("船务", "Shipping Agency"),
            ("国际物流", "International Logistics"),
        ],
        ("shipping-high-end-services",),
        False,
        "",
        3,
    ),
    InstitutionType.COMMODITY_TRADING: (
        6,
        [
            ("大宗商品贸易", "Commodities Trading"),
            ("能源贸易", "Energy Trading"),
            ("金属", "Metals"),
        ],
        ("trade-commodities", "commodities"),
        False,
        "",
        3,
    ),
    InstitutionType.OTHER_TRADING: (
        5,
        [("国际贸易", "International Trading"), ("进出口", "Import & Export"), ("贸易", "Trading")],
        ("trade-offshore", "theme-cross-border-trade"),
        False,
        "",
        3,
    ),
    InstitutionType.LAW_FIRM: (
        3,
        [("律师事务所", "LLP")],
        ("ps-legal", "professional-service-economy"),
        False,
        "",
        3,
    ),
    InstitutionType.ACCOUNTING: (
        2,
        [("会计师事务所", "CPAs")],
        ("ps-accounting", "professional-service-economy"),
        False,
        "",
        3,
    ),
    InstitutionType.CONSULTING: (
        7,
        [
            ("管理咨询", "Management Consulting"),
            ("商务咨询", "Business Consulting"),
            ("咨询", "Advisory"),
        ],
        ("ps-consulting", "professional-service-economy"),
        False,
        "",
        3,
    ),
    InstitutionType.HR: (2, [("人力资源", "Human Resources")], ("ps-hr",), False, "", 3),
    InstitutionType.REAL_ESTATE_SERVICES: (
        2,
        [("房地产经纪", "Real Estate Services"), ("物业顾问", "Property Advisory")],
        ("ps-real-estate",),
        False,
        "",
        3,
    ),
    InstitutionType.TESTING: (
        1,
        [("检验检测", "Testing & Certification")],
        ("ps-testing",),
        False,
        "",
        3,
    ),
    InstitutionType.IP_SERVICES: (1, [("知识产权代理", "IP Agency")], ("ps-ip",), False, "", 3),
    InstitutionType.RD_CENTRE: (2, [("研发中心", "R&D Centre")], ("tech-rd-centre",), False, "", 2),
    InstitutionType.CULTURE_CREATIVE: (
        2,
        [("文化传媒", "Culture & Media"), ("文化创意", "Creative")],
        ("culture-creative",),
        False,
        "",
        2,
    ),
    InstitutionType.OTHER: (
        4,
        [("实业", "Industrial"), ("科技", "Technology"), ("发展", "Development")],
        ("theme-cross-border-trade",),
        False,
        "",
        2,
    ),
}
THEMES = ["theme-green-finance", "theme-digital-economy", "theme-cross-border-trade", "cb-qflp"]

COUNTRIES = [
    ("CN", 55),
    ("HK", 10),
    ("US", 8),
    ("GB", 5),
    ("SG", 5),
    ("JP", 5),
    ("DE", 3),
    ("FR", 3),
    ("CH", 2),
    ("KR", 1),
    ("NL", 1),
    ("LU", 1),
    ("AU", 0.5),
    ("CA", 0.5),
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
    Ownership.LOCAL_SOE,
    Ownership.PRIVATE,
    Ownership.PRIVATE,
    Ownership.PRIVATE,
    Ownership.PRIVATE,
    Ownership.OTHER,
]
STATUSES = [
    (InstitutionStatus.PROSPECT, 55),
    (InstitutionStatus.IN_PIPELINE, 10),
    (InstitutionStatus.LANDED, 20),
    (InstitutionStatus.AFTERCARE, 12),
    (InstitutionStatus.LOST, 3),
]
# Interactions per institution, by status: (chance of none, mean of the rest).
CONTACT_RATE = {
    InstitutionStatus.PROSPECT: (0.5, 1.8),
    InstitutionStatus.IN_PIPELINE: (0.0, 5.0),
    InstitutionStatus.LANDED: (0.05, 3.5),
    InstitutionStatus.AFTERCARE: (0.05, 3.5),
    InstitutionStatus.LOST: (0.1, 2.0),
}
ROADS = [
    "陆家嘴环路",
    "世纪大道",
    "银城中路",
    "花园石桥路",
    "东园路",
    "浦东南路",
    "滨江大道",
    "商城路",
]
BUILDING_WORDS = [
    "金融中心",
    "国际大厦",
    "中心",
    "广场",
    "大厦",
    "金融大厦",
    "世纪大厦",
    "国金中心",
]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍"
TITLES = [
    "总经理",
    "首席代表",
    "副总裁",
    "财务总监",
    "董事会秘书",
    "投资总监",
    "合规总监",
    "行政经理",
]
SUMMARIES = [
    "介绍陆家嘴落户政策与楼宇资源,对方关注办公面积与人才政策。",
    "对方确认中国区总部选址在评估中,需要比较前滩与陆家嘴。",
    "回访:牌照申请材料已递交监管部门,需协调窗口指导。",
    "参加金融城论坛,交换名片,约定下月拜访。",
    "讨论QFLP试点额度及申报流程。",
    "对方询问人才公寓与子女入学安排。",
    "Call with the APAC head: board decision on the Shanghai entity expected next quarter.",
    "Site visit to three buildings on Century Avenue; shortlist sent.",
    "Follow-up on the registered-capital increase and the FX registration.",
]
FOLLOW_UP_TITLES = [
    "发送楼宇推介材料",
    "协调监管窗口指导",
    "回复人才政策问询",
    "安排实地看楼",
    "Send the incentives summary in English",
    "确认注册资本到位时间",
    "约见财务总监",
]

# ---------------------------------------------------------------- identifiers

ORG_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def make_uscc(rng: random.Random) -> str:
    """A valid, fictional USCC registered in Pudong (310115)."""
    body = "".join(rng.choice(ORG_ALPHABET) for _ in range(8))
    weights = (3, 7, 9, 10, 5, 8, 4, 2)
    total = sum(int(c, 36) * w for c, w in zip(body, weights, strict=True))
    check = 11 - total % 11
    head = "91310115" + body + {10: "X", 11: "0"}.get(check, str(check))
    return head + uscc_check.calc_check_digit(head)


def make_lei(rng: random.Random) -> str:
    body = "".join(rng.choice("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ") for _ in range(18))
    return body + mod_97_10.calc_check_digits(body)


# ---------------------------------------------------------------- names


def make_names(rng: random.Random, type_words: tuple[str, str], itype: str, foreign: bool):
    """(name_zh, name_en, alias or "") for one invented institution."""
    zh_words, en_words = type_words
    if foreign:
        (en1, zh1), (en2, zh2) = rng.choice(FOREIGN_FIRST), rng.choice(FOREIGN_SECOND)
        brand_en, brand_zh = en1 + en2, zh1 + zh2
        if itype == InstitutionType.LAW_FIRM:
            return (
                f"{brand_zh}律师事务所上海代表处",
                f"{brand_en} LLP Shanghai Representative Office",
                f"{brand_zh}律所",
            )
        if itype == InstitutionType.ACCOUNTING:
            return f"{brand_zh}会计师事务所(上海)", f"{brand_en} CPAs (Shanghai)", ""
        place_zh, place_en = rng.choice([("(中国)", "(China)"), ("(上海)", "(Shanghai)"), ("", "")])
        suffix_zh, suffix_en = rng.choice(
            [("有限公司", "Co., Ltd."), ("有限公司", "Limited"), ("有限责任公司", "LLC")]
        )
        name_zh = f"{brand_zh}{zh_words}{place_zh}{suffix_zh}"
        name_en = f"{brand_en} {en_words} {place_en} {suffix_en}".replace("  ", " ")
        alias = (
            f"{brand_en} {en_words} Asia Pacific" if rng.random() < 0.5 else f"{brand_zh}{zh_words}"
        )
        return name_zh, name_en, alias
    (p_zh, p_en), (a_zh, a_en), (b_zh, b_en) = (
        rng.choice(BRAND_PREFIX),
        rng.choice(BRAND_FIRST),
        rng.choice(BRAND_SECOND),
    )
    brand_zh = p_zh + a_zh + b_zh
    brand_en = (p_en + a_en.lower() + b_en).capitalize() if p_en else a_en + b_en
    if itype == InstitutionType.LAW_FIRM:
        return f"上海{brand_zh}律师事务所", f"Shanghai {brand_en} Law Offices", ""
    if itype == InstitutionType.ACCOUNTING:
        return f"上海{brand_zh}会计师事务所(特殊普通合伙)", f"Shanghai {brand_en} CPAs LLP", ""
    if itype == InstitutionType.PRIVATE_FUND and rng.random() < 0.3:
        return (
            f"上海{brand_zh}股权投资基金合伙企业(有限合伙)",
            f"Shanghai {brand_en} Equity Investment Fund LP",
            "",
        )
    place = rng.random()
    prefix_zh, prefix_en = ("上海", "Shanghai ") if place < 0.7 else ("", "")
    suffix_zh, suffix_en = rng.choice(
        [
            ("有限公司", "Co., Ltd."),
            ("股份有限公司", "Co., Ltd."),
            ("有限责任公司", "Co., Ltd."),
            ("集团有限公司", "Group Co., Ltd."),
        ]
    )
    name_zh = f"{prefix_zh}{brand_zh}{zh_words}{suffix_zh}"
    name_en = f"{prefix_en}{brand_en} {en_words} {suffix_en}"
    alias = f"{brand_zh}{zh_words}" if rng.random() < 0.6 else f"{brand_en} {en_words.split()[0]}"
    return name_zh, name_en, alias


# ---------------------------------------------------------------- the run


def reset() -> None:
    tables = [
        "crm_followup",
        "crm_interaction_officers",
        "crm_interaction_contacts",
        "crm_interaction",
        "crm_contact",
        "crm_institutionalias",
        "crm_institution_categories",
        "crm_institutionmerge",
        "pipeline_project",
        "crm_institution",
        "crm_building",
    ]
    existing = set(connection.introspection.table_names())
    tables = [t for t in tables if t in existing]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("TRUNCATE %s RESTART IDENTITY CASCADE" % ", ".join(tables))
        else:
            for table in tables:
                cursor.execute("DELETE FROM %s" % table)


def people() -> tuple[list[User], list[Team], dict[int, list[User]]]:
    teams = [Team.objects.get_or_create(name=name)[0] for name in TEAMS]
    users, by_team = [], {i: [] for i in range(len(teams))}
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
        users.append(user)
        if role in (Role.OFFICER, Role.MANAGER):
            by_team[team_index].append(user)
    return users, teams, by_team


def buildings(rng: random.Random, count: int) -> list[Building]:
    made, seen = [], set()
    while len(made) < count:
        word = rng.choice(BUILDING_WORDS)
        brand = rng.choice(BRAND_FIRST)[0] + rng.choice(BRAND_SECOND)[0]
        name = f"{brand}{word}"
        if name in seen:
            continue
        seen.add(name)
        made.append(
            Building(
                name_zh=name,
                name_en=name,
                address=f"{rng.choice(ROADS)}{rng.randint(1, 999)}号",
                tax_tier=rng.choice([t for t, _ in TaxTier.choices]),
                tax_year=2024,
            )
        )
    return Building.objects.bulk_create(made)


def seed(*, institutions: int, seed_value: int, busy: int, log) -> dict[str, int]:
    rng = random.Random(seed_value)
    today = timezone.localdate()
    now = timezone.now()
    counts = dict.fromkeys(
        [
            "institutions",
            "aliases",
            "categories",
            "contacts",
            "interactions",
            "officers",
            "follow_ups",
        ],
        0,
    )

    users, teams, by_team = people()
    plan = Plan.objects.get(code=PLAN_CODE)
    category_ids = dict(Category.objects.filter(plan=plan).values_list("code", "pk"))
    all_buildings = buildings(rng, 60)
    type_codes = list(TYPES)
    type_weights = [TYPES[t][0] for t in type_codes]
    country_codes, country_weights = zip(*COUNTRIES, strict=True)
    status_codes, status_weights = zip(*STATUSES, strict=True)
    kinds = [k for k, _ in InteractionKind.choices]
    seen_names: set[str] = set()
    seen_uscc: set[str] = set()
    seen_lei: set[str] = set()
    busy_left = busy
    busy_every = max(1, institutions // max(busy, 1))

    Through = Institution.categories.through
    Officers = Interaction.officers.through
    InteractionContacts = Interaction.contacts.through

    def random_day(back: int) -> datetime.date:
        # More recent contact is likelier: square the uniform draw towards today.
        return today - datetime.timedelta(days=int((rng.random() ** 1.6) * back))

    done = 0
    while done < institutions:
        size = min(BATCH, institutions - done)
        rows: list[Institution] = []
        extras: list[dict] = []
        while len(rows) < size:
            itype = rng.choices(type_codes, type_weights)[0]
            _w, words, cats, licensed, regulator, team_index = TYPES[itype]
            country = rng.choices(country_codes, country_weights)[0]
            foreign = country != "CN"
            name_zh, name_en, alias = make_names(rng, rng.choice(words), itype, foreign)
            if name_zh in seen_names:
                continue
            seen_names.add(name_zh)
            status = rng.choices(status_codes, status_weights)[0]
            registered = (
                status in (InstitutionStatus.LANDED, InstitutionStatus.AFTERCARE)
                or rng.random() < 0.12
            )
            uscc = None
            if registered and rng.random() < 0.9:
                uscc = make_uscc(rng)
                while uscc in seen_uscc:
                    uscc = make_uscc(rng)
                seen_uscc.add(uscc)
            lei = None
            if foreign and rng.random() < 0.15:
                lei = make_lei(rng)
                while lei in seen_lei:
                    lei = make_lei(rng)
                seen_lei.add(lei)
            ownership = rng.choice(FOREIGN_OWNERSHIP if foreign else DOMESTIC_OWNERSHIP)
            team = teams[team_index] if rng.random() < 0.85 else rng.choice(teams)
            owner = rng.choice(by_team[teams.index(team)]) if rng.random() < 0.9 else None
            is_busy = busy_left > 0 and (done + len(rows)) % busy_every == busy_every // 2
            if is_busy:
                status = InstitutionStatus.IN_PIPELINE
                busy_left -= 1
            none_chance, mean = CONTACT_RATE[status]
            if is_busy:
                n_inter = rng.randint(250, 500)
            elif rng.random() < none_chance:
                n_inter = 0
            else:
                n_inter = 1 + int(rng.expovariate(1 / max(mean - 1, 0.1)))
            dates = sorted((random_day(3 * 365) for _ in range(n_inter)), reverse=True)
            institution = Institution(
                name_zh=name_zh,
                name_en=name_en,
                uscc=uscc,
                lei=lei,
                institution_type=itype,
                ownership=ownership,
                country=country,
                parent_country=country if rng.random() < 0.85 else rng.choice(country_codes),
                status=status,
                licensed=licensed and registered,
                national_first=rng.random() < 0.01,
                foreign_controlled=ownership in (Ownership.WFOE, Ownership.FOREIGN_CONTROLLED),
                regulator=regulator if licensed else "",
                building=rng.choice(all_buildings) if registered and rng.random() < 0.7 else None,
                registered_capital=rng.choice([1000, 5000, 10000, 20000, 50000, 100000])
                if registered
                else None,
                registered_capital_currency="CNY" if not foreign or rng.random() < 0.5 else "USD",
                website="",
                owner=owner,
                team=team,
                last_contacted_on=dates[0] if dates else None,
                created_by=owner,
            )
            aliases = [alias] if alias and rng.random() < 0.10 else []
            institution.refresh_keys(aliases)
            wanted = [cats[0]]
            if len(cats) > 1 and rng.random() < 0.7:
                wanted.append(cats[1])
            elif rng.random() < 0.15:
                wanted.append(rng.choice(THEMES))
            rows.append(institution)
            extras.append(
                {
                    "aliases": aliases,
                    "categories": {category_ids[c] for c in wanted if c in category_ids},
                    "dates": dates,
                    "busy": is_busy,
                    "contacts": (rng.randint(6, 12) if is_busy else 1 + int(rng.random() < 0.3))
                    if is_busy or rng.random() < 0.4
                    else 0,
                }
            )

        with transaction.atomic():
            Institution.objects.bulk_create(rows, batch_size=1000)
            InstitutionAlias.objects.bulk_create(
                [
                    InstitutionAlias(institution=inst, name=name, name_key=normalise_name(name))
                    for inst, extra in zip(rows, extras, strict=True)
                    for name in extra["aliases"]
                ],
                batch_size=2000,
            )
            links = [
                Through(institution_id=inst.pk, category_id=cid)
                for inst, extra in zip(rows, extras, strict=True)
                for cid in extra["categories"]
            ]
            Through.objects.bulk_create(links, batch_size=5000)

            contacts: list[Contact] = []
            for inst, extra in zip(rows, extras, strict=True):
                for i in range(extra["contacts"]):
                    contacts.append(
                        Contact(
                            institution=inst,
                            name=rng.choice(SURNAMES)
                            + rng.choice(GIVEN)
                            + (rng.choice(GIVEN) if rng.random() < 0.5 else ""),
                            title=rng.choice(TITLES),
                            email=f"contact{rng.randint(1, 10**9)}@example.com"
                            if rng.random() < 0.6
                            else "",
                            phone=f"+86 21 {rng.randint(5000, 6999)} {rng.randint(1000, 9999)}"
                            if rng.random() < 0.5
                            else "",
                            lawful_basis=rng.choice(
                                [LawfulBasis.PUBLIC, LawfulBasis.CONSENT, LawfulBasis.CONTRACT]
                            ),
                            is_primary=i == 0,
                        )
                    )
            Contact.objects.bulk_create(contacts, batch_size=5000)
            contacts_of: dict[int, list[Contact]] = {}
            for contact in contacts:
                contacts_of.setdefault(contact.institution_id, []).append(contact)

            interactions: list[Interaction] = []
            for inst, extra in zip(rows, extras, strict=True):
                for day in extra["dates"]:
                    interactions.append(
                        Interaction(
                            institution=inst,
                            kind=rng.choice(kinds),
                            date=day,
                            summary=rng.choice(SUMMARIES),
                            outcome="对方表示有兴趣" if rng.random() < 0.3 else "",
                            next_step=rng.choice(FOLLOW_UP_TITLES) if rng.random() < 0.4 else "",
                            created_by=inst.owner or rng.choice(users),
                            **({"team_id": inst.team_id} if INTERACTION_HAS_TEAM else {}),
                        )
                    )
            Interaction.objects.bulk_create(interactions, batch_size=5000)
            officers, present = [], []
            for interaction in interactions:
                first = interaction.created_by
                officers.append(Officers(interaction_id=interaction.pk, user_id=first.pk))
                if rng.random() < 0.3:
                    other = rng.choice(users)
                    if other.pk != first.pk:
                        officers.append(Officers(interaction_id=interaction.pk, user_id=other.pk))
                met = contacts_of.get(interaction.institution_id)
                if met and rng.random() < 0.5:
                    present.append(
                        InteractionContacts(
                            interaction_id=interaction.pk, contact_id=rng.choice(met).pk
                        )
                    )
            Officers.objects.bulk_create(officers, batch_size=5000)
            InteractionContacts.objects.bulk_create(present, batch_size=5000)

            # About one follow-up per four interactions, more for busy institutions; due
            # dates from a year back to two months ahead; most past ones are done.
            follow_ups: list[FollowUp] = []
            for interaction in interactions:
                if rng.random() >= 0.25:
                    continue
                due = interaction.date + datetime.timedelta(days=rng.randint(3, 60))
                is_done = due < today and rng.random() < 0.8
                follow_ups.append(
                    FollowUp(
                        title=rng.choice(FOLLOW_UP_TITLES),
                        assignee=interaction.created_by,
                        due_date=due,
                        done=is_done,
                        done_at=now if is_done else None,
                        institution_id=interaction.institution_id,
                        interaction=interaction,
                        created_by=interaction.created_by,
                        **({"team_id": interaction.team_id} if FOLLOW_UP_HAS_TEAM else {}),
                    )
                )
            FollowUp.objects.bulk_create(follow_ups, batch_size=5000)

        done += size
        counts["institutions"] += len(rows)
        counts["aliases"] += sum(len(e["aliases"]) for e in extras)
        counts["categories"] += len(links)
        counts["contacts"] += len(contacts)
        counts["interactions"] += len(interactions)
        counts["officers"] += len(officers)
        counts["follow_ups"] += len(follow_ups)
        log(
            f"  {done:>7} institutions, {counts['interactions']:>7} interactions, {counts['follow_ups']:>6} follow-ups"
        )
    return counts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--institutions", type=int, default=100_000)
    parser.add_argument(
        "--busy", type=int, default=60, help="institutions with hundreds of interactions"
    )
    parser.add_argument("--seed", type=int, default=2021)
    parser.add_argument("--reset", action="store_true", help="empty the crm tables first")
    parser.add_argument(
        "--force", action="store_true", help="allow --reset on a database not named *bench*"
    )
    parser.add_argument("--no-analyze", action="store_true", help="skip VACUUM ANALYZE at the end")
    args = parser.parse_args(argv)

    db_name = str(connection.settings_dict["NAME"])
    started = time.perf_counter()

    def log(message: str) -> None:
        print(f"[{time.perf_counter() - started:6.1f}s] {message}", flush=True)

    log(f"database {connection.vendor}:{db_name}")
    if args.reset:
        if "bench" not in db_name and not args.force:
            print(
                f"Refusing to empty {db_name!r}: its name has no 'bench' (use --force).",
                file=sys.stderr,
            )
            return 2
        reset()
        log("crm tables emptied")
    elif Institution.objects.exists():
        print(
            "The register already has institutions; run with --reset to start again.",
            file=sys.stderr,
        )
        return 2

    call_command("load_plan", str(PLAN_FILE), verbosity=0)
    log("plan loaded")
    counts = seed(institutions=args.institutions, seed_value=args.seed, busy=args.busy, log=log)
    if connection.vendor == "postgresql" and not args.no_analyze:
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
        log("VACUUM ANALYZE done")
    log("done: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
