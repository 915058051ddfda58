#!/usr/bin/env bash
# Serve Gongzhi with gunicorn and run the task worker beside it; Ctrl-C stops both.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
HOST=${HOST:-127.0.0.1}
PORT=${PORT:-8000}

# The deadline sweep re-queues itself every minute on the worker; this queues the first (idempotent).
"$BIN/gongzhi" schedule_demand_sweep
"$BIN/gongzhi" db_worker --queue-name default >var/worker.log 2>&1 &
worker=$!
trap 'kill "$worker" 2>/dev/null || true' EXIT INT TERM

cat <<TXT

  共治 Gongzhi is running at http://$HOST:$PORT/   (sign in at http://$HOST:$PORT/accounts/login/)
  Task worker: pid $worker, log in var/worker.log

  Demo accounts (password: gongzhi-demo; demo mode only):
    admin      subdistrict administrator, 坂田街道
    wuhe       community staff, 五和社区
    dgk        branch secretary, 大光勘居民小组 (曾拥军)
    resident   resident, 城市广场
    grid       grid worker, 五和新村
    member     committee member, 城市广场
    mediator   mediator, 新雪社区
    auditor    auditor (read-only), 坂田街道

TXT
"$BIN/gunicorn" gongzhi.wsgi --bind "$HOST:$PORT" --workers "${GONGZHI_WORKERS:-2}" --access-logfile - --log-level warning
