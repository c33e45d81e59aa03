# CCHC: `make run` to try it, `make test` to check everything. See README.md.
SHELL := /bin/bash
PORT ?= 8000
VENV := .venv
PY := $(VENV)/bin/python
PYTHON ?= $(shell scripts/find-python)

.PHONY: system-fonts libreoffice run test lint fmt bench worker messages compile-messages reset-db check-python test-reliability test-security bench-data

check-python:
	@if [ -z "$(PYTHON)" ]; then \
	  echo "CCHC needs Python 3.12 or newer (Django 6 requires it), and none was found."; \
	  echo "Install python3.12 or python3.13 (apt-get install python3.13, or pyenv), or run"; \
	  echo "  make run PYTHON=/path/to/python3.12"; \
	  exit 1; \
	fi

$(VENV)/.run-installed: requirements.txt
	@$(MAKE) --no-print-directory check-python
	@test -x $(PY) || { echo "Creating $(VENV) with $(PYTHON)"; $(PYTHON) -m venv $(VENV); }
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	@touch $@

$(VENV)/.test-installed: requirements-test.txt $(VENV)/.run-installed
	$(PY) -m pip install --quiet -r requirements-test.txt
	@touch $@

# The PDF's font: Liberation Serif 2 (metric-compatible with Times New Roman, with Vietnamese) from
# Debian's fonts-liberation2, and HarfBuzz's subsetter that embeds it; installed when make runs as
# root with apt-get, else said once (pdf.py then falls back to Noto Serif: docs/architecture.md).
SYSTEM_FONT_PACKAGES := fonts-liberation2 libharfbuzz-subset0
system-fonts:
	@if ! fc-list 2>/dev/null | grep -q 'liberation2/LiberationSerif-Regular'; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "Installing the PDF font: apt-get install $(SYSTEM_FONT_PACKAGES)"; \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(SYSTEM_FONT_PACKAGES) >/dev/null \
	      || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(SYSTEM_FONT_PACKAGES) >/dev/null; }; \
	  else \
	    echo "PDFs need Liberation Serif 2 (Times New Roman metrics, Vietnamese): sudo apt-get install $(SYSTEM_FONT_PACKAGES)"; \
	  fi; \
	fi

# LibreOffice Writer, headless: the tests lay the DOCX of every kind out with it and compare its
# pages with the PDF's (documents/tests/test_pdf_pages.py). Tests only; about 25 s to install.
# Installed when make runs as root with apt-get, else said once (those tests then skip).
LIBREOFFICE_PACKAGES := libreoffice-writer-nogui
libreoffice:
	@if ! command -v soffice >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "Installing LibreOffice Writer for the DOCX page tests: apt-get install --no-install-recommends $(LIBREOFFICE_PACKAGES)"; \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $(LIBREOFFICE_PACKAGES) >/dev/null \
	      || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $(LIBREOFFICE_PACKAGES) >/dev/null; }; \
	  else \
	    echo "The DOCX page tests need LibreOffice Writer: sudo apt-get install --no-install-recommends $(LIBREOFFICE_PACKAGES)"; \
	  fi; \
	fi

compile-messages: $(VENV)/.run-installed
	@$(PY) scripts/compile_messages.py

run: $(VENV)/.run-installed compile-messages system-fonts
	@DEBUG=1 $(PY) manage.py migrate --noinput -v0
	@DEBUG=1 $(PY) manage.py seed_demo
	@echo "CCHC is starting: the public portal on http://127.0.0.1:$(PORT)/ and the officials' work space on http://127.0.0.1:$(PORT)/app/ (Ctrl+C to stop)"
	DEBUG=1 $(PY) manage.py runserver 127.0.0.1:$(PORT)

worker: $(VENV)/.run-installed
	TASKS_BACKEND=django_tasks_db.DatabaseBackend $(PY) manage.py worker

lint: $(VENV)/.test-installed
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/ruff check .
	DEBUG=1 $(VENV)/bin/mypy .
	DEBUG=1 $(PY) manage.py makemigrations --check --dry-run
	$(VENV)/bin/lint-imports
	$(PY) scripts/house_rules.py

test: $(VENV)/.test-installed compile-messages system-fonts libreoffice
	@$(MAKE) --no-print-directory lint
	$(PY) -m pytest $(PYTEST_ARGS)

fmt: $(VENV)/.test-installed
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

# Needs GNU gettext (apt-get install gettext); translators then edit locale/vi/LC_MESSAGES/django.po.
messages: $(VENV)/.run-installed
	DEBUG=1 $(PY) manage.py makemessages -l vi --no-location --no-obsolete --ignore=.venv --ignore=staticfiles
	@$(PY) scripts/compile_messages.py

# Faults mid-write, storage failures, backup and restore (also part of `make test`).
test-reliability: $(VENV)/.test-installed compile-messages
	$(PY) -m pytest tests/reliability -m reliability

# The attack suite: permission matrix, CSRF, headers, payloads, hostile files, exports (also
# part of `make test`).
test-security: $(VENV)/.test-installed compile-messages
	$(PY) -m pytest tests/security tests/test_permission_matrix.py tests/test_settings.py

# SCALE=city|province|nation|all (default nation); BENCH=bench_rounds… to run only some.
SCALE ?= $(or $(BENCH_SCALE),nation)
bench: $(VENV)/.test-installed compile-messages
	BENCH_SCALE=$(SCALE) $(PY) bench/run.py $(BENCH)

bench-data: $(VENV)/.test-installed
	$(PY) bench/generate.py all

reset-db:
	rm -f var/db.sqlite3 var/db.sqlite3-wal var/db.sqlite3-shm
