#!/usr/bin/env python
"""Wall time and peak memory of importing a 100k-row institutions ledger (issue 5).

    .venv/bin/python bench/bench_import.py [--rows 100000] [-n 1] [--no-compare]

The budget: *import a 100k-row, 20-column institution workbook end to end on PostgreSQL
in at most 30 s with a peak RSS of at most 1 GB; a dry run of it in at most 70 % of the
import's time*, and the same file and fields imported with django-import-export in its
bulk mode, for the ratio between the two.

What it does, on PostgreSQL at ``--server`` (default 127.0.0.1:5432, user postgres):

1. builds a template database ``landfall_bench_import_base``: migrations, the 14th plan
   (``load_plan data/plans/lujiazui-14th.yaml``), bench/seed_register.py's 4 teams and
   15 users and 60 buildings; and writes the ledger (``--workbook``, default
   /tmp/landfall-bench-import-100000.xlsx): one header row, then ``--rows`` invented
   institutions over 20 columns — Chinese and English names (seed_register's name
   maker, every name key distinct), USCCs with valid check characters, sparse LEIs,
   type, ownership, status and regulator as Chinese labels, countries written as
   ledgers write them (美国, 中国香港, Singapore, GB …), 是/否 and √/× flags, building
   names, 注册资本（万元） as numbers and as text (1.2亿, USD 500万), 1–3 plan categories
   (资产管理、私募基金), owners, former names, a contact and a phone. Both are kept for
   the next run unless ``--fresh``. Institutions have no date field to import, so the
   ledger has none.
2. copies the template to ``landfall_bench_import`` (``CREATE DATABASE … TEMPLATE``)
   before each case that needs an empty register, and runs each case in a child
   process of its own (the same interpreter, Django set up, DEBUG off), so that
   ``ru_maxrss`` is that case's peak and nothing is warm from an earlier one:

   - **dry run**: ``open_workbook`` → ``run_import(dry_run=True)``, empty register;
   - **import**: ``open_workbook`` → ``run_import`` → commit, empty register (``-n`` times,
     each on a fresh copy);
   - **re-import**: the same file again on the imported register (all unchanged);
   - **django-import-export**: ``tablib`` loads the same file, a ``ModelResource`` with
     ``use_bulk``, ``skip_diff``, ``CachedInstanceLoader`` on the USCC and
     ``CachedForeignKeyWidget`` for building and owner (the library's fast path) imports
     the same columns, on an empty register. Bulk mode saves no many-to-many field, and
     aliases and contacts are other models: it writes the 16 institution columns only,
     with no audit entry, name key or search text. The project's own parsers turn the
     labels into values (the library has no widget for 机构类型 “公募基金管理人”).

Each child times the case with ``time.perf_counter`` from opening the file to the commit
and reports its CPU time, the phases (read, check, write; an institutions import checks
and writes each batch in turn, so its "write" holds both), its peak RSS and the load
average before and after. After an import it also times what a worker then does, the
merge of the search indexes' pending entries (``crm.flush_search_index``, queued on
``--broker`` and dropped by the bench), which is not part of the import's time. The database is ``landfall_bench_import`` (dropped and created
again by this script: it refuses any other name); ``--keep`` leaves it after the run.

Exit status: 0 within budget, 1 over it (import median over 30 s, peak RSS over 1 GB,
or dry run over 70 % of the import), 2 a case failed.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DATABASE = "landfall_bench_import"
TEMPLATE = "landfall_bench_import_base"
CASES = ("dry-run", "import", "re-import", "import-export")
QUEUE = "landfall-bench-import"  # where the import's merge task waits; emptied by the bench
USER = "ma.chao"  # the analyst of seed_register.PEOPLE: sees every team, imports ledgers
HEADERS = [
    "机构名称",
    "英文名称",
    "统一社会信用代码",
    "LEI",
    "机构类型",
    "所有制",
    "国别",
    "最终控股方国别",
    "状态",
    "是否持牌",
    "是否全国首家",
    "外资控股",
    "监管机构",
    "所在楼宇",
    "注册资本（万元）",
    "所属行业",
    "负责人",
    "曾用名",
    "联系人",
    "联系电话",
]
# How ledgers write the countries the register holds (the parser's alias table).
COUNTRY_WRITTEN = {
    "CN": ["中国", "中国", "中国", "中国大陆", "China"],
    "HK": ["中国香港", "香港", "Hong Kong", "HK"],
    "US": ["美国", "美国", "USA", "United States"],
    "GB": ["英国", "英国", "UK"],
    "SG": ["新加坡", "Singapore"],
    "JP": ["日本", "Japan"],
    "DE": ["德国", "Germany"],
    "FR": ["法国", "France"],
    "CH": ["瑞士", "Switzerland"],
    "KR": ["韩国"],
    "NL": ["荷兰"],
    "LU": ["卢森堡"],
    "AU": ["澳大利亚"],
    "CA": ["加拿大"],
}


# ------------------------------------------------------------------ arguments


def arguments(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Time the institutions import at size.")
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("-n", "--repeat", type=int, default=1, help="timed imports")
    parser.add_argument("--workbook", help="the ledger's path (made when missing)")
    parser.add_argument("--server", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument(
        "--broker",
        default="redis://127.0.0.1:6379/14",
        help="Celery broker: the import queues its search index merge there, as in production",
    )
    parser.add_argument("--fresh", action="store_true", help="rebuild the template and ledger")
    parser.add_argument("--no-compare", action="store_true", help="skip django-import-export")
    parser.add_argument("--profile", metavar="PATH", help="cProfile the import into PATH")
    parser.add_argument("--only", help="run only these cases (comma-separated: dry-run,import,…)")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--json", metavar="PATH", help="also write the figures as JSON")
    parser.add_argument("--budget-s", type=float, default=30.0)
    parser.add_argument("--budget-mb", type=float, default=1024.0)
    parser.add_argument("--child", help=argparse.SUPPRESS)  # a case, run in this process
    args = parser.parse_args(argv)
    args.workbook = args.workbook or f"/tmp/landfall-bench-import-{args.rows}.xlsx"
    return args


# ------------------------------------------------------------ the parent


def admin(sql: str, server: str) -> None:
    """Run one statement on the server's ``postgres`` database, outside a transaction."""
    import psycopg

    with psycopg.connect(f"{server}/postgres", autocommit=True) as connection:
        connection.execute(sql)


def exists(name: str, server: str) -> bool:
    import psycopg

    with psycopg.connect(f"{server}/postgres", autocommit=True) as connection:
        found = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        return found.fetchone() is not None


def fresh_copy(server: str) -> None:
    admin(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)", server)
    admin(f"CREATE DATABASE {DATABASE} TEMPLATE {TEMPLATE}", server)


def child(case: str, database: str, args: argparse.Namespace) -> dict:
    """Run ``case`` in a new process on ``database``; its figures, from its last line."""
    env = dict(
        os.environ,
        DATABASE_URL=f"{args.server}/{database}",
        DJANGO_SETTINGS_MODULE="config.settings.local",
        DEBUG="False",
        CELERY_BROKER_URL=args.broker,
        CELERY_TASK_DEFAULT_QUEUE=QUEUE,
    )
    command = [sys.executable, __file__, "--child", case, "--rows", str(args.rows)]
    command += ["--workbook", args.workbook]
    if args.profile and case == "import":
        command += ["--profile", args.profile]
    done = subprocess.run(command, env=env, capture_output=True, text=True, cwd=ROOT)
    if done.returncode != 0:
        return {"case": case, "error": (done.stderr or done.stdout).strip()[-2000:]}
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    args = arguments(argv)
    if args.child:
        return run_child(args)
    started = time.perf_counter()

    def log(message: str) -> None:
        print(f"[{time.perf_counter() - started:6.1f}s] {message}", file=sys.stderr, flush=True)

    log(f"load average {load()}")
    if args.fresh or not exists(TEMPLATE, args.server) or not Path(args.workbook).exists():
        admin(f"DROP DATABASE IF EXISTS {TEMPLATE} WITH (FORCE)", args.server)
        admin(f"CREATE DATABASE {TEMPLATE}", args.server)
        figures = child("setup", TEMPLATE, args)
        if "error" in figures:
            print(figures["error"], file=sys.stderr)
            return 2
        log(f"template and ledger made: {figures}")
    wanted = set(args.only.split(",")) if args.only else set(CASES)
    results = []
    if "dry-run" in wanted:
        fresh_copy(args.server)
        results.append(child("dry-run", DATABASE, args))
        log(f"dry run: {results[-1]}")
    for _ in range(args.repeat if "import" in wanted else 0):
        fresh_copy(args.server)
        results.append(child("import", DATABASE, args))
        log(f"import: {results[-1]}")
    if "re-import" in wanted:
        results.append(child("re-import", DATABASE, args))
        log(f"re-import: {results[-1]}")
    if "import-export" in wanted and not args.no_compare:
        fresh_copy(args.server)
        results.append(child("import-export", DATABASE, args))
        log(f"django-import-export: {results[-1]}")
    if not args.keep:
        admin(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)", args.server)
    failed = [r for r in results if "error" in r]
    for result in failed:
        print(f"{result['case']} failed:\n{result['error']}", file=sys.stderr)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2, ensure_ascii=False))
    verdict = report(results, args)
    return 2 if failed else verdict


def report(results: list[dict], args: argparse.Namespace) -> int:
    """Print the figures as a markdown table and the verdict; the exit status."""
    print(f"\n{args.rows:,} rows × {len(HEADERS)} columns, {Path(args.workbook).name}\n")
    print(
        "| case | wall s | CPU s | read s | check s | write s | peak RSS MB | outcome | load "
        "| then on a worker: index merge s |"
    )
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- | ---: |")
    for r in results:
        if "error" in r:
            print(f"| {r['case']} | failed | | | | | | | | |")
            continue
        print(
            f"| {r['case']} | **{r['wall_s']:.1f}** | {r['cpu_s']:.1f} | {r['read_s']:.1f} "
            f"| {r.get('check_s', 0):.1f} | {r.get('write_s', 0):.1f} | {r['peak_rss_mb']:.0f} "
            f"| {r['outcome']} | {r['load_before']} → {r['load_after']} "
            f"| {r.get('merge_s', 0):.1f} |"
        )
    imports = [r["wall_s"] for r in results if r["case"] == "import" and "error" not in r]
    dry = next((r["wall_s"] for r in results if r["case"] == "dry-run" and "error" not in r), None)
    other = next((r for r in results if r["case"] == "import-export" and "error" not in r), None)
    if not imports:
        return 2
    median = statistics.median(imports)
    peak = max(
        r["peak_rss_mb"] for r in results if "error" not in r and r["case"] != "import-export"
    )
    print(f"\nimport median {median:.1f} s (budget {args.budget_s:.0f} s), peak RSS {peak:.0f} MB")
    over = median > args.budget_s or peak > args.budget_mb
    if dry is not None:
        print(f"dry run {dry:.1f} s = {dry / median:.0%} of the import (budget 70 %)")
        over = over or dry > 0.7 * median
    if other is not None:
        print(f"django-import-export {other['wall_s']:.1f} s: {other['wall_s'] / median:.1f}× ours")
    print("within budget" if not over else "OVER BUDGET")
    return 1 if over else 0


def load() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


# ------------------------------------------------------------- the children


def run_child(args: argparse.Namespace) -> int:
    import django

    django.setup()
    load_before = load()
    cases = {
        "setup": setup,
        "dry-run": lambda a: ours(a, dry_run=True),
        "import": lambda a: ours(a, dry_run=False),
        "re-import": lambda a: ours(a, dry_run=False),
        "import-export": import_export,
    }
    figures = cases[args.child](args)
    figures.update(
        case=args.child,
        peak_rss_mb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        load_before=load_before,
        load_after=load(),
    )
    print(json.dumps(figures, ensure_ascii=False))
    return 0


def ours(args: argparse.Namespace, *, dry_run: bool) -> dict:
    """``open_workbook`` → ``run_import`` → commit, timed phase by phase."""
    from accounts.models import User
    from spreadsheets.importing import run_import
    from spreadsheets.reading import open_workbook

    user = User.objects.get(username=USER)
    phases: dict[str, float] = {}

    def progress(phase: str, done: int, total: int) -> None:
        phases.setdefault(phase, time.perf_counter())

    profiler = None
    if args.profile:
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    started, cpu = time.perf_counter(), time.process_time()
    with open_workbook(args.workbook) as workbook:
        result = run_import(
            kind="institutions", workbook=workbook, user=user, dry_run=dry_run, progress=progress
        )
    ended = time.perf_counter()
    cpu = time.process_time() - cpu
    if profiler is not None:
        profiler.disable()
        profiler.dump_stats(args.profile)
    merge = merge_search_index() if not dry_run else 0.0
    write = phases.get("write", ended)
    check = phases.get("check", write)  # none when the import streams: checked as written
    counts = {action: count for action, count in result.counts.items() if count}
    if not dry_run and not result.written:
        raise SystemExit(f"nothing written: {counts} {result.failed[:3]}")
    return {
        "wall_s": ended - started,
        "cpu_s": cpu,
        "read_s": check - started,  # open_workbook, the rows and the importer's set-up
        "check_s": write - check,
        "write_s": ended - write,
        "rss_before_mb": rss_before,
        "outcome": ", ".join(f"{action} {count:,}" for action, count in counts.items()),
        "merge_s": merge,
    }


def merge_search_index() -> float:
    """What the worker does after the import (crm.flush_search_index), timed here instead;
    the task the import queued is dropped."""
    from config.celery import app
    from crm.services import search_index_flush

    started = time.perf_counter()
    search_index_flush()
    merged = time.perf_counter() - started
    with app.connection_for_write() as connection:
        connection.default_channel.queue_purge(QUEUE)
    return merged


def import_export(args: argparse.Namespace) -> dict:
    """The same file and columns through django-import-export's bulk mode."""
    import tablib
    from django.db import transaction
    from import_export import fields, instance_loaders, resources, widgets

    from accounts.models import User
    from crm.models import (
        Building,
        Institution,
        InstitutionStatus,
        InstitutionType,
        Ownership,
        Regulator,
    )
    from spreadsheets import values

    class Choice(widgets.Widget):
        def __init__(self, choices):
            super().__init__()
            self.choices = choices

        def clean(self, value, row=None, **kwargs):
            return "" if values.is_blank(value) else values.parse_choice(value, self.choices)

    class Country(widgets.Widget):
        def clean(self, value, row=None, **kwargs):
            return "" if values.is_blank(value) else values.parse_country(value)

    class YesNo(widgets.Widget):
        def clean(self, value, row=None, **kwargs):
            return False if values.is_blank(value) else values.parse_bool(value)

    class Amount(widgets.Widget):
        def clean(self, value, row=None, **kwargs):
            return None if values.is_blank(value) else values.parse_amount(value).amount

    def field(attribute: str, header: str, widget=None) -> fields.Field:
        return fields.Field(attribute=attribute, column_name=header, widget=widget)

    class InstitutionResource(resources.ModelResource):
        name_zh = field("name_zh", "机构名称")
        name_en = field("name_en", "英文名称")
        uscc = field("uscc", "统一社会信用代码")
        lei = field("lei", "LEI")
        institution_type = field("institution_type", "机构类型", Choice(InstitutionType))
        ownership = field("ownership", "所有制", Choice(Ownership))
        country = field("country", "国别", Country())
        parent_country = field("parent_country", "最终控股方国别", Country())
        status = field("status", "状态", Choice(InstitutionStatus))
        licensed = field("licensed", "是否持牌", YesNo())
        national_first = field("national_first", "是否全国首家", YesNo())
        foreign_controlled = field("foreign_controlled", "外资控股", YesNo())
        regulator = field("regulator", "监管机构", Choice(Regulator))
        building = field(
            "building", "所在楼宇", widgets.CachedForeignKeyWidget(Building, "name_zh")
        )
        registered_capital = field("registered_capital", "注册资本（万元）", Amount())
        owner = field("owner", "负责人", widgets.CachedForeignKeyWidget(User, "display_name"))

        class Meta:
            model = Institution
            fields = (
                "name_zh", "name_en", "uscc", "lei", "institution_type", "ownership",
                "country", "parent_country", "status", "licensed", "national_first",
                "foreign_controlled", "regulator", "building", "registered_capital", "owner",
            )  # fmt: skip
            import_id_fields = ("uscc",)
            instance_loader_class = instance_loaders.CachedInstanceLoader
            use_bulk = True
            batch_size = 1000
            skip_diff = True

    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    started, cpu = time.perf_counter(), time.process_time()
    with open(args.workbook, "rb") as handle:
        dataset = tablib.Dataset().load(handle, format="xlsx")
    read = time.perf_counter()
    with transaction.atomic():
        result = InstitutionResource().import_data(dataset, dry_run=False, raise_errors=True)
    ended = time.perf_counter()
    return {
        "wall_s": ended - started,
        "cpu_s": time.process_time() - cpu,
        "read_s": read - started,
        "check_s": 0.0,
        "write_s": ended - read,  # the library checks and writes batch by batch
        "rss_before_mb": rss_before,
        "outcome": ", ".join(f"{k} {v:,}" for k, v in result.totals.items() if v),
    }


# ------------------------------------------------------------ set-up and ledger


def setup(args: argparse.Namespace) -> dict:
    """Migrate the template, load the plan, add people and buildings, write the ledger."""
    from django.core.management import call_command

    import bench.seed_register as seed

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    call_command("load_plan", str(seed.PLAN_FILE), verbosity=0)
    rng = random.Random(2021)
    seed.people()
    seed.buildings(rng, 60)
    rows = ledger_rows(args.rows, rng)
    write_ledger(args.workbook, rows)
    return {
        "wall_s": time.perf_counter() - started,
        "bytes": Path(args.workbook).stat().st_size,
        "cpu_s": time.process_time(),
    }


def ledger_rows(count: int, rng: random.Random) -> list[list[object]]:
    """``count`` invented institutions as a ledger writes them, every name key distinct."""
    from django.utils import translation

    import bench.seed_register as seed
    from accounts.models import User
    from crm.models import Building, InstitutionStatus, InstitutionType, Ownership, Regulator
    from crm.names import normalise_name
    from plans.models import Category

    with translation.override("zh-hans"):
        label = {
            choices: {member.value: str(member.label) for member in choices}
            for choices in (InstitutionType, Ownership, InstitutionStatus, Regulator)
        }
    category = dict(Category.objects.values_list("code", "name_zh"))
    themes = [category[code] for code in seed.THEMES if code in category]
    buildings = list(Building.objects.values_list("name_zh", flat=True))
    owners = [
        u.display_name
        for u in User.objects.filter(username__in=[p[0] for p in seed.PEOPLE if p[3] != "viewer"])
    ]
    types = list(seed.TYPES.items())
    type_weights = [spec[0] for _type, spec in types]
    countries, country_weights = zip(*seed.COUNTRIES, strict=True)
    statuses, status_weights = zip(*seed.STATUSES, strict=True)
    seen: set[str] = set()
    usccs: set[str] = set()
    rows: list[list[object]] = [list(HEADERS)]
    while len(rows) <= count:
        itype, (_w, words, codes, licensed, regulator, _team) = rng.choices(types, type_weights)[0]
        country = rng.choices(countries, country_weights)[0]
        foreign = country != "CN"
        name_zh, name_en, alias = seed.make_names(rng, rng.choice(words), itype, foreign)
        keys = {normalise_name(name_zh), normalise_name(name_en)}
        if alias:
            keys.add(normalise_name(alias))
        if keys & seen:
            alias = ""  # an alias may repeat a name; the institution itself must not
            keys = {normalise_name(name_zh), normalise_name(name_en)}
            if keys & seen:
                continue
        seen |= keys
        uscc = seed.make_uscc(rng)
        if uscc in usccs:
            continue
        usccs.add(uscc)
        ownership = rng.choice(seed.FOREIGN_OWNERSHIP if foreign else seed.DOMESTIC_OWNERSHIP)
        names = [category[code] for code in codes if code in category]
        if rng.random() < 0.2:
            names.append(rng.choice(themes))
        capital: object = rng.choice([1000, 2000, 5000, 10000, 20000, 50000, 100000, 300000])
        if rng.random() < 0.1:
            capital = rng.choice(["1.2亿", "5000万元", "3亿元", "USD 500万", "2,000"])
        rows.append(
            [
                name_zh,
                name_en,
                uscc,
                seed.make_lei(rng) if foreign and rng.random() < 0.3 else None,
                label[InstitutionType][itype],
                label[Ownership][ownership],
                rng.choice(COUNTRY_WRITTEN[country]),
                rng.choice(COUNTRY_WRITTEN[country]) if foreign and rng.random() < 0.8 else None,
                label[InstitutionStatus][rng.choices(statuses, status_weights)[0]],
                "是" if licensed else "否",
                "是" if rng.random() < 0.02 else "否",
                "√" if ownership in (Ownership.WFOE, Ownership.FOREIGN_CONTROLLED) else "×",
                label[Regulator][regulator] if regulator else None,
                rng.choice(buildings) if rng.random() < 0.4 else None,
                capital,
                "、".join(names),
                rng.choice(owners),
                alias if alias and rng.random() < 0.3 else None,
                *(contact(rng) if rng.random() < 0.4 else (None, None)),
            ]
        )
    return rows


def contact(rng: random.Random) -> tuple[str, str]:
    from bench.seed_register import GIVEN, SURNAMES

    name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.randint(1, 2)))
    return name, "1" + rng.choice("3589") + "".join(rng.choice("0123456789") for _ in range(9))


def write_ledger(path: str, rows: list[list[object]]) -> None:
    """The rows as an .xlsx, amounts as numbers where they are (openpyxl, write-only)."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("机构台账")
    for row in rows:
        sheet.append(row)
    book.save(path)


if __name__ == "__main__":
    sys.exit(main())
