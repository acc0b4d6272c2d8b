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
from civic311.triage.decision import decide
from civic311.triage.engine import TriageEngine
from civic311.triage.evaluation import Row, load_rows
from civic311.triage.features import BUCKETS, CHAR_NGRAMS, FEATURIZER_VERSION, featurize
from civic311.triage.lexicon import load_rules
from civic311.triage.second_opinion import WEIGHTS_FILE, Calibration, Opinion, SecondOpinion, Thresholds, pack
from civic311.triage.verdict import RuleVerdict

OUTPUT = Path(__file__).resolve().parent / WEIGHTS_FILE

# Inverse regularisation strength; chosen by cross-validated recall at a fixed false-escalation rate.
C = 32.0
# Weights kept per head (per class for service codes), largest first; the rest round to nothing that matters.
KEEP = {"emergency": 5000, "crisis": 2500, "service_code": 800}
DECIMALS = 2
FOLDS = 5
SEED = 0
# Share of non-emergencies the rules and the model together may page dispatch for, measured out of fold.
PAGE_BUDGET = 0.015
# Share of all texts that may go to a call-taker for review, measured out of fold.
REVIEW_BUDGET = 0.05
RELIABILITY_BINS = 10
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


_PLACEHOLDER = {
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
    emergency = np.zeros(len(examples))
    crisis = np.zeros(len(examples))
    code_probability = np.zeros(len(examples))
    code = [""] * len(examples)
    folds = StratifiedGroupKFold(n_splits=FOLDS, shuffle=True, random_state=SEED)
    for number, (train, test) in enumerate(folds.split(d.X, strata, groups), start=1):
        scorer = SecondOpinion(_document(fit_heads(d, examples, train), _PLACEHOLDER))
        for i in test:
            scores = scorer.scores(examples[i].buckets)
            opinion = scorer.opinion(examples[i].buckets)
            emergency[i], crisis[i] = scores[0], scores[1]
            code[i], code_probability[i] = opinion.code, opinion.code_probability
        print(f"  fold {number}/{FOLDS}: {len(train)} train, {len(test)} held out", file=sys.stderr)
    return OutOfFold(emergency, crisis, code, code_probability)


def platt(scores: Float, truth: Bool) -> Calibration:
    """Platt scaling fitted on out-of-fold raw scores; class-balanced training leaves them far from probabilities."""
    model = LogisticRegression(C=1e6, max_iter=1000).fit(scores.reshape(-1, 1), truth)
    return Calibration(round(float(model.coef_[0][0]), 4), round(float(model.intercept_[0]), 4))


def calibration_report(raw: Float, calibrated: Float, truth: Bool, bins: int = RELIABILITY_BINS) -> dict[str, Any]:
    """Brier scores before and after calibration, and a reliability table of the calibrated probabilities."""
    uncalibrated = 1.0 / (1.0 + np.exp(-raw))
    table = []
    for k in range(bins):
        lo, hi = k / bins, (k + 1) / bins
        inside = (calibrated >= lo) & ((calibrated < hi) if k < bins - 1 else (calibrated <= hi))
        if inside.any():
            table.append(
                {
                    "from": lo,
                    "to": hi,
                    "rows": int(inside.sum()),
                    "mean_probability": round(float(calibrated[inside].mean()), 3),
                    "observed": round(float(truth[inside].mean()), 3),
                }
            )
    return {
        "brier_uncalibrated": round(float(np.mean((uncalibrated - truth) ** 2)), 4),
        "brier": round(float(np.mean((calibrated - truth) ** 2)), 4),
        "reliability": table,
    }


@dataclass(frozen=True, slots=True)
class Policy:
    """Per-row facts the decision policy reads besides the model's emergency probability."""

    rules: Bool  # the rules call 911
    doubted: Bool  # ... in a sentence that also denies harm or says it is over
    denied: Bool  # the rules read an explicit "no"
    held: Bool  # the model's emergency answer never counts (distress held at 988, or too few words)
    signs: Bool  # live signs a call-taker would hear


def _policy(examples: Sequence[Example]) -> Policy:
    silent = np.array([not e.verdict.model_may_speak for e in examples])
    return Policy(
        rules=np.array([e.verdict.emergency for e in examples]),
        doubted=np.array([e.verdict.doubted for e in examples]),
        denied=np.array([e.verdict.danger_denied for e in examples]),
        held=np.array([e.verdict.distress_held for e in examples]) | silent,
        signs=np.array([bool(e.verdict.signs) for e in examples]),
    )


def _outcomes(p: Float, f: Policy, page: float, review: float, over: float) -> tuple[Bool, Bool]:
    """Paged and reviewed rows, vectorised exactly as civic311.triage.decision decides them one by one."""
    speaks = ~f.held
    model_page = speaks & ~f.denied & (p >= page)
    paged = (f.rules & (~f.doubted | (~f.held & (p >= over)))) | (~f.rules & model_page)
    model_review = speaks & ((f.denied & (p >= over)) | (~f.denied & (p >= review) & (p < page)))
    reviewed = ~paged & ((f.rules & f.doubted) | (~f.rules & model_review) | f.signs)
    return paged, reviewed


def choose_emergency(p: Float, truth: Bool, f: Policy) -> dict[str, float]:
    """Thresholds for the emergency head, in three steps an auditor can follow.

    The over-denial threshold is the lowest at which the model, out of fold, overrules an explicit "no" on at most
    DENIAL_OVERRIDE_BUDGET of the calm texts carrying one. The paging threshold is the lowest at which dispatch
    is paged for at most PAGE_BUDGET of calm texts. The review threshold is the lowest at which at most
    REVIEW_BUDGET of all texts go to a call-taker.
    """
    calm_denied = p[f.denied & ~truth & ~f.held]
    over = next(
        (g for g in GRID if not calm_denied.size or float(np.mean(calm_denied >= g)) <= DENIAL_OVERRIDE_BUDGET),
        GRID[-1],
    )
    page = next((g for g in GRID if float(np.mean(_outcomes(p, f, g, g, over)[0][~truth])) <= PAGE_BUDGET), GRID[-1])
    over = max(over, page)
    review = next(
        (g for g in GRID if g <= page and float(np.mean(_outcomes(p, f, page, g, over)[1])) <= REVIEW_BUDGET),
        page,
    )
    return {"emergency": page, "emergency_review": review, "emergency_over_denial": over}


def choose_crisis(p: Float, truth: Bool, rules: Bool, denied: Bool, silent: Bool) -> dict[str, float]:
    """The override threshold over an explicit "no" first, then the lowest within FALSE_CRISIS_BUDGET."""
    calm_denied = p[denied & ~truth & ~silent]
    over = next(
        (g for g in GRID if not calm_denied.size or float(np.mean(calm_denied >= g)) <= DENIAL_OVERRIDE_BUDGET),
        GRID[-1],
    )
    for g in (g for g in GRID if g <= over):
        says = ~silent & np.where(denied, p >= over, p >= g)
        if float(np.mean((rules | says)[~truth])) <= FALSE_CRISIS_BUDGET:
            return {"crisis": g, "crisis_over_denial": over}
    raise RuntimeError("no crisis threshold keeps false crises within budget; the rules alone exceed it")


def _rate(hits: Bool, mask: Bool) -> dict[str, float | int]:
    total = int(mask.sum())
    hit = int((hits & mask).sum())
    return {"hits": hit, "total": total, "rate": round(hit / total, 4) if total else 1.0}


def cross_validated_report(
    examples: Sequence[Example], p_emergency: Float, p_crisis: Float, oof: OutOfFold, thresholds: Thresholds
) -> dict[str, Any]:
    """Out-of-fold numbers per language, the policy replayed row by row (the rules are tuned on these rows)."""
    decided = [
        decide(
            e.verdict,
            Opinion(float(pe), float(pc), code, float(cp), thresholds) if e.verdict.model_may_speak else None,
        )
        for e, pe, pc, code, cp in zip(examples, p_emergency, p_crisis, oof.code, oof.code_probability, strict=True)
    ]
    truth_e = np.array([e.row.emergency for e in examples])
    truth_c = np.array([e.row.crisis for e in examples])
    codes = np.array([e.row.service_code for e in examples])
    language = np.array([e.row.language for e in examples])
    paged = np.array([d.decision == "emergency" for d in decided])
    reviewed = np.array([d.decision == "review" for d in decided])
    crisis = np.array([d.crisis for d in decided])
    code = np.array([d.service_code for d in decided])
    report: dict[str, Any] = {}
    for name in ("en", "es", "all"):
        rows = np.ones(len(examples), dtype=bool) if name == "all" else language == name
        calm = rows & ~truth_e
        report[name] = {
            "emergency_recall": _rate(paged | reviewed, rows & truth_e),
            "paged": _rate(paged, rows & truth_e),
            "false_pages": _rate(paged, calm),
            "review_rate": _rate(reviewed, rows),
            "review_rate_calm": _rate(reviewed, calm),
            "crisis_recall": _rate(crisis, rows & truth_c),
            "code_accuracy": _rate(code == codes, calm),
            "model_code_accuracy": _rate(np.array(oof.code) == codes, calm),
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
    """Cross-validate, calibrate, choose thresholds, fit on every row, and return the weights document."""
    d = design(examples)
    groups = near_duplicate_groups(examples)
    print(f"{len(examples)} rows in {len(set(groups.tolist()))} near-duplicate groups", file=sys.stderr)
    oof = out_of_fold(examples, d, groups)
    truth_e = np.array([e.row.emergency for e in examples])
    truth_c = np.array([e.row.crisis for e in examples])
    platts = {"emergency": platt(oof.emergency, truth_e), "crisis": platt(oof.crisis, truth_c)}
    p_e = np.array([platts["emergency"].probability(float(z)) for z in oof.emergency])
    p_c = np.array([platts["crisis"].probability(float(z)) for z in oof.crisis])
    policy = _policy(examples)
    silent = np.array([not e.verdict.model_may_speak for e in examples])
    chosen = {
        **choose_emergency(p_e, truth_e, policy),
        **choose_crisis(
            p_c,
            truth_c,
            np.array([e.verdict.crisis for e in examples]),
            np.array([e.verdict.crisis_denied for e in examples]),
            silent,
        ),
    }
    thresholds = Thresholds(**chosen)
    heads = fit_heads(d, examples, np.arange(len(examples)))
    document = _document(heads, thresholds._asdict())
    document["calibration"] = {
        "emergency": {"platt": platts["emergency"]._asdict(), **calibration_report(oof.emergency, p_e, truth_e)},
        "crisis": {"platt": platts["crisis"]._asdict(), **calibration_report(oof.crisis, p_c, truth_c)},
    }
    document["featurizer"]["fingerprint"] = provenance.featurizer_fingerprint()
    document["about"] = (
        "Statistical second opinion for triage, written by `make triage-model`; do not edit by hand. "
        "Logistic regressions over hashed words, word pairs and 3-5 letter pieces of words; weights by bucket; "
        "Platt calibration fitted on out-of-fold scores."
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
        "page_budget": PAGE_BUDGET,
        "review_budget": REVIEW_BUDGET,
        "false_crisis_budget": FALSE_CRISIS_BUDGET,
        "denial_override_budget": DENIAL_OVERRIDE_BUDGET,
    }
    document["cross_validation"] = cross_validated_report(examples, p_e, p_c, oof, thresholds)
    return document


def _summary(document: Mapping[str, Any]) -> Iterable[str]:
    report = document["cross_validation"]
    for name in ("en", "es", "all"):
        yield f"  {name:<3} " + "  ".join(
            f"{k} {v['rate']:.1%} ({v['hits']}/{v['total']})" for k, v in report[name].items()
        )
    for head in ("emergency", "crisis"):
        c = document["calibration"][head]
        yield f"  {head} calibration: Brier {c['brier_uncalibrated']:.4f} uncalibrated, {c['brier']:.4f} after Platt"
        for b in c["reliability"]:
            yield (
                f"    p {b['from']:.1f}-{b['to']:.1f}: {b['rows']:>5} rows, mean {b['mean_probability']:.3f}, "
                f"observed {b['observed']:.3f}"
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
    for line in _summary(document):
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
