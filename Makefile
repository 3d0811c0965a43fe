# Landfall: the whole set-up is `make run` (the app on SQLite with demo data) and
# `make test` (the suite). Everything else here serves those two, except `make serve`:
# the production run (gunicorn, a Celery worker and beat; docs/deployment.md).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
MANAGE := $(PY) manage.py
PLAN_FILE := data/plans/lujiazui-14th.yaml
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test serve setup venv assets messages migrate lint format check-migrations clean

run: setup ## Serve the app with the 14th plan and demo data on http://127.0.0.1:8000
	$(MANAGE) migrate --no-input
	$(MANAGE) load_plan $(PLAN_FILE)
	$(MANAGE) seed_demo
	@echo "Landfall is at http://$(HOST):$(PORT)/  (Ctrl-C stops it)"
	$(MANAGE) runserver $(HOST):$(PORT)

test: setup ## Run the whole suite (DATABASE_URL picks SQLite or PostgreSQL)
	$(PY) -m pytest $(PYTEST_ARGS)

serve: setup ## The production run: gunicorn, a Celery worker and beat (docs/deployment.md)
	$(PY) serve.py --bind $(HOST):$(PORT) $(ROLES)

setup: venv assets messages

venv: $(VENV)/.installed

$(VENV)/.installed: requirements.txt requirements-dev.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Landfall needs Python 3.11 or newer (set PYTHON=python3.12 …)")'
	test -x $(PY) || $(PYTHON) -m venv $(VENV) || { echo "Could not create $(VENV): on Debian, apt-get install python3-venv"; exit 1; }
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

assets: node_modules/.installed

node_modules/.installed: package.json package-lock.json
	@command -v npm >/dev/null || { echo "Landfall needs Node.js and npm for its front-end assets: apt-get install nodejs npm"; exit 1; }
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

messages: venv ## Compile the translations (locale/*/LC_MESSAGES/django.po → .mo)
	@command -v msgfmt >/dev/null || { echo "Landfall needs GNU gettext to compile its translations: apt-get install gettext"; exit 1; }
	$(MANAGE) compilemessages --ignore=$(VENV) --ignore=node_modules -v0

migrate: setup
	$(MANAGE) migrate --no-input

lint: venv ## What CI checks besides the tests
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/djlint templates --check --quiet
	$(MANAGE) makemigrations --check --dry-run

format: venv
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .
	$(VENV)/bin/djlint templates --reformat --quiet || true

makemessages: venv ## Refresh locale/zh_Hans/LC_MESSAGES/django.po from the code
	$(MANAGE) makemessages -l zh_Hans --ignore=$(VENV) --ignore=node_modules --no-obsolete

clean:
	rm -rf $(VENV) node_modules staticfiles .pytest_cache
