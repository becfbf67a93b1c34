# Two commands on a fresh Debian machine (as root, Python 3.11):
#   make demo   set everything up on first run, then build the sample edition into dist/
#   make test   the whole test suite (EPUBCheck on the built sample included)
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
SAMPLE := editions/xnrb-2019-10-21-xianan

.PHONY: demo test lint test-tools setup system fonts profiles bench goldens lock lock-upgrade clean
.DEFAULT_GOAL := demo

demo: setup
	$(BIN)/publisher build $(SAMPLE) --out dist
	@echo
	@echo "Built the sample edition into dist/$(notdir $(SAMPLE))/: the reader EPUB and the reading PDF."
	@echo "Try next:"
	@echo "  $(BIN)/publisher build $(SAMPLE) --out dist --format print     # the broadsheet print pages (PDF/X-4)"
	@echo "  $(BIN)/publisher build $(SAMPLE) --out dist --format archive   # the archive bag (PDF/A, ALTO, METS, NITF)"
	@echo "  $(BIN)/publisher import text tests/fixtures/seeds/xianan-2019-10-page.txt --paper xnrb --date 2019-10-21 --out editions/mine"
	@echo "  $(BIN)/publisher import json tests/fixtures/feeds/economy-daily.json --out editions/jjrb   # a CMS feed as it comes"
	@echo "  $(BIN)/publisher --help   (README.md: the CLI, the edition format, importing copy)"

# PUBLISHER_REQUIRE_TEST_TOOLS: under `make test` the tests that need DAISY Ace, Chromium
# with foliate-js and epub.js, or MuPDF fail instead of skipping when one is missing.
# The gates first: ruff and mypy (configured in pyproject.toml) report 0 on the whole tree.
test: setup test-tools lint
	PUBLISHER_REQUIRE_TEST_TOOLS=1 $(BIN)/python -m pytest

lint: setup
	$(BIN)/ruff check --no-cache .
	$(BIN)/mypy

# Rewrite tests/goldens/ from the current outputs; review them with `git diff tests/goldens`.
goldens: setup
	$(BIN)/python -m pytest tests/test_goldens.py --regen-goldens

# What only the tests need: Chromium, MuPDF, and from npm (pinned in package-lock.json) DAISY
# Ace, foliate-js, epub.js and axe-core (Puppeteer's own Chrome download is skipped: Ace, like
# the reader tests' and the web edition's tests' Playwright, drives Debian's chromium).
test-tools: node_modules/.installed

node_modules/.installed: package.json package-lock.json
	@bash scripts/setup-system.sh test
	PUPPETEER_SKIP_DOWNLOAD=1 npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	touch $@

setup: system $(VENV)/.installed fonts profiles

system:
	@bash scripts/setup-system.sh

# Every third-party package comes from requirements/lock.txt, exact versions checked against
# their hashes (the outputs are byte-identical only with the same pikepdf, pypdfium2, Pillow,
# uharfbuzz, pydyf, WeasyPrint...); then the project itself, with nothing more to fetch.
$(VENV)/.installed: pyproject.toml requirements/lock.txt requirements/schemas.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --require-hashes -r requirements/lock.txt
	$(BIN)/pip install --quiet --no-deps --no-build-isolation -e .
	# the archive's XML schemas (ALTO, METS, XLink, MODS, PREMIS, xml:) ship in packages used as data only
	$(BIN)/pip install --quiet --no-deps --require-hashes -r requirements/schemas.txt
	touch $@

# The lock: pyproject.toml's dependencies (runtime and [test]) and requirements/build.in,
# resolved for Python 3.11 on Linux with every file's hash, by uv (pinned here). `make lock`
# keeps the locked versions that still fit (after a change to pyproject.toml);
# `make lock-upgrade` moves every package to its newest fitting version. Either way: run
# `make test` and the byte-identity check of the outputs before committing the new lock.
UV_VERSION := 0.13.9
UV := build/uv-$(UV_VERSION)/bin/uv
UV_COMPILE = $(UV) pip compile --quiet --generate-hashes --python-version 3.11 \
	--python-platform x86_64-unknown-linux-gnu --custom-compile-command "make lock"

lock: $(UV)
	$(UV_COMPILE) $(UPGRADE) pyproject.toml requirements/build.in --extra test -o requirements/lock.txt
	$(UV_COMPILE) $(UPGRADE) --no-deps requirements/schemas.in -o requirements/schemas.txt

$(UV):
	$(PYTHON) -m venv build/uv-$(UV_VERSION)
	build/uv-$(UV_VERSION)/bin/pip install --quiet uv==$(UV_VERSION)

lock-upgrade:
	$(MAKE) lock UPGRADE=--upgrade

fonts: $(VENV)/.installed
	@$(BIN)/publisher fonts install

# The default output profile (coldset newsprint, 240 % ink), built with Argyll CMS from a
# documented model and checked against its pin in profiles/profiles.toml (about a minute,
# once; nothing to do while the pinned file is there).
profiles: system
	@$(PYTHON) scripts/newsprint_profile.py profiles

bench: setup
	$(BIN)/python benchmarks/build_bench.py
	$(BIN)/python benchmarks/import_bench.py

clean:
	rm -rf dist build $(VENV) *.egg-info node_modules
