"""The statistical second opinion: logistic models over hashed word and letter features, scored in pure Python.

`python -m civic311.triage.train` fits them with scikit-learn (never imported at run time) and writes
second_opinion.json: the non-zero weights as one table of parallel arrays (see `pack`), the decision thresholds
chosen by cross-validation, and digests of what the weights were trained on.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from importlib import resources
from typing import Any, NamedTuple

from civic311.triage.features import BUCKETS, FEATURIZER_VERSION, featurize
from civic311.triage.normalize import Doc

WEIGHTS_FILE = "second_opinion.json"
_HEADS = ("emergency", "crisis")


class Thresholds(NamedTuple):
    """Calibrated probabilities from which the model's answers count (see civic311.triage.decision).

    emergency pages dispatch; from emergency_review up to it a call-taker looks; over an explicit "no" from the
    rules only emergency_over_denial counts, and then for review. Crisis has no middle: the 988 offer is cheap.
    """

    emergency: float
    emergency_review: float
    emergency_over_denial: float
    crisis: float
    crisis_over_denial: float


class Opinion(NamedTuple):
    """The model's probabilities for one text and its best service code."""

    emergency: float
    crisis: float
    code: str
    code_probability: float
    thresholds: Thresholds


class Calibration(NamedTuple):
    """Platt scaling of a head's raw score, fitted on out-of-fold scores: p = sigmoid(slope * score + intercept)."""

    slope: float = 1.0
    intercept: float = 0.0

    def probability(self, score: float) -> float:
        return _sigmoid(self.slope * score + self.intercept)


def _sigmoid(z: float) -> float:
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)


def pack(heads: Mapping[str, Any]) -> dict[str, Any]:
    """The shipped layout of the weights: one table of parallel arrays, sorted by bucket.

    `heads` holds per head a bias and weights keyed by bucket (service codes: per class). Slots are emergency,
    crisis, then one per class in `classes`. The weights of bucket `buckets[i]` are `weights[j]` for slot
    `slots[j]`, j from `offsets[i]` to `offsets[i + 1]`. Plain arrays of numbers parse several times faster
    than objects keyed by strings, and need no table built at load.
    """
    codes = heads["service_code"]
    per_slot: list[Mapping[int, float]] = [heads[name]["weights"] for name in _HEADS]
    per_slot.extend(codes["weights"][code] for code in codes["classes"])
    table: dict[int, list[tuple[int, float]]] = {}
    for slot, weights in enumerate(per_slot):
        for key, weight in weights.items():
            table.setdefault(int(key), []).append((slot, float(weight)))
    buckets = sorted(table)
    offsets = [0]
    slots: list[int] = []
    values: list[float] = []
    for key in buckets:
        for slot, weight in table[key]:
            slots.append(slot)
            values.append(weight)
        offsets.append(len(slots))
    return {
        "classes": list(codes["classes"]),
        "bias": [float(heads[name]["bias"]) for name in _HEADS] + [float(b) for b in codes["bias"]],
        "buckets": buckets,
        "offsets": offsets,
        "slots": slots,
        "weights": values,
    }


class SecondOpinion:
    """Weights in parallel arrays with a bucket index, so a text costs one dict lookup per feature it has."""

    def __init__(self, document: Mapping[str, Any]) -> None:
        featurizer = document["featurizer"]
        if featurizer["version"] != FEATURIZER_VERSION or featurizer["buckets"] != BUCKETS:
            raise ValueError(
                f"{WEIGHTS_FILE} was trained with featurizer {featurizer['version']!r}; this code is "
                f"{FEATURIZER_VERSION!r}: run `make triage-model`"
            )
        self.thresholds = Thresholds(**document["thresholds"])
        calibration = document.get("calibration", {})
        self._calibration = tuple(Calibration(**calibration.get(name, {}).get("platt", {})) for name in _HEADS)
        table = document["table"]
        self.codes: tuple[str, ...] = tuple(table["classes"])
        self._bias: list[float] = [float(b) for b in table["bias"]]
        buckets: list[int] = table["buckets"]
        self._offsets: list[int] = table["offsets"]
        self._slots: list[int] = table["slots"]
        self._weights: list[float] = table["weights"]
        if (
            len(self._bias) != len(_HEADS) + len(self.codes)
            or len(self._offsets) != len(buckets) + 1
            or len(self._slots) != len(self._weights)
            or self._offsets[-1] != len(self._weights)
        ):
            raise ValueError(f"{WEIGHTS_FILE} is malformed: run `make triage-model`")
        # dict(zip(...)) runs in C; the index is the only structure built at load.
        self._index: dict[int, int] = dict(zip(buckets, range(len(buckets)), strict=True))

    def scores(self, buckets: Sequence[int]) -> list[float]:
        """Raw scores per slot: emergency, crisis, then one per service code."""
        totals = [0.0] * len(self._bias)
        lookup = self._index.get
        offsets, slots, weights = self._offsets, self._slots, self._weights
        for key in buckets:
            row = lookup(key)
            if row is not None:
                for j in range(offsets[row], offsets[row + 1]):
                    totals[slots[j]] += weights[j]
        # Each text's feature vector has unit length, so a long text is not more certain for being long.
        scale = 1.0 / math.sqrt(len(buckets)) if buckets else 0.0
        return [bias + scale * total for bias, total in zip(self._bias, totals, strict=True)]

    def read(self, doc: Doc, mask: Sequence[bool], negated: Sequence[bool], marks: Sequence[str] = ()) -> Opinion:
        """The model's opinion of a text the engine has already normalised, with the structure the rules read."""
        return self.opinion(featurize(doc, mask, negated, marks))

    def opinion(self, buckets: Sequence[int]) -> Opinion:
        """The model's opinion of a text's feature buckets."""
        scores = self.scores(buckets)
        code_scores = scores[len(_HEADS) :]
        top = max(code_scores)
        total = sum(math.exp(s - top) for s in code_scores)
        best = code_scores.index(top)
        emergency, crisis = self._calibration
        return Opinion(
            emergency=emergency.probability(scores[0]),
            crisis=crisis.probability(scores[1]),
            code=self.codes[best],
            code_probability=1.0 / total,
            thresholds=self.thresholds,
        )


def read_weights() -> dict[str, Any]:
    """The shipped weights document."""
    text = resources.files("civic311.triage").joinpath(WEIGHTS_FILE).read_text(encoding="utf-8")
    document: dict[str, Any] = json.loads(text)
    return document


def load_second_opinion() -> SecondOpinion:
    """The shipped model, ready to score."""
    return SecondOpinion(read_weights())
