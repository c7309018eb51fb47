"""The learned scorers behind one interface: paragraph ranking (hybrid mode), answer sentences, and the answer
as a whole (its probability is the evidence that decides abstention).

Each is a logistic regression over the generic features of retriever/features.py, fitted per embedding model
by `make train` (eval/train.py) on SQuAD with article-disjoint folds, and saved as a small JSON file in
retriever/models/ (feature names, standardisation, coefficients, and the abstention threshold chosen on the
training folds). Applying one is a dot product, so answering needs numpy only, not scikit-learn.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from retriever.features import ANSWER_FEATURES, PARAGRAPH_INPUTS, SENTENCE_FEATURES, paragraph_inputs

MODELS_DIR = Path(__file__).resolve().parent / "models"


class ScorerError(RuntimeError):
    """No fitted scorer for the embedding model, or a scorer file that does not fit the features."""


@dataclass(frozen=True)
class LinearModel:
    """P(positive | features) = sigmoid(((x - mean) / scale) . coef + intercept)."""

    features: tuple[str, ...]
    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray
    intercept: float

    def probability(self, rows: np.ndarray) -> np.ndarray:
        if len(rows) == 0:
            return np.zeros(0, dtype=np.float32)
        z = ((rows - self.mean) / self.scale) @ self.coef + self.intercept
        return (1.0 / (1.0 + np.exp(-np.clip(z, -30, 30)))).astype(np.float32)

    def to_dict(self) -> dict:
        return {"features": list(self.features), "mean": self.mean.tolist(), "scale": self.scale.tolist(),
                "coef": self.coef.tolist(), "intercept": self.intercept}

    @classmethod
    def from_dict(cls, d: dict, expected: tuple[str, ...]) -> "LinearModel":
        if tuple(d["features"]) != expected:
            raise ScorerError(f"scorer features {d['features']} do not match the code's {list(expected)}; "
                              "run `make train` again")
        return cls(tuple(d["features"]), np.asarray(d["mean"], np.float32), np.asarray(d["scale"], np.float32),
                   np.asarray(d["coef"], np.float32), float(d["intercept"]))


@dataclass(frozen=True)
class Scorer:
    """What answering needs from a fitted scorer: rank paragraphs, score sentences, and where to abstain."""

    paragraph: LinearModel
    sentence: LinearModel
    answer: LinearModel  # P(the documents answer the question), read off its best sentence: the evidence
    abstain_below: float  # on the answer model's probability
    follow_up_above: float  # another document's sentence joins a cross-document answer above this
    support_floor: float  # answers whose best sentence's features.support() is below this are refused
    info: dict  # how it was fitted (data, folds, figures), for the README and the manifest

    def paragraph_probability(self, rows: np.ndarray) -> np.ndarray:
        """P(answers) for each candidate, from the PARAGRAPH_FEATURES rows of all candidates of one question."""
        return self.paragraph.probability(paragraph_inputs(rows))

    def sentence_probability(self, rows: np.ndarray) -> np.ndarray:
        return self.sentence.probability(rows)

    def answer_probability(self, row: np.ndarray) -> float:
        return float(self.answer.probability(row)[0]) if len(row) else 0.0

    def to_dict(self) -> dict:
        return {"paragraph": self.paragraph.to_dict(), "sentence": self.sentence.to_dict(),
                "answer": self.answer.to_dict(),
                "abstain_below": self.abstain_below, "follow_up_above": self.follow_up_above,
                "support_floor": self.support_floor, "info": self.info}

    @classmethod
    def from_dict(cls, d: dict) -> "Scorer":
        return cls(LinearModel.from_dict(d["paragraph"], PARAGRAPH_INPUTS),
                   LinearModel.from_dict(d["sentence"], SENTENCE_FEATURES),
                   LinearModel.from_dict(d["answer"], ANSWER_FEATURES),
                   float(d["abstain_below"]), float(d["follow_up_above"]), float(d["support_floor"]),
                   d.get("info", {}))


def model_key(embedder_name: str) -> str:
    """File-name form of an embedder's name: 'sentence-transformers/all-MiniLM-L6-v2' -> 'minilm'."""
    aliases = {"sentence-transformers/all-MiniLM-L6-v2": "minilm"}
    return aliases.get(embedder_name, re.sub(r"[^A-Za-z0-9_.-]+", "_", embedder_name))


def scorer_path(embedder_name: str) -> Path:
    return MODELS_DIR / f"{model_key(embedder_name)}.json"


def load_scorer(path: Path) -> Scorer:
    try:
        return Scorer.from_dict(json.loads(Path(path).read_text(encoding="utf-8")))
    except (OSError, ValueError, KeyError, TypeError) as e:
        raise ScorerError(f"cannot read the answer scorer {path} ({e}); run `make train` to fit it again") from e


def scorer_for(embedder) -> Scorer:
    """The scorer fitted for this embedder (an embedder may name its own file, as the tests' fake does)."""
    path = Path(getattr(embedder, "scorer_file", "") or scorer_path(embedder.name))
    if not path.is_file():
        raise ScorerError(f"no answer scorer fitted for the model {embedder.name!r} (looked for {path}); "
                          "run `make train` for that model")
    return load_scorer(path)
