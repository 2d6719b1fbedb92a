# The two commands of the README: `make run` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run run-rp test lint install migrate demo demo-idp check bench serve messages

$(BIN)/.installed: constraints.txt requirements.in requirements-dev.in
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt -r requirements-dev.in
	touch $@

install: $(BIN)/.installed

migrate: install
	$(BIN)/python manage.py migrate --noinput

demo: migrate
	$(BIN)/python manage.py load_demo

# Northwind Partners' own identity provider (demo_idp/: oidc-provider on Node.js), for
# `make run` and the SSO tests: its packages, installed once.
demo-idp:
	test -d demo_idp/node_modules || npm ci --prefix demo_idp --no-audit --no-fund

# firmid on $(HOST):$(PORT) and, alongside, the demo application Documents (demo_rp/) on
# 127.0.0.1:8001 (DEMO_RP_PORT) and Northwind's identity provider on 127.0.0.1:8002
# (demo_idp/northwind.json); Ctrl-C, or firmid stopping, stops all three.
run: demo demo-idp
	@$(BIN)/python -m demo_rp & rp=$$!; \
	node demo_idp/server.mjs demo_idp/northwind.json & idp=$$!; \
	trap 'kill $$rp $$idp 2>/dev/null; wait $$rp $$idp 2>/dev/null' EXIT; \
	trap 'exit 130' INT; trap 'exit 143' TERM; \
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

# The demo application alone (firmid must be running for its Sign in).
run-rp: install
	$(BIN)/python -m demo_rp

check: install
	$(BIN)/python manage.py check

# The whole suite, on the embedded SQLite database and again on a throw-away PostgreSQL
# with Redis as the cache (scripts/with-services starts and removes them). The
# multi-process and fault tests (tests/multiprocess, tests/faults) start PostgreSQL (and
# Redis) of their own, so the second run leaves them out.
# pytest's exit code 5 (no test collected) fails like any other error.
# The tests that share nothing run on every core (pytest-xdist: a database per worker);
# the multi-process and fault tests start servers on fixed resources and run alone.
test: install lint demo-idp
	test -d tests/clients/node/node_modules || npm ci --prefix tests/clients/node --no-audit --no-fund
	test -d tests/a11y/node_modules || npm ci --prefix tests/a11y --no-audit --no-fund
	$(BIN)/python -m pytest -n $(TEST_WORKERS) -m "not multiprocess and not faults"
	$(BIN)/python -m pytest -m "multiprocess or faults"
	scripts/with-services --redis -- $(BIN)/python -m pytest -n $(TEST_WORKERS) -m "not multiprocess and not faults" -p no:cacheprovider $(STORE_INDEPENDENT)

TEST_WORKERS ?= $(shell nproc)
# What the second run leaves out: tests of what pages look like and say (accessibility,
# layouts, the French walk-through, the catalogues), which no database or cache changes.
STORE_INDEPENDENT := --ignore=tests/i18n --ignore=tests/e2e/test_a11y_pages.py \
	--ignore=tests/e2e/test_a11y_keyboard.py --ignore=tests/e2e/test_layout_responsive.py \
	--ignore=tests/e2e/test_french_walkthrough.py

# The French catalogues (docs/i18n.md): extract what the code marks, then compile the .mo files.
messages: install
	$(BIN)/python scripts/catalogues.py update

# ruff (lint and format, pyproject.toml) and the architecture contract (the apps' layers,
# docs/architecture.md): both must pass before any test runs.
lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache

# Several gunicorn workers on the configured database (DATABASE_URL), as in production.
WORKERS ?= $(shell echo $$(( $$(nproc) * 2 + 1 )))
serve: install
	mkdir -p var/prometheus && rm -f var/prometheus/*.db
	PROMETHEUS_MULTIPROC_DIR=$(CURDIR)/var/prometheus $(BIN)/gunicorn config.wsgi:application \
		--workers $(WORKERS) --bind $(HOST):$(PORT) --no-control-socket --access-logfile -

bench: install
	$(BIN)/python bench/policy_save.py
