# Auskunft: `make run` serves the app on the Musterstadt corpus, `make test` runs the whole suite.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip

.PHONY: run test lint ingest corpus clean browser stress

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	# CPU build of torch first (lies on local disk); otherwise sentence-transformers pulls a CUDA build.
	$(PIP) install --quiet torch==2.13.0
	$(PIP) install --quiet -e .
	touch $@

# The test suite exercises the llama.cpp and OpenAI-compatible backends for real (llama-cpp-python
# builds from source in about seven minutes the first time). Without its multimodal library (LLAVA_BUILD,
# image input, which Auskunft does not use) the build takes a minute less.
$(VENV)/.dev-installed: $(VENV)/.installed
	CMAKE_ARGS="-DLLAVA_BUILD=OFF $${CMAKE_ARGS:-}" $(PIP) install --quiet -e '.[dev,llm]'
	touch $@

run: $(VENV)/.installed
	$(PY) app.py

ingest: run

lint: $(VENV)/.dev-installed
	$(PY) -m ruff check .

# The browser tests drive Debian's chromium (never a browser download). Installed here when missing and
# apt is usable as root; otherwise the browser tests skip and say why.
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ]; then \
	    echo "chromium wird installiert (apt) …"; \
	    export DEBIAN_FRONTEND=noninteractive; \
	    apt-get install -y -q chromium >/dev/null 2>&1 \
	      || { apt-get update -q >/dev/null 2>&1 && apt-get install -y -q chromium >/dev/null 2>&1; } \
	      || echo "chromium nicht installierbar: Browser-Tests werden übersprungen"; \
	  else echo "chromium fehlt (apt-get install chromium): Browser-Tests werden übersprungen"; fi; }

test: $(VENV)/.dev-installed browser
	$(PY) -m ruff check .
	$(PY) -m pytest

# Fuzzes the loaders for 10 minutes (not part of `make test`, which runs a few dozen examples of the same
# property): only the project's own LoadError may escape.
stress: $(VENV)/.dev-installed
	STRESS_SECONDS=$${STRESS_SECONDS:-600} $(PY) -m pytest tests/stress -m stress -q -s -p no:cacheprovider

# Re-render the PDF/DOCX files of corpus/ from scripts/corpus_src/ (needs fpdf2 and DejaVu fonts).
corpus: $(VENV)/.dev-installed
	$(PY) scripts/build_corpus.py

clean:
	rm -rf data .pytest_cache
