"""Where one request of each benchmark scenario spends its time, in-process, on a prepared bench database.

    .venv/bin/python -m bench.profile --count 1000000 [--explain] [worklist detail ...]

For each endpoint (real and floor): the mean wall time of a few requests through Django's test client,
the number of queries and their total time, then the slowest queries (with --explain, their plans). No
server, no concurrency: this explains the load figures of bench/run.py, it does not replace them.
"""

from __future__ import annotations

import argparse
import json
import time
from typing import Any

from bench.generate import DEFAULT_COUNT, database_url, setup_django, state_path


def cases(state: dict[str, Any]) -> dict[str, Any]:
    from django.test import Client

    from gongzhi.accounts.models import User

    session = Client()
    session.force_login(User.objects.get(username=state["handler"]["username"]))
    bearer = Client(HTTP_AUTHORIZATION=f"Bearer {state['token']}")
    pk = (state["detail_ids"] or [1])[0]
    body = json.dumps(state["post_bodies"][0], ensure_ascii=False)
    community, subdistrict = state["community"], state["subdistrict"]
    return {
        "worklist": lambda: session.get("/demands/"),
        "floor_worklist": lambda: session.get("/floor/worklist"),
        "detail": lambda: session.get(f"/demands/{pk}/"),
        "floor_detail": lambda: session.get(f"/floor/demands/{pk}"),
        "stats_community": lambda: bearer.get(f"/api/v1/demands/stats?place={community}"),
        "floor_stats_community": lambda: bearer.get(f"/floor/stats?place={community}"),
        "stats_subdistrict": lambda: bearer.get(f"/api/v1/demands/stats?place={subdistrict}"),
        "floor_stats_subdistrict": lambda: bearer.get(f"/floor/stats?place={subdistrict}"),
        "submit": lambda: bearer.post("/api/v1/demands", data=body, content_type="application/json"),
        "floor_submit": lambda: bearer.post("/floor/demands", data=body, content_type="application/json"),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=DEFAULT_COUNT, help="which prepared database")
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument("--top", type=int, default=4, help="slowest queries shown per endpoint")
    parser.add_argument("--explain", action="store_true", help="EXPLAIN ANALYZE the slowest queries")
    parser.add_argument("names", nargs="*")
    args = parser.parse_args(argv)
    url = database_url(args.count)
    setup_django(url)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    state = json.loads(state_path(url).read_text())
    found = cases(state)
    for name in args.names or list(found):
        call = found[name]
        first = call()
        if first.status_code not in (200, 201):
            print(f"{name}: {first.status_code} {first.content[:200]!r}")
            continue
        started = time.perf_counter()
        for _ in range(args.repeat):
            call()
        wall = (time.perf_counter() - started) / args.repeat * 1000
        with CaptureQueriesContext(connection) as captured:
            call()
        queries = captured.captured_queries
        sql = sum(float(q["time"]) for q in queries) * 1000
        print(f"{name:24} {wall:7.1f} ms  {len(queries):3d} queries  {sql:6.1f} ms in SQL")
        for query in sorted(queries, key=lambda q: -float(q["time"]))[: args.top]:
            print(f"    {float(query['time']) * 1000:6.1f} ms  {query['sql'][:160]}")
            if args.explain and query["sql"].lstrip().upper().startswith("SELECT"):
                with connection.cursor() as cursor:
                    cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + query["sql"])
                    for (line,) in cursor.fetchall():
                        print(f"        {line}")
    print("(demands submitted here are removed by the next bench/generate.py run)")


if __name__ == "__main__":
    main()
