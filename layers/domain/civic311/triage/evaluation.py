"""Measure triage on labelled JSONL files: `python -m civic311.triage.evaluation [FILE ...] [--verbose]`.

Leave-one-file-out cross-validation of the model on the training files is civic311.triage.crossval (`make eval CV=1`).

With no file it measures every set `provenance` lists, never-trained sets first; it exits non-zero when a tuned
set misses a target (the never-trained sets are reported, never enforced: tuning to them would end their use).
Given files, it exits non-zero when any of them misses one.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from civic311.triage.model import TriageResult

SLICES = ("en", "es", "all")
RECALL_TARGET = 1.0  # emergencies paged or sent to a call-taker
FALSE_PAGE_LIMIT = 0.03  # non-emergencies paged to dispatch
REVIEW_LIMIT = 0.08  # all rows sent to a call-taker
CRISIS_RECALL_TARGET = 0.95
CODE_ACCURACY_TARGET = 0.90

DATA_DIR = Path(__file__).resolve().parents[4] / "tests" / "data" / "triage"
DEFAULT_FILE = DATA_DIR / "dev.jsonl"

Predict = Callable[[str, str | None], TriageResult]


@dataclass(frozen=True, slots=True)
class Row:
    """One labelled description."""

    text: str
    language: str
    emergency: bool
    crisis: bool
    service_code: str


@dataclass(frozen=True, slots=True)
class Ratio:
    """hits out of total; `value` is None when there is nothing to measure."""

    hits: int
    total: int

    @property
    def value(self) -> float | None:
        return self.hits / self.total if self.total else None

    def __str__(self) -> str:
        value = self.value
        if value is None:
            return "n/a"
        return f"{value:6.1%} ({self.hits}/{self.total})"


@dataclass(frozen=True, slots=True)
class Metrics:
    """The product numbers for one slice of rows."""

    rows: int
    emergency_recall: Ratio  # emergencies paged or reviewed
    false_pages: Ratio  # non-emergencies paged
    review_rate: Ratio  # all rows reviewed
    review_rate_calm: Ratio  # non-emergencies reviewed
    crisis_recall: Ratio
    code_accuracy: Ratio


@dataclass(frozen=True, slots=True)
class Outcome:
    """A row together with what triage said about it."""

    row: Row
    result: TriageResult

    @property
    def caught(self) -> bool:
        """Dispatch paged or a call-taker asked to look: either way a person hears it within two minutes."""
        return self.result.decision != "routine"

    @property
    def missed(self) -> list[str]:
        """Which labelled facts the prediction got wrong, in the metrics' terms."""
        problems: list[str] = []
        if self.row.emergency and not self.caught:
            problems.append("missed emergency")
        if not self.row.emergency and self.result.emergency:
            problems.append("false page")
        if self.result.decision == "review":
            problems.append("review")
        if self.row.crisis and not self.result.crisis:
            problems.append("missed crisis")
        if not self.row.emergency and self.result.service_code != self.row.service_code:
            problems.append(f"code {self.result.service_code} != {self.row.service_code}")
        return problems


def load_rows(path: Path) -> list[Row]:
    """Read a JSONL file of labelled rows."""
    rows: list[Row] = []
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            raw = json.loads(line)
            try:
                rows.append(
                    Row(raw["text"], raw["language"], bool(raw["emergency"]), bool(raw["crisis"]), raw["service_code"])
                )
            except KeyError as exc:
                raise ValueError(f"{path}:{number}: missing field {exc}") from exc
    return rows


def run(rows: Iterable[Row], predict: Predict) -> list[Outcome]:
    """Triage every row; the labelled language is not given as a hint, as on a phone line."""
    return [Outcome(row, predict(row.text, None)) for row in rows]


def metrics(outcomes: Sequence[Outcome]) -> Metrics:
    """Recall counting pages and reviews, false pages, review rates, crisis recall, code accuracy on calm rows."""
    emergencies = [o for o in outcomes if o.row.emergency]
    calm = [o for o in outcomes if not o.row.emergency]
    crises = [o for o in outcomes if o.row.crisis]
    return Metrics(
        rows=len(outcomes),
        emergency_recall=Ratio(sum(o.caught for o in emergencies), len(emergencies)),
        false_pages=Ratio(sum(o.result.emergency for o in calm), len(calm)),
        review_rate=Ratio(sum(o.result.decision == "review" for o in outcomes), len(outcomes)),
        review_rate_calm=Ratio(sum(o.result.decision == "review" for o in calm), len(calm)),
        crisis_recall=Ratio(sum(o.result.crisis for o in crises), len(crises)),
        code_accuracy=Ratio(sum(o.result.service_code == o.row.service_code for o in calm), len(calm)),
    )


def metrics_by_slice(outcomes: Sequence[Outcome]) -> dict[str, Metrics]:
    """Metrics for English rows, Spanish rows and all rows."""
    return {
        "en": metrics([o for o in outcomes if o.row.language == "en"]),
        "es": metrics([o for o in outcomes if o.row.language == "es"]),
        "all": metrics(outcomes),
    }


def shortfalls(m: Metrics) -> list[str]:
    """Targets this slice misses; a slice with nothing to measure misses nothing."""

    def below(ratio: Ratio, floor: float) -> bool:
        return ratio.value is not None and ratio.value < floor

    def above(ratio: Ratio, ceiling: float) -> bool:
        return ratio.value is not None and ratio.value > ceiling

    checks = (
        ("emergency recall", below(m.emergency_recall, RECALL_TARGET)),
        ("false pages", above(m.false_pages, FALSE_PAGE_LIMIT)),
        ("review rate", above(m.review_rate, REVIEW_LIMIT)),
        ("crisis recall", below(m.crisis_recall, CRISIS_RECALL_TARGET)),
        ("code accuracy", below(m.code_accuracy, CODE_ACCURACY_TARGET)),
    )
    return [name for name, missed in checks if missed]


_COLUMNS = (
    ("emergency recall", "emergency_recall"),
    ("false pages", "false_pages"),
    ("review (all)", "review_rate"),
    ("review (calm)", "review_rate_calm"),
    ("crisis recall", "crisis_recall"),
    ("code accuracy", "code_accuracy"),
)


def format_table(title: str, by_slice: dict[str, Metrics]) -> str:
    """A plain-text table, one line per slice."""
    header = f"{'slice':<5} {'rows':>4}  " + " ".join(f"{name:<17}" for name, _ in _COLUMNS) + " missed targets"
    lines = [title, header, "-" * len(header)]
    for name in SLICES:
        m = by_slice[name]
        missed = ", ".join(shortfalls(m)) or "-"
        cells = " ".join(f"{getattr(m, field)!s:<17}" for _, field in _COLUMNS)
        lines.append(f"{name:<5} {m.rows:>4}  {cells} {missed}")
    return "\n".join(lines)


def code_confusion(outcomes: Sequence[Outcome]) -> str:
    """Labelled code -> predicted code on non-emergencies, only for codes with an error; compact."""
    pairs = Counter((o.row.service_code, o.result.service_code) for o in outcomes if not o.row.emergency)
    wrong = sorted({truth for (truth, said), n in pairs.items() if truth != said})
    if not wrong:
        return "codes: no errors"
    lines = ["codes with errors (labelled: right/total, then what it was read as):"]
    for truth in wrong:
        total = sum(n for (t, _), n in pairs.items() if t == truth)
        right = pairs.get((truth, truth), 0)
        misread = ", ".join(
            f"{said} {n}" for (t, said), n in sorted(pairs.items(), key=lambda kv: -kv[1]) if t == truth and said != t
        )
        lines.append(f"  {truth:<24} {right}/{total}  -> {misread}")
    return "\n".join(lines)


def report(path: Path, predict: Predict, verbose: bool, label: str = "") -> bool:
    """Print one set's table and code confusion; True when a slice misses a target."""
    outcomes = run(load_rows(path), predict)
    by_slice = metrics_by_slice(outcomes)
    print(format_table(f"{path.name}{label}", by_slice))
    print(code_confusion(outcomes))
    if verbose:
        for outcome in outcomes:
            if outcome.missed:
                print(f"  [{', '.join(outcome.missed)}] ({outcome.row.language}) {outcome.row.text}")
                print(f"      {outcome.result.decision}; signals: {outcome.result.signals}")
    print()
    return any(shortfalls(m) for m in by_slice.values())


def main(argv: Sequence[str] | None = None) -> int:
    """Print a table per set; exit 1 if a set that is enforced misses a target."""
    parser = argparse.ArgumentParser(description="Evaluate triage on labelled JSONL files.")
    parser.add_argument("files", nargs="*", type=Path, help="labelled sets (default: every set provenance lists)")
    parser.add_argument("--verbose", action="store_true", help="print every missed row with its signals")
    parser.add_argument("--rules-only", action="store_true", help="the reviewed rules without the second opinion")
    args = parser.parse_args(argv)

    from civic311.triage import provenance, triage
    from civic311.triage.engine import TriageEngine
    from civic311.triage.lexicon import load_rules

    predict: Predict = TriageEngine(load_rules()).triage if args.rules_only else triage
    if args.files:
        failed = [path for path in args.files if report(path, predict, args.verbose)]
        return 1 if failed else 0

    for name in provenance.HELD_OUT_FILES:
        # Never-trained sets are reported, never enforced, and never printed row by row: nobody tunes on them.
        report(provenance.DATA_DIR / name, predict, verbose=False, label="  (never trained on; reported only)")
    for name in provenance.UNENFORCED_FILES:
        report(
            provenance.DATA_DIR / name, predict, args.verbose, label="  (trained on, rules not tuned; reported only)"
        )
    failed = [
        name
        for name in provenance.TRAINING_FILES
        if name not in provenance.UNENFORCED_FILES
        and report(provenance.DATA_DIR / name, predict, args.verbose, label="  (tuned; targets enforced)")
    ]
    unlisted = provenance.unlisted_sets()
    if unlisted:
        print(f"labelled sets in neither list of civic311.triage.provenance: {', '.join(unlisted)}")
    if failed:
        print(f"tuned sets below target: {', '.join(failed)}")
    return 1 if failed or unlisted else 0


if __name__ == "__main__":
    sys.exit(main())
