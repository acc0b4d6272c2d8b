"""Leave-one-file-out cross-validation: `python -m civic311.triage.crossval` (or `make eval CV=1`).

Each training file was written at its own time, by its own hand, about its own situations. For each one, the
second opinion's heads are fitted on the other files only, Platt calibration and the decision thresholds are
chosen on the other files' out-of-file scores, and the file is then measured with the columns of `make eval`.
That shows how the model carries over to wording written by other people. It never reads a never-trained set.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

import numpy as np

from civic311.triage import provenance
from civic311.triage.decision import decide
from civic311.triage.engine import assemble
from civic311.triage.evaluation import Outcome, code_confusion, format_table, metrics_by_slice
from civic311.triage.fitting import (
    Bool,
    Example,
    OutOfFold,
    calibrate,
    catalog_examples,
    design,
    load_examples,
    scored_apart,
)
from civic311.triage.second_opinion import Opinion, Thresholds
from civic311.triage.thresholds import choose_thresholds

HEADER = (
    "Leave-one-file-out cross-validation: each file measured by a model trained without it.\n"
    "The hand-written rules were tuned by their author on every one of these files, so only the model's part of\n"
    "these figures is out of sample; the never-trained sets (`make eval`) remain the measure of the whole."
)


def _outcomes(examples: Sequence[Example], scored: OutOfFold, held_out: Bool) -> list[Outcome]:
    """The held-out file's rows decided with calibration and thresholds learnt from the other files alone."""
    others = ~held_out
    truth_e = np.array([e.row.emergency for e in examples])
    truth_c = np.array([e.row.crisis for e in examples])
    platt_e, p_e_others = calibrate(scored.emergency[others], truth_e[others])
    platt_c, p_c_others = calibrate(scored.crisis[others], truth_c[others])
    rest = [e for e, keep in zip(examples, others, strict=True) if keep]
    thresholds = Thresholds(**choose_thresholds(rest, p_e_others, p_c_others, strict=False))
    outcomes: list[Outcome] = []
    for i in np.flatnonzero(held_out).tolist():
        example = examples[i]
        opinion = None
        if example.verdict.model_may_speak:
            opinion = Opinion(
                platt_e.probability(float(scored.emergency[i])),
                platt_c.probability(float(scored.crisis[i])),
                scored.code[i],
                float(scored.code_probability[i]),
                thresholds,
            )
        outcomes.append(Outcome(example.row, assemble(example.verdict, decide(example.verdict, opinion))))
    return outcomes


def cross_validate(examples: Sequence[Example]) -> dict[str, list[Outcome]]:
    """Outcomes per training file, each from a model fitted without that file."""
    d = design(examples, catalog_examples())
    sources = np.array([e.source for e in examples])
    names = list(dict.fromkeys(e.source for e in examples))
    splits = [(np.flatnonzero(sources != name), np.flatnonzero(sources == name)) for name in names]
    scored = scored_apart(examples, d, splits)
    return {name: _outcomes(examples, scored, sources == name) for name in names}


def main(argv: Sequence[str] | None = None) -> int:
    """Print one table per training file, then all files pooled; always exits 0 (a report, not a gate)."""
    parser = argparse.ArgumentParser(description="Leave-one-file-out cross-validation of the triage model.")
    parser.add_argument("--confusion", action="store_true", help="also print each file's code confusion")
    args = parser.parse_args(argv)
    per_file = cross_validate(load_examples())
    print(HEADER, end="\n\n")
    for name in provenance.TRAINING_FILES:
        print(format_table(f"{name}  (model trained without it)", metrics_by_slice(per_file[name])))
        if args.confusion:
            print(code_confusion(per_file[name]))
        print()
    pooled = [outcome for name in provenance.TRAINING_FILES for outcome in per_file[name]]
    print(format_table("every file, each left out in turn", metrics_by_slice(pooled)))
    print(code_confusion(pooled))
    return 0


if __name__ == "__main__":
    sys.exit(main())
