"""Python instructions one request of a scenario costs, counted by valgrind's callgrind.

    .venv/bin/python -m bench.instructions --count 1000000 [--requests 10] [detail floor_detail ...]

Wall time on a shared 2-core machine varies by ±15 % from one run to the next, more than most changes
weigh; the instructions a process executes do not vary (the same code, data and environment give the same
count). So: each scenario is run twice under callgrind, once with one request and once with 1 + N, and the
difference divided by N is its cost per request, start-up excluded. Only the client process is counted:
PostgreSQL's work is not (bench/profile.py shows the queries). Needs Debian's valgrind; about a minute per
scenario.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys

from bench.generate import DEFAULT_COUNT, database_url, setup_django, state_path

COLLECTED = re.compile(r"Collected\s*:\s*([\d,]+)")


def _run(count: int, name: str, requests: int) -> None:
    """In the process valgrind watches: `requests` requests of scenario `name`."""
    url = database_url(count)
    setup_django(url)
    from bench.profile import cases

    call = cases(json.loads(state_path(url).read_text()))[name]
    for _ in range(requests):
        call()


def _instructions(count: int, name: str, requests: int) -> int:
    command = [
        "valgrind",
        "--tool=callgrind",
        "--callgrind-out-file=/dev/null",
        sys.executable,
        "-m",
        "bench.instructions",
        "--count",
        str(count),
        "--inner",
        str(requests),
        name,
    ]
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    found = COLLECTED.search(done.stderr)
    if found is None:
        raise SystemExit(f"callgrind reported no count for {name}:\n{done.stderr[-2000:]}")
    return int(found.group(1).replace(",", ""))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=DEFAULT_COUNT, help="which prepared database")
    parser.add_argument("--requests", type=int, default=10, help="requests counted per scenario")
    parser.add_argument("--inner", type=int, help=argparse.SUPPRESS)  # run under valgrind
    parser.add_argument("names", nargs="*", default=["submit", "floor_submit", "detail", "floor_detail"])
    args = parser.parse_args(argv)
    if args.inner is not None:
        _run(args.count, args.names[0], args.inner)
        return
    if shutil.which("valgrind") is None:
        raise SystemExit("valgrind is not installed (Debian: apt-get install valgrind)")
    for name in args.names:
        once = _instructions(args.count, name, 1)
        more = _instructions(args.count, name, 1 + args.requests)
        print(f"{name:24s} {(more - once) / args.requests / 1e6:8.2f} M instructions a request", flush=True)
    print("(demands submitted here are removed by the next bench/generate.py run)")


if __name__ == "__main__":
    main()
