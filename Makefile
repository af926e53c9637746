# 提案助手 — set-up and everyday commands. `make run` serves the sample corpus; `make test` runs the suite.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
INDEX  ?= index
PORT   ?= 7860

export GRADIO_ANALYTICS_ENABLED := False
export ANONYMIZED_TELEMETRY := False

.PHONY: install run test browser readers index bench clean

install: $(STAMP) readers

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $(STAMP)

index: install
	$(BIN)/assistant ingest corpus --index $(INDEX)

run: index
	$(BIN)/assistant serve --index $(INDEX) --port $(PORT)

# Browser tests drive Debian's chromium with a CJK font; install them when missing (needs root).
browser:
	@if [ ! -x /usr/bin/chromium ] || ! fc-list 2>/dev/null | grep -qi wqy; then \
		apt-get update -q && apt-get install -y -q chromium fonts-wqy-microhei; fi

# Legacy Word (.doc) files are read with Debian's antiword; install it when missing (needs root).
readers:
	@command -v antiword >/dev/null 2>&1 || (apt-get update -q && apt-get install -y -q antiword)

test: install browser
	$(BIN)/python -m pytest -q

bench: install
	$(BIN)/python scripts/benchmark.py

clean:
	rm -rf $(VENV) $(INDEX)/* .pytest_cache
