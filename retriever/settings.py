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


# ------------------------------------------------------------------------------------------- per model
# The numbers above that depend on the embedding model's cosine scale, per model (keyed by Embedder.name).
# MiniLM's are the values above, measured as described there. e5-small's cosines are compressed (unrelated text
# scores ~0.70, related ~0.80-0.90), so none of MiniLM's numbers carries over; its values were chosen on a DEV
# split only (README, "Choosing the model": even-numbered seed questions and the DEV articles of the SQuAD
# sample), never on the questions the comparison reports.
from dataclasses import dataclass  # noqa: E402


@dataclass(frozen=True)
class ModelSettings:
    dense_weight: float  # hybrid fusion: weight of the dense cosine against the scaled BM25 score
    sentence_lexical_weight: float  # answer sentence score: weight of the question-term share
    sentence_passage_weight: float  # answer sentence score: weight of the passage's fused score
    follow_up_ratio: float  # a further sentence joins the answer at this share of the best score
    cross_doc_ratio: float  # another document's best sentence joins a cross-document answer at this share
    evidence_lexical_weight: float  # evidence = cosine + this x question-term share
    abstain_below: float  # answer only when evidence >= this
    coverage_step: float  # spacing of the thresholds in the evaluation's abstention coverage view


MODEL_SETTINGS = {
    "minilm": ModelSettings(dense_weight=DENSE_WEIGHT, sentence_lexical_weight=SENTENCE_LEXICAL_WEIGHT,
                            sentence_passage_weight=SENTENCE_PASSAGE_WEIGHT, follow_up_ratio=FOLLOW_UP_RATIO,
                            cross_doc_ratio=CROSS_DOC_RATIO, evidence_lexical_weight=EVIDENCE_LEXICAL_WEIGHT,
                            abstain_below=ABSTAIN_BELOW, coverage_step=0.05),
    "e5-small": ModelSettings(dense_weight=0.7, sentence_lexical_weight=0.3, sentence_passage_weight=0.2,
                              follow_up_ratio=0.95, cross_doc_ratio=0.85, evidence_lexical_weight=0.25,
                              abstain_below=0.95, coverage_step=0.02),
}


def for_model(name: str) -> ModelSettings:
    """The settings of the model `name` (an Embedder.name); an unknown name is an error, never a fallback to
    another model's numbers."""
    try:
        return MODEL_SETTINGS[name]
    except KeyError as e:
        raise ValueError(f"no settings for model {name!r}; known: {', '.join(MODEL_SETTINGS)}") from e
