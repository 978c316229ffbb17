# The README's commands. Each sets up the virtual environment on first use.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
SANITIZE := --nbval-sanitize-with tests/nbval_sanitize.cfg
# The notebooks of _toc.yml (parsed in one place, embedbook.toc), unless NB names some.
NB     ?= $(shell $(PY) -m embedbook toc)

# The library's own tests (the rest of tests/ tests the book: harness, notebooks, site).
LIBRARY_TESTS := tests/test_opinfo.py tests/test_native.py tests/test_gradients.py tests/test_stable.py \
                 tests/test_properties.py tests/test_transforms.py tests/test_paddle_static.py tests/test_cuda.py \
                 tests/test_lazy_import.py tests/test_docstrings.py tests/test_installed.py \
                 tests/test_closed_form.py tests/test_plain_call.py
FAST   := -m "not slow and not browser and not emulated and not study"
# NumPy alone: a separate venv with NumPy and the test tools only (versions from requirements.txt).
NUMPY_VENV := .venv-numpy

.PHONY: help venv test check test-numpy book screenshots translations notebooks bench clean

help:
	@echo "make book       build the HTML book into _build/html, English and Chinese (strict: zero warnings)"
	@echo "make translations  refresh the Chinese catalogs (book/locales) from the English text"
	@echo "make check      the fast loop (< 1 min): ruff, mypy, the library's unit tests without the slow ones"
	@echo "make test       everything: ruff, mypy, unit tests, nbval over every notebook (this CPU, then an"
	@echo "                emulated one), browser test, the NumPy-only install"
	@echo "make test-numpy the library's tests in a fresh venv holding NumPy, pytest and hypothesis only"
	@echo "make screenshots  build the book, then full-page screenshots of every page (light and dark)"
	@echo "                into _build/screenshots/ (the browser test, writing them; make test takes none)"
	@echo "make notebooks  re-execute notebooks in a fresh kernel and store the outputs (NB=path to pick one)"
	@echo "make bench      speed of embedloss against native PyTorch and Paddle (prints ratios)"

# The venv is rebuilt from scratch whenever requirements.txt or a pyproject.toml changes.
# embedloss (the library) and embedbook (the book's package, bookpkg/) are installed editable.
# The pins are installed by uv (pinned in requirements.txt, bootstrapped with pip): it
# downloads and unpacks in parallel, about 45 s against pip's 87 s. uv does not read pip's
# configuration, so pip's find-links (where a machine keeps wheels such as the CPU torch)
# are handed to it. Bytecode is compiled at install, as pip does: a machine may set
# PYTHONDONTWRITEBYTECODE, and then every kernel would compile torch afresh.
UV_PIN := $(shell grep -m1 '^uv==' requirements.txt)
FIND_LINKS := $(shell $(PYTHON) -m pip config list 2>/dev/null \
                | sed -n "s/^[^=]*find-links='\(.*\)'$$/\1/p" | tr ' ' '\n' | sort -u)
UV     := $(VENV)/bin/uv pip install --python $(PY) --quiet --compile-bytecode $(addprefix --find-links ,$(FIND_LINKS))
$(STAMP): requirements.txt pyproject.toml bookpkg/pyproject.toml
	rm -rf $(VENV)
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet $(UV_PIN)
	$(UV) --requirement requirements.txt
	$(UV) --no-deps --no-build-isolation --editable . --editable bookpkg
	$(PY) -m pip check
	# Build matplotlib's font cache now, so no notebook prints about it later.
	MPLBACKEND=Agg $(PY) -c "import matplotlib.pyplot"
	touch $(STAMP)

venv: $(STAMP)

# The English edition, then the Chinese one (the same sources with language=zh_CN, its
# prose from book/locales/zh_CN), copied into _build/html/zh. Both strict.
book: $(STAMP)
	$(VENV)/bin/jupyter-book build . -W -n --keep-going
	$(PY) -m embedbook edition build zh_CN
	@echo "Open file://$(CURDIR)/_build/html/index.html (Chinese: _build/html/zh/index.html)"

# The browser test of the built site, writing a screenshot of each page in each theme
# for a person to look at (they check nothing, and they double the test's time).
screenshots: book
	BOOK_SCREENSHOTS=1 $(PY) -m pytest -p no:cacheprovider -q tests/test_browser.py -k page_reads_well
	@echo "Screenshots: $(CURDIR)/_build/screenshots/"

# Refresh the Chinese catalogs from the English text: new sentences get empty entries,
# edited ones keep their old translation marked fuzzy; then translate those.
translations: $(STAMP)
	$(PY) -m embedbook edition catalogs zh_CN

# The fast loop: lint (ruff), types (mypy, strict on embedloss), and the library's unit
# tests without those marked slow, browser, emulated or study (tests/conftest.py marks them).
check: $(STAMP)
	@$(VENV)/bin/ruff check .; lint=$$?; \
	$(VENV)/bin/mypy; types=$$?; \
	$(PY) -m pytest -q -n 2 -p no:cacheprovider $(FAST) $(LIBRARY_TESTS); tests=$$?; \
	[ $$lint -eq 0 ] || echo "make check: ruff found problems (see above)"; \
	[ $$types -eq 0 ] || echo "make check: mypy found type errors (see above)"; \
	[ $$tests -eq 0 ] || echo "make check: unit tests failed (see above)"; \
	[ $$lint -eq 0 ] && [ $$types -eq 0 ] && [ $$tests -eq 0 ]

# NumPy alone is a supported install: a fresh venv with NumPy, pytest and hypothesis (the
# pins of requirements.txt), embedloss installed from its wheel (not editable), and the
# library's tests run against that install (torch and Paddle tests skip). pytest is run
# as a program, not `python -m pytest`, so that the checkout's embedloss is not on sys.path.
test-numpy:
	rm -rf $(NUMPY_VENV)
	$(PYTHON) -m venv $(NUMPY_VENV)
	$(NUMPY_VENV)/bin/python -m pip install --quiet --constraint requirements.txt numpy pytest hypothesis
	$(NUMPY_VENV)/bin/python -m pip install --quiet --constraint requirements.txt .
	$(NUMPY_VENV)/bin/python -m pip list --format=freeze
	EMBEDLOSS_INSTALLED=1 $(NUMPY_VENV)/bin/pytest -q -p no:cacheprovider $(LIBRARY_TESTS)

# Everything. ruff lints the code and mypy checks the types. Both nbval passes fork
# their kernels from a server that has made the notebooks' common imports once
# (embedbook.preloaded): each notebook still runs in a fresh process of its own.
# The browser test (tests/test_browser.py) reads the built site: build it first. Then
# the unit tests and nbval on this CPU; the list of cells whose output nbval ignores
# (each must assert); nbval again in kernels on an emulated CPU (QEMU, Haswell: AVX2
# without AVX-512; skipped without qemu-user, except under CI=true); the library's tests
# in a venv holding NumPy alone. Every step runs even when an earlier one fails, so one
# run shows every failure; any failing fails `make test`.
# The book builds use one core: the steps that need neither the built book nor the
# other core's pytest workers (the training study's re-run, the JupyterLab test, the
# NumPy-only venv) run beside them, their output printed when they end. The emulated
# pass starts with the native one: its kernel server (about 40 s on one core under
# emulation) starts beside that pass, and its pytest waits for the file native-done.
BESIDE := tests/test_training_study.py tests/test_jupyterlab.py
test: $(STAMP)
	@logs=$$(mktemp -d); \
	$(PY) -m pytest -p no:cacheprovider $(BESIDE) > $$logs/beside 2>&1 & beside_pid=$$!; \
	$(MAKE) --no-print-directory test-numpy > $$logs/numpy 2>&1 & numpy_pid=$$!; \
	$(VENV)/bin/ruff check .; lint=$$?; \
	$(VENV)/bin/mypy; types=$$?; \
	$(MAKE) --no-print-directory book; book=$$?; \
	$(PY) -m embedbook emulated --after $$logs/native-done -n auto --dist loadscope $(SANITIZE) $(NB) & emulated_pid=$$!; \
	$(PY) -m embedbook.preloaded nbval -n auto --dist loadscope $(addprefix --ignore=,$(BESIDE)) tests $(NB) $(SANITIZE); tests=$$?; \
	wait $$beside_pid; beside=$$?; echo "== $(BESIDE):"; cat $$logs/beside; \
	$(PY) -m embedbook ignored $(NB); ignored=$$?; \
	touch $$logs/native-done; wait $$emulated_pid; emulated=$$?; \
	wait $$numpy_pid; numpy=$$?; echo "== make test-numpy:"; cat $$logs/numpy; rm -rf $$logs; \
	[ $$lint -eq 0 ] || echo "make test: ruff found problems (see above)"; \
	[ $$types -eq 0 ] || echo "make test: mypy found type errors (see above)"; \
	[ $$book -eq 0 ] || echo "make test: the strict book build failed (see above)"; \
	[ $$tests -eq 0 ] || echo "make test: unit tests or nbval on this CPU failed (see above)"; \
	[ $$beside -eq 0 ] || echo "make test: the training study's re-check or the JupyterLab test failed (see above)"; \
	[ $$ignored -eq 0 ] || echo "make test: a cell whose output nbval ignores asserts nothing"; \
	[ $$emulated -eq 0 ] || echo "make test: nbval on the emulated CPU failed (see above)"; \
	[ $$numpy -eq 0 ] || echo "make test: the library's tests with NumPy alone failed (see above)"; \
	[ $$lint -eq 0 ] && [ $$types -eq 0 ] && [ $$book -eq 0 ] && [ $$tests -eq 0 ] && [ $$beside -eq 0 ] \
	  && [ $$ignored -eq 0 ] && [ $$emulated -eq 0 ] && [ $$numpy -eq 0 ]

notebooks: $(STAMP)
	$(PY) -m embedbook execute $(NB)

bench: $(STAMP)
	$(PY) benchmarks/speed.py

clean:
	rm -rf _build .pytest_cache .hypothesis .mypy_cache $(NUMPY_VENV)
