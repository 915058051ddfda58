"""Prepare a bench database: N generated resident demands in the Bantian demo territory, on PostgreSQL.

    .venv/bin/python -m bench.generate --count 1000000

From nothing: creates the database (gongzhi_bench_<count> on the local server unless BENCH_DATABASE_URL
says otherwise), migrates, collects static files, loads the demo territory (places, service points,
organisations) and the demand catalogue, creates the bench accounts, then streams the demands and their
timelines in with COPY (bench/rows.py draws them) in batches, sets the sequences, rebuilds the statistics
roll-up with the project's own `gongzhi.demands.tallies.rebuild()` and runs VACUUM ANALYZE.

A database that already holds the requested generation (recorded in its table bench_meta) is kept: only
what earlier bench runs added through the API is removed (demands above the generated ids, then the same
rebuild and a VACUUM ANALYZE, so that the dead rows do not slow the next run). Either way the accounts get fresh passwords and a fresh API token, and everything bench/run.py
needs is written to var/bench/state-<database>.json.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import secrets
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_COUNT = 1_000_000
DEFAULT_YEARS = 3.0
DEFAULT_SEED = 2019
BATCH = 50_000
DEFAULT_SERVER = "postgres://postgres@127.0.0.1:5432"
ROOT_PLACE = "bantian"
HANDLER_COMMUNITY = "wuhe"
RESIDENTS_PER_AREA = 10
TOKEN_NAME = "bench"
DETAIL_IDS = 50


def database_url(count: int) -> str:
    """The database of one scale: BENCH_DATABASE_URL if set, else gongzhi_bench_<count> on BENCH_SERVER."""
    explicit = os.environ.get("BENCH_DATABASE_URL")
    if explicit:
        return explicit
    server = os.environ.get("BENCH_SERVER", DEFAULT_SERVER).rstrip("/")
    return f"{server}/gongzhi_bench_{count}"


def _log(message: str) -> None:
    print(f"[generate {datetime.datetime.now(datetime.UTC):%H:%M:%S}] {message}", flush=True)


def ensure_database(url: str, *, drop: bool = False) -> None:
    """Create the database if it does not exist (connecting to the server's `postgres` database)."""
    import dj_database_url
    import psycopg
    from psycopg import sql
    from psycopg.conninfo import make_conninfo

    cfg = dj_database_url.parse(url)
    if cfg["ENGINE"] != "django.db.backends.postgresql":
        raise SystemExit(f"The bench needs PostgreSQL, not {cfg['ENGINE']} ({url}).")
    conninfo = make_conninfo(
        host=cfg.get("HOST") or None,
        port=cfg.get("PORT") or None,
        user=cfg.get("USER") or None,
        password=cfg.get("PASSWORD") or None,
        dbname="postgres",
    )
    with psycopg.connect(conninfo, autocommit=True) as conn:
        name = cfg["NAME"]
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if exists and drop:
            _log(f"Dropping database {name}")
            conn.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))
            exists = None
        if not exists:
            _log(f"Creating database {name}")
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def setup_django(url: str) -> None:
    os.environ["BENCH_DATABASE_URL"] = url
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.conf import settings
    from django.utils import translation

    # Notes the services write (ratings, sweep) are in the site's language, as in production.
    translation.activate(settings.LANGUAGE_CODE)


# --- schema, territory, accounts -----------------------------------------------------------------------


def prepare_schema() -> None:
    from django.core.management import call_command

    started = time.monotonic()
    call_command("migrate", interactive=False, verbosity=0)
    # Every time: a reused database outlives a checkout, and a static file the code added since must be
    # in the manifest, or the pages that use it fail (as `make run` does, collectstatic is cheap).
    call_command("collectstatic", interactive=False, verbosity=0)
    _log(f"Schema migrated, static files collected ({time.monotonic() - started:.1f} s)")


def load_territory() -> None:
    from django.db import transaction

    from gongzhi.demo.loader import is_loaded, load_bantian

    started = time.monotonic()
    if not is_loaded():
        load_bantian(log=lambda message: None)
    with transaction.atomic():
        try:
            from gongzhi.demands.demo import load_catalogue
        except ImportError:  # pragma: no cover - the demo module is the catalogue's home
            load_catalogue = _load_catalogue
        load_catalogue()
    _log(f"Demo territory and demand catalogue loaded ({time.monotonic() - started:.1f} s)")


def _load_catalogue() -> None:  # pragma: no cover
    from bench.rows import read_data
    from gongzhi.demands.models import Category

    for order, row in enumerate(read_data()["categories"]):
        Category.objects.get_or_create(
            code=row["code"],
            defaults={
                "name": row["name"],
                "urgency": row.get("urgency", "general"),
                "limit_days": row["limit_days"],
                "order": (order + 1) * 10,
            },
        )


def ensure_accounts() -> dict[str, Any]:
    """Staff and grid worker per community, a subdistrict administrator, residents per area.

    Returns the ids the generator needs, and the two accounts the load uses with fresh passwords.
    """
    from django.contrib.auth.hashers import make_password
    from django.db import transaction

    from gongzhi.accounts.models import Assignment, User
    from gongzhi.accounts.services import assignment_grant, user_create
    from gongzhi.core.roles import Role
    from gongzhi.territory.models import Place, PlaceKind

    root = Place.objects.get(code=ROOT_PLACE)
    communities = list(Place.objects.below(root).filter(kind=PlaceKind.COMMUNITY).order_by("path"))
    areas = list(Place.objects.below(root).residential().order_by("path"))

    def account(username: str, role: str, place: Place) -> User:
        user = User.objects.filter(username=username).first()
        if user is None:
            user = user_create(username=username, password=None, display_name=username, by=None)
        assignment_grant(user=user, role=role, place=place, by=None)
        return user

    with transaction.atomic():
        admin = account("bench-admin", Role.SUBDISTRICT_ADMIN, root)
        staff = {c.code: account(f"bench-{c.code}", Role.COMMUNITY_STAFF, c).pk for c in communities}
        grid = {c.code: account(f"bench-grid-{c.code}", Role.GRID_WORKER, c).pk for c in communities}
        wanted = {f"bench-r-{a.pk}-{i}": a for a in areas for i in range(RESIDENTS_PER_AREA)}
        have = set(User.objects.filter(username__in=wanted).values_list("username", flat=True))
        unusable = make_password(None)
        User.objects.bulk_create(
            [User(username=u, display_name=u, password=unusable) for u in wanted if u not in have]
        )
        ids = dict(User.objects.filter(username__in=wanted).values_list("username", "pk"))
        held = set(
            Assignment.objects.filter(user_id__in=ids.values(), role=Role.RESIDENT).values_list(
                "user_id", flat=True
            )
        )
        Assignment.objects.bulk_create(
            [
                Assignment(user_id=ids[u], role=Role.RESIDENT, place=a)
                for u, a in wanted.items()
                if ids[u] not in held
            ]
        )
        residents: dict[int, list[int]] = {}
        for username, area in wanted.items():
            residents.setdefault(area.pk, []).append(ids[username])
        passwords = {}
        for user in (admin, User.objects.get(pk=staff[HANDLER_COMMUNITY])):
            passwords[user.username] = secrets.token_urlsafe(18)
            user.set_password(passwords[user.username])
            user.save(update_fields=["password"])
    return {
        "admin": admin,
        "handler": User.objects.get(pk=staff[HANDLER_COMMUNITY]),
        "passwords": passwords,
        "staff": staff,
        "grid": grid,
        "residents": residents,
    }


# --- generation ----------------------------------------------------------------------------------------

META_TABLE = "bench_meta"


def read_meta() -> dict[str, Any]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TABLE IF NOT EXISTS {META_TABLE} (key text PRIMARY KEY, value jsonb NOT NULL)"
        )
        cursor.execute(f"SELECT key, value FROM {META_TABLE}")
        return {
            key: json.loads(value) if isinstance(value, str) else value for key, value in cursor.fetchall()
        }


def write_meta(values: dict[str, Any]) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        for key, value in values.items():
            cursor.execute(
                f"INSERT INTO {META_TABLE} (key, value) VALUES (%s, %s::jsonb) "
                "ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
                [key, json.dumps(value, default=str)],
            )


def _tables() -> dict[str, str]:
    from gongzhi.demands.models import (
        Demand,
        DemandEvent,
        DemandMonthTally,
        DemandPhoto,
        DemandTally,
        DemandYearTally,
    )

    return {
        "demand": Demand._meta.db_table,
        "event": DemandEvent._meta.db_table,
        "photo": DemandPhoto._meta.db_table,
        "tally": DemandTally._meta.db_table,
        "month_tally": DemandMonthTally._meta.db_table,
        "year_tally": DemandYearTally._meta.db_table,
    }


def generate(count: int, *, years: float, seed: int, accounts: dict[str, Any]) -> dict[str, Any]:
    """Empty the demand tables, then COPY `count` generated demands and their events in."""
    from django.db import connection, transaction
    from django.utils import timezone

    from bench.rows import DEMAND_COLUMNS, EVENT_COLUMNS, DemandMaker, build_context
    from gongzhi.core.pii import encrypt
    from gongzhi.territory.models import Place

    t = _tables()
    with connection.cursor() as cursor:
        cursor.execute(
            f"TRUNCATE {t['photo']}, {t['event']}, {t['tally']}, {t['month_tally']}, {t['year_tally']},"
            f" {t['demand']}"
            " RESTART IDENTITY CASCADE"
        )
    now = timezone.now()
    ctx = build_context(
        Place.objects.get(code=ROOT_PLACE),
        staff=accounts["staff"],
        grid=accounts["grid"],
        residents=accounts["residents"],
    )
    maker = DemandMaker(ctx, now=now, years=years, seed=seed)
    phone_at = DEMAND_COLUMNS.index("contact_phone")
    attributes_at = DEMAND_COLUMNS.index("attributes")
    ciphertexts: dict[str, str] = {}
    demand_copy = f"COPY {t['demand']} ({', '.join(DEMAND_COLUMNS)}) FROM STDIN"
    event_copy = f"COPY {t['event']} ({', '.join(EVENT_COLUMNS)}) FROM STDIN"
    started = time.monotonic()
    made = events_made = 0
    rows = maker.rows(count)
    demands: list[list] = []
    events: list[tuple] = []

    with connection.cursor() as cursor:
        cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        superuser = cursor.fetchone()[0]

    def flush() -> None:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit TO off")
            if superuser:
                # The rows are consistent by construction: skip the foreign-key triggers (a bulk load's
                # usual shortcut, superuser only), the larger part of the COPY's cost otherwise.
                cursor.execute("SET LOCAL session_replication_role TO replica")
            raw = cursor.cursor  # psycopg's own cursor: COPY
            with raw.copy(demand_copy) as copy:
                for row in demands:
                    copy.write_row(row)
            with raw.copy(event_copy) as copy:
                for row in events:
                    copy.write_row(row)
        demands.clear()
        events.clear()

    for row, timeline in rows:
        row = list(row)
        phone = row[phone_at]
        if phone:
            if phone not in ciphertexts:
                ciphertexts[phone] = encrypt(phone)
            row[phone_at] = ciphertexts[phone]
        row[attributes_at] = json.dumps(row[attributes_at], ensure_ascii=False)
        demands.append(row)
        events.extend(timeline)
        made += 1
        events_made += len(timeline)
        if len(demands) >= BATCH:
            flush()
            rate = made / (time.monotonic() - started)
            _log(f"  {made:,} demands, {events_made:,} events ({rate:,.0f} demands/s)")
    if demands:
        flush()
    copied = time.monotonic() - started
    with connection.cursor() as cursor:
        for table in (t["demand"], t["event"]):
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence(%s, 'id'), COALESCE((SELECT MAX(id) FROM {table}), 1))",
                [table],
            )
    _log(f"Copied {made:,} demands and {events_made:,} events in {copied:.1f} s")
    return {
        "count": made,
        "events": events_made,
        "now": now.isoformat(),
        "copy_seconds": round(copied, 1),
        "max_demand_id": made,
        "years": years,
        "seed": seed,
    }


def rebuild_tallies() -> tuple[dict[str, dict[str, int]], float]:
    """The project's own rebuild (gongzhi.demands.tallies.rebuild), timed."""
    from gongzhi.demands.tallies import rebuild

    started = time.monotonic()
    counts = rebuild()
    return counts, time.monotonic() - started


def vacuum() -> float:
    from django.db import connection

    started = time.monotonic()
    with connection.cursor() as cursor:
        for table in _tables().values():
            cursor.execute(f"VACUUM (ANALYZE) {table}")
    return time.monotonic() - started


def remove_bench_writes(max_demand_id: int) -> int:
    """Delete what earlier bench runs submitted (demands above the generated ids); returns how many."""
    from django.db import connection, transaction

    t = _tables()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {t['event']} WHERE demand_id > %s", [max_demand_id])
        cursor.execute(f"DELETE FROM {t['photo']} WHERE demand_id > %s", [max_demand_id])
        cursor.execute(f"DELETE FROM {t['demand']} WHERE id > %s", [max_demand_id])
        return cursor.rowcount


# --- what the load needs -------------------------------------------------------------------------------


def api_token(user) -> str:
    """Revoke the previous bench tokens of `user` and issue a new one (the raw value is shown once)."""
    from django.utils import timezone

    from gongzhi.accounts.models import ApiToken
    from gongzhi.accounts.services import api_token_create

    ApiToken.objects.filter(user=user, name=TOKEN_NAME, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    _token, raw = api_token_create(user=user, name=TOKEN_NAME, by=None)
    return raw


def post_bodies(seed: int) -> list[dict[str, Any]]:
    """Bodies for POST /api/v1/demands: areas of the whole subdistrict, the catalogue's categories, with
    the answers their required questions need."""
    import random

    from bench.rows import read_data
    from gongzhi.demands.models import Category
    from gongzhi.territory.models import Place

    data = read_data()
    rng = random.Random(seed)
    root = Place.objects.get(code=ROOT_PLACE)
    areas = list(Place.objects.below(root).residential().order_by("path"))
    categories = list(Category.objects.filter(active=True).prefetch_related("attributes"))
    bodies = []
    for i in range(64):
        area = areas[i % len(areas)]
        category = categories[i % len(categories)]
        templates = data["descriptions"].get(category.code) or [{"text": "{area}的问题，请尽快处理。"}]
        template = rng.choice(templates)
        answers = dict(template.get("answers", {}))
        for attribute in category.attributes.all():
            if attribute.required and attribute.code not in answers:
                answers[attribute.code] = attribute.values[0]["key"] if attribute.values else "1"
        text = template["text"].format(area=area.name, spot=f"{rng.randint(1, 18)}栋", other="小区门口", n=3)
        bodies.append(
            {
                "place": area.code,
                "category": category.code,
                "description": f"{text}（压测{i}）",
                "attributes": answers,
            }
        )
    return bodies


def detail_ids(user) -> list[int]:
    """The handler's worklist, first page: the demands a handler opens next."""
    from gongzhi.demands.selectors import worklist

    return list(worklist(user).values_list("pk", flat=True)[:DETAIL_IDS])


def figures() -> dict[str, int]:
    from django.db import connection

    t = _tables()
    out = {}
    with connection.cursor() as cursor:
        for name in ("demand", "event", "tally", "month_tally", "year_tally"):
            cursor.execute(f"SELECT COUNT(*) FROM {t[name]}")
            out[f"{name}_rows"] = cursor.fetchone()[0]
        cursor.execute(
            f"SELECT COUNT(*) FROM {t['demand']} WHERE status IN "
            "('submitted','accepted','dispatched','in_progress','reopened','returned')"
        )
        out["open_demands"] = cursor.fetchone()[0]
        cursor.execute("SELECT pg_database_size(current_database())")
        out["database_bytes"] = cursor.fetchone()[0]
    return out


def state_path(url: str) -> Path:
    import dj_database_url

    return ROOT / "var" / "bench" / f"state-{dj_database_url.parse(url)['NAME']}.json"


def prepare(
    count: int, *, years: float = DEFAULT_YEARS, seed: int = DEFAULT_SEED, force: bool = False
) -> dict[str, Any]:
    """Everything above, in order; returns (and writes) the state bench/run.py reads."""
    url = database_url(count)
    ensure_database(url)
    setup_django(url)
    total = time.monotonic()
    prepare_schema()
    load_territory()
    accounts = ensure_accounts()
    meta = read_meta()
    wanted = {"count": count, "years": years, "seed": seed}
    generation = meta.get("generation") or {}
    if not force and all(generation.get(k) == v for k, v in wanted.items()):
        _log(f"{count:,} demands already generated on {generation.get('now')}: kept")
        removed = remove_bench_writes(generation["max_demand_id"])
        # Rebuilt every time: it undoes what earlier runs submitted, and fills a roll-up a newer version of
        # the project added since the demands were generated.
        counts, seconds = rebuild_tallies()
        _log(f"Removed {removed:,} demands left by earlier runs; rebuild {seconds:.1f} s: {counts}")
        if removed:
            # The removed rows stay in the tables and indexes as dead tuples until a vacuum: at 10,000
            # demands, a few earlier runs' worth doubled the worklist's time on both sides.
            _log(f"Vacuumed in {vacuum():.1f} s")
        generated_now = False
    else:
        generation = generate(count, years=years, seed=seed, accounts=accounts)
        counts, seconds = rebuild_tallies()
        generation["rebuild_seconds"] = round(seconds, 1)
        generation["rebuild"] = counts
        _log(f"Roll-up rebuilt by gongzhi.demands.tallies.rebuild() in {seconds:.1f} s: {counts}")
        generation["vacuum_seconds"] = round(vacuum(), 1)
        generation["total_seconds"] = round(time.monotonic() - total, 1)
        write_meta({"generation": generation})
        generated_now = True
    state = {
        "database_url": url,
        "count": count,
        "generated_now": generated_now,
        "generation": generation,
        "figures": figures(),
        "handler": {
            "username": accounts["handler"].username,
            "password": accounts["passwords"][accounts["handler"].username],
        },
        "admin": {"username": accounts["admin"].username},
        "token": api_token(accounts["admin"]),
        "detail_ids": detail_ids(accounts["handler"]),
        "post_bodies": post_bodies(seed),
        "community": HANDLER_COMMUNITY,
        "subdistrict": ROOT_PLACE,
        "prepared_at": datetime.datetime.now(datetime.UTC).isoformat(),
    }
    path = state_path(url)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(state, ensure_ascii=False, indent=1, default=str))
    path.chmod(0o600)
    _log(f"Ready: {state['figures']} (state in {path.relative_to(ROOT)})")
    return state


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=DEFAULT_COUNT, help="demands to generate")
    parser.add_argument("--years", type=float, default=DEFAULT_YEARS, help="history they span, up to now")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--force", action="store_true", help="regenerate even if the database has them")
    parser.add_argument("--drop", action="store_true", help="drop the database first (a clean start)")
    args = parser.parse_args(argv)
    if args.drop:
        ensure_database(database_url(args.count), drop=True)
    prepare(args.count, years=args.years, seed=args.seed, force=args.force)


if __name__ == "__main__":
    main()
