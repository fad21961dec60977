# The README's two commands:
#   make demo   set up everything, run the pipeline end to end
#   make test   set up everything, run lint, types and the full test suite against a real broker
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: install native demo test lint stack-up stack-down clean

install: $(VENV)/.native

$(VENV)/.installed: pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
		|| { echo "journeys needs Python 3.11+; set PYTHON=/path/to/python3.11"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	@# uv installs the ~150 packages in seconds; plain pip is the fallback. Compiled bytecode up
	@# front: every process the tests and the demo start (Prefect's server, workers, the collector)
	@# would otherwise compile Prefect & co. again where PYTHONDONTWRITEBYTECODE is set (12 s vs 6 s).
	$(BIN)/python -m pip install --quiet --upgrade pip uv \
		&& $(BIN)/uv pip install --python $(BIN)/python --quiet --compile-bytecode -e '.[dev]' \
		|| $(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

# Part of install: the stitcher's modules compiled (journeys/native.py, ~1.4x faster); again after
# an edit or a checkout, Cython and the C compiler redo only what changed, and until then the
# guard in journeys/native.py runs the source. Without a C compiler the sources run, slower.
native: $(VENV)/.native

$(VENV)/.native: $(VENV)/.installed setup.py $(wildcard consumers/*.py journeys/*.py schemas/*.py */*.pxd)
	JOURNEYS_COMPILE=1 $(BIN)/python setup.py --quiet build_ext --inplace \
		|| echo "journeys: the stitcher's modules were not compiled (a C compiler and Python's headers are needed); they run as plain Python, 1.3-1.4x slower"
	touch $@

demo: install
	$(BIN)/journeys demo

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

test: lint
	$(BIN)/pytest

stack-up: install
	$(BIN)/journeys stack up

stack-down: install
	$(BIN)/journeys stack down

clean: stack-down
	rm -rf data $(VENV) build
	rm -f consumers/*.c consumers/*.so journeys/*.c journeys/*.so schemas/*.c schemas/*.so schemas/_codecs_aot.py
