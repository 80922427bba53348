# Booksync: `make demo` runs the product on its embedded defaults, `make test` runs every test.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
# The demo talks to the local tool simulators started by the Procfile (addresses and demo
# credentials from the registry of tools, bookkeeping/tools.py).
DEMO_ENV := BOOKSYNC_DEMO=1

.PHONY: demo test test-fast test-busy lint format bench clean messages

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

# The translation catalogues (README, Languages): collect every marked string of the code into
# locale/{nl,fr}/LC_MESSAGES/django.po and djangojs.po, then compile the .mo files. Translate
# the new empty entries in the .po files, run it again, and commit both .po and .mo.
MESSAGES_IGNORE := --ignore=.venv --ignore=var --ignore=tests --ignore=bench \
	--ignore=bookkeeping/simulators --ignore=static/vendor
messages: $(VENV)/.dev
	$(PY) manage.py makemessages -l nl -l fr --no-obsolete $(MESSAGES_IGNORE)
	$(PY) manage.py makemessages -d djangojs -l nl -l fr --no-obsolete $(MESSAGES_IGNORE)
	$(PY) manage.py compilemessages --ignore=.venv --ignore=var

bench: $(VENV)/.dev
	$(PY) -m bench

clean:
	rm -rf var .pytest_cache
