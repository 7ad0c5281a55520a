# The README's commands. `make run` serves the API on http://127.0.0.1:8000 with SQLite and
# the offline classifier; `make test` runs the whole suite. Both set up .venv first.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test lint eval bench postman llm-check clean browser-deps screenshots

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.runtime: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@ $(VENV)/.runtime

# Local only: DEBUG on, and requests without an API key (and pages without a sign-in) act in
# the workspace "local".
run: $(VENV)/.runtime
	DJANGO_DEBUG=true LEADSCORING_ANONYMOUS_WORKSPACE=$${LEADSCORING_ANONYMOUS_WORKSPACE:-local} \
		$(BIN)/python manage.py migrate --no-input
	@echo "Web app: http://$(HOST):$(PORT)/app/ (no sign-in needed locally)"
	DJANGO_DEBUG=true LEADSCORING_ANONYMOUS_WORKSPACE=$${LEADSCORING_ANONYMOUS_WORKSPACE:-local} \
		$(BIN)/python manage.py runserver $(HOST):$(PORT)

# SQLite unless DATABASE_URL is set (CI runs it a second time against PostgreSQL).
test: $(VENV)/.dev
	$(BIN)/pytest -n 2 -p no:cacheprovider

lint: $(VENV)/.dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	DJANGO_SECRET_KEY=lint-only DJANGO_DEBUG=false $(BIN)/python manage.py makemigrations --check --dry-run
	DJANGO_SECRET_KEY=lint-only DJANGO_DEBUG=false $(BIN)/python manage.py spectacular --validate --fail-on-warn --file /dev/null
	DJANGO_SECRET_KEY=lint-only DJANGO_DEBUG=false $(BIN)/python -m leadscoring.api.postman --check
	DJANGO_SECRET_KEY=$$($(BIN)/python -c 'import secrets; print(secrets.token_urlsafe(50))') \
		DJANGO_DEBUG=false DJANGO_ALLOWED_HOSTS=leadscoring.onrender.com \
		$(BIN)/python manage.py check --deploy --fail-level WARNING

# Scores the labelled titles and industries in evals/; each exits non-zero below its floors.
eval: $(VENV)/.runtime
	$(BIN)/python -m evals.titles
	$(BIN)/python -m evals.industries

bench: $(VENV)/.dev
	$(BIN)/python bench/ingest.py --rows 100000
	$(BIN)/python bench/ingest.py --rows 100000 --postgres
	$(BIN)/python bench/results.py --rows 1000000
	$(BIN)/python bench/results.py --rows 1000000 --postgres
	$(BIN)/python bench/evaluation.py --results 100000

# Regenerate docs/leadscoring.postman_collection.json from the OpenAPI schema.
postman: $(VENV)/.dev
	DJANGO_SECRET_KEY=postman-only DJANGO_DEBUG=false $(BIN)/python -m leadscoring.api.postman

# The browser tests' Chromium and its WebDriver (Debian or Ubuntu, as root). Without them the
# browser tests skip on a laptop, and fail when CI=true.
browser-deps:
	apt-get update
	DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium chromium-driver

# Screenshots of every page at 390 and 1280 px into docs/screenshots/ (needs browser-deps).
screenshots: $(VENV)/.dev
	LEADSCORING_SCREENSHOTS=docs/screenshots CI=true $(BIN)/pytest -p no:cacheprovider -q \
		tests/webapp/test_browser.py -k sign_in_to_an_exported

# Opt-in, never in CI: the OpenAI provider against a real llama.cpp server on loopback
# (scripts/llm_check.py). The first run builds llama-cpp-python, 15-30 minutes.
llm-check: $(VENV)/.runtime
	$(BIN)/python scripts/llm_check.py

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles
