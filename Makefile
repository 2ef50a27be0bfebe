# Fangkong — the two commands are `make demo` and `make test` (see README.md).
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
export DJANGO_SETTINGS_MODULE := fangkong.settings

.PHONY: demo test setup lint format migrate serve bench messages clean help

help:
	@echo "make demo   — set up, load the demo scenario and serve on http://$(HOST):$(PORT)"
	@echo "make test   — set up, lint and run every test (SQLite; PostgreSQL when DATABASE_URL is set)"
	@echo "make bench  — performance benchmark on PostgreSQL (results in bench/results/)"

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

build/vendor/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	mkdir -p build/vendor
	cp node_modules/htmx.org/dist/htmx.min.js node_modules/echarts/dist/echarts.min.js build/vendor/
	@# axe-core checks the pages in the browser tests only: kept out of the served static files
	mkdir -p build/test-vendor
	cp node_modules/axe-core/axe.min.js build/test-vendor/
	touch $@

setup: $(VENV)/.installed build/vendor/.installed

migrate: setup
	$(BIN)/fangkong migrate --noinput -v 0

demo: migrate
	$(BIN)/fangkong load-demo
	$(BIN)/fangkong collectstatic --noinput -v 0
	@echo ""
	@echo "防控指挥平台 Fangkong is serving on http://$(HOST):$(PORT)/  (Ctrl-C to stop)"
	@echo "Log in with any account above, e.g. admin / Fangkong-2020"
	@echo "演示模式：已关闭双因素登录（FANGKONG_REQUIRE_2FA=false），演示账号无需首次登录改密码；生产环境请勿如此设置。"
	@echo "Demo mode: the second factor is NOT required (FANGKONG_REQUIRE_2FA=false) and the demo accounts need no password change; never run production like this."
	@# background tasks (large imports) run in a worker beside the server, stopped with it
	$(BIN)/fangkong db_worker & worker=$$!; trap 'kill $$worker 2>/dev/null' EXIT; \
	FANGKONG_REQUIRE_2FA=false $(BIN)/gunicorn fangkong.wsgi --bind $(HOST):$(PORT) --workers 2 --timeout 120 --access-logfile - --log-level warning

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy fangkong bench
	$(BIN)/fangkong check
	$(BIN)/fangkong makemigrations --check --dry-run -v 0
	$(BIN)/python -m fangkong.core.i18n_check

test: lint
	$(BIN)/pytest $(PYTEST_ARGS)

format: setup
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# makemessages and compilemessages (GNU gettext: apt-get install gettext) in fangkong/, with the
# options in fangkong/core/i18n_check.py (MAKEMESSAGES_ARGS), then the check
messages: setup
	$(BIN)/python -m fangkong.core.i18n_check --update

# make bench SCENARIO=gridops SCALE=0.02 — one scenario, smaller data (BENCH_ARGS for the rest);
# a run below full scale writes its results to $TMPDIR/fangkong-bench-results, not bench/results/.
# The last step writes the README's benchmark figures from bench/results/ (bench/readme.py).
bench: setup
	$(BIN)/python -m bench $(if $(SCENARIO),--scenario $(SCENARIO)) $(if $(SCALE),--scale $(SCALE)) $(BENCH_ARGS)
	$(BIN)/python -m bench.readme

clean:
	rm -rf $(VENV) node_modules build var .pytest_cache .mypy_cache .ruff_cache
