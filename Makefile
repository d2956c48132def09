# The two commands: `make run` (the product, with demo data) and `make test` (the whole suite).
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip

.PHONY: run test install install-test migrate seed clean bench

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

$(VENV)/.installed: requirements.txt | $(PY)
	$(PIP) install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-test: requirements.txt requirements-test.txt | $(PY)
	$(PIP) install --quiet -r requirements-test.txt
	touch $(VENV)/.installed $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

install: $(VENV)/.installed node_modules/.installed

install-test: $(VENV)/.installed-test node_modules/.installed

migrate: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py createcachetable

seed: migrate
	$(PY) manage.py seed_demo

run: seed
	$(VENV)/bin/honcho start

test: install-test
	$(PY) -m pytest $(PYTEST_ARGS)

bench: install-test
	$(PIP) install --quiet -r requirements-bench.txt
	$(PY) bench/images.py
	$(PY) bench/sync.py

clean:
	rm -rf $(VENV) node_modules var
