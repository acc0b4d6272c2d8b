"""Measure triage on labelled JSONL files: `python -m civic311.triage.evaluation [FILE ...] [--verbose]`."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from civic311.triage.model import TriageResult

SLICES = ("en", "es", "all")
RECALL_TARGET = 1.0
FALSE_ESCALATION_LIMIT = 0.05
CRISIS_RECALL_TARGET = 0.95
CODE_ACCURACY_TARGET = 0.90

DEFAULT_FILE = Path(__file__).resolve().parents[4] / "tests" / "data" / "triage" / "dev.jsonl"

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
    """The four product numbers for one slice of rows."""

    rows: int
    emergency_recall: Ratio
    false_escalation: Ratio
    crisis_recall: Ratio
    code_accuracy: Ratio


@dataclass(frozen=True, slots=True)
class Outcome:
    """A row together with what triage said about it."""

    row: Row
    result: TriageResult

    @property
    def missed(self) -> list[str]:
        """Which labelled facts the prediction got wrong, in the metrics' terms."""
        problems: list[str] = []
        if self.row.emergency and not self.result.emergency:
            problems.append("missed emergency")
        if not self.row.emergency and self.result.emergency:
            problems.append("false escalation")
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
    """Emergency recall, false escalations, crisis recall and code accuracy on non-emergencies."""
    emergencies = [o for o in outcomes if o.row.emergency]
    calm = [o for o in outcomes if not o.row.emergency]
    crises = [o for o in outcomes if o.row.crisis]
    return Metrics(
        rows=len(outcomes),
        emergency_recall=Ratio(sum(o.result.emergency for o in emergencies), len(emergencies)),
        false_escalation=Ratio(sum(o.result.emergency for o in calm), len(calm)),
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
    floors = (
        ("emergency recall", m.emergency_recall.value, RECALL_TARGET),
        (
            "false escalations",
            None if m.false_escalation.value is None else -m.false_escalation.value,
            -FALSE_ESCALATION_LIMIT,
        ),
        ("crisis recall", m.crisis_recall.value, CRISIS_RECALL_TARGET),
        ("code accuracy", m.code_accuracy.value, CODE_ACCURACY_TARGET),
    )
    return [name for name, value, floor in floors if value is not None and value < floor]


def format_table(title: str, by_slice: dict[str, Metrics]) -> str:
    """A plain-text table, one line per slice."""
    header = (
        f"{'slice':<5} {'rows':>4}  {'emergency recall':<18} {'false escalation':<18} "
        f"{'crisis recall':<18} {'code accuracy':<18} missed targets"
    )
    lines = [title, header, "-" * len(header)]
    for name in SLICES:
        m = by_slice[name]
        missed = ", ".join(shortfalls(m)) or "-"
        lines.append(
            f"{name:<5} {m.rows:>4}  {m.emergency_recall!s:<18} {m.false_escalation!s:<18} "
            f"{m.crisis_recall!s:<18} {m.code_accuracy!s:<18} {missed}"
        )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Print a table per file; exit 1 if any slice of any file misses a target."""
    parser = argparse.ArgumentParser(description="Evaluate triage on labelled JSONL files.")
    parser.add_argument("files", nargs="*", type=Path, default=[DEFAULT_FILE])
    parser.add_argument("--verbose", action="store_true", help="print every missed row with its signals")
    parser.add_argument("--rules-only", action="store_true", help="the reviewed rules without the second opinion")
    args = parser.parse_args(argv)

    from civic311.triage import triage
    from civic311.triage.engine import TriageEngine
    from civic311.triage.lexicon import load_rules

    predict: Predict = TriageEngine(load_rules()).triage if args.rules_only else triage

    failed = False
    for path in args.files:
        outcomes = run(load_rows(path), predict)
        by_slice = metrics_by_slice(outcomes)
        print(format_table(str(path), by_slice))
        if args.verbose:
            for outcome in outcomes:
                if outcome.missed:
                    print(f"  [{', '.join(outcome.missed)}] ({outcome.row.language}) {outcome.row.text}")
                    print(f"      signals: {outcome.result.signals}")
        print()
        failed = failed or any(shortfalls(m) for m in by_slice.values())
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
