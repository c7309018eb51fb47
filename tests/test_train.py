"""The scorer fitting code (eval/train.py) on a small fixture: what it learns, and the threshold rule."""
import numpy as np
import pytest

from eval.dataset import Question
from eval.train import choose_threshold, extract, fit_linear, fit_scorer, fold_of
from index.store import build_index, load_index
from retriever.features import PARAGRAPH_FEATURES, SENTENCE_FEATURES

DOC = "alpha.txt"
QUESTIONS = [  # (question, gold paragraph label or None, answer key)
    ("Which fish quotas did the committee review?", "1", "salmon"),
    ("Where are the salmon quotas reviewed?", "1", "northern rivers"),
    ("When will the harbour of Portwick be dredged?", "2", "spring"),
    ("Why will the harbour be dredged?", "2", "larger ships"),
    ("Who funds the lighthouse?", "3", "regional council"),
    ("Where does lighthouse funding come from?", "3", "regional council"),
    ("Which trees are protected in the valley?", None, "oak"),
    ("What happened to timber exports after the storm?", None, "fell sharply"),
    ("What is the population of Tokyo?", None, None),
    ("Who won the football cup final?", None, None),
]


@pytest.fixture
def examples(tiny_docs, tmp_path, fake_embedder):
    build_index(tiny_docs, tmp_path / "idx", fake_embedder)
    index = load_index(tmp_path / "idx")
    qs = []
    for n, (text, label, key) in enumerate(QUESTIONS):
        doc = "beta.md" if label is None and key else DOC
        gold = ((doc, label),) if label else ()
        if label is None and key:  # answerable in beta.md, whose paragraphs are numbered 1..N
            gold = (("beta.md", "1" if "trees" in text else "2"),)
        qs.append(Question(f"q{n}", text, bool(gold), gold, (key,) if key else (), article=doc))
    vectors = fake_embedder.encode_queries([q.question for q in qs])
    return index, extract(index, qs, [q.question for q in qs], vectors, n_cand=10)


def test_fitting_learns_that_cosine_and_term_coverage_mean_an_answer(examples):
    index, data = examples
    scorer = fit_scorer({"squad": index}, data)
    coef = dict(zip(SENTENCE_FEATURES, scorer.sentence.coef))
    assert coef["cos"] > 0 and coef["coverage"] > 0
    assert dict(zip(PARAGRAPH_FEATURES, scorer.paragraph.coef))["dense"] > 0
    # On what it was fitted on, the gold paragraph ranks first for every answerable question.
    for e in data:
        if e.gold:
            probs = scorer.paragraph_probability(e.candidates.features)
            assert e.candidates.positions[int(np.argmax(probs))] in e.gold, e.question.question
    assert 0.0 < scorer.abstain_below < 1.0


def test_logistic_fit_recovers_the_sign_of_each_feature():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(400, 2)).astype(np.float32)
    y = (2 * x[:, 0] - 3 * x[:, 1] + rng.normal(scale=0.1, size=400) > 0).astype(int)
    model = fit_linear(x, y, ("up", "down"))
    assert model.coef[0] > 0 > model.coef[1]
    assert np.mean((model.probability(x) > 0.5) == y) > 0.97


def test_threshold_refuses_at_most_the_allowed_share_of_answerable_questions():
    evidence = np.asarray([0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1, 0.05, 0.3, 0.2])
    answerable = np.asarray([True] * 10 + [False] * 2)
    t = choose_threshold(evidence, answerable, max_false=0.2)  # 2 of 10 answerable may fall below
    assert t == pytest.approx(0.2)
    assert np.mean(evidence[answerable] < t) <= 0.2


def test_folds_are_whole_articles_and_stable():
    assert fold_of("000_Normans.txt") == fold_of("000_Normans.txt")
    assert len({fold_of(f"{i:03d}_a.txt") for i in range(40)}) == 5


def test_every_committed_scorer_fits_the_features_the_code_computes():
    """A feature added to retriever/features.py needs every model's scorer refitted (`make train MODEL=...`):
    a stale file would refuse every question of that model."""
    from retriever.scorer import MODELS_DIR, load_scorer

    files = sorted(MODELS_DIR.glob("*.json"))
    assert {f.stem for f in files} >= {"minilm", "e5-small"}
    for f in files:
        load_scorer(f)  # raises ScorerError naming `make train` when the features differ
