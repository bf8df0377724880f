# The README's commands. Each creates .venv and installs Ladder into it on first use
# (and again whenever pyproject.toml changes).
PYTHON ?= python3
VENV := .venv
STAMP := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)

.PHONY: demo test stack bench bench-runners bench-verify bench-faults bench-duties lint clean browser

$(STAMP): pyproject.toml
	test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	rm -f $(VENV)/.installed-* && touch $@

demo: $(STAMP)
	$(VENV)/bin/ladder demo

# The full local stack: Prefect server and UI on 127.0.0.1:4200, every deployment, the
# "ladder" process pool and a worker, the SMTP sink; Ctrl-C stops all of it.
stack: $(STAMP)
	$(VENV)/bin/ladder stack start --sample

# Debian packages the tests use: a real headless Chromium and its ChromeDriver for the
# verification page; pdftoppm and zbarimg to read a certificate's QR code back.
browser:
	@for tool in chromium chromedriver pdftoppm zbarimg; do command -v $$tool >/dev/null || missing=1; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian's chromium, chromium-driver, poppler-utils and zbar-tools for the tests"; \
	  $$( [ "$$(id -u)" = 0 ] || echo sudo ) apt-get install -y -qq chromium chromium-driver poppler-utils zbar-tools >/dev/null; \
	fi

# axe-core, the accessibility engine the page tests run in Chromium (WCAG 2.2 AA), from the
# npm registry, checked against its published hash.
AXE_VERSION := 4.14.1
AXE_SHA256 := e6b0ce02b84d892e2e33e403485e7f3d6c29e2be6df65daf44d89ba564139745
AXE := $(VENV)/axe-core-$(AXE_VERSION).min.js

$(AXE): $(STAMP)
	curl -fsSL https://registry.npmjs.org/axe-core/-/axe-core-$(AXE_VERSION).tgz -o $(VENV)/axe.tgz
	echo "$(AXE_SHA256)  $(VENV)/axe.tgz" | sha256sum -c --quiet
	tar -xzf $(VENV)/axe.tgz -O package/axe.min.js > $@.part && mv $@.part $@
	rm -f $(VENV)/axe.tgz

test: $(STAMP) browser $(AXE)
	LADDER_AXE=$(AXE) $(VENV)/bin/python -m pytest

bench: $(STAMP)
	$(VENV)/bin/python bench/sweep.py

# The certificate batch on the thread pool and on a Dask LocalCluster, same awards
bench-runners: $(STAMP)
	$(VENV)/bin/python bench/runners.py

# The verification site's requests per second against a static page on the same server
bench-verify: $(STAMP)
	$(VENV)/bin/python bench/verify.py

# ladder daily killed with SIGKILL at random moments and rerun: lost and duplicated mail
bench-faults: $(STAMP)
	$(VENV)/bin/python bench/faults.py

bench-duties: $(STAMP)
	$(VENV)/bin/python bench/duties.py

lint: $(STAMP)
	$(VENV)/bin/ruff check . && $(VENV)/bin/ruff format --check . && $(VENV)/bin/mypy

clean:
	rm -rf $(VENV) var
