# Gongzhi: the two commands that matter are `make run` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8000
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: run test lint migrations-check unit bench install install-test test-deps messages clean help

help:
	@echo "make run    - install, migrate, load the Bantian demo, serve on http://$(HOST):$(PORT)/ with the task worker"
	@echo "make test   - lint, migrations check, and the whole test suite (SQLite, and PostgreSQL if DATABASE_URL is set)"
	@echo "make bench  - benchmarks"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e .
	@touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed
	$(BIN)/pip install -q -e ".[test]"
	@touch $@

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

run: install
	GONGZHI_DEMO=1 $(BIN)/gongzhi migrate --noinput -v0
	GONGZHI_DEMO=1 $(BIN)/gongzhi load_demo
	$(BIN)/gongzhi collectstatic --noinput -v0
	HOST=$(HOST) PORT=$(PORT) GONGZHI_DEMO=1 scripts/serve.sh

# Browser tests drive Debian's Chromium; the catalogue tests run GNU gettext. Install what is missing
# (CI runs as root; elsewhere install the two Debian packages once by hand).
test-deps:
	@missing=""; command -v chromium >/dev/null 2>&1 || missing="$$missing chromium"; \
	command -v xgettext >/dev/null 2>&1 || missing="$$missing gettext"; \
	if [ -n "$$missing" ]; then echo "Installing Debian packages:$$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; fi

lint: install-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

migrations-check: install-test
	DATABASE_URL= $(BIN)/gongzhi makemigrations --check --dry-run

# The whole suite on SQLite; again on PostgreSQL when DATABASE_URL points at one.
test: install-test test-deps lint migrations-check
	DATABASE_URL= $(BIN)/pytest
	@if [ -n "$$DATABASE_URL" ]; then echo "== PostgreSQL: $$DATABASE_URL"; $(BIN)/pytest; fi

bench: install-test
	@command -v wrk >/dev/null 2>&1 || { echo "Installing Debian's wrk"; apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }
	@pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null || { echo "Starting PostgreSQL…"; pg_ctlcluster --skip-systemctl-redirect "$$(ls /etc/postgresql | head -n 1)" main start; for _ in $$(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done; }
	$(BIN)/python -m bench.run $(BENCH_ARGS)

# Refresh the Simplified Chinese catalogue after changing UI strings, then translate the new entries.
messages: install-test
	cd gongzhi && ../$(BIN)/gongzhi makemessages -l zh_Hans --no-obsolete --no-location -i "static/*"
	cd gongzhi && ../$(BIN)/gongzhi compilemessages -l zh_Hans

clean:
	rm -rf $(VENV) var/static .pytest_cache .ruff_cache
