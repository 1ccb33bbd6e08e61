# Two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
WARM   := $(VENV)/.warm
# numba recompiles a cached kernel when its file changes: warm again after any source edit
SOURCES := $(shell find models simulation planning -name '*.py' 2>/dev/null)

.PHONY: i18n run test test-fast warm lint bench accuracy screenshots clean clean-jit

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	@touch $(STAMP)

# Compile every numba kernel signature a first answer and the planner's pages use (Net1 and
# the demo) into the on-disk cache, so a new process answers in seconds, not after ~40 s
# of compiling. benchmarks/cold_start.py measures it.
$(WARM): $(STAMP) $(SOURCES)
	$(PY) -m application.warmup
	@touch $(WARM)

warm: $(WARM)

run: $(WARM)
	$(PY) -c "from application.plots import ensure_static_font; ensure_static_font('static')"
	$(PY) -m streamlit run app.py --server.headless true

test: $(WARM)
	$(PY) -m ruff check .
	PLANNER_SCREENSHOT_DIR=out/screenshots $(PY) -m pytest -q -n 2 --dist loadfile

screenshots: $(STAMP)   # refresh docs/screenshots/ (needs chromium)
	$(PY) -m pytest -q tests/test_e2e_browser.py

test-fast: $(WARM)
	$(PY) -m pytest -q -m "not slow"

lint: $(STAMP)
	$(PY) -m ruff check .

accuracy: $(STAMP)
	$(PY) benchmarks/accuracy.py

bench: $(STAMP)
	$(PY) benchmarks/solver.py

# numba's cache=True checks only the file a compiled function is in, not the kernels it
# calls: after editing simulation/kernels or a planning kernel, drop the cache.
clean-jit:
	find . -path ./$(VENV) -prune -o \( -name '*.nbi' -o -name '*.nbc' \) -exec rm -f {} +
	rm -f $(WARM)

clean: clean-jit
	rm -rf $(VENV) .pytest_cache build *.egg-info

i18n: $(STAMP)   # add new _() msgids to the .po catalogs, list the untranslated ones
	$(PY) -m application.i18n_catalog
