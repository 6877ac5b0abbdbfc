# Everything a fresh machine needs: `make preview STACK=dev` and `make test` create the virtualenv
# (.venv, the one Pulumi.yaml names) and install the pinned ranges on first use.
PYTHON ?= python3
VENV := .venv
STAMP := $(VENV)/.installed
STACK ?= dev

$(STAMP): requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

.PHONY: install preview test bench
install: $(STAMP)

preview: $(STAMP)
	$(VENV)/bin/python -m offline.preview --stack $(STACK) $(ARGS)

test: $(STAMP)
	$(VENV)/bin/python -m pytest

bench: $(STAMP)
	$(VENV)/bin/python scripts/benchmark.py
