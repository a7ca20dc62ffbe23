# The few commands a newcomer needs. Each sets up .venv first if it is missing or stale.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test lint fmt typecheck demo migrate bench clean

$(STAMP): pyproject.toml requirements.lock
	@command -v $(PYTHON) >/dev/null || { echo "Python 3.11 is needed ($(PYTHON) not found)"; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) .ci/requirements.py > $(VENV)/requirements.txt
	$(PY) -m pip install -q -c requirements.lock -r $(VENV)/requirements.txt
	touch $(STAMP)

## make run: migrate, create the demo login, start web + workers + beat (Ctrl-C stops all).
run: $(STAMP)
	DEBUG=$${DEBUG:-1} $(PY) manage.py migrate --noinput
	DEBUG=$${DEBUG:-1} $(PY) manage.py setup_demo
	DEBUG=$${DEBUG:-1} $(PY) manage.py runstack

## make test: lint, format check, type check, then the whole test suite.
test: $(STAMP) lint typecheck
	$(PY) -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(VENV)/bin/lint-imports
	DJANGO_SETTINGS_MODULE=tests.settings $(PY) manage.py makemigrations --check --dry-run

fmt: $(STAMP)
	$(PY) -m ruff format .
	$(PY) -m ruff check --fix .

typecheck: $(STAMP)
	$(PY) -m mypy config core corpora curator generation posting testing bench

migrate: $(STAMP)
	DEBUG=$${DEBUG:-1} $(PY) manage.py migrate --noinput

## make bench NAME=nearcopy: run one benchmark (corpora, nearcopy, generate, posting, queue, queue_browser, ranking, siblings); see docs/benchmarks.md.
bench: $(STAMP)
	SHARED_DATA_DIR=$${SHARED_DATA_DIR:-../shared/data} $(PY) -m bench $(NAME)

clean:
	rm -rf var/ .pytest_cache .mypy_cache .ruff_cache
