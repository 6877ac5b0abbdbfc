# Shortcuts for ./scaling, the project's command script (`./scaling help`). The README documents ./scaling
# itself: make turns every failure into exit 2, which would hide the preview's exit codes (1 policy
# violation, 2 configuration error, 3 usage error). `make help` lists the targets.
STACK ?= dev
ARGS ?=
MAKEFLAGS += --no-print-directory

.PHONY: help install preview test audit docs lint lock bench
help:  ## list the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-z]+:.*## / {printf "  make %-8s %s\n", $$1, $$2}' $(MAKEFILE_LIST)
	@echo "  (each runs ./scaling COMMAND; ./scaling help has the details)"

install:  ## create .venv with the development dependencies (pins of constraints.txt)
	@./scaling test --version >/dev/null

preview:  ## offline preview: make preview STACK=dev ARGS="--json"
	@./scaling preview --stack $(STACK) $(ARGS)

test:  ## the test suite: make test ARGS="-q -x tests/tools"
	@./scaling test $(ARGS)

audit:  ## live audit of a deployed stack: make audit STACK=prod
	@./scaling audit --stack $(STACK) $(ARGS)

docs:  ## regenerate the reference in docs/ from the code
	@./scaling docs $(ARGS)

lint:  ## ruff and mypy over the tree (report only)
	@./scaling lint $(ARGS)

lock:  ## refresh constraints.txt and policies/requirements.txt (ARGS=--upgrade for newest versions)
	@./scaling lock $(ARGS)

bench:  ## offline preview benchmark, recorded in BENCHMARKS.md
	@./scaling bench $(ARGS)
