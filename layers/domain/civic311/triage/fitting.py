"""Fitting the second opinion's heads with scikit-learn, for training and cross-validation only.

The training rows are featurized exactly as the shipped scorer reads them; heads are logistic regressions
(emergency, crisis, and service code on non-emergencies), pruned and rounded as they ship, and calibrated by Platt
scaling on out-of-fold scores. The Lambda runtime never imports this module, scikit-learn, scipy or numpy.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy.sparse import csr_matrix
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedGroupKFold

from civic311.catalog.models import load_catalog
from civic311.triage import provenance
from civic311.triage.engine import TriageEngine
from civic311.triage.evaluation import Row, load_rows
from civic311.triage.features import BUCKETS, CHAR_NGRAMS, FEATURIZER_VERSION, featurize
from civic311.triage.lexicon import load_rules
from civic311.triage.second_opinion import Calibration, SecondOpinion, pack
from civic311.triage.verdict import RuleVerdict

# Inverse regularisation strength; chosen by cross-validated recall at a fixed false-escalation rate.
C = 32.0
# Weights kept per head (per class for service codes), largest first; the rest round to nothing that matters.
KEEP = {"emergency": 5000, "crisis": 2500, "service_code": 800}
# The code head is regularised harder: it should lean on many words and word pieces, not a few exact phrases.
C_CODE = 8.0
DECIMALS = 2
FOLDS = 5
SEED = 0
# The source of the catalog's texts, which no labelled file holds.
CATALOG = "catalog"
# Texts sharing this share of their words are near-duplicates and stay in the same fold.
NEAR_DUPLICATE = 0.6

Float = NDArray[np.float64]
Bool = NDArray[np.bool_]


@dataclass(frozen=True, slots=True)
class Example:
    """One labelled text with the rules' reading and its feature buckets."""

    row: Row
    verdict: RuleVerdict
    buckets: list[int]
    source: str = ""  # the labelled file it came from


def load_examples(folder: Path = provenance.DATA_DIR) -> list[Example]:
    """Every row of the training files, judged by the rules alone (no hint, as on a phone line)."""
    engine = TriageEngine(load_rules())
    examples: list[Example] = []
    for name in provenance.TRAINING_FILES:
        for row in load_rows(folder / name):
            verdict = engine.judge(row.text)
            examples.append(
                Example(row, verdict, featurize(verdict.doc, verdict.mask, verdict.negated, verdict.marks), name)
            )
    return examples


@dataclass(frozen=True, slots=True)
class Design:
    """The training matrix over the buckets that occur (a million mostly empty columns would only cost time).

    Rows past the labelled examples are the catalog's own words for each service (see `catalog_examples`); they
    teach the code head only.
    """

    X: csr_matrix
    buckets: NDArray[np.int64]  # the bucket of each column
    catalog: NDArray[np.int64]  # rows of catalog text
    catalog_codes: NDArray[np.str_]  # their service codes


def design(examples: Sequence[Example], catalog: Sequence[Example] = ()) -> Design:
    """Rows of unit length over present buckets, exactly as SecondOpinion.scores weighs them."""
    everything = [*examples, *catalog]
    used = np.array(sorted({b for example in everything for b in example.buckets}), dtype=np.int64)
    column = {int(b): i for i, b in enumerate(used)}
    indptr = [0]
    indices: list[int] = []
    values: list[float] = []
    for example in everything:
        indices.extend(column[b] for b in example.buckets)
        values.extend([1.0 / np.sqrt(len(example.buckets))] * len(example.buckets))
        indptr.append(len(indices))
    return Design(
        csr_matrix((values, indices, indptr), shape=(len(everything), len(used))),
        used,
        np.arange(len(examples), len(everything), dtype=np.int64),
        np.array([example.row.service_code for example in catalog], dtype=np.str_),
    )


def catalog_examples() -> list[Example]:
    """Each service's name with its description, and its keywords, in English and in Spanish, as the rules read them.

    They are the city's own words for what each code covers, written apart from every labelled set, so the code
    head learns vocabulary no resident happened to use in the training rows.
    """
    engine = TriageEngine(load_rules())
    examples: list[Example] = []
    for service in load_catalog().services:
        for language in ("en", "es"):
            texts = (
                f"{service.name(language)}. {service.description(language)}",
                ". ".join(service.keywords.get(language, ())),
            )
            for text in filter(None, texts):
                verdict = engine.judge(text, language)
                buckets = featurize(verdict.doc, verdict.mask, verdict.negated, verdict.marks)
                examples.append(
                    Example(Row(text, language, False, False, service.service_code), verdict, buckets, CATALOG)
                )
    return examples


def near_duplicate_groups(examples: Sequence[Example]) -> NDArray[np.int64]:
    """Group ids joining texts whose word sets overlap by NEAR_DUPLICATE (Jaccard) or more."""
    vocabulary: dict[str, int] = {}
    rows, cols = [], []
    for i, example in enumerate(examples):
        for word in set(example.verdict.doc.tokens):
            rows.append(i)
            cols.append(vocabulary.setdefault(word, len(vocabulary)))
    words = csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(len(examples), len(vocabulary)))
    shared = (words @ words.T).tocoo()
    sizes = np.asarray(words.sum(axis=1)).ravel()
    parent = list(range(len(examples)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, j, both in zip(shared.row, shared.col, shared.data, strict=True):
        if i < j and both / (sizes[i] + sizes[j] - both) >= NEAR_DUPLICATE:
            parent[root(int(i))] = root(int(j))
    return np.array([root(i) for i in range(len(examples))])


def _kept(weights: Float, buckets: NDArray[np.int64], keep: int) -> dict[str, float]:
    """The `keep` largest weights, rounded, keyed by bucket; weights that round to zero are dropped."""
    order = np.argsort(-np.abs(weights), kind="stable")[:keep]
    kept = {int(buckets[i]): round(float(weights[i]), DECIMALS) for i in order}
    return {str(b): w for b, w in sorted(kept.items()) if w != 0.0}


def _binary_head(d: Design, rows: NDArray[np.int64], y: Bool, keep: int) -> dict[str, Any]:
    model = LogisticRegression(C=C, max_iter=5000, class_weight="balanced").fit(d.X[rows], y)
    return {"bias": round(float(model.intercept_[0]), 4), "weights": _kept(model.coef_[0], d.buckets, keep)}


def fit_heads(d: Design, examples: Sequence[Example], rows: NDArray[np.int64]) -> dict[str, Any]:
    """The three heads fitted on the given rows, pruned and rounded as they ship."""
    emergency = np.array([examples[i].row.emergency for i in rows])
    crisis = np.array([examples[i].row.crisis for i in rows])
    calm = rows[~emergency]
    codes = np.concatenate([np.array([examples[i].row.service_code for i in calm], dtype=np.str_), d.catalog_codes])
    model = LogisticRegression(C=C_CODE, max_iter=5000).fit(d.X[np.concatenate([calm, d.catalog])], codes)
    classes = [str(c) for c in model.classes_]
    return {
        "emergency": _binary_head(d, rows, emergency, KEEP["emergency"]),
        "crisis": _binary_head(d, rows, crisis, KEEP["crisis"]),
        "service_code": {
            "classes": classes,
            "bias": [round(float(b), 4) for b in model.intercept_],
            "weights": {c: _kept(model.coef_[k], d.buckets, KEEP["service_code"]) for k, c in enumerate(classes)},
        },
    }


def document(heads: Mapping[str, Any], thresholds: Mapping[str, float]) -> dict[str, Any]:
    return {
        "featurizer": {"version": FEATURIZER_VERSION, "buckets": BUCKETS, "char_ngrams": list(CHAR_NGRAMS)},
        "thresholds": dict(thresholds),
        "table": pack(heads),
    }


PLACEHOLDER = {
    "emergency": 1.0,
    "emergency_review": 1.0,
    "emergency_over_denial": 1.0,
    "crisis": 1.0,
    "crisis_over_denial": 1.0,
}


@dataclass(frozen=True, slots=True)
class OutOfFold:
    """Each training row scored by the shipped scorer with heads that never saw it (raw scores, before Platt)."""

    emergency: Float
    crisis: Float
    code: list[str]
    code_probability: Float


def out_of_fold(examples: Sequence[Example], d: Design, groups: NDArray[np.int64]) -> OutOfFold:
    """Grouped folds stratified on emergency and crisis together; near-duplicates never straddle a fold."""
    strata = np.array([2 * e.row.emergency + e.row.crisis for e in examples])
    folds = StratifiedGroupKFold(n_splits=FOLDS, shuffle=True, random_state=SEED)
    return scored_apart(examples, d, list(folds.split(np.zeros(len(examples)), strata, groups)))


def scored_apart(
    examples: Sequence[Example], d: Design, splits: Sequence[tuple[NDArray[np.int64], NDArray[np.int64]]]
) -> OutOfFold:
    """Each held-out row scored by heads fitted on its split's training rows; every row is held out once."""
    emergency = np.zeros(len(examples))
    crisis = np.zeros(len(examples))
    code_probability = np.zeros(len(examples))
    code = [""] * len(examples)
    for number, (train, test) in enumerate(splits, start=1):
        scorer = SecondOpinion(document(fit_heads(d, examples, train), PLACEHOLDER))
        for i in test:
            scores = scorer.scores(examples[i].buckets)
            opinion = scorer.opinion(examples[i].buckets)
            emergency[i], crisis[i] = scores[0], scores[1]
            code[i], code_probability[i] = opinion.code, opinion.code_probability
        print(f"  split {number}/{len(splits)}: {len(train)} train, {len(test)} held out", file=sys.stderr)
    return OutOfFold(emergency, crisis, code, code_probability)


def platt(scores: Float, truth: Bool) -> Calibration:
    """Platt scaling fitted on out-of-fold raw scores; class-balanced training leaves them far from probabilities."""
    model = LogisticRegression(C=1e6, max_iter=1000).fit(scores.reshape(-1, 1), truth)
    return Calibration(round(float(model.coef_[0][0]), 4), round(float(model.intercept_[0]), 4))


def calibrate(raw: Float, truth: Bool) -> tuple[Calibration, Float]:
    """Platt scaling fitted on out-of-fold scores, and the calibrated probabilities of those scores."""
    fitted = platt(raw, truth)
    return fitted, np.array([fitted.probability(float(z)) for z in raw])
