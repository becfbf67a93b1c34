# Two commands on a fresh Debian machine (as root, Python 3.11):
#   make demo   set everything up on first run, then build the sample edition into dist/
#   make test   the whole test suite (EPUBCheck on the built sample included)
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
SAMPLE := editions/xnrb-2019-10-21-xianan

.PHONY: demo test test-tools setup system fonts profiles bench clean
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

# PUBLISHER_REQUIRE_ACE: under `make test` the DAISY Ace check fails instead of skipping
test: setup test-tools
	PUBLISHER_REQUIRE_ACE=1 $(BIN)/python -m pytest

# What only the tests need: Chromium and DAISY Ace (pinned in package-lock.json; Puppeteer's
# own Chrome download is skipped, Ace drives Debian's chromium).
test-tools: node_modules/.installed

node_modules/.installed: package.json package-lock.json
	@bash scripts/setup-system.sh test
	PUPPETEER_SKIP_DOWNLOAD=1 npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	touch $@

setup: system $(VENV)/.installed fonts profiles

system:
	@bash scripts/setup-system.sh

$(VENV)/.installed: pyproject.toml requirements/schemas.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	# the archive's XML schemas (ALTO, METS, XLink) ship in packages used as data only
	$(BIN)/pip install --quiet --no-deps -r requirements/schemas.txt
	touch $@

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
	rm -rf dist $(VENV) *.egg-info node_modules
