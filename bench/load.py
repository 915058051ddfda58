"""The load generator: Debian's wrk, in its own process, driven by a generated Lua script.

wrk keeps `connections` clients busy for a fixed time (closed loop: each sends its next request when the
answer to the last one is in), spread over `threads` threads, and records every latency in a histogram.
The script rotates through the given paths (and POST bodies), and its done() hook prints one JSON line
with throughput, latency percentiles and error counts. wrk counts answers with a status of 400 or more as
errors; bench/run.py also checks each endpoint's answer before and after the run, and the mean answer
size, so that a redirect to the sign-in page cannot pass for a page.

Only ever aimed at the loopback address bench/run.py serves on.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from typing import Any

PERCENTILES = (50, 90, 95, 99, 99.9)

LUA = r"""
local paths = %(paths)s
local bodies = %(bodies)s
local method = %(method)s
local headers = %(headers)s
local threads = {}

function setup(thread)
  thread:set("offset", #threads * 7919)
  table.insert(threads, thread)
end

function init(args)
  counter = offset or 0
end

function request()
  counter = counter + 1
  local body = nil
  if #bodies > 0 then body = bodies[(counter %% #bodies) + 1] end
  return wrk.format(method, paths[(counter %% #paths) + 1], headers, body)
end

function done(summary, latency, requests)
  local e = summary.errors
  local parts = {
    string.format('"duration_us": %%d', summary.duration),
    string.format('"requests": %%d', summary.requests),
    string.format('"bytes": %%d', summary.bytes),
    string.format('"errors": {"connect": %%d, "read": %%d, "write": %%d, "status": %%d, "timeout": %%d}',
      e.connect, e.read, e.write, e.status, e.timeout),
    string.format('"latency_us": {"min": %%d, "max": %%d, "mean": %%.1f, "stdev": %%.1f', latency.min,
      latency.max, latency.mean, latency.stdev),
  }
  local pct = {}
  for _, p in ipairs(%(percentiles)s) do
    table.insert(pct, string.format('"%%s": %%d', tostring(p), latency:percentile(p)))
  end
  parts[#parts] = parts[#parts] .. ', ' .. table.concat(pct, ', ') .. '}'
  io.write("BENCH_JSON {" .. table.concat(parts, ", ") .. "}\n")
end
"""


def _lua_string(text: str) -> str:
    return "[==[" + text + "]==]" if "]==]" not in text else json.dumps(text)


def _lua_list(items: list[str]) -> str:
    return "{" + ", ".join(_lua_string(i) for i in items) + "}"


def _lua_table(mapping: dict[str, str]) -> str:
    return "{" + ", ".join(f"[ {_lua_string(k)} ] = {_lua_string(v)}" for k, v in mapping.items()) + "}"


@dataclass
class Load:
    """One kind of request: a method, paths to rotate through, headers, bodies (POST)."""

    method: str
    paths: list[str]
    headers: dict[str, str] = field(default_factory=dict)
    bodies: list[str] = field(default_factory=list)

    def script(self) -> str:
        return LUA % {
            "paths": _lua_list(self.paths),
            "bodies": _lua_list(self.bodies),
            "method": _lua_string(self.method),
            "headers": _lua_table(self.headers),
            "percentiles": "{" + ", ".join(str(p) for p in PERCENTILES) + "}",
        }


def wrk_path() -> str | None:
    return shutil.which("wrk")


def run(
    base_url: str, load: Load, *, seconds: float, connections: int = 16, threads: int = 2, timeout: float = 10
) -> dict[str, Any]:
    """Run wrk once; returns throughput (requests/s), latency percentiles in ms, errors and mean size."""
    if not base_url.startswith(("http://127.", "http://localhost", "http://[::1]")):
        raise ValueError("The bench only loads servers on the loopback address.")
    wrk = wrk_path()
    if wrk is None:
        raise RuntimeError("wrk is not installed: `apt-get install wrk` (make bench does it).")
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as handle:
        handle.write(load.script())
        script = handle.name
    try:
        command = [
            wrk,
            f"-t{threads}",
            f"-c{connections}",
            f"-d{max(1, round(seconds))}s",
            f"--timeout={max(1, round(timeout))}s",
            "-s",
            script,
            base_url,
        ]
        done = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 120, check=False)
    finally:
        os.unlink(script)
    line = next((ln for ln in done.stdout.splitlines() if ln.startswith("BENCH_JSON ")), None)
    if done.returncode != 0 or line is None:
        raise RuntimeError(f"wrk failed ({done.returncode}): {done.stderr.strip() or done.stdout.strip()}")
    raw = json.loads(line[len("BENCH_JSON ") :])
    seconds_run = raw["duration_us"] / 1e6
    latency = raw["latency_us"]
    errors = raw["errors"]
    return {
        "requests": raw["requests"],
        "seconds": round(seconds_run, 2),
        "rps": round(raw["requests"] / seconds_run, 1) if seconds_run else 0.0,
        "mean_bytes": round(raw["bytes"] / raw["requests"]) if raw["requests"] else 0,
        "errors": errors,
        "error_count": sum(errors.values()),
        "latency_ms": {
            "min": latency["min"] / 1000,
            "mean": round(latency["mean"] / 1000, 2),
            **{f"p{p:g}": latency[f"{p:g}"] / 1000 for p in PERCENTILES},
            "max": latency["max"] / 1000,
        },
    }
