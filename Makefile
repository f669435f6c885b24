# frontline: the two commands are `make demo` and `make test`.
PYTHON ?= python3.11
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: demo test bench lint baselines images clean

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "Python 3.11 not found as '$(PYTHON)'; run: make PYTHON=/path/to/python3.11 ..." >&2; exit 2; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(STAMP)

## demo: render the 2017 Syria-Iraq border maps, diffs and exports into out/
demo: $(STAMP)
	$(PY) scripts/demo.py --out out

## test: lint (ruff), type-check (mypy), then the whole test suite with the doctests
test: $(STAMP)
	$(VENV)/bin/ruff check frontline tests benchmarks scripts
	$(VENV)/bin/mypy
	$(PY) -m pytest -q

## bench: run the benchmarks (prints ratios against raw shapely/geopandas)
bench: $(STAMP)
	$(PY) benchmarks/run.py

## lint: only the linter and the type checker (make test runs them too)
lint: $(STAMP)
	$(VENV)/bin/ruff check frontline tests benchmarks scripts
	$(VENV)/bin/mypy

## baselines: regenerate the map baselines (tests/baseline/*.png); look at them before committing
baselines: $(STAMP)
	FRONTLINE_UPDATE_BASELINES=1 $(PY) -m pytest -q -p no:cacheprovider tests/test_render.py -k baseline

## images: regenerate the README's pictures (docs/img/) from the shipped data
images: $(STAMP)
	$(PY) scripts/readme_images.py

clean:
	rm -rf $(VENV) out .pytest_cache
