# The README's commands. Each sets up the virtual environment on first use.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
NBVAL  := --nbval --nbval-current-env --nbval-sanitize-with tests/nbval_sanitize.cfg
NB     ?= $(shell sed -n 's/^ *- file: *\(book\/.*\)$$/\1/p' _toc.yml | while read f; do [ -f "$$f.ipynb" ] && echo "$$f.ipynb"; done)

.PHONY: help venv test book notebooks bench clean

help:
	@echo "make book       build the HTML book into _build/html (strict: zero warnings)"
	@echo "make test       ruff, unit tests, nbval over every notebook, browser test of the site"
	@echo "make notebooks  re-execute notebooks in a fresh kernel and store the outputs (NB=path to pick one)"
	@echo "make bench      speed of embedloss against native PyTorch and Paddle (prints ratios)"

# The venv is rebuilt from scratch whenever requirements.txt changes.
$(STAMP): requirements.txt
	rm -rf $(VENV)
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --requirement requirements.txt
	$(PY) -m pip install --quiet --no-deps --no-build-isolation --editable .
	$(PY) -m pip check
	# Build matplotlib's font cache now, so no notebook prints about it later.
	MPLBACKEND=Agg $(PY) -c "import matplotlib.pyplot"
	touch $(STAMP)

venv: $(STAMP)

book: $(STAMP)
	$(VENV)/bin/jupyter-book build . -W -n --keep-going
	@echo "Open file://$(CURDIR)/_build/html/index.html"

# The browser test (tests/test_browser.py) reads the built site: build it first. The
# tests run even when the strict build fails (it still writes the site), so one run
# shows every failure; either failing fails `make test`.
test: $(STAMP)
	@$(VENV)/bin/ruff check .; lint=$$?; \
	$(MAKE) --no-print-directory book; book=$$?; \
	$(PY) -m pytest -n auto --dist loadscope tests $(NB) $(NBVAL); tests=$$?; \
	if [ $$lint -ne 0 ]; then echo "make test: ruff found problems (see above)"; fi; \
	if [ $$book -ne 0 ]; then echo "make test: the strict book build failed (see above)"; fi; \
	[ $$lint -eq 0 ] && [ $$book -eq 0 ] && [ $$tests -eq 0 ]

notebooks: $(STAMP)
	$(PY) -m embedloss.notebook execute $(NB)

bench: $(STAMP)
	$(PY) benchmarks/speed.py

clean:
	rm -rf _build .pytest_cache .hypothesis
