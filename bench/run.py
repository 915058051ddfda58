"""`make bench`: the demands benchmark, end to end, at 10,000 and at 1,000,000 demands.

For each scale: prepare the database (bench/generate.py; kept when it already holds the generation), serve
the app with gunicorn (2 sync workers, bench.settings: the project's URLs plus the floor views), sign in,
check every endpoint once, then for each scenario: warm up (real, then floor), and measure real, floor,
real, floor with wrk (16 connections, fixed duration). Results: bench/results/<timestamp>.json with every
figure, <timestamp>.md with the summary and a PASS/FAIL per target line, and latest.md.

    .venv/bin/python -m bench.run [--counts 10000,1000000] [--duration 20] [--warmup 5] [--only worklist]

Aggregation: throughput is the mean of the two runs; latency percentiles are the worse of the two runs
(absolute targets are judged on those); ratios compare the real figure with the floor's (both as above).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import http.cookiejar
import json
import os
import platform
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench import load as wrk
from bench.generate import DEFAULT_SEED, DEFAULT_YEARS, ROOT, database_url

RESULTS = ROOT / "bench" / "results"
VENV_BIN = Path(sys.executable).parent
HOST = "127.0.0.1"
SAME_TOLERANCE = (1.25, 5.0)  # "the same" at both scales: p95 at 1M <= 1.25 x p95 at 10k + 5 ms


def log(message: str) -> None:
    print(f"[bench {datetime.datetime.now(datetime.UTC):%H:%M:%S}] {message}", flush=True)


# --- HTTP without following redirects ------------------------------------------------------------------


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Client:
    def __init__(self, base: str) -> None:
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(_NoRedirect(), urllib.request.HTTPCookieProcessor(self.jar))

    def request(
        self, method: str, path: str, *, body: bytes | None = None, headers: dict[str, str] | None = None
    ) -> tuple[int, dict[str, str], bytes]:
        req = urllib.request.Request(self.base + path, data=body, method=method, headers=headers or {})
        try:
            with self.opener.open(req, timeout=60) as answer:
                return answer.status, dict(answer.headers), answer.read()
        except urllib.error.HTTPError as exc:
            return exc.code, dict(exc.headers), exc.read()

    def cookie(self, name: str) -> str:
        return next((c.value for c in self.jar if c.name == name), "")

    def login(self, username: str, password: str) -> str:
        """Sign in at /accounts/login/ like a browser; returns the session cookie's value."""
        status, _h, _b = self.request("GET", "/accounts/login/")
        if status != 200:
            raise RuntimeError(f"GET /accounts/login/ answered {status}")
        form = urllib.parse.urlencode(
            {"username": username, "password": password, "csrfmiddlewaretoken": self.cookie("csrftoken")}
        ).encode()
        status, _h, _b = self.request(
            "POST",
            "/accounts/login/",
            body=form,
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Referer": self.base + "/accounts/login/",
            },
        )
        session = self.cookie("sessionid")
        if status != 302 or not session:
            raise RuntimeError(f"Signing in as {username} failed (status {status}).")
        return session


# --- the server ----------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


class Server:
    """gunicorn with `workers` sync workers, as scripts/serve.sh, on bench.settings."""

    def __init__(self, db_url: str, workers: int, port: int) -> None:
        self.port, self.workers, self.db_url = port, workers, db_url
        self.base = f"http://{HOST}:{port}"
        self.process: subprocess.Popen | None = None
        self.log_path = ROOT / "var" / "bench" / "gunicorn.log"
        self.restarts = 0

    def __enter__(self) -> Server:
        self.start()
        return self

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def restart(self) -> None:
        """Start it again after something outside the benchmark stopped it (a broad pkill, say)."""
        self.restarts += 1
        log(f"  gunicorn stopped (exit {self.process.returncode if self.process else '?'}): restarting it")
        self.__exit__()
        self.start()

    def start(self) -> None:
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "bench.settings",
            "BENCH_DATABASE_URL": self.db_url,
        }
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        command = [
            str(VENV_BIN / "gunicorn"),
            "gongzhi.wsgi:application",
            "--bind",
            f"{HOST}:{self.port}",
            "--workers",
            str(self.workers),
            "--log-level",
            "info",
            "--error-logfile",
            str(self.log_path),
            "--timeout",
            "120",
        ]
        self.process = subprocess.Popen(command, cwd=ROOT, env=env, stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited ({self.process.returncode}): see {self.log_path}")
            try:
                status, _h, _b = Client(self.base).request("GET", "/accounts/login/")
                if status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.5)
        raise RuntimeError("gunicorn did not answer within 90 s")

    def __exit__(self, *exc) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


# --- who else uses the machine ------------------------------------------------------------------------


def _cpu_of(pid: int, children: bool = False) -> float:
    """CPU seconds of a process; with `children`, plus those of its children that have exited."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return 0.0
    ticks = int(fields[11]) + int(fields[12]) + (int(fields[13]) + int(fields[14]) if children else 0)
    return ticks / os.sysconf("SC_CLK_TCK")


def _ours(server_pid: int) -> dict[int, tuple[float, bool]]:
    """CPU seconds so far of the gunicorn master and workers and of every PostgreSQL process, with the
    PostgreSQL processes that have exited (parallel query workers, closed connections: the postmaster's
    children), which may include other users' connections to the same server."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            head, tail = (entry / "stat").read_text().rsplit(")", 1)
        except (OSError, ValueError):
            continue
        comm, ppid = head.split("(", 1)[1], int(tail.split()[1])
        pid = int(entry.name)
        if pid == server_pid or ppid == server_pid or comm.startswith("postgres"):
            postgres = comm.startswith("postgres")
            found[pid] = (_cpu_of(pid, children=postgres), postgres)
    return found


def _machine_busy() -> float:
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + (values[4] if len(values) > 4 else 0)
    return (sum(values[:8]) - idle) / os.sysconf("SC_CLK_TCK")


class CpuWatch:
    """How many cores the machine, this benchmark (server, database, wrk) and everything else used."""

    def __init__(self, server_pid: int) -> None:
        self.server_pid = server_pid

    def __enter__(self) -> CpuWatch:
        self.t0, self.busy0 = time.monotonic(), _machine_busy()
        self.ours0 = _ours(self.server_pid)
        times = os.times()
        self.children0 = times.children_user + times.children_system
        return self

    def __exit__(self, *exc) -> None:
        elapsed = max(1e-6, time.monotonic() - self.t0)
        busy = _machine_busy() - self.busy0
        now = _ours(self.server_pid)
        ours = sum(cpu - self.ours0.get(pid, (0.0, False))[0] for pid, (cpu, _pg) in now.items())
        # A PostgreSQL process that exited during the run is now in the postmaster's children's time,
        # whole: take off what it had used before the run.
        ours -= sum(cpu for pid, (cpu, pg) in self.ours0.items() if pg and pid not in now)
        times = os.times()
        load = times.children_user + times.children_system - self.children0
        self.result = {
            "machine_cores": round(busy / elapsed, 2),
            "bench_cores": round((ours + load) / elapsed, 2),
            "other_cores": round(max(0.0, busy - ours - load) / elapsed, 2),
        }


# --- scenarios -----------------------------------------------------------------------------------------


@dataclass
class Scenario:
    name: str
    title: str
    real: wrk.Load
    floor: wrk.Load
    skipped: str = ""
    note: str = ""


def api_routes(client: Client, token: str) -> set[tuple[str, str]]:
    """(method, path) pairs the running API publishes in its OpenAPI document."""
    status, _h, body = client.request(
        "GET", "/api/v1/openapi.json", headers={"Authorization": f"Bearer {token}"}
    )
    if status != 200:
        return set()
    paths = json.loads(body).get("paths", {})
    return {(m.upper(), p) for p, ops in paths.items() for m in ops}


CSRF_NOTE = (
    "POST /api/v1/demands with only a bearer token answers 403 'CSRF check Failed' (gongzhi/api.py lists "
    "django_auth before BearerToken, and django-ninja stops at the first authenticator that raises): "
    "measured with a CSRF cookie and X-CSRFToken header added to the bearer request, real and floor alike."
)


def bearer_post_blocked(base: str, state: dict[str, Any]) -> str:
    """Probe the bug above: the CSRF token to add to bearer POSTs when the API refuses them, else ''."""
    probe = Client(base)
    status, _h, body = probe.request(
        "POST",
        "/api/v1/demands",
        body=json.dumps(state["post_bodies"][0]).encode(),
        headers={"Authorization": f"Bearer {state['token']}", "Content-Type": "application/json"},
    )
    if status != 403 or b"CSRF" not in body:
        return ""
    probe.request("GET", "/accounts/login/")
    return probe.cookie("csrftoken")


def scenarios(
    state: dict[str, Any], session: str, routes: set[tuple[str, str]], csrf: str = ""
) -> list[Scenario]:
    bearer = {"Authorization": f"Bearer {state['token']}"}
    cookie = {"Cookie": f"sessionid={session}"}
    community, subdistrict = state["community"], state["subdistrict"]
    ids = state["detail_ids"] or [1]
    bodies = [json.dumps(b, ensure_ascii=False) for b in state["post_bodies"]]
    post_headers = {**bearer, "Content-Type": "application/json"}
    if csrf:
        post_headers.update({"Cookie": f"csrftoken={csrf}", "X-CSRFToken": csrf})
    stats_missing = (
        "" if ("GET", "/api/v1/demands/stats") in routes else "GET /api/v1/demands/stats is not served yet"
    )
    submit_missing = "" if ("POST", "/api/v1/demands") in routes else "POST /api/v1/demands is not served yet"
    found = [
        Scenario(
            "worklist",
            "Handler's worklist, first page",
            wrk.Load("GET", ["/demands/"], cookie),
            wrk.Load("GET", ["/floor/worklist"], cookie),
        ),
        Scenario(
            "detail",
            "A demand's detail page",
            wrk.Load("GET", [f"/demands/{i}/" for i in ids], cookie),
            wrk.Load("GET", [f"/floor/demands/{i}" for i in ids], cookie),
            "" if state["detail_ids"] else "no open demand in the handler's worklist",
        ),
        Scenario(
            "stats_community",
            f"Statistics for a community ({community})",
            wrk.Load("GET", [f"/api/v1/demands/stats?place={community}"], bearer),
            wrk.Load("GET", [f"/floor/stats?place={community}"], bearer),
            stats_missing,
        ),
        Scenario(
            "stats_subdistrict",
            f"Statistics for the subdistrict ({subdistrict})",
            wrk.Load("GET", [f"/api/v1/demands/stats?place={subdistrict}"], bearer),
            wrk.Load("GET", [f"/floor/stats?place={subdistrict}"], bearer),
            stats_missing,
        ),
        # Last: the demands it submits would otherwise show in the worklist measured above.
        Scenario(
            "submit",
            "Submission through the JSON API",
            wrk.Load("POST", ["/api/v1/demands"], post_headers, bodies),
            wrk.Load("POST", ["/floor/demands"], post_headers, bodies),
            submit_missing,
            CSRF_NOTE if csrf else "",
        ),
    ]
    return found


def check(client: Client, scenario: Scenario) -> dict[str, Any]:
    """Each side answers as it should (status, content), and where both give figures, the same ones."""
    out: dict[str, Any] = {}
    answers = {}
    for side in ("real", "floor"):
        load: wrk.Load = getattr(scenario, side)
        body = load.bodies[0].encode() if load.bodies else None
        # As wrk sends it: its own headers only (a bearer request carries no session cookie).
        bare = Client(client.base)
        status, _headers, content = bare.request(load.method, load.paths[0], body=body, headers=load.headers)
        answers[side] = (status, content)
        out[f"{side}_status"] = status
        out[f"{side}_bytes"] = len(content)
    expected = 201 if scenario.name == "submit" else 200
    ok = all(answers[s][0] == expected for s in answers)
    notes = []
    if not ok:
        notes.append(f"expected {expected}: {[(s, a[0], a[1][:200]) for s, a in answers.items()]}")
    if ok and scenario.name.startswith("stats"):
        real, floor = json.loads(answers["real"][1]), json.loads(answers["floor"][1])
        out["same_figures"] = real == floor
        out["total"] = real.get("total")
        if real != floor:
            notes.append(f"figures differ: real {real} floor {floor}")
    elif ok and scenario.name == "worklist":
        numbers = re.findall(r'data-number="([^"]+)"', answers["real"][1].decode())
        floor = json.loads(answers["floor"][1])
        out["rows"] = len(numbers)
        out["same_rows"] = numbers == [i["number"] for i in floor["items"]]
        out["open_in_scope"] = floor["count"]
        if not out["same_rows"]:
            notes.append("the page's rows differ from the floor's")
    elif ok and scenario.name == "detail":
        floor = json.loads(answers["floor"][1])
        out["same_demand"] = floor["number"] in answers["real"][1].decode()
        out["events"] = len(floor["events"])
        if not out["same_demand"]:
            notes.append("the page does not show the floor's demand number")
    elif ok and scenario.name == "submit":
        out["same_shape"] = all(k in json.loads(answers["real"][1]) for k in ("id", "number", "status"))
    out["ok"] = ok and not notes
    out["notes"] = notes
    return out


def settle(server: Server) -> float:
    """Wait until the requests wrk left queued when it stopped are served (a sync worker still serves a
    request whose client has gone): the next run must start on an idle server. Returns the wait."""
    started = time.monotonic()
    Client(server.base).request("GET", "/floor/ping")
    time.sleep(1)
    return round(time.monotonic() - started, 1)


def wait_for_quiet(max_wait: float, threshold: float = 0.3) -> float:
    """Between runs our server is idle: wait (at most `max_wait` s) until the rest of the machine uses
    less than `threshold` cores, so that a run does not start while other work is using the CPUs."""
    started = time.monotonic()
    while True:
        busy0, t0 = _machine_busy(), time.monotonic()
        time.sleep(2)
        cores = (_machine_busy() - busy0) / (time.monotonic() - t0)
        waited = time.monotonic() - started
        if cores < threshold or waited >= max_wait:
            return round(waited, 1)


def measure(server: Server, load: wrk.Load, seconds: float, args) -> dict[str, Any]:
    waited = wait_for_quiet(args.quiet_wait)
    loadavg = os.getloadavg()[0]
    with CpuWatch(server.process.pid) as watch:
        result = wrk.run(
            server.base, load, seconds=seconds, connections=args.connections, threads=args.threads
        )
    result["loadavg_before"] = loadavg
    result["waited_for_quiet_seconds"] = waited
    result["cpu"] = watch.result
    result["settle_seconds"] = settle(server)
    return result


def aggregate(runs: list[dict[str, Any]]) -> dict[str, Any]:
    keys = runs[0]["latency_ms"].keys()
    return {
        "rps": round(sum(r["rps"] for r in runs) / len(runs), 1),
        "latency_ms": {k: max(r["latency_ms"][k] for r in runs) for k in keys},
        "errors": sum(r["error_count"] for r in runs),
        "other_cores_max": max(r["cpu"]["other_cores"] for r in runs),
        "mean_bytes": round(sum(r["mean_bytes"] for r in runs) / len(runs)),
        "runs": runs,
    }


def run_scenario(server: Server, client: Client, scenario: Scenario, args) -> dict[str, Any]:
    if scenario.skipped:
        log(f"  {scenario.name}: SKIPPED ({scenario.skipped})")
        return {"title": scenario.title, "skipped": scenario.skipped}
    checked = check(client, scenario)
    if not checked["ok"]:
        log(f"  {scenario.name}: check failed: {checked['notes']}")
        if checked["real_status"] != (201 if scenario.name == "submit" else 200):
            return {"title": scenario.title, "skipped": f"check failed: {checked['notes']}", "check": checked}
    log(f"  {scenario.name}: warm-up {args.warmup:g} s each")
    for side in ("real", "floor"):
        load = getattr(scenario, side)
        wrk.run(server.base, load, seconds=args.warmup, connections=args.connections, threads=args.threads)
        settle(server)
    runs: dict[str, list] = {"real": [], "floor": []}
    for _round in range(args.rounds):
        for side in ("real", "floor"):
            result = measure(server, getattr(scenario, side), args.duration, args)
            runs[side].append(result)
            lat = result["latency_ms"]
            log(
                f"  {scenario.name} {side:5}: {result['rps']:8.1f} req/s  p50 {lat['p50']:7.1f}  "
                f"p95 {lat['p95']:7.1f}  p99 {lat['p99']:7.1f} ms  errors {result['error_count']}  "
                f"(cores: bench {result['cpu']['bench_cores']}, others {result['cpu']['other_cores']})"
            )
    after = check(client, scenario)
    real, floor = aggregate(runs["real"]), aggregate(runs["floor"])
    # The same requests one at a time: the service time, without the queue 16 clients make.
    for side, agg in (("real", real), ("floor", floor)):
        if args.solo:
            wait_for_quiet(args.quiet_wait)
            solo = wrk.run(server.base, getattr(scenario, side), seconds=args.solo, connections=1, threads=1)
            settle(server)
            agg["solo"] = {
                "rps": solo["rps"],
                "latency_ms": solo["latency_ms"],
                "errors": solo["error_count"],
            }
    # wrk counts headers too; a sign-in redirect instead of a page would be far smaller than the body.
    suspicious = [
        side
        for side, agg in (("real", real), ("floor", floor))
        if checked.get(f"{side}_bytes")
        and not 0.8 * checked[f"{side}_bytes"] < agg["mean_bytes"] < 2 * checked[f"{side}_bytes"] + 1000
    ]
    return {
        "title": scenario.title,
        "note": scenario.note,
        "check": checked,
        "check_after": after,
        "size_mismatch": suspicious,
        "real": real,
        "floor": floor,
        "ratio": {
            "throughput_real_over_floor": round(real["rps"] / floor["rps"], 3) if floor["rps"] else None,
            **{
                f"{k}_real_over_floor": round(real["latency_ms"][k] / floor["latency_ms"][k], 3)
                if floor["latency_ms"][k]
                else None
                for k in ("p50", "p95", "p99")
            },
        },
    }


# --- targets -------------------------------------------------------------------------------------------


def _line(scale: str, text: str, value: Any, limit: str, ok: bool | None) -> dict[str, Any]:
    return {"scale": scale, "target": text, "value": value, "limit": limit, "result": _verdict(ok)}


def _verdict(ok: bool | None) -> str:
    return "PASS" if ok else ("SKIPPED" if ok is None else "FAIL")


STATS = (("stats_community", "Statistics, community"), ("stats_subdistrict", "Statistics, subdistrict"))


def targets(scales: dict[str, Any]) -> list[dict[str, Any]]:
    """One line per target of the issue and scale. A scenario whose real side had errors (refused,
    failed or timed-out requests) fails its lines; one that could not be measured is SKIPPED."""
    lines = []

    def add(scale: str, text: str, r: dict[str, Any] | None, value: Any, limit: str, passed: Any) -> None:
        ok = None if r is None else bool(passed and not r["real"]["errors"])
        lines.append(_line(scale, text, value if r is not None else None, limit, ok))

    for scale, result in scales.items():
        measured = {name: r for name, r in result.get("scenarios", {}).items() if "real" in r}
        r = measured.get("submit")
        ratio = r and r["ratio"]["throughput_real_over_floor"]
        add(scale, "Submission (API): throughput ≥ 0.5 × floor", r, ratio, "≥ 0.5", r and ratio >= 0.5)
        p99 = r and r["real"]["latency_ms"]["p99"]
        add(scale, "Submission (API): p99 < 100 ms", r, p99, "< 100 ms", r and p99 < 100)
        for name, label in (("worklist", "Worklist first page"), ("detail", "Demand detail")):
            r = measured.get(name)
            p95, ratio = (r["real"]["latency_ms"]["p95"], r["ratio"]["p95_real_over_floor"]) if r else (0, 0)
            add(scale, f"{label}: p95 < 50 ms", r, p95, "< 50 ms", p95 < 50)
            add(scale, f"{label}: p95 ≤ 2 × floor", r, ratio, "≤ 2", ratio <= 2)
        for name, label in STATS:
            r = measured.get(name)
            p95 = r["real"]["latency_ms"]["p95"] if r else 0
            add(scale, f"{label}: p95 < 100 ms", r, p95, "< 100 ms", p95 < 100)
    keys = sorted(scales, key=int)
    if len(keys) >= 2:
        small, large = keys[0], keys[-1]
        factor, slack = SAME_TOLERANCE
        for name, label in STATS:
            a = scales[small].get("scenarios", {}).get(name, {})
            b = scales[large].get("scenarios", {}).get(name, {})
            text = f"{label}: the same at both scales (p95)"
            if "real" not in a or "real" not in b:
                lines.append(_line(f"{small}→{large}", text, None, "", None))
                continue
            p_small, p_large = a["real"]["latency_ms"]["p95"], b["real"]["latency_ms"]["p95"]
            limit = factor * p_small + slack
            add(
                f"{small}→{large}",
                text,
                b,
                f"{p_small:.1f} → {p_large:.1f} ms",
                f"≤ {factor} × + {slack:g} ms = {limit:.1f} ms",
                p_large <= limit and not a["real"]["errors"],
            )
    return lines


# --- report --------------------------------------------------------------------------------------------


def _fmt(value: Any, digits: int = 1) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def markdown(report: dict[str, Any]) -> str:
    cfg = report["config"]
    out = [
        f"# Demands benchmark — {report['started_at']}",
        "",
        f"Commit `{report['git']['commit']}`{' (uncommitted changes)' if report['git']['dirty'] else ''}; "
        f"{report['machine']['cpus']} CPUs, {report['machine']['memory_gb']} GB; PostgreSQL "
        f"{report['machine']['postgresql']}; gunicorn {cfg['workers']} sync workers; wrk {cfg['connections']} "
        f"connections ({cfg['threads']} threads) in its own process; warm-up {cfg['warmup']:g} s per side, then "
        f"real, floor, real, floor × {cfg['duration']:g} s. Took {report['seconds'] / 60:.1f} min.",
        "",
        "Throughput is the mean of the two runs of a side; latencies (ms) are the worse of its two runs. "
        "Floor: a bare Django view doing the same database work with raw SQL (bench/floor.py). "
        "1 client: the same requests one at a time for a few seconds (the service time, without the "
        "queue that 16 clients on 2 workers make). Other load: the most CPU (in cores, of 2) that processes outside the benchmark used during a run; "
        "anything well above 0 means the figures of that line are pessimistic.",
        "",
    ]
    for scale, result in report["scales"].items():
        prep = result.get("prepare", {})
        fig = prep.get("figures", {})
        gen = prep.get("generation", {})
        out += [
            f"## {int(scale):,} demands",
            "",
            f"{fig.get('demand_rows', 0):,} demands, {fig.get('event_rows', 0):,} events, "
            f"roll-up rows: {fig.get('tally_rows', 0):,} daily, {fig.get('month_tally_rows', 0):,} monthly, "
            f"{fig.get('year_tally_rows', 0):,} yearly; "
            f"{fig.get('open_demands', 0):,} open; database "
            f"{fig.get('database_bytes', 0) / 1e6:,.0f} MB. "
            + (
                f"Generated in this run: COPY {gen.get('copy_seconds')} s, roll-up rebuild "
                f"{gen.get('rebuild_seconds')} s, {gen.get('total_seconds')} s in all."
                if prep.get("generated_now")
                else f"Generated earlier ({gen.get('now', '?')[:19]}; COPY {gen.get('copy_seconds')} s, "
                f"rebuild {gen.get('rebuild_seconds')} s, {gen.get('total_seconds')} s in all)."
            ),
            "",
            "| scenario | real req/s | real p50 / p95 / p99 | floor req/s | floor p50 / p95 / p99 | "
            "throughput real/floor | p95 real/floor | 1 client p50 real / floor | other load (cores) |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for r in result.get("scenarios", {}).values():
            if "real" not in r:
                out.append(f"| {r['title']} | skipped: {r.get('skipped', '')} | | | | | | | |")
                continue
            rl, fl = r["real"]["latency_ms"], r["floor"]["latency_ms"]
            errors = r["real"]["errors"] + r["floor"]["errors"]
            solo = "—"
            if "solo" in r["real"] and "solo" in r["floor"]:
                solo = f"{r['real']['solo']['latency_ms']['p50']:.1f} / {r['floor']['solo']['latency_ms']['p50']:.1f}"
            out.append(
                f"| {r['title']}{f' ({errors} errors)' if errors else ''} | {r['real']['rps']:.1f} | "
                f"{rl['p50']:.1f} / {rl['p95']:.1f} / {rl['p99']:.1f} | {r['floor']['rps']:.1f} | "
                f"{fl['p50']:.1f} / {fl['p95']:.1f} / {fl['p99']:.1f} | "
                f"{_fmt(r['ratio']['throughput_real_over_floor'], 2)} | {_fmt(r['ratio']['p95_real_over_floor'], 2)} | "
                f"{solo} | {max(r['real']['other_cores_max'], r['floor']['other_cores_max']):.2f} |"
            )
        notes = [
            f"- {r['title']}: {'; '.join(r['check']['notes'])}"
            for r in result.get("scenarios", {}).values()
            if r.get("check", {}).get("notes")
        ] + [f"- {r['title']}: {r['note']}" for r in result.get("scenarios", {}).values() if r.get("note")]
        if result.get("restarts"):
            notes.append(
                f"- gunicorn was stopped from outside during {', '.join(result['restarts'])}: restarted, "
                "and the scenario measured again from its warm-up."
            )
        out += ["", *notes] if notes else []
        out.append("")
    out += ["## Targets", "", "| scale | target | measured | limit | result |", "|---|---|---:|---|---|"]
    for line in report["targets"]:
        value = line["value"]
        shown = f"{value:.2f}" if isinstance(value, float) else _fmt(value)
        out.append(
            f"| {line['scale']} | {line['target']} | {shown} | {line['limit']} | **{line['result']}** |"
        )
    passed = sum(1 for t in report["targets"] if t["result"] == "PASS")
    out += ["", f"{passed} of {len(report['targets'])} target lines pass.", ""]
    return "\n".join(out)


def machine() -> dict[str, Any]:
    def cmd(*args: str) -> str:
        try:
            return subprocess.run(args, capture_output=True, text=True, check=False).stdout.strip()
        except OSError:
            return ""

    memory = 0
    with contextlib.suppress(ValueError, OSError):
        memory = round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30)
    pg = cmd("psql", "-h", HOST, "-U", "postgres", "-Atc", "SHOW server_version", "postgres")
    return {
        "cpus": os.cpu_count(),
        "memory_gb": memory,
        "platform": platform.platform(),
        "python": platform.python_version(),
        "postgresql": pg.split()[0] if pg else "?",
        "wrk": (cmd("wrk", "-v").splitlines() or ["?"])[0],
    }


def git() -> dict[str, Any]:
    def cmd(*args: str) -> str:
        return subprocess.run(
            ["git", *args], cwd=ROOT, capture_output=True, text=True, check=False
        ).stdout.strip()

    return {"commit": cmd("rev-parse", "--short", "HEAD") or "?", "dirty": bool(cmd("status", "--porcelain"))}


def run_scale(count: int, args) -> dict[str, Any]:
    started = time.monotonic()
    url = database_url(count)
    log(f"== {count:,} demands: preparing {url.rsplit('/', 1)[-1]}")
    command = [
        sys.executable,
        "-m",
        "bench.generate",
        "--count",
        str(count),
        "--years",
        str(args.years),
        "--seed",
        str(args.seed),
    ]
    env = {**os.environ, "BENCH_DATABASE_URL": url}
    subprocess.run(command, cwd=ROOT, env=env, check=True)
    from bench.generate import state_path

    state = json.loads(state_path(url).read_text())
    prepared = time.monotonic() - started
    result: dict[str, Any] = {
        "prepare": {
            "seconds": round(prepared, 1),
            "generated_now": state["generated_now"],
            "generation": state["generation"],
            "figures": state["figures"],
        },
        "scenarios": {},
    }
    with Server(url, args.workers, args.port or free_port()) as server:
        client = Client(server.base)
        session = client.login(state["handler"]["username"], state["handler"]["password"])
        routes = api_routes(client, state["token"])
        csrf = bearer_post_blocked(server.base, state) if ("POST", "/api/v1/demands") in routes else ""
        for scenario in scenarios(state, session, routes, csrf):
            if args.only and scenario.name not in args.only:
                continue
            for attempt in range(3):
                try:
                    result["scenarios"][scenario.name] = run_scenario(server, client, scenario, args)
                    break
                except RuntimeError:
                    if server.alive() or attempt == 2:
                        raise
                    server.restart()
                    result.setdefault("restarts", []).append(scenario.name)
    result["seconds"] = round(time.monotonic() - started, 1)
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="The demands benchmark (see bench/README.md).")
    parser.add_argument("--counts", default="10000,1000000", help="scales, comma-separated")
    parser.add_argument("--duration", type=float, default=20, help="seconds per measured run")
    parser.add_argument("--warmup", type=float, default=5, help="seconds of warm-up per side")
    parser.add_argument("--rounds", type=int, default=2, help="real/floor pairs per scenario")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--solo", type=float, default=5, help="seconds of one-client runs (0: none)")
    parser.add_argument(
        "--quiet-wait",
        type=float,
        default=20,
        help="before each run, wait up to this long for other processes to leave the CPUs",
    )
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--years", type=float, default=DEFAULT_YEARS)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--only", type=lambda s: set(s.split(",")), default=set(), help="scenario names")
    parser.add_argument("--no-save", action="store_true", help="print the summary, write no result files")
    args = parser.parse_args(argv)
    if wrk.wrk_path() is None:
        log("wrk is not installed: apt-get install wrk (make bench installs it).")
        return 2
    counts = [int(c) for c in args.counts.split(",") if c.strip()]
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    started = time.monotonic()
    report: dict[str, Any] = {
        "started_at": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
        "git": git(),
        "machine": machine(),
        "config": {
            "counts": counts,
            "duration": args.duration,
            "solo": args.solo,
            "quiet_wait": args.quiet_wait,
            "warmup": args.warmup,
            "rounds": args.rounds,
            "connections": args.connections,
            "threads": args.threads,
            "workers": args.workers,
            "years": args.years,
            "seed": args.seed,
            "server": "gunicorn (sync workers), bench.settings, DEBUG off",
            "load": "wrk, closed loop",
        },
        "scales": {},
    }
    for count in counts:
        report["scales"][str(count)] = run_scale(count, args)
    report["seconds"] = round(time.monotonic() - started, 1)
    report["targets"] = targets(report["scales"])
    summary = markdown(report)
    print(summary)
    if not args.no_save:
        RESULTS.mkdir(parents=True, exist_ok=True)
        (RESULTS / f"{stamp}.json").write_text(json.dumps(report, ensure_ascii=False, indent=1))
        (RESULTS / f"{stamp}.md").write_text(summary)
        (RESULTS / "latest.md").write_text(summary)
        log(f"Results: bench/results/{stamp}.json, {stamp}.md and latest.md")
    return 0


if __name__ == "__main__":
    sys.exit(main())
