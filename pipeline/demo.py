"""Plausible, fictional demo data for ``make run`` and manual testing.

Deterministic for a given seed: the same seed gives the same records, and running it
again updates them in place rather than adding copies. Teams, users, buildings and
institutions are matched by name and updated. An institution's contacts, interactions
and follow-ups are made only when it has none of the three yet, and its projects (with
their dated histories since 2021) and landing milestones only when it has neither, so a
second run adds nothing and leaves whatever was logged by hand alone. Dates are relative
to today: within a day the same seed gives the same data. docs/reference-data.md ("Demo
data") tells the story the histories make and where to change it.

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
from core.audit import actor_as
from core.money import Currency
from crm.models import (
    Building,
    Contact,
    ExitKind,
    FollowUp,
    Institution,
    InstitutionAlias,
    InstitutionStatus,
    InstitutionType,
    Interaction,
    InteractionKind,
    LawfulBasis,
    Milestone,
    MilestoneKind,
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
    milestone_record,
)
from pipeline.models import (
    DEFAULT_STAGES,
    LostReason,
    Project,
    Stage,
    StageChange,
    StageKind,
    Vehicle,
    ensure_default_stages,
)
from pipeline.progress import quarter_ends
from pipeline.services import Registration, project_create, project_move
from plans.models import Category, Plan, Target, TargetMeasurement

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
    """Create or refresh the demo teams, users, buildings, register and histories; return counts."""
    rng = random.Random(seed)
    # Separate streams for what came later, so that the same seed keeps giving the same
    # institutions as before they had buildings, contacts, interactions and histories.
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
    managers: dict[int, User] = {}
    analyst = None
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
        if role == Role.MANAGER:
            managers[teams[team_index].pk] = user
        if role == Role.ANALYST:
            analyst = user
    buildings = _buildings(today)
    with_activity = _institutions_with_activity()
    with_history = _institutions_with_history()
    stages = _stages()
    quota = Quota()

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
        is_new = institution.pk is None
        if is_new:  # identifiers of an existing record stay as they are
            institution.uscc = uscc if registered else None
            institution.lei = lei if has_lei else None
        institution.owner, institution.team = owner, team
        wanted = [categories[c] for c in kind.categories if c in categories]
        if rng.random() < 0.15 and "theme-green-finance" in categories:
            wanted.append(categories["theme-green-finance"])
        aliases = _register_details(
            details_rng, institution, kind, brand_zh, brand_en, foreign, registered, buildings
        )
        status = institution.status
        # Its own stream, seeded by the name: adding a kind of history later changes no
        # other institution's.
        history = _plan_history(
            random.Random(f"{seed}:history:{name_zh}"),
            kind=kind,
            foreign=foreign,
            status=status,
            registered=registered,
            brand_zh=brand_zh,
            today=today,
            quota=quota,
        )
        wanted += [categories[c] for c in history.categories if c in categories]
        tell = stages is not None and institution.pk not in with_history
        if is_new and tell:  # a new record starts where its history starts
            institution.status = history.start_status
            if not history.registered_before:
                institution.uscc = None
        institution_save(institution=institution, categories=wanted, aliases=aliases)
        spans: list[Span] = []
        if tell:
            spans = _make_history(
                institution,
                history,
                stages=stages,
                owner=owner,
                manager=managers.get(team.pk, owner),
                uscc=uscc,
                status=status,
            )

        teammates = [user for user, t in officers if t == team and user != owner]
        desk = None
        if owner == demo:
            desk, demo_desk = demo_desk % 4, demo_desk + 1
        activity = _plan_activity(
            activity_rng,
            status=status,
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
            _make_activity(institution, activity, owner, spans)
            _make_next_follow_ups(institution, spans, owner)
        made.append(institution.pk)

    measurements = seed_measurements(
        plan, random.Random(f"{seed}:measurements"), today=today, actor=analyst
    )
    projects = Project.objects.filter(institution__in=made)
    return {
        "projects": projects.count(),
        "stage_changes": StageChange.objects.filter(project__in=projects).count(),
        "milestones": Milestone.objects.filter(institution__in=made).count(),
        "measurements": measurements,
        "teams": len(teams),
        "users": len(PEOPLE) + 1,
        "institutions": len(made),
        "buildings": len(buildings),
        "aliases": InstitutionAlias.objects.filter(institution__in=made).count(),
        "contacts": Contact.objects.filter(institution__in=made).count(),
        "interactions": Interaction.objects.filter(institution__in=made).count(),
        "follow_ups": FollowUp.objects.filter(institution__in=made).count(),
    }


# Code names of the three confidential projects in the pipeline.
CONFIDENTIAL_CODE_NAMES = ("猎鹰", "白鹭", "青松")


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


def _make_activity(
    institution: Institution, plan: ActivityPlan, owner: User, spans: list[Span]
) -> None:
    """Carry out an activity plan through the register's services.

    An interaction belongs to the project alive on its day, if any; none is logged after
    a stalled project's last move.
    """
    contacts = [
        contact_save(contact=Contact(institution=institution, **asdict(contact)))
        for contact in plan.contacts
    ]
    for item in plan.interactions:
        span = _span_on(spans, item.date)
        if span and span.quiet_after and item.date > span.quiet_after:
            continue
        project = span.project if span else None
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
            project=project,
        )
        if item.follow_up:
            _make_follow_up(institution, item.follow_up, owner, interaction, project)
    for follow_up in plan.follow_ups:
        _make_follow_up(institution, follow_up, owner, None, None)


def _make_follow_up(
    institution: Institution,
    plan: FollowUpPlan,
    actor: User,
    interaction: Interaction | None,
    project: Project | None,
) -> None:
    follow_up = follow_up_create(
        actor=actor,
        title=plan.title,
        assignee=plan.assignee,
        due_date=plan.due_date,
        institution=institution,
        project=project,
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


# ---------------------------------------------------------------- histories

# The 14th plan counts from 2020-12-31: the demo's projects begin after it.
HISTORY_START = datetime.date(2021, 1, 4)
MAIN_LINE = ("lead", "contacted", "negotiating", "committed", "registering", "landed")
OPEN_STAGES = MAIN_LINE[:-1]
# Days a project usually stays at a stage of the main line before it moves on.
STAGE_DAYS = {
    "lead": (10, 80),
    "contacted": (20, 150),
    "negotiating": (40, 240),
    "committed": (20, 120),
    "registering": (25, 150),
}
# Where the open projects stand today: (stage, weight).
OPEN_AT = [
    ("lead", 16),
    ("contacted", 24),
    ("negotiating", 26),
    ("committed", 16),
    ("registering", 18),
]
SOURCES = [
    "线索来源:金融城专题推介会",
    "线索来源:驻外招商联络处推荐",
    "线索来源:已落地企业引荐",
    "线索来源:行业协会推荐",
    "线索来源:企业主动咨询",
]
FORWARD_NOTES = {
    "contacted": [
        "首次拜访企业高管,介绍金融城营商环境",
        "在推介会上结识,对方同意进一步交流",
        "通过驻外联络处对接,完成首次视频会议",
    ],
    "negotiating": [
        "进入实质性商谈:选址、注册资本与扶持政策",
        "企业提交初步设立方案,开始政策测算",
        "总部批准可行性研究,进入商务谈判",
    ],
    "committed": ["签署投资合作备忘录", "签署落户协议,明确设立时间表", "总部董事会批准设立方案"],
    "registering": [
        "企业递交工商注册材料",
        "办理名称预核准和注册登记",
        "牌照申请获受理,同步开展筹建",
    ],
    "landed": ["取得营业执照,确认落地", "完成注册登记,企业入驻楼宇"],
}
SKIP_NOTES = {
    "negotiating": "企业高层直接来访,跳过初步接洽进入商谈",
    "landed": "企业自行完成注册,补录落地",
}
BACK_NOTES = {
    "negotiating": "总部暂缓审批,退回初步接洽",
    "committed": "协议条款需重新谈判",
    "registering": "注册材料被退回补正,回到签约阶段",
}
RESUME_NOTES = ["问题已解决,项目恢复推进", "总部重新确认方案", "补正材料后重新递交"]
HOLD_REASONS = [
    "集团全球战略评估中,项目暂缓",
    "等待监管部门对准入政策的进一步明确",
    "母公司管理层变动,决策推迟",
    "跨境资金安排尚未落实",
    "出行受限,实地考察无法安排",
]
RESTART_NOTES = ["项目重启,恢复商谈", "总部重新启动在华布局,项目恢复"]
# Where else institutions looked; the funnel's losses name them.
COMPETING_LOCATIONS = ["北京", "深圳前海", "香港", "新加坡", "苏州", "杭州"]
LOST_REASONS = [
    (LostReason.OTHER_LOCATION, 35),
    (LostReason.COST, 15),
    (LostReason.STRATEGY, 15),
    (LostReason.REGULATORY, 12),
    (LostReason.POLICY, 10),
    (LostReason.TIMING, 8),
    (LostReason.OTHER, 5),
]
LOST_NOTES = {
    LostReason.OTHER_LOCATION: "企业最终选择落户%(place)s,主要考虑与集团现有业务的协同。",
    LostReason.COST: "办公租金与人力成本超出企业预算。",
    LostReason.STRATEGY: "母公司收缩亚太业务,取消在华新设机构计划。",
    LostReason.REGULATORY: "牌照审批周期过长,总部放弃申请。",
    LostReason.POLICY: "企业认为扶持政策力度不及其他城市。",
    LostReason.TIMING: "集团年内暂停新设机构,短期内无法推进。",
    LostReason.OTHER: "对接人离职,企业内部无人继续推动。",
}
VEHICLE_PHRASES = {
    Vehicle.SUBSIDIARY: "设立子公司",
    Vehicle.BRANCH: "设立上海分公司",
    Vehicle.REGIONAL_HQ: "设立地区总部",
    Vehicle.WFOE_FUND_MANAGER: "设立外商独资基金管理公司",
    Vehicle.JOINT_VENTURE: "设立合资公司",
    Vehicle.REPRESENTATIVE_OFFICE: "设立上海代表处",
    Vehicle.LEASING_SPV: "设立飞机租赁项目公司",
    Vehicle.RD_CENTRE: "设立研发中心",
    Vehicle.FUND: "发起设立QFLP基金",
    Vehicle.OTHER: "增资扩大在沪业务",
}
NEXT_STEPS = {
    "lead": "电话预约首次拜访",
    "contacted": "发送政策汇编并约第二次会谈",
    "negotiating": "准备选址方案与扶持政策测算",
    "committed": "协调工商注册预审",
    "registering": "跟进营业执照办理进度",
    "hold": "了解项目是否重启",
}
LICENCES = {
    InstitutionType.BANK: "金融许可证",
    InstitutionType.SECURITIES: "经营证券期货业务许可证",
    InstitutionType.PUBLIC_FUND: "经营证券期货业务许可证",
    InstitutionType.FUTURES: "经营证券期货业务许可证",
    InstitutionType.LIFE_INSURER: "保险许可证",
    InstitutionType.REINSURER: "保险许可证",
    InstitutionType.INSURANCE_AM: "保险资产管理公司开业批复",
    InstitutionType.BANK_WEALTH: "金融许可证",
    InstitutionType.TRUST: "金融许可证",
    InstitutionType.PAYMENT: "支付业务许可证",
}
RECOGNITION = ("跨国公司地区总部认定", "上海市商务委员会(市商务委)")
EXITS = [
    (ExitKind.MOVED_OUT, "集团架构调整,注册地迁往北京"),
    (ExitKind.MOVED_OUT, "与集团亚太业务整合,迁往深圳前海"),
    (ExitKind.DEREGISTERED, "股东决定解散,已完成清算注销"),
    (ExitKind.DEREGISTERED, "业务并入集团另一在沪主体,原主体注销"),
]
REGISTRY_NOTE = "从市场监管部门新设企业名单中发现,补录落地"
LEDGER_NOTE = "据历史台账补录"
# The year an institution landed in, by its status today: those still marked landed came
# mostly lately, those in aftercare earlier. Together, more landings each year.
LANDING_YEARS = {
    InstitutionStatus.LANDED: {2021: 3, 2022: 5, 2023: 10, 2024: 20, 2025: 28, 2026: 34},
    InstitutionStatus.AFTERCARE: {2021: 20, 2022: 24, 2023: 24, 2024: 20, 2025: 10},
}
# The share of landings (and losses) drawn from the last ten weeks.
RECENT_SHARE = {InstitutionStatus.LANDED: 0.08, InstitutionStatus.LOST: 0.35}


@dataclass(frozen=True)
class Step:
    """One planned move: to a stage (by code), some days after the step before."""

    to: str
    days: int
    note: str = ""
    hold_reason: str = ""


@dataclass
class ProjectPlan:
    title: str
    vehicle: str
    outcome: str  # won, lost, open or hold: where the history leaves it
    start: datetime.date
    steps: list[Step]
    dates: list[datetime.date]
    hours: list[tuple[int, int]]  # the time of day of the creation and of each step
    note: str = ""
    lost_reason: str = ""
    lost_note: str = ""
    competing: list[str] = field(default_factory=list)
    capital: Decimal | None = None
    currency: str = Currency.CNY
    jobs: int | None = None
    expected: tuple[int, int] | None = None
    confidential: bool = False
    code_name: str = ""
    stalled: bool = False  # open, untouched for months: nothing logged since its last move
    registration_lag: int = 0  # days from the registration to the move that records it
    next_follow_up: tuple[str, int] | None = None  # (what, days from today)

    @property
    def end(self) -> datetime.date:
        return self.dates[-1] if self.dates else self.start


@dataclass(frozen=True)
class MilestonePlan:
    kind: str
    date: datetime.date
    of_landing: bool = False  # produced by the landing project
    fields: tuple[tuple[str, str], ...] = ()
    note: str = ""


@dataclass
class HistoryPlan:
    """What happened to one institution since 2021: its projects and milestones."""

    start_status: str = InstitutionStatus.PROSPECT
    registered_before: bool = False  # registered before its history begins (a baseline firm)
    categories: list[str] = field(default_factory=list)
    projects: list[ProjectPlan] = field(default_factory=list)
    milestones: list[MilestonePlan] = field(default_factory=list)


@dataclass
class Quota:
    """Counts kept across institutions, for the few things the demo wants a set number of."""

    confidential: int = 0
    shipping_organisations: int = 0


@dataclass(frozen=True)
class Span:
    """When a project was alive, for linking the interactions of those days to it."""

    project: Project
    start: datetime.date
    end: datetime.date | None  # won or lost on; None while open or on hold
    quiet_after: datetime.date | None  # a stalled project: nothing logged after this day
    next_follow_up: tuple[str, int] | None


def _stages() -> dict[str, Stage] | None:
    """The default stages by code; None (no histories) when an admin has changed them."""
    ensure_default_stages()
    stages = {s.code: s for s in Stage.objects.all()}
    wanted = {code for code, *_rest in DEFAULT_STAGES}
    return stages if wanted <= set(stages) else None


def _institutions_with_history() -> set[int]:
    """Institutions that already have projects or milestones."""
    return set(Project.objects.values_list("institution_id", flat=True)) | set(
        Milestone.objects.values_list("institution_id", flat=True)
    )


def _days_back(rng: random.Random, today: datetime.date, low: int, high: int) -> datetime.date:
    return today - datetime.timedelta(days=rng.randint(low, high))


def _between(
    rng: random.Random, low: datetime.date, high: datetime.date, skew: float = 1.0
) -> datetime.date:
    """A day from ``low`` to ``high``; a skew below 1 favours the later days."""
    span = max((high - low).days, 0)
    return low + datetime.timedelta(days=int(span * rng.random() ** skew))


def _landing_day(rng: random.Random, status: str, today: datetime.date) -> datetime.date:
    """The day of a landing since 2021, drawn by year (see LANDING_YEARS).

    Some of the recent ones fall in the last ten weeks, so that the funnel's default view,
    the quarter to date, has landings to show.
    """
    weights = LANDING_YEARS[status]
    lately = rng.random() < RECENT_SHARE.get(status, 0)
    if lately:
        return today - datetime.timedelta(days=rng.randint(1, 70))
    years = [y for y in weights if y <= today.year] or [today.year]
    year = rng.choices(years, [weights.get(y, 1) for y in years])[0]
    low = max(datetime.date(year, 1, 1), HISTORY_START + datetime.timedelta(days=100))
    latest = today - datetime.timedelta(days=180 if status == InstitutionStatus.AFTERCARE else 1)
    high = min(datetime.date(year, 12, 31), latest)
    return _between(rng, min(low, high), high)


def _path(rng: random.Random, until: str, *, direct_landing: bool) -> list[Step]:
    """The moves from lead up to ``until``, with the detours that real cases take.

    Some skip a stage, some go back one and forward again, some rest on hold for a while.
    """
    steps: list[Step] = []
    goal = MAIN_LINE.index(until)
    i = 0
    while i < goal:
        here = MAIN_LINE[i]
        stay = rng.randint(*STAGE_DAYS[here])
        detour = rng.random()
        if here in BACK_NOTES and detour < 0.12:
            steps.append(Step(MAIN_LINE[i - 1], max(stay // 2, 1), BACK_NOTES[here]))
            steps.append(Step(here, rng.randint(20, 90), rng.choice(RESUME_NOTES)))
        elif here in ("contacted", "negotiating", "committed") and detour > 0.92:
            steps.append(Step("hold", max(stay // 2, 1), hold_reason=rng.choice(HOLD_REASONS)))
            steps.append(Step(here, rng.randint(45, 200), rng.choice(RESTART_NOTES)))
        skip = rng.random()
        following = i + 1
        if here == "lead" and goal >= 2 and skip < 0.15:
            following = 2
        elif here == "committed" and goal == 5 and direct_landing and skip < 0.25:
            following = 5
        to = MAIN_LINE[following]
        note = SKIP_NOTES[to] if following > i + 1 else rng.choice(FORWARD_NOTES[to])
        steps.append(Step(to, stay, note))
        i = following
    return steps


def _dated(
    rng: random.Random, steps: list[Step], end: datetime.date, earliest: datetime.date
) -> tuple[datetime.date, list[datetime.date], list[tuple[int, int]]]:
    """Date the steps so that the last falls on ``end`` and the first after ``earliest``.

    A history that would begin too early is squeezed: its stays shrink in proportion, and
    it begins some days after ``earliest``, not all such histories on the same day.
    """
    days = [s.days for s in steps]
    room = (end - earliest).days - len(days) - 1
    room -= rng.randint(0, max(min(75, room // 3), 0))
    if sum(days) > room:
        factor = max(room, 0) / max(sum(days), 1)
        days = [1 + int(d * factor) for d in days]
    dates: list[datetime.date] = []
    day = end
    for gap in reversed(days):
        dates.append(day)
        day -= datetime.timedelta(days=gap)
    dates.reverse()
    hours = [(rng.randint(9, 17), rng.randint(0, 59)) for _ in range(len(steps) + 1)]
    return day, dates, hours


def _project_plan(
    rng: random.Random,
    *,
    title: str,
    vehicle: str,
    outcome: str,
    until: str,
    end: datetime.date,
    earliest: datetime.date,
    kind: Kind,
    foreign: bool,
    today: datetime.date,
) -> ProjectPlan:
    """A project that reaches ``until`` on the main line, then ends as ``outcome`` on ``end``."""
    steps = _path(rng, until, direct_landing=not kind.licensed)
    reason = rng.choices(*zip(*LOST_REASONS, strict=True))[0]
    places = rng.sample(COMPETING_LOCATIONS, rng.randint(1, 3))
    if outcome == "lost":
        stay = rng.randint(*STAGE_DAYS[until]) if until in STAGE_DAYS else 30
        steps.append(Step("lost", stay, "确认项目流失"))
    elif outcome == "hold":
        steps.append(Step("hold", rng.randint(20, 90), hold_reason=rng.choice(HOLD_REASONS)))
    start, dates, hours = _dated(rng, steps, end, earliest)
    before = dates[-2] if len(dates) > 1 else start  # a registration falls after this move
    low, high = CAPITAL.get(kind.type, (0, 0))
    capital = _round_capital(rng.uniform(low, high)) if high else None
    in_dollars = foreign and rng.random() < 0.5
    if capital and in_dollars:
        capital = _round_capital(float(capital * USD_PER_10K_CNY))
    jobs = rng.choice([8, 10, 15, 20, 30, 50, 80, 120, 200])
    ahead = rng.randint(0, 5)
    quarter = (today.month - 1) // 3 + ahead
    expected = {
        "won": (end.year, (end.month - 1) // 3 + 1),
        "open": (today.year + quarter // 4, quarter % 4 + 1),
    }.get(outcome)
    competing = places if (outcome == "lost" and reason == LostReason.OTHER_LOCATION) else []
    if not competing and rng.random() < 0.3:
        competing = places
    return ProjectPlan(
        title=title,
        vehicle=vehicle,
        outcome=outcome,
        start=start,
        steps=steps,
        dates=dates,
        hours=hours,
        note=rng.choice(SOURCES),
        lost_reason=reason if outcome == "lost" else "",
        lost_note=LOST_NOTES[reason] % {"place": places[0]} if outcome == "lost" else "",
        competing=competing,
        capital=capital,
        currency=Currency.USD if capital and in_dollars else Currency.CNY,
        jobs=jobs,
        expected=expected,
        registration_lag=min(rng.randint(0, 10), (end - before).days - 1),
    )


def _vehicles(rng: random.Random, kind: Kind, foreign: bool) -> tuple[str, str, str]:
    """The main vehicle of an institution's case, an earlier attempt's, and a follow-on's."""
    main = {
        InstitutionType.REGIONAL_HQ: Vehicle.REGIONAL_HQ,
        InstitutionType.RD_CENTRE: Vehicle.RD_CENTRE,
        InstitutionType.LAW_FIRM: Vehicle.REPRESENTATIVE_OFFICE if foreign else Vehicle.BRANCH,
        InstitutionType.PRIVATE_FUND: Vehicle.WFOE_FUND_MANAGER if foreign else Vehicle.SUBSIDIARY,
    }.get(kind.type)
    draw = rng.random()
    if main is None:
        main = Vehicle.JOINT_VENTURE if foreign and draw < 0.25 else Vehicle.SUBSIDIARY
    earlier = Vehicle.BRANCH if main != Vehicle.BRANCH else Vehicle.JOINT_VENTURE
    later = {
        InstitutionType.FINANCIAL_LEASING: Vehicle.LEASING_SPV,
        InstitutionType.PRIVATE_FUND: Vehicle.FUND,
    }.get(kind.type, Vehicle.OTHER)
    return main, earlier, later


def _plan_history(
    rng: random.Random,
    *,
    kind: Kind,
    foreign: bool,
    status: str,
    registered: bool,
    brand_zh: str,
    today: datetime.date,
    quota: Quota,
) -> HistoryPlan:
    """Draw what happened to an institution since 2021, ending at its status today.

    Depends only on the generator, the arguments and the quota, never on the database: the
    same seed plans the same histories whether or not they are then carried out.
    """
    history = HistoryPlan()
    main, earlier, later = _vehicles(rng, kind, foreign)
    prefix = brand_zh + ("" if kind.type == InstitutionType.RD_CENTRE else kind.zh)
    yesterday = today - datetime.timedelta(days=1)

    def plan(
        vehicle: str, outcome: str, until: str, end: datetime.date, earliest: datetime.date
    ) -> ProjectPlan:
        suffix = VEHICLE_PHRASES[vehicle]
        titles = {p.title for p in history.projects}
        title = prefix + suffix if prefix + suffix not in titles else prefix + suffix + "(重启)"
        return _project_plan(
            rng,
            title=title,
            vehicle=vehicle,
            outcome=outcome,
            until=until,
            end=end,
            earliest=earliest,
            kind=kind,
            foreign=foreign,
            today=today,
        )

    def open_plan(vehicle: str, earliest: datetime.date, stalled: bool) -> ProjectPlan:
        stage = rng.choices(*zip(*OPEN_AT, strict=True))[0]
        held = rng.random() < 0.12 and stage in ("contacted", "negotiating", "committed")
        since = _days_back(rng, today, 130, 330) if stalled else _days_back(rng, today, 3, 80)
        since = max(since, earliest + datetime.timedelta(days=30))
        project = plan(vehicle, "hold" if held else "open", stage, since, earliest)
        project.stalled = stalled and not held
        title = NEXT_STEPS["hold" if held else stage]
        if not project.stalled and rng.random() < 0.6:
            project.next_follow_up = (title, rng.randint(-6, 28))
        return project

    def lost_before(main_project: ProjectPlan, chance: float) -> None:
        end = main_project.start - datetime.timedelta(days=rng.randint(30, 200))
        draw = rng.random()
        if draw < chance and end > HISTORY_START + datetime.timedelta(days=90):
            stage = rng.choice(["lead", "contacted", "negotiating", "committed"])
            history.projects.insert(0, plan(earlier, "lost", stage, end, HISTORY_START))

    landed_on: datetime.date | None = None  # the registration, in the window or before
    if status == InstitutionStatus.IN_PIPELINE:
        if registered:  # a firm registered here before 2021 that sets up something more
            history.registered_before = True
            landed_on = _between(rng, datetime.date(2008, 1, 1), datetime.date(2020, 11, 30))
            history.milestones.append(
                MilestonePlan(MilestoneKind.REGISTERED, landed_on, note=LEDGER_NOTE)
            )
            _plan_after_landing(rng, history, kind, foreign, status, landed_on, False, today)
        stalled = rng.random() < 0.15
        project = open_plan(later if registered else main, HISTORY_START, stalled)
        if quota.confidential < len(CONFIDENTIAL_CODE_NAMES) and rng.random() < 0.2:
            project.confidential = True
            project.code_name = CONFIDENTIAL_CODE_NAMES[quota.confidential]
            quota.confidential += 1
        history.projects.append(project)
        lost_before(project, 0.25)
    elif status == InstitutionStatus.LOST:
        end = _between(rng, HISTORY_START + datetime.timedelta(days=200), yesterday, 0.8)
        if rng.random() < RECENT_SHARE[status]:
            end = today - datetime.timedelta(days=rng.randint(1, 70))
        stage = rng.choice(["lead", "contacted", "negotiating", "negotiating", "committed"])
        project = plan(main, "lost", stage, end, HISTORY_START)
        history.projects.append(project)
        lost_before(project, 0.3)
    elif status in (InstitutionStatus.LANDED, InstitutionStatus.AFTERCARE):
        in_window = status == InstitutionStatus.LANDED or rng.random() < 0.7
        landed_on = _landing_day(rng, status, today)
        from_registry = rng.random() < (0.15 if status == InstitutionStatus.LANDED else 0.1)
        if not in_window:
            history.registered_before = True
            history.start_status = status
            landed_on = _between(rng, datetime.date(2008, 1, 1), datetime.date(2020, 11, 30))
            history.milestones.append(
                MilestonePlan(MilestoneKind.REGISTERED, landed_on, note=LEDGER_NOTE)
            )
        elif from_registry:
            history.milestones.append(
                MilestonePlan(MilestoneKind.REGISTERED, landed_on, note=REGISTRY_NOTE)
            )
        else:
            project = plan(main, "won", "landed", landed_on, HISTORY_START)
            history.projects.append(project)
            landed_on = project.end - datetime.timedelta(days=project.registration_lag)
            lost_before(project, 0.08)
        by_project = in_window and not from_registry
        if (
            kind.type == InstitutionType.SHIPPING
            and foreign
            and in_window
            and quota.shipping_organisations < 4
        ):
            history.categories.append("shipping-international-organisations")
            quota.shipping_organisations += 1
        _plan_after_landing(rng, history, kind, foreign, status, landed_on, by_project, today)
        if (
            not any(m.kind == MilestoneKind.EXITED for m in history.milestones)
            and rng.random() < 0.18
        ):
            start = max(landed_on, HISTORY_START) + datetime.timedelta(days=200)
            if start < today - datetime.timedelta(days=60):
                history.projects.append(open_plan(later, start, rng.random() < 0.15))
    return history


def _plan_after_landing(
    rng: random.Random,
    history: HistoryPlan,
    kind: Kind,
    foreign: bool,
    status: str,
    registered_on: datetime.date,
    by_project: bool,
    today: datetime.date,
) -> None:
    """The licence, the regional-HQ recognition and the exit that may follow a registration."""
    last = today - datetime.timedelta(days=1)
    after = registered_on
    licence_draw, recognition_draw, exit_draw = rng.random(), rng.random(), rng.random()
    licensed_on = registered_on + datetime.timedelta(days=rng.randint(60, 300))
    recognised_on = registered_on + datetime.timedelta(days=rng.randint(150, 700))
    if registered_on <= HISTORY_START:  # a firm here for years, recognised as it grew
        recognised_on = _between(rng, HISTORY_START + datetime.timedelta(days=60), last)
    if kind.licensed and licensed_on <= last and licence_draw < 0.95:
        history.milestones.append(
            MilestonePlan(
                MilestoneKind.LICENSED,
                licensed_on,
                of_landing=by_project,
                fields=(("licence_type", LICENCES[kind.type]), ("regulator", kind.regulator)),
            )
        )
        after = max(after, licensed_on)
    # Multinationals' regional HQs: the investment companies, and some of the others that
    # run a group's business in China (not representative offices).
    regional = kind.type == InstitutionType.REGIONAL_HQ and recognition_draw < 0.75
    grown = kind.type != InstitutionType.LAW_FIRM and recognition_draw < 0.3
    if foreign and (regional or grown) and recognised_on <= last:
        if "hq-regional-mnc" not in kind.categories:
            history.categories.append("hq-regional-mnc")
        history.milestones.append(
            MilestonePlan(
                MilestoneKind.RECOGNISED,
                recognised_on,
                of_landing=by_project,
                fields=(("recognition", RECOGNITION[0]), ("recognised_by", RECOGNITION[1])),
            )
        )
        after = max(after, recognised_on)
    chance = {InstitutionStatus.AFTERCARE: 0.07, InstitutionStatus.LANDED: 0.02}.get(status, 0)
    exit_kind, reason = rng.choice(EXITS)
    earliest = max(
        after + datetime.timedelta(days=200), HISTORY_START + datetime.timedelta(days=30)
    )
    if exit_draw < chance and earliest < last:
        history.milestones.append(
            MilestonePlan(
                MilestoneKind.EXITED,
                _between(rng, earliest, last),
                fields=(("exit_kind", exit_kind), ("reason", reason)),
            )
        )


# ---------------------------------------------------------------- carrying a history out


def _at(day: datetime.date, hour: tuple[int, int]) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(*hour)))


def _make_history(
    institution: Institution,
    history: HistoryPlan,
    *,
    stages: dict[str, Stage],
    owner: User,
    manager: User,
    uscc: str,
    status: str,
) -> list[Span]:
    """Carry out a history through the services, oldest first; return the projects' spans.

    The services keep the institution's status, USCC and audit trail; at the end the status
    is brought to the one the register drew (an aftercare firm was handed over after landing).
    """
    pk = institution.pk
    alone = [m for m in history.milestones if m.kind == MilestoneKind.REGISTERED]
    for milestone in alone:
        _record(pk, milestone, project=None, actor=owner, uscc=uscc)
    spans: list[Span] = []
    landing = None
    for plan in sorted(history.projects, key=lambda p: p.start):
        project = _make_project(pk, plan, stages=stages, owner=owner, manager=manager, uscc=uscc)
        if plan.outcome == "won":
            landing = project
        spans.append(
            Span(
                project=project,
                start=plan.start,
                end=plan.end if plan.outcome in ("won", "lost") else None,
                quiet_after=plan.end if plan.stalled else None,
                next_follow_up=plan.next_follow_up,
            )
        )
    for milestone in history.milestones:
        if milestone not in alone:
            project = landing if milestone.of_landing else None
            _record(pk, milestone, project=project, actor=owner, uscc=uscc)
    institution.refresh_from_db()
    if institution.status != status:
        institution.status = status
        institution_save(institution=institution, actor=owner)
    return spans


def _record(pk: int, plan: MilestonePlan, *, project: Project | None, actor: User, uscc: str):
    institution = Institution.objects.get(pk=pk)  # the services may have changed it
    fields = dict(plan.fields)
    if plan.kind == MilestoneKind.REGISTERED:
        fields.update(
            uscc=institution.uscc or uscc,
            registered_capital=institution.registered_capital,
            registered_capital_currency=institution.registered_capital_currency,
            building=institution.building,
        )
    milestone_record(
        institution=institution,
        kind=plan.kind,
        date=plan.date,
        actor=actor,
        project=project,
        note=plan.note,
        **fields,
    )


def _make_project(
    pk: int,
    plan: ProjectPlan,
    *,
    stages: dict[str, Stage],
    owner: User,
    manager: User,
    uscc: str,
) -> Project:
    institution = Institution.objects.get(pk=pk)
    year, quarter = plan.expected or (None, None)
    project = project_create(
        institution=institution,
        title=plan.title,
        actor=owner,
        note=plan.note,
        at=_at(plan.start, plan.hours[0]),
        owner=owner,
        team_id=institution.team_id,
        vehicle=plan.vehicle,
        confidential=plan.confidential,
        code_name=plan.code_name,
        competing_locations=plan.competing,
        expected_registered_capital=plan.capital,
        expected_registered_capital_currency=plan.currency,
        expected_jobs=plan.jobs,
        expected_year=year,
        expected_quarter=quarter,
    )
    for step, day, hour in zip(plan.steps, plan.dates, plan.hours[1:], strict=True):
        to = stages[step.to]
        extra: dict = {}
        actor = owner
        if to.kind == StageKind.WON:
            actor = manager  # the team manager confirms a landing
            has_code = Institution.objects.filter(pk=pk, uscc__isnull=False).exists()
            extra["registration"] = Registration(
                date=day - datetime.timedelta(days=plan.registration_lag),
                uscc="" if has_code else uscc,
            )
        elif to.kind == StageKind.LOST:
            extra.update(lost_reason=plan.lost_reason, lost_note=plan.lost_note)
        elif to.kind == StageKind.HOLD:
            extra["hold_reason"] = step.hold_reason
        project_move(
            project=project, to=to, actor=actor, note=step.note, at=_at(day, hour), **extra
        )
    return project


def _span_on(spans: list[Span], day: datetime.date) -> Span | None:
    """The project alive on ``day``, the latest begun if several."""
    alive = [s for s in spans if s.start <= day and (s.end is None or day <= s.end)]
    return max(alive, key=lambda s: s.start) if alive else None


def _make_next_follow_ups(institution: Institution, spans: list[Span], owner: User) -> None:
    """The next step of an open project, unless its interactions left one open already."""
    today = timezone.localdate()
    for span in spans:
        if span.next_follow_up is None or span.end is not None:
            continue
        if FollowUp.objects.filter(project=span.project, done=False).exists():
            continue
        title, days = span.next_follow_up
        follow_up_create(
            actor=owner,
            title=title,
            assignee=owner,
            due_date=today + datetime.timedelta(days=days),
            institution=institution,
            project=span.project,
        )


# ---------------------------------------------------------------- measured targets

# Invented quarterly values for the measured targets that publish a baseline or a target,
# so that the progress page has something to show: (2021 Q1, latest quarter, decimals,
# whether the figure changes once a year). The two with neither stay empty on purpose.
MEASUREMENTS = {
    "licensed-share-of-city": ("60.3", "62.8", 1, False),
    "international-asset-managers": ("75", "93", 0, False),
    "financial-leasing-assets": ("11600", "13900", 0, False),
    "national-factor-markets": ("12", "14", 0, True),
    "regional-hq-share-of-city": ("16.9", "19.4", 2, False),
    "shipping-insurance-share": ("74.5", "83.0", 1, False),
    "retail-sales": ("820", "1080", 0, False),
    "retail-sales-share-of-city": ("5.1", "5.8", 1, False),
    "buildings-tax-100m": ("112", "131", 0, True),
    "buildings-tax-1bn": ("33", "49", 0, True),
    "buildings-tax-2bn": ("21", "31", 0, True),
    "buildings-tax-6bn": ("4", "7", 0, True),
    "buildings-tax-10bn": ("2", "4", 0, True),
}
MEASUREMENT_NOTE = "演示数据(虚构)"


def seed_measurements(
    plan: Plan | None, rng: random.Random, *, today: datetime.date, actor: User | None
) -> int:
    """Quarterly values of the measured targets up to the last quarter ended; return how many.

    A quarter that already has a value (typed in or imported) keeps it.
    """
    if plan is None:
        return 0
    targets = {
        t.code: t
        for t in Target.objects.filter(plan=plan, kind=Target.Kind.MEASURED, code__in=MEASUREMENTS)
    }
    quarters = [
        (day.year, (day.month - 1) // 3 + 1)
        for day in quarter_ends(datetime.date(2021, 3, 31), today)
    ]
    existing = set(
        TargetMeasurement.objects.filter(target__in=targets.values()).values_list(
            "target_id", "year", "quarter"
        )
    )
    last = max(len(quarters) - 1, 1)
    with actor_as(actor):
        for code, (first, latest, places, yearly) in MEASUREMENTS.items():
            low, high = Decimal(first), Decimal(latest)
            step = Decimal(1).scaleb(-places)
            for index, (year, quarter) in enumerate(quarters):
                noise = Decimal(str(rng.gauss(0, 0.015))) * (high - low)
                position = (year - 2021) * 4 if yearly else index
                value = low + (high - low) * Decimal(min(position, last)) / last
                if not yearly and index not in (0, last):
                    value += noise
                target = targets.get(code)
                if target is None or (target.pk, year, quarter) in existing:
                    continue
                measurement = TargetMeasurement(
                    target=target,
                    year=year,
                    quarter=quarter,
                    value=value.quantize(step),
                    note=MEASUREMENT_NOTE,
                    recorded_by=actor,
                )
                measurement.full_clean()
                measurement.save()
    return TargetMeasurement.objects.filter(target__in=targets.values()).count()
