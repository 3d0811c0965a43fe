#!/usr/bin/env python
"""Fill a dedicated database with a register of realistic size, fast (COPY on PostgreSQL).

    DJANGO_SETTINGS_MODULE=config.settings.local \
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/landfall_bench \
    .venv/bin/python bench/seed_register.py --institutions 100000 --reset

What it makes (for 100,000 institutions, seed 2021, under a minute on 2 cores):

- the 14th plan (``load_plan data/plans/lujiazui-14th.yaml``), 4 teams, 15 users
  (``--teams``, ``--users``: more teams and invented colleagues, up to 8 teams);
- 60 buildings (``--buildings``);
- institutions with invented Chinese and English names built from a brand, type words
  and a legal form (上海博远基金管理有限公司 / Shanghai Boyuan Fund Management Co., Ltd.),
  so that a search for 基金 or for a brand has the selectivity it would have on a real
  register; types, ownership, status and countries spread as in a financial district;
  about a third with a USCC, some foreign ones with an LEI, 1-2 plan categories each, 10%
  with an alias; ``search_text`` and the name keys computed by ``refresh_keys``;
- contacts for about 40% of them (``--contacts N``: about N, for about 80% of them);
- about 200,000 interactions over three years (``--interactions N``: about N), a few
  dozen institutions "busy" with hundreds each (``--busy``, ``--busy-interactions``),
  officers present, contacts present for about half, ``last_contacted_on`` the latest;
- about one follow-up per four interactions, some done, some overdue.

Every name is invented. Deterministic for a given ``--seed`` (dates are relative to
today). Without ``--reset`` it refuses to add to a register that already has
institutions. ``--reset`` empties the crm tables (and pipeline projects, which point at
institutions) first; it only runs on a database whose name contains "bench" unless
``--force`` is given. The load runs in one transaction; on PostgreSQL the tables' plain
indexes are built once at the end and the foreign keys checked in bulk (``bulk_load``).
"""

from __future__ import annotations

import argparse
import datetime
import math
import os
import random
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

import django  # noqa: E402

django.setup()

from django.apps import apps  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.core.management.color import no_style  # noqa: E402
from django.db import connection, models, transaction  # noqa: E402
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
PLAN_CODE = "lujiazui-14th"
BATCH = 5000
BENCH_USERNAME = "bench"

# ---------------------------------------------------------------- vocabulary

# Team i works the sector of TYPES' team index i % 4: the first four are the default.
TEAMS = [
    "金融机构招商一部",
    "资管与融资租赁招商部",
    "总部经济招商部",
    "航运与专业服务招商部",
    "金融机构招商二部",
    "私募与财富管理招商部",
    "跨国公司地区总部服务部",
    "贸易与专业服务招商二部",
]
SECTORS = 4
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
# Their pinyin, for the usernames of the colleagues beyond PEOPLE.
# fmt: off
SURNAME_PINYIN = [
    "wang", "li", "zhang", "liu", "chen", "yang", "huang", "zhao", "wu", "zhou", "xu", "sun",
    "ma", "zhu", "hu", "guo", "he", "gao", "lin", "luo", "zheng", "liang", "xie", "song",
    "tang", "xu", "han", "feng", "deng", "cao", "peng", "zeng",
]
GIVEN_PINYIN = [
    "wei", "fang", "na", "min", "jing", "li", "qiang", "lei", "jun", "yang", "yong", "yan",
    "jie", "juan", "tao", "ming", "chao", "xiu", "xia", "ping", "gang", "gui", "ying", "hua",
    "yu", "lan", "ping",
]
# fmt: on
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


# ---------------------------------------------------------------- bulk writing


def write(model: type[models.Model], columns: list[str], rows: Iterable[tuple]) -> int:
    """Insert rows (tuples in ``columns`` order, attribute names) in bulk; return how many."""
    names = {f.attname: f.column for f in model._meta.concrete_fields}
    table = connection.ops.quote_name(model._meta.db_table)
    count = 0
    if connection.vendor == "postgresql":
        sql = "COPY %s (%s) FROM STDIN" % (table, ", ".join(names[c] for c in columns))
        with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
            for row in rows:
                copy.write_row(row)
                count += 1
        return count
    batch: list[models.Model] = []
    for row in rows:
        batch.append(model(**dict(zip(columns, row, strict=True))))
        count += 1
        if len(batch) == BATCH:
            model.objects.bulk_create(batch)
            batch = []
    model.objects.bulk_create(batch)
    return count


def write_objects(objects: list[models.Model]) -> int:
    """Insert unsaved model instances, every concrete field (the ids too), with ``write``."""
    if not objects:
        return 0
    fields = objects[0]._meta.concrete_fields
    # Fields from outside Django (a country) hold objects that COPY cannot take as they are.
    prepared = [not type(f).__module__.startswith("django.") for f in fields]

    def rows() -> Iterator[tuple]:
        for obj in objects:
            yield tuple(
                f.get_prep_value(getattr(obj, f.attname)) if prep else getattr(obj, f.attname)
                for f, prep in zip(fields, prepared, strict=True)
            )

    return write(type(objects[0]), [f.attname for f in fields], rows())


def next_id(model: type[models.Model]) -> int:
    return (model.objects.aggregate(top=models.Max("pk"))["top"] or 0) + 1


def reset_sequences(*model_list: type[models.Model]) -> None:
    """After inserts with explicit ids, let the database hand out the next ones."""
    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), list(model_list)):
            cursor.execute(sql)


# The indexes a load can drop and build again: neither unique nor a primary key.
PLAIN_INDEXES = """
    SELECT i.relname, pg_get_indexdef(i.oid)
    FROM pg_index x
    JOIN pg_class i ON i.oid = x.indexrelid
    JOIN pg_class t ON t.oid = x.indrelid
    WHERE t.relname = ANY(%s) AND pg_table_is_visible(t.oid)
      AND NOT x.indisunique AND NOT x.indisprimary
    ORDER BY t.relname, i.relname
"""


@contextmanager
def bulk_load(model_list: Iterable[type[models.Model]], log: Callable[[str], None]):
    """Load these models' tables without their plain indexes and without per-row FK checks.

    PostgreSQL only (elsewhere it does nothing), inside the caller's transaction, so that a
    failed load leaves the schema as it was. Indexes that are neither unique nor a primary
    key are dropped, and built again once at the end, from their own definitions: sorting
    a million keys once is cheaper than inserting them one by one. For a superuser the
    foreign-key triggers are off while loading (``session_replication_role``: each row
    would queue a check for the commit) and every foreign key of every table is checked in
    bulk afterwards; a dangling one stops the load.
    """
    if connection.vendor != "postgresql":
        yield
        return
    if not connection.in_atomic_block:
        raise RuntimeError("bulk_load runs inside transaction.atomic()")
    tables = sorted({m._meta.db_table for m in model_list})
    with connection.cursor() as cursor:
        cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        superuser = cursor.fetchone()[0]
        if superuser:
            cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute(PLAIN_INDEXES, [tables])
        indexes = cursor.fetchall()
        for name, _definition in indexes:
            cursor.execute("DROP INDEX %s" % connection.ops.quote_name(name))
    log(f"bulk load: {len(indexes)} indexes of {len(tables)} tables dropped until the end")
    yield
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
        for _name, definition in indexes:
            cursor.execute(definition)
        log(f"bulk load: {len(indexes)} indexes built")
        if superuser:
            cursor.execute("SET LOCAL session_replication_role = origin")
            checked = check_foreign_keys()
            log(f"bulk load: {checked} foreign keys checked, none dangling")


def check_foreign_keys() -> int:
    """Look for rows whose foreign key points at no row, in every table; raise if any."""
    existing = set(connection.introspection.table_names())
    quote = connection.ops.quote_name
    checked, dangling = 0, []
    with connection.cursor() as cursor:
        for model in apps.get_models(include_auto_created=True):
            if model._meta.proxy or model._meta.db_table not in existing:
                continue
            for field in model._meta.concrete_fields:
                if not (field.is_relation and field.many_to_one and field.db_constraint):
                    continue
                target = field.target_field
                cursor.execute(
                    "SELECT count(*) FROM %s a WHERE a.%s IS NOT NULL AND NOT EXISTS "
                    "(SELECT 1 FROM %s b WHERE b.%s = a.%s)"
                    % (
                        quote(model._meta.db_table),
                        quote(field.column),
                        quote(target.model._meta.db_table),
                        quote(target.column),
                        quote(field.column),
                    )
                )
                checked += 1
                missing = cursor.fetchone()[0]
                if missing:
                    dangling.append(f"{model._meta.db_table}.{field.column}: {missing}")
    if dangling:
        raise RuntimeError("Foreign keys pointing nowhere: " + "; ".join(dangling))
    return checked


# ---------------------------------------------------------------- people and places


def colleagues(teams: int, count: int) -> list[tuple[str, str, int, str]]:
    """Invented people beyond PEOPLE, in its shape, each joining the smallest team.

    A team without a manager gets one first; now and then one is an analyst or a viewer.
    """
    rng = random.Random("colleagues")
    size = [sum(1 for person in PEOPLE if person[2] == t) for t in range(teams)]
    managed = {person[2] for person in PEOPLE if person[3] == Role.MANAGER}
    taken = {person[0] for person in PEOPLE}
    made = []
    for n in range(count):
        team = size.index(min(size))
        if team not in managed:
            role = Role.MANAGER
            managed.add(team)
        else:
            role = {5: Role.ANALYST, 11: Role.VIEWER}.get(n % 12, Role.OFFICER)
        username = ""
        while not username or username in taken:
            surname = rng.randrange(len(SURNAMES))
            given = [rng.randrange(len(GIVEN)) for _ in range(rng.choice((1, 2)))]
            username = SURNAME_PINYIN[surname] + "." + "".join(GIVEN_PINYIN[g] for g in given)
        taken.add(username)
        display_name = SURNAMES[surname] + "".join(GIVEN[g] for g in given)
        made.append((username, display_name, team, role))
        size[team] += 1
    return made


def people(teams: int = 4, users: int = 15) -> tuple[list[User], list[Team], dict[int, list[User]]]:
    """The teams and their people: PEOPLE, then invented colleagues up to ``users``.

    Returns every user, the teams, and each team's officers and managers by team index.
    """
    if not SECTORS <= teams <= len(TEAMS) or users < len(PEOPLE):
        raise ValueError(f"teams go from {SECTORS} to {len(TEAMS)}, users from {len(PEOPLE)}")
    team_rows = [Team.objects.get_or_create(name=name)[0] for name in TEAMS[:teams]]
    made, by_team = [], {i: [] for i in range(teams)}
    for username, display_name, team_index, role in [
        *PEOPLE,
        *colleagues(teams, users - len(PEOPLE)),
    ]:
        user, created = User.objects.get_or_create(
            username=username,
            defaults={"display_name": display_name, "email": f"{username}@landfall.example"},
        )
        if created:
            user.set_unusable_password()
            user.save()
        Membership.objects.update_or_create(
            user=user, team=team_rows[team_index], defaults={"role": role}
        )
        made.append(user)
        if role in (Role.OFFICER, Role.MANAGER):
            by_team[team_index].append(user)
    return made, team_rows, by_team


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


# ---------------------------------------------------------------- how much of each


@dataclass
class Size:
    """How big the register is and how busy; the defaults are this script's own."""

    institutions: int = 100_000
    busy: int = 60
    busy_interactions: tuple[int, int] = (250, 500)
    interactions: int | None = None  # about; None: CONTACT_RATE as it is (~2.3 a head)
    contacts: int | None = None  # about; None: 1-2 for about 40% of the institutions
    buildings: int = 60
    teams: int = 4
    users: int = 15
    landed_share: float | None = None  # landed or in aftercare; None: STATUSES as they are
    history_days: int = 3 * 365


# With --contacts, the share of the ordinary institutions that have contacts.
CONTACT_SHARE = 0.8
CONTACTS_AT_MOST = 30
BUSY_CONTACTS = (6, 12)


def floor_mean(mean: float) -> float:
    """The mean of ``int(expovariate(1 / mean))``: an exponential draw, rounded down."""
    return 1 / math.expm1(1 / mean) if mean > 0 else 0.0


def spread(mean_rest: float) -> float:
    """The exponential mean whose draws, rounded down, average ``mean_rest``."""
    return 1 / math.log1p(1 / mean_rest) if mean_rest > 0 else 0.0


def status_weights(landed_share: float | None) -> tuple[list[str], list[float]]:
    """STATUSES, with landed and aftercare scaled to ``landed_share`` of the whole."""
    codes = [code for code, _weight in STATUSES]
    if landed_share is None:
        return codes, [weight for _code, weight in STATUSES]
    landed = {InstitutionStatus.LANDED, InstitutionStatus.AFTERCARE}
    landed_total = sum(w for c, w in STATUSES if c in landed)
    other_total = sum(w for c, w in STATUSES if c not in landed)
    return codes, [
        w / landed_total * landed_share if c in landed else w / other_total * (1 - landed_share)
        for c, w in STATUSES
    ]


def interaction_scale(size: Size, codes: list[str], weights: list[float]) -> float:
    """The factor on CONTACT_RATE's means that gives about ``size.interactions`` in all."""
    if size.interactions is None:
        return 1.0
    ordinary = max(size.institutions - size.busy, 1)
    wanted = (size.interactions - size.busy * sum(size.busy_interactions) / 2) / ordinary
    total = sum(weights)

    def expected(scale: float) -> float:
        return sum(
            w
            / total
            * (1 - CONTACT_RATE[c][0])
            * (1 + floor_mean(scale * (CONTACT_RATE[c][1] - 1)))
            for c, w in zip(codes, weights, strict=True)
        )

    low, high = 1e-3, 1e4
    for _ in range(60):
        middle = math.sqrt(low * high)
        low, high = (middle, high) if expected(middle) < wanted else (low, middle)
    return low


# ---------------------------------------------------------------- the run


@dataclass
class Batch:
    """Institutions drawn but not all written: what each will get, and its contacts' ids."""

    institutions: list[Institution]
    aliases: list[list[str]] = field(default_factory=list)
    categories: list[set[int]] = field(default_factory=list)
    dates: list[list[datetime.date]] = field(default_factory=list)
    contacts: list[int] = field(default_factory=list)
    contacts_of: dict[int, list[int]] = field(default_factory=dict)


INTERACTION_COLUMNS = [
    "id",
    "institution_id",
    "project_id",
    "kind",
    "date",
    "summary",
    "outcome",
    "next_step",
    "team_id",
    "created_by_id",
    "created_at",
]
FOLLOW_UP_COLUMNS = [
    "title",
    "assignee_id",
    "due_date",
    "done",
    "done_at",
    "institution_id",
    "project_id",
    "interaction_id",
    "team_id",
    "created_by_id",
    "created_at",
]
CONTACT_COLUMNS = [
    "id",
    "institution_id",
    "name",
    "name_en",
    "title",
    "email",
    "phone",
    "wechat",
    "notes",
    "lawful_basis",
    "basis_note",
    "do_not_contact",
    "is_primary",
    "erased_at",
    "created_at",
    "updated_at",
]
# The tables the register fills (with bulk_load).
REGISTER_MODELS = [
    Institution,
    InstitutionAlias,
    Institution.categories.through,
    Contact,
    Interaction,
    Interaction.officers.through,
    Interaction.contacts.through,
    FollowUp,
]


class RegisterSeeder:
    """Draws the register in batches of institutions and writes each batch's rows.

    A batch is drawn whole (names, identifiers, status, the days of its interactions);
    ``write_institutions`` then writes the institutions with their aliases, categories and
    contacts, and ``write_activity`` their interactions, officers and contacts present and
    follow-ups, linked to a project when ``link`` names one for the day.
    """

    def __init__(self, *, size: Size, seed_value: int) -> None:
        self.size = size
        self.rng = random.Random(seed_value)
        self.today = timezone.localdate()
        self.now = timezone.now()
        self.users, self.teams, by_index = people(size.teams, size.users)
        self.members = {self.teams[i].pk: [u.pk for u in us] for i, us in by_index.items()}
        self.sector_teams = [self.teams[i::SECTORS] for i in range(SECTORS)]
        plan = Plan.objects.get(code=PLAN_CODE)
        self.category_ids = dict(Category.objects.filter(plan=plan).values_list("code", "pk"))
        self.buildings = [b.pk for b in buildings(self.rng, size.buildings)]
        self.type_codes = list(TYPES)
        self.type_weights = [TYPES[t][0] for t in self.type_codes]
        self.country_codes, self.country_weights = zip(*COUNTRIES, strict=True)
        self.status_codes, self.status_weights = status_weights(size.landed_share)
        self.scale = interaction_scale(size, self.status_codes, self.status_weights)
        ordinary = max(size.institutions - size.busy, 1)
        per_head = ((size.contacts or 0) - size.busy * sum(BUSY_CONTACTS) / 2) / ordinary
        self.contact_share = min(CONTACT_SHARE, max(per_head, 0.0))
        self.contact_spread = spread(per_head / self.contact_share - 1) if per_head > 0 else 0.0
        self.kinds = [k for k, _ in InteractionKind.choices]
        self.seen_names: set[str] = set()
        self.seen_uscc: set[str] = set()
        self.seen_lei: set[str] = set()
        self.busy_left = size.busy
        self.busy_every = max(1, size.institutions // max(size.busy, 1))
        self.busy_ids: list[int] = []
        # Below the busy ones, whatever the scale: the benchmark opens the busiest institution.
        self.ordinary_at_most = size.busy_interactions[0] * 3 // 4
        self.drawn = 0
        self.first_id = next_id(Institution)
        self.counts = dict.fromkeys(
            [
                "institutions",
                "aliases",
                "categories",
                "contacts",
                "interactions",
                "officers",
                "contacts present",
                "follow_ups",
            ],
            0,
        )

    def random_day(self, back: int) -> datetime.date:
        # More recent contact is likelier: the uniform draw pushed towards today.
        return self.today - datetime.timedelta(days=int((self.rng.random() ** 1.6) * back))

    def batches(self) -> Iterator[Batch]:
        while self.drawn < self.size.institutions:
            yield self.draw(min(BATCH, self.size.institutions - self.drawn))

    def draw(self, count: int) -> Batch:
        rng, size = self.rng, self.size
        batch = Batch([])
        while len(batch.institutions) < count:
            itype = rng.choices(self.type_codes, self.type_weights)[0]
            _w, words, cats, licensed, regulator, team_index = TYPES[itype]
            country = rng.choices(self.country_codes, self.country_weights)[0]
            foreign = country != "CN"
            name_zh, name_en, alias = make_names(rng, rng.choice(words), itype, foreign)
            if name_zh in self.seen_names:
                continue
            self.seen_names.add(name_zh)
            status = rng.choices(self.status_codes, self.status_weights)[0]
            registered = (
                status in (InstitutionStatus.LANDED, InstitutionStatus.AFTERCARE)
                or rng.random() < 0.12
            )
            uscc = None
            if registered and rng.random() < 0.9:
                uscc = make_uscc(rng)
                while uscc in self.seen_uscc:
                    uscc = make_uscc(rng)
                self.seen_uscc.add(uscc)
            lei = None
            if foreign and rng.random() < 0.15:
                lei = make_lei(rng)
                while lei in self.seen_lei:
                    lei = make_lei(rng)
                self.seen_lei.add(lei)
            ownership = rng.choice(FOREIGN_OWNERSHIP if foreign else DOMESTIC_OWNERSHIP)
            home = self.sector_teams[team_index]
            if rng.random() < 0.85:
                team = home[0] if len(home) == 1 else rng.choice(home)
            else:
                team = rng.choice(self.teams)
            owner_id = rng.choice(self.members[team.pk]) if rng.random() < 0.9 else None
            pk = self.first_id + self.drawn + len(batch.institutions)
            is_busy = self.busy_left > 0 and (pk - self.first_id) % self.busy_every == (
                self.busy_every // 2
            )
            if is_busy:
                status = InstitutionStatus.IN_PIPELINE
                self.busy_left -= 1
                self.busy_ids.append(pk)
            none_chance, mean = CONTACT_RATE[status]
            if is_busy:
                n_inter = rng.randint(*size.busy_interactions)
            elif rng.random() < none_chance:
                n_inter = 0
            else:
                n_inter = 1 + int(rng.expovariate(1 / max(self.scale * (mean - 1), 0.1)))
                n_inter = min(n_inter, self.ordinary_at_most)
            dates = sorted(
                (self.random_day(size.history_days) for _ in range(n_inter)), reverse=True
            )
            institution = Institution(
                pk=pk,
                name_zh=name_zh,
                name_en=name_en,
                uscc=uscc,
                lei=lei,
                institution_type=itype,
                ownership=ownership,
                country=country,
                parent_country=country if rng.random() < 0.85 else rng.choice(self.country_codes),
                status=status,
                licensed=licensed and registered,
                national_first=rng.random() < 0.01,
                foreign_controlled=ownership in (Ownership.WFOE, Ownership.FOREIGN_CONTROLLED),
                regulator=regulator if licensed else "",
                building_id=rng.choice(self.buildings)
                if registered and rng.random() < 0.7
                else None,
                registered_capital=rng.choice([1000, 5000, 10000, 20000, 50000, 100000])
                if registered
                else None,
                registered_capital_currency="CNY" if not foreign or rng.random() < 0.5 else "USD",
                website="",
                owner_id=owner_id,
                team_id=team.pk,
                last_contacted_on=dates[0] if dates else None,
                created_by_id=owner_id,
                created_at=self.now,
                updated_at=self.now,
            )
            aliases = [alias] if alias and rng.random() < 0.10 else []
            institution.refresh_keys(aliases)
            wanted = [cats[0]]
            if len(cats) > 1 and rng.random() < 0.7:
                wanted.append(cats[1])
            elif rng.random() < 0.15:
                wanted.append(rng.choice(THEMES))
            batch.institutions.append(institution)
            batch.aliases.append(aliases)
            batch.categories.append(
                {self.category_ids[c] for c in wanted if c in self.category_ids}
            )
            batch.dates.append(dates)
            batch.contacts.append(self.contact_count(is_busy))
        self.drawn += count
        return batch

    def contact_count(self, is_busy: bool) -> int:
        rng = self.rng
        if is_busy:
            return rng.randint(*BUSY_CONTACTS)
        if self.size.contacts is None:
            return 1 + int(rng.random() < 0.3) if rng.random() < 0.4 else 0
        if rng.random() >= self.contact_share:
            return 0
        return min(1 + int(rng.expovariate(1 / self.contact_spread)), CONTACTS_AT_MOST)

    def write_institutions(self, batch: Batch) -> None:
        """The batch's institutions, their aliases, categories and contacts."""
        rng = self.rng
        write_objects(batch.institutions)
        self.counts["institutions"] += len(batch.institutions)
        self.counts["aliases"] += write(
            InstitutionAlias,
            ["institution_id", "name", "name_key"],
            (
                (inst.pk, name, normalise_name(name))
                for inst, names in zip(batch.institutions, batch.aliases, strict=True)
                for name in names
            ),
        )
        self.counts["categories"] += write(
            Institution.categories.through,
            ["institution_id", "category_id"],
            (
                (inst.pk, cid)
                for inst, cids in zip(batch.institutions, batch.categories, strict=True)
                for cid in sorted(cids)
            ),
        )
        contact_id = next_id(Contact)
        contacts = []
        for inst, count in zip(batch.institutions, batch.contacts, strict=True):
            for i in range(count):
                contacts.append(
                    (
                        contact_id,
                        inst.pk,
                        rng.choice(SURNAMES)
                        + rng.choice(GIVEN)
                        + (rng.choice(GIVEN) if rng.random() < 0.5 else ""),
                        "",
                        rng.choice(TITLES),
                        f"contact{rng.randint(1, 10**9)}@example.com" if rng.random() < 0.6 else "",
                        f"+86 21 {rng.randint(5000, 6999)} {rng.randint(1000, 9999)}"
                        if rng.random() < 0.5
                        else "",
                        "",
                        "",
                        rng.choice([LawfulBasis.PUBLIC, LawfulBasis.CONSENT, LawfulBasis.CONTRACT]),
                        "",
                        False,
                        i == 0,
                        None,
                        self.now,
                        self.now,
                    )
                )
                batch.contacts_of.setdefault(inst.pk, []).append(contact_id)
                contact_id += 1
        self.counts["contacts"] += write(Contact, CONTACT_COLUMNS, contacts)

    def write_activity(
        self, batch: Batch, link: Callable[[int, datetime.date], int | None] | None = None
    ) -> None:
        """The batch's interactions, officers and contacts present, and follow-ups.

        ``link(institution, day)`` names the project an interaction belongs to, if any.
        """
        rng, today, now = self.rng, self.today, self.now
        interaction_id = next_id(Interaction)
        interactions = []
        for inst, dates in zip(batch.institutions, batch.dates, strict=True):
            team_members = self.members[inst.team_id]
            for day in dates:
                interactions.append(
                    (
                        interaction_id,
                        inst.pk,
                        link(inst.pk, day) if link else None,
                        rng.choice(self.kinds),
                        day,
                        rng.choice(SUMMARIES),
                        "对方表示有兴趣" if rng.random() < 0.3 else "",
                        rng.choice(FOLLOW_UP_TITLES) if rng.random() < 0.4 else "",
                        inst.team_id,
                        inst.owner_id or rng.choice(team_members),
                        now,
                    )
                )
                interaction_id += 1
        officers, present = [], []
        for row in interactions:
            first, institution_id = row[9], row[1]
            officers.append((row[0], first))
            if rng.random() < 0.3:
                other = rng.choice(self.members[row[8]])
                if other != first:
                    officers.append((row[0], other))
            met = batch.contacts_of.get(institution_id)
            if met and rng.random() < 0.5:
                present.append((row[0], rng.choice(met)))
        # About one follow-up per four interactions, more for busy institutions; due
        # dates from a year back to two months ahead; most past ones are done.
        follow_ups = []
        for row in interactions:
            if rng.random() >= 0.25:
                continue
            due = row[4] + datetime.timedelta(days=rng.randint(3, 60))
            done = due < today and rng.random() < 0.8
            follow_ups.append(
                (
                    rng.choice(FOLLOW_UP_TITLES),
                    row[9],
                    due,
                    done,
                    now if done else None,
                    row[1],
                    row[2],
                    row[0],
                    row[8],
                    row[9],
                    now,
                )
            )
        self.counts["interactions"] += write(Interaction, INTERACTION_COLUMNS, interactions)
        self.counts["officers"] += write(
            Interaction.officers.through, ["interaction_id", "user_id"], officers
        )
        self.counts["contacts present"] += write(
            Interaction.contacts.through, ["interaction_id", "contact_id"], present
        )
        self.counts["follow_ups"] += write(FollowUp, FOLLOW_UP_COLUMNS, follow_ups)


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


def seed(*, size: Size, seed_value: int, log: Callable[[str], None]) -> dict[str, int]:
    """Draw and write the register batch by batch, in one transaction; return the counts."""
    seeder = RegisterSeeder(size=size, seed_value=seed_value)
    with transaction.atomic(), bulk_load(REGISTER_MODELS, log):
        for batch in seeder.batches():
            seeder.write_institutions(batch)
            seeder.write_activity(batch)
            counts = seeder.counts
            log(
                f"  {counts['institutions']:>7} institutions, {counts['interactions']:>7} "
                f"interactions, {counts['follow_ups']:>6} follow-ups"
            )
        reset_sequences(Institution, Contact, Interaction)
    return seeder.counts


def busy_range(text: str) -> tuple[int, int]:
    """``250-500`` → (250, 500)."""
    low, _dash, high = text.partition("-")
    try:
        bounds = int(low), int(high or low)
    except ValueError:
        raise argparse.ArgumentTypeError("LOW-HIGH, e.g. 250-500") from None
    if not 0 < bounds[0] <= bounds[1]:
        raise argparse.ArgumentTypeError("LOW-HIGH with 0 < LOW <= HIGH")
    return bounds


def add_size_arguments(parser: argparse.ArgumentParser, defaults: Size) -> None:
    """The options that say how big the register is (seed_district.py shares them)."""
    parser.add_argument("--institutions", type=int, default=defaults.institutions)
    parser.add_argument(
        "--busy",
        type=int,
        default=defaults.busy,
        help="institutions with hundreds of interactions (default %(default)s)",
    )
    parser.add_argument(
        "--busy-interactions",
        type=busy_range,
        default=defaults.busy_interactions,
        metavar="LOW-HIGH",
        help="how many interactions a busy institution has (default %s-%s)"
        % defaults.busy_interactions,
    )
    parser.add_argument(
        "--interactions",
        type=int,
        default=defaults.interactions,
        help="about how many interactions in all (default %s)"
        % (defaults.interactions or "about 2.3 an institution"),
    )
    parser.add_argument(
        "--contacts",
        type=int,
        default=defaults.contacts,
        help="about how many contacts (default %s)"
        % (defaults.contacts or "1-2 for about 40%% of the institutions"),
    )
    parser.add_argument("--buildings", type=int, default=defaults.buildings)
    parser.add_argument(
        "--teams", type=int, default=defaults.teams, help=f"4 to {len(TEAMS)} (default %(default)s)"
    )
    parser.add_argument(
        "--users",
        type=int,
        default=defaults.users,
        help=f"{len(PEOPLE)} or more: PEOPLE, then invented colleagues (default %(default)s)",
    )
    parser.add_argument(
        "--history-days",
        type=int,
        default=defaults.history_days,
        help="how far back interactions go (default %(default)s)",
    )


def size_from(args: argparse.Namespace, **extra) -> Size:
    return Size(
        institutions=args.institutions,
        busy=args.busy,
        busy_interactions=args.busy_interactions,
        interactions=args.interactions,
        contacts=args.contacts,
        buildings=args.buildings,
        teams=args.teams,
        users=args.users,
        history_days=args.history_days,
        **extra,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    add_size_arguments(parser, Size())
    parser.add_argument(
        "--landed-share",
        type=float,
        default=None,
        help="share of institutions landed or in aftercare (default 0.32)",
    )
    parser.add_argument("--seed", type=int, default=2021)
    parser.add_argument("--reset", action="store_true", help="empty the crm tables first")
    parser.add_argument(
        "--force", action="store_true", help="allow --reset on a database not named *bench*"
    )
    parser.add_argument("--no-analyze", action="store_true", help="skip VACUUM ANALYZE at the end")
    args = parser.parse_args(argv)
    if not SECTORS <= args.teams <= len(TEAMS) or args.users < len(PEOPLE):
        parser.error(f"--teams goes from {SECTORS} to {len(TEAMS)}, --users from {len(PEOPLE)}")

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
    counts = seed(
        size=size_from(args, landed_share=args.landed_share), seed_value=args.seed, log=log
    )
    if connection.vendor == "postgresql" and not args.no_analyze:
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
        log("VACUUM ANALYZE done")
    log("done: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
