# Gongzhi: the two commands that matter are `make run` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8000
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: run test lint migrations-check unit bench install install-test browser-deps messages clean help

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

# Browser tests drive Debian's Chromium; install it when it is missing (CI runs as root).
browser-deps:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "Installing Debian's chromium for the browser tests…"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

lint: install-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

migrations-check: install-test
	DATABASE_URL= $(BIN)/gongzhi makemigrations --check --dry-run

# The whole suite on SQLite; again on PostgreSQL when DATABASE_URL points at one.
test: install-test browser-deps lint migrations-check
	DATABASE_URL= $(BIN)/pytest
	@if [ -n "$$DATABASE_URL" ]; then echo "== PostgreSQL: $$DATABASE_URL"; $(BIN)/pytest; fi

bench: install-test
	@echo "no benchmarks yet: the first arrives with resident demands (see docs/decisions)."

# Refresh the Simplified Chinese catalogue after changing UI strings, then translate the new entries.
messages: install-test
	cd gongzhi && ../$(BIN)/gongzhi makemessages -l zh_Hans --no-obsolete --no-location -i "static/*"
	cd gongzhi && ../$(BIN)/gongzhi compilemessages -l zh_Hans

clean:
	rm -rf $(VENV) var/static .pytest_cache .ruff_cache
