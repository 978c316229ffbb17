# The README's commands. Each sets up the virtual environment on first use.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
SANITIZE := --nbval-sanitize-with tests/nbval_sanitize.cfg
NBVAL  := --nbval --nbval-current-env $(SANITIZE)
# The notebooks of _toc.yml (parsed in one place, embedbook.toc), unless NB names some.
NB     ?= $(shell $(PY) -m embedbook toc)

.PHONY: help venv test book translations notebooks bench clean

help:
	@echo "make book       build the HTML book into _build/html, English and Chinese (strict: zero warnings)"
	@echo "make translations  refresh the Chinese catalogs (book/locales) from the English text"
	@echo "make test       ruff, unit tests, nbval over every notebook (this CPU, then an emulated one), browser test"
	@echo "make notebooks  re-execute notebooks in a fresh kernel and store the outputs (NB=path to pick one)"
	@echo "make bench      speed of embedloss against native PyTorch and Paddle (prints ratios)"

# The venv is rebuilt from scratch whenever requirements.txt or a pyproject.toml changes.
# embedloss (the library) and embedbook (the book's package, bookpkg/) are installed editable.
$(STAMP): requirements.txt pyproject.toml bookpkg/pyproject.toml
	rm -rf $(VENV)
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --requirement requirements.txt
	$(PY) -m pip install --quiet --no-deps --no-build-isolation --editable . --editable bookpkg
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

# Refresh the Chinese catalogs from the English text: new sentences get empty entries,
# edited ones keep their old translation marked fuzzy; then translate those.
translations: $(STAMP)
	$(PY) -m embedbook edition catalogs zh_CN

# ruff lints the code. The browser test (tests/test_browser.py) reads the built site:
# build it first. Then
# the unit tests and nbval on this CPU; the list of cells whose output nbval ignores
# (each must assert); nbval again in kernels on an emulated CPU (QEMU, Haswell: AVX2
# without AVX-512; skipped without qemu-user, except under CI=true). Every step runs
# even when an earlier one fails, so one run shows every failure; any failing fails
# `make test`.
test: $(STAMP)
	@$(VENV)/bin/ruff check .; lint=$$?; \
	$(MAKE) --no-print-directory book; book=$$?; \
	$(PY) -m pytest -n auto --dist loadscope tests $(NB) $(NBVAL); tests=$$?; \
	$(PY) -m embedbook ignored $(NB); ignored=$$?; \
	$(PY) -m embedbook emulated -n auto --dist loadscope $(SANITIZE) $(NB); emulated=$$?; \
	[ $$lint -eq 0 ] || echo "make test: ruff found problems (see above)"; \
	[ $$book -eq 0 ] || echo "make test: the strict book build failed (see above)"; \
	[ $$tests -eq 0 ] || echo "make test: unit tests or nbval on this CPU failed (see above)"; \
	[ $$ignored -eq 0 ] || echo "make test: a cell whose output nbval ignores asserts nothing"; \
	[ $$emulated -eq 0 ] || echo "make test: nbval on the emulated CPU failed (see above)"; \
	[ $$lint -eq 0 ] && [ $$book -eq 0 ] && [ $$tests -eq 0 ] && [ $$ignored -eq 0 ] && [ $$emulated -eq 0 ]

notebooks: $(STAMP)
	$(PY) -m embedbook execute $(NB)

bench: $(STAMP)
	$(PY) benchmarks/speed.py

clean:
	rm -rf _build .pytest_cache .hypothesis
