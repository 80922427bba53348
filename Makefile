# Booksync: `make demo` runs the product on its embedded defaults, `make test` runs every test.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
# The demo talks to the local tool simulators started by the Procfile.
DEMO_ENV := EXACT_ONLINE_BASE_URL=http://127.0.0.1:8701 \
	OCTOPUS_BASE_URL=http://127.0.0.1:8702/octopus-rest-api/v1 \
	YUKI_BASE_URL=http://127.0.0.1:8703/ws \
	EXACT_ONLINE_CLIENT_ID={demo-client-id} EXACT_ONLINE_CLIENT_SECRET=demo-client-secret \
	OCTOPUS_SOFTWARE_HOUSE_UUID=6f1c2a9e-4b7d-4e0a-9c3f-2d8e5b1a7c40

.PHONY: demo test test-fast test-busy lint format bench clean

$(VENV)/.runtime: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev: requirements-dev.txt requirements.txt $(VENV)/.runtime
	$(PIP) install --quiet -r requirements-dev.txt
	touch $@

demo: $(VENV)/.runtime
	$(DEMO_ENV) $(PY) manage.py migrate --noinput
	$(DEMO_ENV) $(PY) manage.py seed_demo
	@echo "Booksync runs at http://127.0.0.1:8000 - log in as demo / demo (Ctrl-C stops it)"
	PATH="$(CURDIR)/$(VENV)/bin:$$PATH" $(DEMO_ENV) honcho start -f Procfile

lint: $(VENV)/.dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PY) manage.py makemigrations --check --dry-run

test: lint
	$(VENV)/bin/pytest

# The whole suite twice in a row on a busy machine: 2 CPU burners a core, stopping by themselves
# after BUSY_SECONDS. No test may depend on timing (see bookkeeping/simulators/base.py, Gate).
BUSY_WORKERS ?= $(shell echo $$((2 * $$(nproc))))
BUSY_SECONDS ?= 1800
test-busy: lint
	$(PY) tests/load.py --workers $(BUSY_WORKERS) --seconds $(BUSY_SECONDS) --times 2 -- \
		$(VENV)/bin/pytest $(PYTEST_ARGS)

test-fast: $(VENV)/.dev
	$(VENV)/bin/pytest -m "not browser and not slow"

format: $(VENV)/.dev
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

bench: $(VENV)/.dev
	$(PY) -m bench

clean:
	rm -rf var .pytest_cache
