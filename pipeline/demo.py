"""Plausible, fictional demo data for ``make run`` and manual testing.

Deterministic for a given seed: the same seed gives the same records, and running it
again updates them in place rather than adding copies. Teams, users, buildings and
institutions are matched by name and updated. An institution's contacts, interactions
and follow-ups are made only when it has none of the three yet, so a second run adds
nothing and leaves whatever was logged by hand alone. Interaction and follow-up dates
are relative to today: within a day the same seed gives the same data.

Every name here is invented; any likeness to a real firm or person is chance. Street
names are the district's, numbers and buildings are not. It grows with each part of
the product.
"""

from __future__ import annotations

import datetime
import random
import re
from dataclasses import asdict, dataclass, field
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from stdnum.cn import uscc as uscc_check
from stdnum.iso7064 import mod_97_10

from accounts.models import Membership, Role, Team, User
from core.money import Currency
from crm.models import (
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
from crm.services import (
    building_save,
    contact_save,
    follow_up_create,
    follow_up_set_done,
    institution_save,
    interaction_log,
)
from pipeline.models import Project
from pipeline.services import project_create
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


# ---------------------------------------------------------------- buildings

# (Chinese name, English name, address, tax tier): invented towers on real streets.
BUILDINGS = [
    ("汇澜金融中心", "Huilan Financial Centre", "浦东新区陆家嘴环路1366号", TaxTier.AT_LEAST_100),
    (
        "澄江国际大厦",
        "Chengjiang International Tower",
        "浦东新区世纪大道1702号",
        TaxTier.AT_LEAST_50,
    ),
    ("启明金融广场", "Qiming Financial Plaza", "浦东新区银城中路688号", TaxTier.AT_LEAST_20),
    ("滨江汇景大厦", "Binjiang Vista Tower", "浦东新区滨江大道2199号", TaxTier.AT_LEAST_20),
    (
        "东岸国际中心",
        "East Bank International Centre",
        "浦东新区浦东南路1518号",
        TaxTier.AT_LEAST_10,
    ),
    ("泓源大厦", "Hongyuan Building", "浦东新区花园石桥路158号", TaxTier.AT_LEAST_10),
    ("海晏航运大厦", "Haiyan Shipping Tower", "浦东新区浦明路1055号", TaxTier.AT_LEAST_10),
    ("世纪观澜中心", "Century Guanlan Centre", "浦东新区世纪大道1366号", TaxTier.AT_LEAST_1),
    ("银杏科技大厦", "Ginkgo Technology Tower", "浦东新区杨高南路759号", TaxTier.AT_LEAST_1),
    ("富城商务中心", "Fucheng Business Centre", "浦东新区富城路99号", TaxTier.AT_LEAST_1),
    ("晨曦大厦", "Chenxi Building", "浦东新区东方路1217号", TaxTier.BELOW_1),
    ("翠湖商务楼", "Cuihu Business Building", "浦东新区东园路88号", TaxTier.BELOW_1),
]
# Bigger towers hold more of the register.
TIER_WEIGHT = {
    TaxTier.AT_LEAST_100: 6,
    TaxTier.AT_LEAST_50: 5,
    TaxTier.AT_LEAST_20: 4,
    TaxTier.AT_LEAST_10: 3,
    TaxTier.AT_LEAST_1: 2,
    TaxTier.BELOW_1: 1,
}

# ---------------------------------------------------------------- register details

# Registered capital in 万元, (low, high); law firms' representative offices have none.
CAPITAL = {
    InstitutionType.BANK: (100_000, 1_000_000),
    InstitutionType.SECURITIES: (50_000, 500_000),
    InstitutionType.PUBLIC_FUND: (10_000, 30_000),
    InstitutionType.PRIVATE_FUND: (1_000, 10_000),
    InstitutionType.FUTURES: (10_000, 50_000),
    InstitutionType.LIFE_INSURER: (100_000, 500_000),
    InstitutionType.REINSURER: (100_000, 300_000),
    InstitutionType.INSURANCE_AM: (10_000, 100_000),
    InstitutionType.BANK_WEALTH: (100_000, 500_000),
    InstitutionType.TRUST: (100_000, 500_000),
    InstitutionType.FINANCIAL_LEASING: (17_000, 200_000),
    InstitutionType.PAYMENT: (10_000, 100_000),
    InstitutionType.FINTECH: (1_000, 20_000),
    InstitutionType.CREDIT_RATING: (1_000, 10_000),
    InstitutionType.REGIONAL_HQ: (3_000, 50_000),
    InstitutionType.SHIPPING: (1_000, 50_000),
    InstitutionType.COMMODITY_TRADING: (1_000, 30_000),
    InstitutionType.ACCOUNTING: (100, 1_000),
    InstitutionType.CONSULTING: (100, 5_000),
    InstitutionType.RD_CENTRE: (500, 20_000),
}
USD_PER_10K_CNY = Decimal("0.14")
# (status, weight) for institutions registered in China, and for the rest.
REGISTERED_STATUS = [
    (InstitutionStatus.LANDED, 45),
    (InstitutionStatus.AFTERCARE, 47),
    (InstitutionStatus.IN_PIPELINE, 8),
]
UNREGISTERED_STATUS = [
    (InstitutionStatus.PROSPECT, 55),
    (InstitutionStatus.IN_PIPELINE, 35),
    (InstitutionStatus.LOST, 10),
]
DESCRIPTIONS = {
    InstitutionStatus.PROSPECT: "通过行业活动获得的线索,尚处初步接触阶段。",
    InstitutionStatus.IN_PIPELINE: "项目在谈,重点关注选址与牌照申请进度。",
    InstitutionStatus.LANDED: "已完成注册落地,进入开业筹备与首年服务期。",
    InstitutionStatus.AFTERCARE: "已落地企业,按季度开展企业服务回访。",
    InstitutionStatus.LOST: "项目已流失,保留联系以便后续跟进。",
}

# ---------------------------------------------------------------- contacts

SURNAMES = [
    ("王", "Wang"),
    ("李", "Li"),
    ("张", "Zhang"),
    ("刘", "Liu"),
    ("陈", "Chen"),
    ("杨", "Yang"),
    ("黄", "Huang"),
    ("赵", "Zhao"),
    ("周", "Zhou"),
    ("吴", "Wu"),
    ("孙", "Sun"),
    ("朱", "Zhu"),
    ("胡", "Hu"),
    ("郭", "Guo"),
    ("何", "He"),
    ("林", "Lin"),
    ("罗", "Luo"),
    ("梁", "Liang"),
    ("宋", "Song"),
    ("郑", "Zheng"),
    ("谢", "Xie"),
    ("韩", "Han"),
    ("唐", "Tang"),
    ("冯", "Feng"),
    ("邓", "Deng"),
    ("曹", "Cao"),
    ("彭", "Peng"),
    ("沈", "Shen"),
    ("顾", "Gu"),
    ("陆", "Lu"),
    ("蒋", "Jiang"),
    ("叶", "Ye"),
]
GIVEN_NAMES = [
    ("思远", "Siyuan"),
    ("雅琴", "Yaqin"),
    ("浩然", "Haoran"),
    ("文博", "Wenbo"),
    ("嘉怡", "Jiayi"),
    ("子涵", "Zihan"),
    ("天宇", "Tianyu"),
    ("晓雯", "Xiaowen"),
    ("俊杰", "Junjie"),
    ("慧敏", "Huimin"),
    ("志强", "Zhiqiang"),
    ("丽华", "Lihua"),
    ("明轩", "Mingxuan"),
    ("欣然", "Xinran"),
    ("海燕", "Haiyan"),
    ("立新", "Lixin"),
    ("婉清", "Wanqing"),
    ("一鸣", "Yiming"),
    ("雨桐", "Yutong"),
    ("家豪", "Jiahao"),
    ("佳琪", "Jiaqi"),
    ("振华", "Zhenhua"),
    ("静怡", "Jingyi"),
    ("国栋", "Guodong"),
    ("梦瑶", "Mengyao"),
    ("宏伟", "Hongwei"),
    ("诗涵", "Shihan"),
    ("晨阳", "Chenyang"),
    ("若兰", "Ruolan"),
    ("以宁", "Yining"),
]
# Expatriates at foreign institutions, recorded under their English names.
EXPAT_FIRST = ["Claire", "Daniel", "Hannah", "Marcus", "Sophie", "Thomas", "Lena", "Oliver"]
EXPAT_LAST = ["Ashford", "Brenner", "Calloway", "Delacroix", "Eriksen", "Fairley", "Gorman"]
SENIOR_TITLES = ["总经理", "董事长", "副总经理", "中国区总裁", "首席执行官"]
FOREIGN_SENIOR_TITLES = ["中国区总裁", "总经理", "亚太区副总裁"]
REP_OFFICE_TITLES = ["首席代表", "代表"]
OTHER_TITLES = [
    "合规总监",
    "财务总监",
    "首席风险官",
    "董事会办公室主任",
    "战略发展部总监",
    "行政人事总监",
    "综合管理部经理",
    "政府事务经理",
]
BASIS_WEIGHTS = [(LawfulBasis.PUBLIC, 50), (LawfulBasis.CONSENT, 40), (LawfulBasis.CONTRACT, 10)]
BASIS_NOTES = {
    LawfulBasis.PUBLIC: ["企业官网管理层介绍", "国家企业信用信息公示系统", "行业论坛公开嘉宾名单"],
    LawfulBasis.CONSENT: ["拜访时交换名片,口头同意留存联系方式", "邮件确认同意接收政策信息"],
    LawfulBasis.CONTRACT: ["企业服务协议约定的对接人"],
}
CONTACT_NOTES = ["偏好邮件沟通", "英文沟通为主", "周三下午方便会面", "需提前一周预约", ""]

# ---------------------------------------------------------------- interactions

KIND_WEIGHTS = [
    (InteractionKind.MEETING, 25),
    (InteractionKind.VISIT, 25),
    (InteractionKind.CALL, 20),
    (InteractionKind.EMAIL, 12),
    (InteractionKind.EVENT, 8),
    (InteractionKind.SITE_VISIT, 6),
    (InteractionKind.LETTER, 4),
]
KIND_OPENING = {
    InteractionKind.VISIT: "赴企业拜访,",
    InteractionKind.MEETING: "在金融城服务中心会谈,",
    InteractionKind.CALL: "电话沟通,",
    InteractionKind.EMAIL: "邮件沟通,",
    InteractionKind.EVENT: "在金融城专题推介会上交流,",
    InteractionKind.SITE_VISIT: "陪同企业实地考察%(building)s,",
    InteractionKind.LETTER: "致函企业,",
}
# (what was discussed, outcome, next step) by phase of the case.
EARLY = [
    (
        "介绍陆家嘴金融城营商环境和扶持政策,了解企业在华业务布局",
        "对方对设立上海平台有初步兴趣,需向总部汇报",
        "发送金融城政策汇编及楼宇资料",
    ),
    (
        "了解集团亚太区战略调整及在沪设立新机构的考虑",
        "企业正在比较上海、深圳和香港三地方案",
        "整理三地政策对比材料并约下次会谈",
    ),
    (
        "与企业高管初次交流,介绍区内同业机构集聚情况",
        "对方希望了解人才引进与落户政策",
        "邀请参加下月金融城专题推介会",
    ),
    (
        "沟通拟设机构的业务范围与准入要求",
        "已明确所需牌照类型及主管部门",
        "协调监管部门安排政策咨询",
    ),
    (
        "介绍跨境投融资便利化政策及自贸区相关安排",
        "企业关注资金跨境流动和结算安排",
        "提供跨境业务政策指引",
    ),
    (
        "了解企业在华现有业务和未来三年发展计划",
        "暂无明确落地时间表",
        "下季度再次联系了解进展",
    ),
]
PIPELINE = [
    (
        "讨论注册地址与办公选址,推荐区内重点楼宇",
        "企业初步选定两处备选楼宇",
        "安排实地考察备选楼宇",
    ),
    ("沟通牌照申请材料准备情况", "申请材料已完成初稿", "协助对接监管部门预沟通"),
    (
        "确认注册资本、股权结构与设立时间表",
        "企业确认年内完成设立",
        "跟进总部董事会审批结果",
    ),
    (
        "对接开办补贴、租房补贴和人才政策",
        "企业提交了补贴申请所需材料清单",
        "协助准备政策申报材料",
    ),
    ("协调工商注册和银行开户事宜", "注册材料已递交,等待审核", "跟踪营业执照办理进度"),
    (
        "讨论高管团队招聘及人才公寓需求",
        "企业计划首批派驻八名员工",
        "对接人才服务中心安排公寓看房",
    ),
]
LANDING = [
    (
        "祝贺企业领取营业执照,了解开业筹备安排",
        "企业计划下季度正式开业",
        "协助筹备开业活动并邀请相关部门出席",
    ),
    ("确认金融许可证获批及开业时间", "开业时间已确定", "安排开业后首次走访"),
]
AFTERCARE = [
    (
        "回访企业经营情况,了解业务开展中的困难",
        "企业反映跨境资金结算效率有待提升",
        "将问题转交相关部门并跟进答复",
    ),
    (
        "协调员工子女入学及外籍高管工作许可",
        "相关手续已对接至主管部门",
        "两周后确认办理结果",
    ),
    (
        "了解企业扩租需求,推荐周边楼宇",
        "企业计划明年扩租一层办公面积",
        "整理可租楼宇清单发送企业",
    ),
    ("沟通地区总部认定申报条件", "企业基本符合申报条件", "指导企业准备认定申报材料"),
    ("走访企业,听取对营商环境的意见建议", "企业对服务总体满意", "下季度例行回访"),
    ("协助企业申报年度扶持资金", "申报材料已提交", "跟踪资金拨付进度"),
]
LOST = [
    (
        "了解项目进展,企业表示暂缓在沪设立计划",
        "总部调整全球战略,项目搁置",
        "半年后再次联系了解是否重启",
    ),
    ("沟通企业最终选址决定", "企业最终选择落户其他城市", "保持联系,关注后续业务机会"),
]
# How many interactions, and how many days ago the latest one was, by status.
INTERACTION_COUNT = {
    InstitutionStatus.PROSPECT: (0, 2),
    InstitutionStatus.IN_PIPELINE: (2, 6),
    InstitutionStatus.LANDED: (1, 5),
    InstitutionStatus.AFTERCARE: (1, 6),
    InstitutionStatus.LOST: (1, 3),
}
LATEST_DAYS_AGO = {
    InstitutionStatus.PROSPECT: (0, 300),
    InstitutionStatus.IN_PIPELINE: (0, 45),
    InstitutionStatus.LANDED: (5, 200),
    InstitutionStatus.AFTERCARE: (0, 120),
    InstitutionStatus.LOST: (60, 400),
}
HISTORY_DAYS = 540  # about eighteen months
DESK_FOLLOW_UPS = [
    "电话确认下次会面时间",
    "发送最新扶持政策解读",
    "更新联系人信息",
    "确认企业季度经营数据",
    "准备走访提纲",
]


@dataclass(frozen=True)
class ContactPlan:
    name: str
    name_en: str
    title: str
    email: str
    phone: str
    wechat: str
    notes: str
    lawful_basis: str
    basis_note: str
    do_not_contact: bool
    is_primary: bool


@dataclass(frozen=True)
class FollowUpPlan:
    title: str
    assignee: User
    due_date: datetime.date
    done: bool


@dataclass(frozen=True)
class InteractionPlan:
    kind: str
    date: datetime.date
    summary: str
    outcome: str
    next_step: str
    colleague: User | None
    contacts: tuple[int, ...]  # indexes into the plan's contacts
    follow_up: FollowUpPlan | None


@dataclass
class ActivityPlan:
    contacts: list[ContactPlan] = field(default_factory=list)
    interactions: list[InteractionPlan] = field(default_factory=list)
    # Follow-ups on the officer's desk, tied to no interaction.
    follow_ups: list[FollowUpPlan] = field(default_factory=list)


@transaction.atomic
def seed_demo(*, seed: int = 2021, institutions: int = 300) -> dict[str, int]:
    """Create or refresh the demo teams, users, buildings and register; return counts."""
    rng = random.Random(seed)
    # Separate streams for what came later, so that the same seed keeps giving the same
    # institutions as before they had buildings, contacts and interactions.
    details_rng = random.Random(f"{seed}:details")
    activity_rng = random.Random(f"{seed}:activity")
    today = timezone.localdate()
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
    buildings = _buildings(today)
    with_activity = _institutions_with_activity()

    countries, weights = zip(*COUNTRIES, strict=True)
    made: list[int] = []
    attempts = 0
    demo_desk = 0
    seen: set[str] = set()
    while len(made) < institutions and attempts < institutions * 20:
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
        aliases = _register_details(
            details_rng, institution, kind, brand_zh, brand_en, foreign, registered, buildings
        )
        institution_save(institution=institution, categories=wanted, aliases=aliases)

        teammates = [user for user, t in officers if t == team and user != owner]
        desk = None
        if owner == demo:
            desk, demo_desk = demo_desk % 4, demo_desk + 1
        activity = _plan_activity(
            activity_rng,
            status=institution.status,
            foreign=foreign,
            rep_office=kind.type == InstitutionType.LAW_FIRM and foreign,
            brand_en=brand_en,
            owner=owner,
            teammates=teammates,
            buildings=buildings,
            today=today,
            desk=desk,
        )
        # Drawn above even when not carried out, for the same reason as the identifiers.
        if institution.pk not in with_activity:
            _make_activity(institution, activity, owner)
        made.append(institution.pk)

    projects = _demo_projects(made)
    return {
        "projects": projects,
        "teams": len(teams),
        "users": len(PEOPLE) + 1,
        "institutions": len(made),
        "buildings": len(buildings),
        "aliases": InstitutionAlias.objects.filter(institution__in=made).count(),
        "contacts": Contact.objects.filter(institution__in=made).count(),
        "interactions": Interaction.objects.filter(institution__in=made).count(),
        "follow_ups": FollowUp.objects.filter(institution__in=made).count(),
    }


# What a case in the pipeline sets up here, and the code names of confidential ones.
VEHICLES = ["设立子公司", "设立分公司", "设立地区总部", "设立外商独资基金管理公司", "设立研发中心"]
CODE_NAMES = ["猎鹰", "白鹭", "青松", "远帆", "晨星", "玄武"]


def _demo_projects(institution_pks: list[int]) -> int:
    """One project for each institution in the pipeline; every seventh is confidential.

    No random draws, so the institutions' data stays as it was; matched by institution
    and title, so a second run adds nothing.
    """
    in_pipeline = Institution.objects.filter(
        pk__in=institution_pks, status=InstitutionStatus.IN_PIPELINE
    ).order_by("pk")
    for position, institution in enumerate(in_pipeline):
        confidential = position % 7 == 3
        title = f"{institution.name_zh}{VEHICLES[position % len(VEHICLES)]}"
        if not Project.objects.filter(institution=institution, title=title).exists():
            project_create(
                institution=institution,
                title=title,
                actor=institution.owner,
                owner=institution.owner,
                team=institution.team,
                confidential=confidential,
                code_name=CODE_NAMES[position // 7 % len(CODE_NAMES)] if confidential else "",
            )
    return Project.objects.filter(institution__in=institution_pks).count()


def _buildings(today: datetime.date) -> list[Building]:
    """The demo towers, created or brought back to their demo values."""
    existing = {
        b.name_zh: b for b in Building.objects.filter(name_zh__in=[b[0] for b in BUILDINGS])
    }
    made = []
    for name_zh, name_en, address, tier in BUILDINGS:
        building = existing.get(name_zh) or Building(name_zh=name_zh)
        building.name_en, building.address = name_en, address
        building.tax_tier, building.tax_year = tier, today.year - 1
        made.append(building_save(building=building))
    return made


def _institutions_with_activity() -> set[int]:
    """Institutions that already have contacts, interactions or follow-ups."""
    return (
        set(Contact.objects.values_list("institution_id", flat=True))
        | set(Interaction.objects.values_list("institution_id", flat=True))
        | set(FollowUp.objects.values_list("institution_id", flat=True))
    )


def _register_details(
    rng: random.Random,
    institution: Institution,
    kind: Kind,
    brand_zh: str,
    brand_en: str,
    foreign: bool,
    registered: bool,
    buildings: list[Building],
) -> list[str]:
    """Set status, flags, building, capital and website; return the aliases to keep."""
    statuses, status_weights = zip(
        *(REGISTERED_STATUS if registered else UNREGISTERED_STATUS), strict=True
    )
    status = rng.choices(statuses, status_weights)[0]
    first = rng.random() < 0.04
    jv_controlled = rng.random() < 0.5
    building = rng.choices(buildings, [TIER_WEIGHT[b.tax_tier] for b in buildings])[0]
    low, high = CAPITAL.get(kind.type, (0, 0))
    capital = _round_capital(rng.uniform(low, high))
    in_dollars = rng.random() < 0.55
    has_website, has_description = rng.random() < 0.6, rng.random() < 0.5
    alias_draw = rng.random()

    institution.status = status
    institution.national_first = (
        first and registered and status in (InstitutionStatus.LANDED, InstitutionStatus.AFTERCARE)
    )
    # The flag marks majority-foreign firms that are not wholly foreign-owned: the
    # foreign-controlled ones, and the joint ventures where the foreign side leads.
    institution.foreign_controlled = institution.ownership == Ownership.FOREIGN_CONTROLLED or (
        institution.ownership == Ownership.JOINT_VENTURE and jv_controlled
    )
    institution.building = building if registered else None
    currency = Currency.USD if foreign and in_dollars else Currency.CNY
    if registered and capital:
        if currency == Currency.USD:
            capital = _round_capital(float(capital * USD_PER_10K_CNY))
        institution.registered_capital = capital
        institution.registered_capital_currency = currency
    else:
        institution.registered_capital = None
        institution.registered_capital_currency = Currency.CNY
    slug = re.sub(r"[^a-z0-9]", "", brand_en.lower())
    institution.website = f"https://www.{slug}.example/" if has_website else ""
    institution.description = DESCRIPTIONS[status] if has_description else ""

    if alias_draw < 0.15:  # a short name, as the press writes it
        return [f"{brand_en} {kind.en} China" if foreign else f"{brand_zh}{kind.zh}"]
    if alias_draw < 0.25:  # a former name: the representative office, or an older form
        return [
            f"{brand_zh}{kind.zh}上海代表处" if foreign else f"{brand_zh}{kind.zh}(上海)有限公司"
        ]
    return []


def _round_capital(amount: float) -> Decimal:
    """An amount in 万 rounded to two significant figures, as registries tend to show."""
    if amount <= 0:
        return Decimal(0)
    step = 10 ** max(len(str(int(amount))) - 2, 0)
    return Decimal(max(round(amount / step), 1) * step)


def _plan_activity(
    rng: random.Random,
    *,
    status: str,
    foreign: bool,
    rep_office: bool,
    brand_en: str,
    owner: User,
    teammates: list[User],
    buildings: list[Building],
    today: datetime.date,
    desk: int | None,
) -> ActivityPlan:
    """Draw an institution's contacts, interactions and follow-ups.

    Depends only on the generator and the arguments, never on the database, so that the
    draws are the same whether or not the plan is then carried out.
    """
    plan = ActivityPlan()
    domain = re.sub(r"[^a-z0-9]", "", brand_en.lower()) + ".example"
    low = 0 if status == InstitutionStatus.PROSPECT else 1
    for index in range(rng.randint(low, 3)):
        plan.contacts.append(_plan_contact(rng, index, foreign, rep_office, domain))
    reachable = [i for i, c in enumerate(plan.contacts) if not c.do_not_contact]

    count = rng.randint(*INTERACTION_COUNT[status])
    latest = rng.randint(*LATEST_DAYS_AGO[status])
    days_ago = sorted(
        [latest] + [rng.randint(latest, HISTORY_DAYS) for _ in range(count - 1)], reverse=True
    )[:count]
    kinds, kind_weights = zip(*KIND_WEIGHTS, strict=True)
    for position, ago in enumerate(days_ago, start=1):
        date = today - datetime.timedelta(days=ago)
        kind = rng.choices(kinds, kind_weights)[0]
        topic, outcome, next_step = rng.choice(_phase(status, position, count))
        building = rng.choice(buildings)
        with_colleague, mate = rng.random() < 0.4, rng.choice(teammates) if teammates else None
        colleague = mate if with_colleague else None
        present = rng.randint(1, 2)
        chosen = tuple(sorted(rng.sample(reachable, min(present, len(reachable)))))
        last = position == count
        has_follow_up = rng.random() < (0.7 if last else 0.4)
        due = date + datetime.timedelta(days=rng.randint(5, 30))
        done_draw, to_colleague = rng.random(), rng.random() < 0.25
        done = due < today and done_draw < (0.8 if last else 0.95)
        assignee = colleague if colleague and to_colleague else owner
        plan.interactions.append(
            InteractionPlan(
                kind=kind,
                date=date,
                summary=KIND_OPENING[kind] % {"building": building.name_zh} + topic + "。",
                outcome=outcome + "。",
                next_step=next_step + "。",
                colleague=colleague,
                contacts=chosen,
                follow_up=FollowUpPlan(next_step, assignee, due, done) if has_follow_up else None,
            )
        )

    # The demo user's desk: of the institutions they own, every fourth brings an overdue
    # follow-up and the next an upcoming one, so that "My work" shows some at first login.
    title = rng.choice(DESK_FOLLOW_UPS)
    overdue = today - datetime.timedelta(days=rng.randint(1, 20))
    upcoming = today + datetime.timedelta(days=rng.randint(0, 12))
    if desk == 0:
        plan.follow_ups.append(FollowUpPlan(title, owner, overdue, False))
    elif desk == 1:
        plan.follow_ups.append(FollowUpPlan(title, owner, upcoming, False))
    return plan


def _plan_contact(
    rng: random.Random, index: int, foreign: bool, rep_office: bool, domain: str
) -> ContactPlan:
    surname, surname_en = rng.choice(SURNAMES)
    given, given_en = rng.choice(GIVEN_NAMES)
    expat_first, expat_last = rng.choice(EXPAT_FIRST), rng.choice(EXPAT_LAST)
    expat = rng.random() < 0.3 and foreign
    if index == 0:
        titles = (
            REP_OFFICE_TITLES if rep_office else FOREIGN_SENIOR_TITLES if foreign else SENIOR_TITLES
        )
    else:
        titles = OTHER_TITLES
    title = rng.choice(titles)
    bases, basis_weights = zip(*BASIS_WEIGHTS, strict=True)
    basis = rng.choices(bases, basis_weights)[0]
    basis_note = rng.choice(BASIS_NOTES[basis])
    do_not_contact = rng.random() < 0.04
    has_phone, has_wechat = rng.random() < 0.6, rng.random() < 0.3
    phone = "+86 21 5555 0%03d" % rng.randint(0, 999)
    wechat = "%s_%s%02d" % (given_en.lower(), surname_en.lower(), rng.randint(1, 99))
    notes = rng.choice(CONTACT_NOTES)
    if expat:
        name, name_en = "", f"{expat_first} {expat_last}"
        mailbox = f"{expat_first}.{expat_last}".lower()
    else:
        name, name_en = surname + given, f"{surname_en} {given_en}"
        mailbox = f"{given_en}.{surname_en}".lower()
    return ContactPlan(
        name=name,
        name_en=name_en,
        title=title,
        email=f"{mailbox}@{domain}",
        phone=phone if has_phone else "",
        wechat=wechat if has_wechat and not expat else "",
        notes="本人要求不再接受招商联系。" if do_not_contact else notes,
        lawful_basis=basis,
        basis_note=basis_note,
        do_not_contact=do_not_contact,
        is_primary=index == 0 and not do_not_contact,
    )


def _phase(status: str, position: int, count: int) -> list[tuple[str, str, str]]:
    """The topics that fit the ``position``-th of ``count`` interactions of a case."""
    share = position / count
    last = position == count
    if status == InstitutionStatus.IN_PIPELINE:
        return EARLY if share <= 0.34 else PIPELINE
    if status == InstitutionStatus.LANDED:
        return LANDING if last else EARLY if share <= 0.25 else PIPELINE
    if status == InstitutionStatus.AFTERCARE:
        return PIPELINE if share <= 0.3 and not last else AFTERCARE
    if status == InstitutionStatus.LOST:
        return LOST if last else EARLY
    return EARLY


def _make_activity(institution: Institution, plan: ActivityPlan, owner: User) -> None:
    """Carry out an activity plan through the register's services."""
    contacts = [
        contact_save(contact=Contact(institution=institution, **asdict(contact)))
        for contact in plan.contacts
    ]
    for item in plan.interactions:
        interaction = interaction_log(
            institution=institution,
            actor=owner,
            kind=item.kind,
            date=item.date,
            summary=item.summary,
            officers=[owner, item.colleague] if item.colleague else [owner],
            contacts=[contacts[i] for i in item.contacts],
            outcome=item.outcome,
            next_step=item.next_step,
        )
        if item.follow_up:
            _make_follow_up(institution, item.follow_up, owner, interaction)
    for follow_up in plan.follow_ups:
        _make_follow_up(institution, follow_up, owner, None)


def _make_follow_up(
    institution: Institution, plan: FollowUpPlan, actor: User, interaction: Interaction | None
) -> None:
    follow_up = follow_up_create(
        actor=actor,
        title=plan.title,
        assignee=plan.assignee,
        due_date=plan.due_date,
        institution=institution,
        interaction=interaction,
    )
    if plan.done:
        follow_up_set_done(follow_up=follow_up, done=True)


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
