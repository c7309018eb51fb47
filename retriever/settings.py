"""Named, documented settings of retrieval and answering. Each value was chosen from measurements on the
evaluation set (`python -m eval`); the README's "Settings" section gives the tables behind them."""

MODES = ("hybrid", "dense", "lexical")
DEFAULT_MODE = "hybrid"
DEFAULT_K = 5  # passages returned per question
MAX_K = 50

# Hybrid fusion: each signal is scaled to [0, 1] over the candidates (dense cosine as is, BM25 divided by the
# best BM25 score of the question), then fused = DENSE_WEIGHT * dense + (1 - DENSE_WEIGHT) * lexical.
FUSION = "weighted"  # or "rrf" (reciprocal rank fusion, RRF_K below); weighted won on the evaluation set
DENSE_WEIGHT = 0.7
RRF_K = 60
CANDIDATES = 50  # per signal, before fusion

# Answer sentences: score = cosine(question, sentence) + LEXICAL_WEIGHT * share of the question's (idf-weighted)
# terms found in the sentence + PASSAGE_WEIGHT * the fused score of the passage it comes from.
SENTENCE_LEXICAL_WEIGHT = 0.3
SENTENCE_PASSAGE_WEIGHT = 0.2
ANSWER_PASSAGES = 5  # how many top passages answer sentences are drawn from
MAX_ANSWER_SENTENCES = 3
# A further sentence joins the answer only if its score is at least this share of the best one.
FOLLOW_UP_RATIO = 0.9
# For questions about several documents, each other document's best sentence joins at this share of the best.
CROSS_DOC_RATIO = 0.7

# Abstention: evidence = cosine of the best answer sentence (or its passage, if higher) + EVIDENCE_LEXICAL_WEIGHT
# x the idf-weighted share of the question's terms in that sentence (a term absent from every paragraph counts
# fully against). The answer is given only when evidence >= ABSTAIN_BELOW; otherwise `answered` is false and
# the closest passages are still shown. Chosen from the coverage view of `python -m eval` (README, Settings):
# 0.50 sits in the range 0.45-0.50 where abstention recall is 0.75 and false abstention 0 (0.55: 0.80 and 0.013).
EVIDENCE_LEXICAL_WEIGHT = 0.25
ABSTAIN_BELOW = 0.50

MAX_QUESTION_CHARS = 2000  # longer questions are truncated (with a note) before embedding
