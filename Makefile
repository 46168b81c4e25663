# The two Quick start commands live here: `make book` and `make test`.
# Both create .venv on first use and install the project into it.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: book test clean lint

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	@touch $(STAMP)

book: $(STAMP)
	$(BIN)/course build

lint: $(STAMP)
	$(BIN)/ruff check .

test: $(STAMP)
	@sh .ci/ensure-chromium
	@sh .ci/ensure-npm
	@sh .ci/ensure-bubblewrap
	$(BIN)/ruff check .
	$(BIN)/course check exercises/
	OMP_NUM_THREADS=1 $(BIN)/pytest -n auto --dist loadgroup

clean:
	rm -rf _build dist grades
