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
from pathlib import Path
from typing import Any

import numpy as np
import sklearn

from civic311.triage import provenance
from civic311.triage.decision import decide
from civic311.triage.fitting import (
    C_CODE,
    DECIMALS,
    FOLDS,
    KEEP,
    Bool,
    C,
    Example,
    Float,
    OutOfFold,
    calibrate,
    catalog_examples,
    design,
    document,
    fit_heads,
    load_examples,
    near_duplicate_groups,
    out_of_fold,
)
from civic311.triage.second_opinion import WEIGHTS_FILE, Opinion, Thresholds
from civic311.triage.thresholds import (
    DENIAL_OVERRIDE_BUDGET,
    FALSE_CRISIS_BUDGET,
    PAGE_BUDGET,
    REVIEW_BUDGET,
    choose_thresholds,
)

__all__ = ["design", "load_examples", "main", "train"]

OUTPUT = Path(__file__).resolve().parent / WEIGHTS_FILE
RELIABILITY_BINS = 10


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
    d = design(examples, catalog_examples())
    groups = near_duplicate_groups(examples)
    print(f"{len(examples)} rows in {len(set(groups.tolist()))} near-duplicate groups", file=sys.stderr)
    oof = out_of_fold(examples, d, groups)
    truth_e = np.array([e.row.emergency for e in examples])
    truth_c = np.array([e.row.crisis for e in examples])
    platt_e, p_e = calibrate(oof.emergency, truth_e)
    platt_c, p_c = calibrate(oof.crisis, truth_c)
    thresholds = Thresholds(**choose_thresholds(examples, p_e, p_c))
    heads = fit_heads(d, examples, np.arange(len(examples)))
    weights = document(heads, thresholds._asdict())
    weights["calibration"] = {
        "emergency": {"platt": platt_e._asdict(), **calibration_report(oof.emergency, p_e, truth_e)},
        "crisis": {"platt": platt_c._asdict(), **calibration_report(oof.crisis, p_c, truth_c)},
    }
    weights["featurizer"]["fingerprint"] = provenance.featurizer_fingerprint()
    weights["about"] = (
        "Statistical second opinion for triage, written by `make triage-model`; do not edit by hand. "
        "Logistic regressions over hashed words, word pairs and 3-5 letter pieces of words; weights by bucket; "
        "Platt calibration fitted on out-of-fold scores."
    )
    weights["training"] = {
        "files": list(provenance.TRAINING_FILES),
        "data_digest": provenance.data_digest(),
        "rules_digest": provenance.rules_digest(),
        "rows": len(examples),
        "scikit_learn": sklearn.__version__,
        "C": C,
        "C_code": C_CODE,
        "catalog_rows": len(d.catalog),
        "kept_weights": KEEP,
        "decimals": DECIMALS,
        "folds": FOLDS,
        "page_budget": PAGE_BUDGET,
        "review_budget": REVIEW_BUDGET,
        "false_crisis_budget": FALSE_CRISIS_BUDGET,
        "denial_override_budget": DENIAL_OVERRIDE_BUDGET,
    }
    weights["cross_validation"] = cross_validated_report(examples, p_e, p_c, oof, thresholds)
    return weights


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
