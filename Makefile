# Pavati: `make run` to try it, `make test` to check it. Both set up everything they need.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
export FLASK_APP := app

# Debian packages: WeasyPrint's Pango and fonts to run, and for reading scans Poppler (pages to images),
# ImageMagick (deskew) and Tesseract with English and Hindi; Chromium for the browser tests, Redis for
# the Celery tests, zip for the tests' own password-protected iGOT exports, pg_dump and pg_restore for the backup
# test (Debian 12's client is 15, as the test server; pg_dump refuses a newer server); Postfix only for its
# smtp-sink, the benchmark's mail server; wrk to load the officer's page.
APT_RUN := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b libharfbuzz-subset0 fonts-dejavu-core fonts-lohit-deva \
	poppler-utils imagemagick tesseract-ocr tesseract-ocr-eng tesseract-ocr-hin
APT_TEST := chromium redis-server redis-tools zip postgresql-client
APT_BENCH := postfix wrk zip

# The officer's page in Hindi: the catalogue is kept as .po, compiled for the app.
CATALOGUES := translations/hi/LC_MESSAGES/messages.mo

.PHONY: run test lint typecheck pytest bench clean system-run system-test system-bench

run: system-run $(VENV)/.run $(CATALOGUES)
	$(BIN)/flask db upgrade
	$(BIN)/flask demo
	$(BIN)/flask run --host 127.0.0.1 --port 5000

test: system-test $(VENV)/.dev lint typecheck pytest

lint: $(VENV)/.dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(VENV)/.dev
	$(BIN)/mypy .

pytest: $(VENV)/.dev $(CATALOGUES)
	$(BIN)/pytest -q

bench: system-bench $(VENV)/.dev
	$(BIN)/python bench/dispatch.py 5000

system-run:
	@sh .ci/apt-ensure $(APT_RUN)

system-test:
	@sh .ci/apt-ensure $(APT_RUN) $(APT_TEST)

system-bench:
	@sh .ci/apt-ensure $(APT_RUN) $(APT_BENCH)

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(VENV)/.run: requirements.txt | $(VENV)/bin/python
	$(BIN)/pip install -q -r requirements.txt
	touch $@

$(VENV)/.dev: requirements.txt requirements-dev.txt | $(VENV)/bin/python
	$(BIN)/pip install -q -r requirements-dev.txt
	touch $@ $(VENV)/.run

%.mo: %.po $(VENV)/.run
	$(BIN)/pybabel compile -i $< -o $@

clean:
	rm -rf $(CATALOGUES) $(VENV) .pytest_cache .mypy_cache .ruff_cache
