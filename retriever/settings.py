"""Named, documented settings of retrieval and answering. Each value was chosen from measurements on the
evaluation set (`python -m eval`); the README's "Settings" section gives the tables behind them."""

MODES = ("hybrid", "dense", "lexical")
DEFAULT_MODE = "hybrid"
DEFAULT_K = 5  # passages returned per question
MAX_K = 50

# Hybrid fusion: "learned" ranks the dense and lexical candidates by the paragraph scorer fitted per model on
# SQuAD (retriever/scorer.py, eval/train.py). The older fusions stay for comparison (python -m eval.sweep):
# "weighted" = DENSE_WEIGHT * cosine + (1 - DENSE_WEIGHT) * BM25 / best BM25, "rrf" = reciprocal rank fusion.
FUSION = "learned"
DENSE_WEIGHT = 0.7
RRF_K = 60
CANDIDATES = 50  # per signal, before fusion

# Answer sentences and abstention: the learned sentence scorer (retriever/scorer.py) gives each sentence of the
# top ANSWER_PASSAGES passages a probability of answering; the best one is the answer's first sentence and its
# probability is the evidence. The abstention threshold and the bar for a second document's sentence are part
# of the fitted scorer (retriever/models/<model>.json), chosen on SQuAD training folds by eval/train.py.
ANSWER_PASSAGES = 5  # how many top passages answer sentences are drawn from
ANSWER_POOL = 20  # passages searched, so a cross-document question can draw on each document's best one
MAX_ANSWER_SENTENCES = 3

MAX_QUESTION_CHARS = 2000  # longer questions are truncated (with a note) before embedding

# The second retrieval hop (retriever/second_hop.py): search again with the name the best passage gives and the
# question does not, when the first answer's evidence is below HOP_BELOW (None: the scorer's abstention
# threshold, i.e. only questions that would be refused). 1.0 = every question whose best passage names a bridge;
# the bridged answer is still taken only when the answer model prefers it. Measured 2026-12-01 (README, "The
# second retrieval hop"): on eval/multihop.jsonl key recall 0.208 -> 0.333 against None; SQuAD folds CitP -1 point.
SECOND_HOP = True
HOP_BELOW = 1.0

# Review (a question x document table, retriever/review.py): the command line's limits; the UI and API use lower
# ones, because a browser waits for the whole table.
MAX_REVIEW_QUESTIONS = 1000  # app.py review --max-questions
MAX_REVIEW_CELLS = 50_000  # app.py review --max-cells (questions x documents)
UI_MAX_REVIEW_QUESTIONS = 50
UI_MAX_REVIEW_CELLS = 5_000

# Uploads (index/documents.py): a file above this size is refused before it is written in full (QA_MAX_UPLOAD_MB
# overrides it); a real 40-page PDF is about 1 MB, a scanned one of 300 pages some 30 MB.
MAX_UPLOAD_BYTES = 50 << 20
