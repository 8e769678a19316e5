# Mutualise — developer and CI entry points (GNU make).
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help
# Prerequisites are listed in the order they must run (system-deps before the venv).
.NOTPARALLEL:

PYTHON ?= python3
VENV := .venv
VENV_PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
# ical.js (Thunderbird's parser) for tests/unit/test_ical_feed.py; npm writes this file on every install
JS_STAMP := tests/js/node_modules/.package-lock.json
TRANSLATIONS := mutualise/translations
FLASK := $(VENV)/bin/flask --app mutualise
PORT ?= 5000
export PORT

# Debian packages the test suite needs: a PostgreSQL >= 15 server (throwaway clusters,
# see tests/pg_cluster.py), Chromium (Playwright end-to-end tests) and Node.js with npm (ical.js).
APT_ENV := DEBIAN_FRONTEND=noninteractive

.PHONY: help venv install js-deps translations translations-update run system-deps lint test clean

help:
	@echo "Mutualise make targets:"
	@echo "  make run          install, compile translations, migrate, load demo data if empty, serve on 127.0.0.1:\$$PORT ($(PORT))"
	@echo "  make test         system deps + install + lint + full pytest suite (SQLite and PostgreSQL)"
	@echo "  make lint         ruff check"
	@echo "  make system-deps  apt-get install PostgreSQL, Chromium, Node.js/npm and python3-venv where missing"
	@echo "  make install      create .venv and pip install -e '.[test]' (only when setup.cfg/pyproject.toml change)"
	@echo "  make js-deps      npm ci in tests/js: ical.js, to check the calendar files (only when its lock changes)"
	@echo "  make translations compile .po catalogues to .mo"
	@echo "  make translations-update  extract the messages and merge them into the French catalogue"
	@echo "  make clean        remove .venv and caches (instance/ is kept)"

venv: $(VENV_PY)

$(VENV_PY):
	@if ! $(PYTHON) -c 'import ensurepip' 2>/dev/null; then \
	  echo "error: '$(PYTHON) -m venv' is unavailable (Debian: python3-venv missing); run 'make system-deps'" >&2; \
	  exit 1; \
	fi
	$(PYTHON) -m venv $(VENV)

install: $(STAMP)

$(STAMP): setup.cfg pyproject.toml | $(VENV_PY)
	PIP_DISABLE_PIP_VERSION_CHECK=1 $(VENV_PY) -m pip install --no-input -e '.[test]'
	touch $@

# Not part of `install`, so that `make run` keeps needing nothing but Python; `make test` asks for it.
js-deps: $(JS_STAMP)

$(JS_STAMP): tests/js/package.json tests/js/package-lock.json
	cd tests/js && npm ci --no-audit --no-fund
	touch $@

translations: $(STAMP)
	@if [ -d $(TRANSLATIONS) ] && [ -n "$$(find $(TRANSLATIONS) -name '*.po' -print -quit)" ]; then \
	  echo "$(VENV)/bin/pybabel compile -d $(TRANSLATIONS) -f --statistics"; \
	  $(VENV)/bin/pybabel compile -d $(TRANSLATIONS) -f --statistics; \
	else \
	  echo "translations: no .po files under $(TRANSLATIONS), nothing to compile"; \
	fi

# msgids are English; the French catalogue must translate every one (tests/unit/test_translations.py).
BABEL_KEYWORDS := -k _l -k lazy_gettext
translations-update: $(STAMP)
	$(VENV)/bin/pybabel extract -F babel.cfg $(BABEL_KEYWORDS) --no-location --sort-output -o $(TRANSLATIONS)/messages.pot .
	$(VENV)/bin/pybabel update -i $(TRANSLATIONS)/messages.pot -d $(TRANSLATIONS) -l fr --no-fuzzy-matching --ignore-obsolete

run: install translations
	$(FLASK) db upgrade -d migrations
	$(FLASK) demo --if-empty
	$(FLASK) serve

system-deps:
	@missing=(); \
	if ! $(PYTHON) -c 'import ensurepip' 2>/dev/null && [ ! -x $(VENV_PY) ]; then missing+=(python3-venv); fi; \
	pg_ok=; \
	for initdb in /usr/lib/postgresql/*/bin/initdb; do \
	  [ -x "$$initdb" ] || continue; \
	  major=$${initdb#/usr/lib/postgresql/}; major=$${major%%/*}; \
	  if [[ "$$major" =~ ^[0-9]+$$ ]] && [ "$$major" -ge 15 ]; then pg_ok=1; fi; \
	done; \
	[ -n "$$pg_ok" ] || missing+=(postgresql); \
	command -v chromium >/dev/null || missing+=(chromium); \
	if ! command -v node >/dev/null || ! command -v npm >/dev/null; then missing+=(nodejs npm); fi; \
	if [ $${#missing[@]} -eq 0 ]; then echo "system-deps: all present"; exit 0; fi; \
	echo "system-deps: installing $${missing[*]}"; \
	if [ "$$(id -u)" -eq 0 ]; then sudo=(); \
	elif command -v sudo >/dev/null; then sudo=(sudo); \
	else \
	  echo "error: not root and sudo is unavailable; as root run:" >&2; \
	  echo "  apt-get update && apt-get install -y --no-install-recommends $${missing[*]}" >&2; \
	  exit 1; \
	fi; \
	"$${sudo[@]}" env $(APT_ENV) apt-get update; \
	"$${sudo[@]}" env $(APT_ENV) apt-get install -y --no-install-recommends "$${missing[@]}"

lint: $(STAMP)
	$(VENV)/bin/ruff check mutualise tests bench

test: system-deps install js-deps translations lint
	$(VENV_PY) -m pytest

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis build dist *.egg-info tests/e2e/artifacts
	find . -path ./instance -prune -o -path ./.git -prune -o -type d -name __pycache__ -prune -exec rm -rf {} +
