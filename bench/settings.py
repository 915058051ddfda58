"""Settings for benchmark runs: the project's own, with the floor views mounted and the bench database.

Production-like: DEBUG and demo mode off (the bench accounts are ordinary ones), the manifest static
storage (bench/generate.py runs collectstatic), persistent database connections as the project configures
them. The database is BENCH_DATABASE_URL (bench/run.py sets it for each scale), never DATABASE_URL, so a
CI or developer database is never filled with a million rows. Keys and the secret live in var/bench/.
"""

import os
from pathlib import Path

os.environ.setdefault("GONGZHI_VAR_DIR", str(Path(__file__).resolve().parent.parent / "var" / "bench"))
os.environ["GONGZHI_DEBUG"] = "0"
os.environ["GONGZHI_DEMO"] = "0"

import dj_database_url

from gongzhi.settings import *  # noqa: F403

DEFAULT_BENCH_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/gongzhi_bench_10000"

ROOT_URLCONF = "bench.urls"
DEBUG = False
DEMO_MODE = False
# Personal data keys: generated once into var/bench/ (as in demo mode), unless the environment has some.
PII_GENERATE_KEYS = True
# As gongzhi/settings.py configures PostgreSQL (persistent connections for 60 s).
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("BENCH_DATABASE_URL") or DEFAULT_BENCH_DATABASE_URL, conn_max_age=60
    )
}
