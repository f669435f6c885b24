# frontline: the two commands are `make demo` and `make test`.
PYTHON ?= python3.11
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: demo test bench lint clean

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "Python 3.11 not found as '$(PYTHON)'; run: make PYTHON=/path/to/python3.11 ..." >&2; exit 2; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(STAMP)

## demo: render the 2017 Syria-Iraq border maps, diffs and exports into out/
demo: $(STAMP)
	$(PY) scripts/demo.py --out out

## test: run the whole test suite
test: $(STAMP)
	$(PY) -m pytest -q

## bench: run the benchmarks (prints ratios against raw shapely/geopandas)
bench: $(STAMP)
	$(PY) benchmarks/run.py

lint: $(STAMP)
	$(PY) -m pip install --quiet ruff
	$(VENV)/bin/ruff check frontline tests

clean:
	rm -rf $(VENV) out .pytest_cache
