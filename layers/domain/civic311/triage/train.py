"""Train the statistical second opinion: `python -m civic311.triage.train` (or `make triage-model`).

Reads the tuned sets, featurizes them with civic311.triage.features, fits logistic regressions with scikit-learn
(emergency, crisis, and service code on non-emergencies), chooses the decision thresholds by grouped, stratified
5-fold cross-validation of the whole policy, and writes second_opinion.json. Training only: the Lambda runtime
never imports this module, scikit-learn, scipy or numpy.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import sklearn
from numpy.typing import NDArray
from scipy.sparse import csr_matrix
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedGroupKFold

from civic311.triage import provenance
from civic311.triage.engine import CODE_CUE_STRONG, RuleVerdict, TriageEngine
from civic311.triage.evaluation import Row, load_rows
from civic311.triage.features import BUCKETS, CHAR_NGRAMS, FEATURIZER_VERSION, featurize
from civic311.triage.lexicon import load_rules
from civic311.triage.second_opinion import WEIGHTS_FILE, SecondOpinion, pack

OUTPUT = Path(__file__).resolve().parent / WEIGHTS_FILE

# Inverse regularisation strength; chosen by cross-validated recall at a fixed false-escalation rate.
C = 32.0
# Weights kept per head (per class for service codes), largest first; the rest round to nothing that matters.
KEEP = {"emergency": 5000, "crisis": 2500, "service_code": 800}
DECIMALS = 2
FOLDS = 5
SEED = 0
# Share of non-emergencies the rules and the model together may send to 911, measured out of fold.
FALSE_ESCALATION_BUDGET = 0.03
# Share of non-crisis texts the rules and the model together may flag as a crisis (that also sets the code).
FALSE_CRISIS_BUDGET = 0.02
# Share of negative texts with an explicit rule-level "no" (negated, dated, idiom) the model may overrule.
DENIAL_OVERRIDE_BUDGET = 0.01
# Texts sharing this share of their words are near-duplicates and stay in the same fold.
NEAR_DUPLICATE = 0.6
# Thresholds are searched on this grid; the high threshold that overrides an explicit "no" stays below 1.
GRID = tuple(round(0.01 * i, 2) for i in range(5, 100))

Float = NDArray[np.float64]
Bool = NDArray[np.bool_]


@dataclass(frozen=True, slots=True)
class Example:
    """One labelled text with the rules' reading and its feature buckets."""

    row: Row
    verdict: RuleVerdict
    buckets: list[int]


def load_examples(folder: Path = provenance.DATA_DIR) -> list[Example]:
    """Every row of the training files, judged by the rules alone (no hint, as on a phone line)."""
    engine = TriageEngine(load_rules())
    examples: list[Example] = []
    for name in provenance.TRAINING_FILES:
        for row in load_rows(folder / name):
            verdict = engine.judge(row.text)
            examples.append(Example(row, verdict, featurize(verdict.doc, verdict.mask, verdict.negated)))
    return examples


@dataclass(frozen=True, slots=True)
class Design:
    """The training matrix over the buckets that occur (a million mostly empty columns would only cost time)."""

    X: csr_matrix
    buckets: NDArray[np.int64]  # the bucket of each column


def design(examples: Sequence[Example]) -> Design:
    """Rows of unit length over present buckets, exactly as SecondOpinion.scores weighs them."""
    used = np.array(sorted({b for example in examples for b in example.buckets}), dtype=np.int64)
    column = {int(b): i for i, b in enumerate(used)}
    indptr = [0]
    indices: list[int] = []
    values: list[float] = []
    for example in examples:
        indices.extend(column[b] for b in example.buckets)
        values.extend([1.0 / np.sqrt(len(example.buckets))] * len(example.buckets))
        indptr.append(len(indices))
    return Design(csr_matrix((values, indices, indptr), shape=(len(examples), len(used))), used)


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
    codes = np.array([examples[i].row.service_code for i in calm])
    model = LogisticRegression(C=C, max_iter=5000).fit(d.X[calm], codes)
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


def _document(heads: Mapping[str, Any], thresholds: Mapping[str, float]) -> dict[str, Any]:
    return {
        "featurizer": {"version": FEATURIZER_VERSION, "buckets": BUCKETS, "char_ngrams": list(CHAR_NGRAMS)},
        "thresholds": dict(thresholds),
        "table": pack(heads),
    }


_PLACEHOLDER = {"emergency": 1.0, "emergency_over_denial": 1.0, "crisis": 1.0, "crisis_over_denial": 1.0}


@dataclass(frozen=True, slots=True)
class OutOfFold:
    """Each training row scored by the shipped scorer with heads that never saw it."""

    emergency: Float
    crisis: Float
    code: list[str]


def out_of_fold(examples: Sequence[Example], d: Design, groups: NDArray[np.int64]) -> OutOfFold:
    """Grouped folds stratified on emergency and crisis together; near-duplicates never straddle a fold."""
    strata = np.array([2 * e.row.emergency + e.row.crisis for e in examples])
    emergency = np.zeros(len(examples))
    crisis = np.zeros(len(examples))
    code = [""] * len(examples)
    folds = StratifiedGroupKFold(n_splits=FOLDS, shuffle=True, random_state=SEED)
    for number, (train, test) in enumerate(folds.split(d.X, strata, groups), start=1):
        scorer = SecondOpinion(_document(fit_heads(d, examples, train), _PLACEHOLDER))
        for i in test:
            opinion = scorer.opinion(examples[i].buckets)
            emergency[i], crisis[i], code[i] = opinion.emergency, opinion.crisis, opinion.code
        print(f"  fold {number}/{FOLDS}: {len(train)} train, {len(test)} held out", file=sys.stderr)
    return OutOfFold(emergency, crisis, code)


def _model_says(p: Float, threshold: float, over_denial: float, denied: Bool, held: Bool | None = None) -> Bool:
    """The model's yes as TriageEngine.triage counts it; `held` rows (see _held) never count."""
    says = np.where(denied, p >= over_denial, p >= threshold)
    return says if held is None else says & ~held


@dataclass(frozen=True, slots=True)
class Choice:
    """A threshold pair and what it does out of fold."""

    threshold: float
    over_denial: float
    model_recall: float
    false_rate: float


def choose(p: Float, truth: Bool, rules: Bool, denied: Bool, budget: float, held: Bool | None = None) -> Choice:
    """Thresholds from out-of-fold probabilities, in two steps an auditor can follow.

    First the override threshold: the lowest at which the model, out of fold, overrules an explicit "no" from the
    rules on at most DENIAL_OVERRIDE_BUDGET of the negative texts that carry one. Then the threshold: the lowest
    (so the most recall) at which rules and model together stay within `budget` of all negative texts. The rules
    were tuned on these rows, so combined recall is 100 % whatever the model does; the model's own recall out of
    fold is what says how much it catches on wording the rules have not seen.
    """
    calm_denied = p[denied & ~truth]
    over_denial = next(
        (g for g in GRID if not calm_denied.size or float(np.mean(calm_denied >= g)) <= DENIAL_OVERRIDE_BUDGET),
        GRID[-1],
    )
    for threshold in (g for g in GRID if g <= over_denial):
        says = _model_says(p, threshold, over_denial, denied, held)
        false_rate = float(np.mean((rules | says)[~truth]))
        if false_rate <= budget:
            return Choice(threshold, over_denial, float(np.mean(says[truth])), false_rate)
    raise RuntimeError("no threshold keeps the false rate within budget; the rules alone exceed it")


def _rate(hits: Bool, mask: Bool) -> dict[str, float | int]:
    total = int(mask.sum())
    hit = int((hits & mask).sum())
    return {"hits": hit, "total": total, "rate": round(hit / total, 4) if total else 1.0}


def _held(examples: Sequence[Example]) -> tuple[Bool, Bool]:
    """Rows where TriageEngine.triage never counts the model's yes: for emergency, then for crisis."""
    silent = np.array([not e.verdict.model_may_speak for e in examples])
    return np.array([e.verdict.distress_held for e in examples]) | silent, silent


def _policy_code(verdict: RuleVerdict, model_emergency: bool, crisis: bool, model_code: str) -> str:
    """The code TriageEngine.triage gives, from the rules' reading and the model's out-of-fold answers."""
    if verdict.emergency_code is not None:
        return verdict.emergency_code
    if crisis:
        return "mental-health"
    if verdict.cue_score >= CODE_CUE_STRONG or not verdict.model_may_speak:
        return verdict.cue_code
    return "other" if model_emergency else model_code


def cross_validated_report(
    examples: Sequence[Example], oof: OutOfFold, emergency: Choice, crisis: Choice
) -> dict[str, Any]:
    """Out-of-fold numbers per language, for the model alone and for the policy (rules are tuned on these rows)."""
    truth_e = np.array([e.row.emergency for e in examples])
    truth_c = np.array([e.row.crisis for e in examples])
    codes = np.array([e.row.service_code for e in examples])
    language = np.array([e.row.language for e in examples])
    rules_e = np.array([e.verdict.emergency for e in examples])
    rules_c = np.array([e.verdict.crisis for e in examples])
    denied_e = np.array([e.verdict.danger_denied for e in examples])
    denied_c = np.array([e.verdict.crisis_denied for e in examples])
    held_e, held_c = _held(examples)
    model_e = _model_says(oof.emergency, emergency.threshold, emergency.over_denial, denied_e, held_e)
    model_c = _model_says(oof.crisis, crisis.threshold, crisis.over_denial, denied_c, held_c)
    policy_c = rules_c | model_c
    model_code = np.array(oof.code)
    policy_code = np.array(
        [
            _policy_code(e.verdict, bool(e_model), bool(c), code)
            for e, e_model, c, code in zip(examples, model_e, policy_c, oof.code, strict=True)
        ]
    )
    report: dict[str, Any] = {}
    for name in ("en", "es", "all"):
        rows = np.ones(len(examples), dtype=bool) if name == "all" else language == name
        calm = rows & ~truth_e
        report[name] = {
            "model_alone": {
                "emergency_recall": _rate(model_e, rows & truth_e),
                "false_escalation": _rate(model_e, calm),
                "crisis_recall": _rate(model_c, rows & truth_c),
                "code_accuracy": _rate(model_code == codes, calm),
            },
            "policy": {
                "emergency_recall": _rate(rules_e | model_e, rows & truth_e),
                "false_escalation": _rate(rules_e | model_e, calm),
                "crisis_recall": _rate(policy_c, rows & truth_c),
                "code_accuracy": _rate(policy_code == codes, calm),
            },
        }
    return report


def dumps(document: Mapping[str, Any]) -> str:
    """Readable metadata, then each array of the weights table on one line, so the file stays small and parses fast."""
    meta = {key: value for key, value in document.items() if key != "table"}
    text = json.dumps(meta, indent=2, sort_keys=True)
    table = ",\n".join(
        f"    {json.dumps(name)}: {json.dumps(values, separators=(',', ':'))}"
        for name, values in sorted(document["table"].items())
    )
    return f'{text[:-2]},\n  "table": {{\n{table}\n  }}\n}}\n'


def train(examples: Sequence[Example]) -> dict[str, Any]:
    """Cross-validate, choose thresholds, fit on every row, and return the weights document."""
    d = design(examples)
    groups = near_duplicate_groups(examples)
    print(f"{len(examples)} rows in {len(set(groups.tolist()))} near-duplicate groups", file=sys.stderr)
    oof = out_of_fold(examples, d, groups)
    truth_e = np.array([e.row.emergency for e in examples])
    truth_c = np.array([e.row.crisis for e in examples])
    held_e, held_c = _held(examples)
    emergency = choose(
        oof.emergency,
        truth_e,
        np.array([e.verdict.emergency for e in examples]),
        np.array([e.verdict.danger_denied for e in examples]),
        FALSE_ESCALATION_BUDGET,
        held_e,
    )
    crisis = choose(
        oof.crisis,
        truth_c,
        np.array([e.verdict.crisis for e in examples]),
        np.array([e.verdict.crisis_denied for e in examples]),
        FALSE_CRISIS_BUDGET,
        held_c,
    )
    thresholds = {
        "emergency": emergency.threshold,
        "emergency_over_denial": emergency.over_denial,
        "crisis": crisis.threshold,
        "crisis_over_denial": crisis.over_denial,
    }
    heads = fit_heads(d, examples, np.arange(len(examples)))
    document = _document(heads, thresholds)
    document["featurizer"]["fingerprint"] = provenance.featurizer_fingerprint()
    document["about"] = (
        "Statistical second opinion for triage, written by `make triage-model`; do not edit by hand. "
        "Logistic regressions over hashed words, word pairs and 3-5 letter pieces of words; weights by bucket."
    )
    document["training"] = {
        "files": list(provenance.TRAINING_FILES),
        "data_digest": provenance.data_digest(),
        "rules_digest": provenance.rules_digest(),
        "rows": len(examples),
        "scikit_learn": sklearn.__version__,
        "C": C,
        "kept_weights": KEEP,
        "decimals": DECIMALS,
        "folds": FOLDS,
        "false_escalation_budget": FALSE_ESCALATION_BUDGET,
        "false_crisis_budget": FALSE_CRISIS_BUDGET,
        "denial_override_budget": DENIAL_OVERRIDE_BUDGET,
    }
    document["cross_validation"] = cross_validated_report(examples, oof, emergency, crisis)
    return document


def _summary(report: Mapping[str, Any]) -> Iterable[str]:
    for name in ("en", "es", "all"):
        for who in ("model_alone", "policy"):
            m = report[name][who]
            yield (
                f"  {name:<3} {who:<11} "
                + "  ".join(f"{k} {v['rate']:.1%} ({v['hits']}/{v['total']})" for k, v in m.items())
            )


def main(argv: Sequence[str] | None = None) -> int:
    """Train and write the weights (or only report with --dry-run)."""
    parser = argparse.ArgumentParser(description="Train the triage second opinion and write its weights.")
    parser.add_argument("--output", type=Path, default=OUTPUT)
    parser.add_argument("--dry-run", action="store_true", help="report without writing the weights")
    args = parser.parse_args(argv)
    document = train(load_examples())
    print(f"thresholds: {document['thresholds']}")
    print("cross-validated (out of fold):")
    for line in _summary(document["cross_validation"]):
        print(line)
    text = dumps(document)
    table = document["table"]
    print(f"weights: {len(table['weights'])} over {len(table['buckets'])} buckets; {len(text):,} bytes")
    if not args.dry_run:
        args.output.write_text(text, encoding="utf-8")
        print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
