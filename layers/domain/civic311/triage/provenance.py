"""What the second opinion's weights were trained on: data files, rule files and the featurizer's behaviour.

Digests are recorded in second_opinion.json by training and compared by a unit test, so labelled data, rules or
featurizer cannot change without the weights being retrained.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from importlib import resources
from pathlib import Path

from civic311.triage.engine import TriageEngine
from civic311.triage.features import FEATURIZER_VERSION, featurize
from civic311.triage.lexicon import load_rules

DATA_DIR = Path(__file__).resolve().parents[4] / "tests" / "data" / "triage"
# The tuned sets: the model trains on them, rules are tuned on them, and `make eval` enforces the targets on them.
TRAINING_FILES = (
    "dev.jsonl",
    "challenge.jsonl",
    "holdout_estimate.jsonl",
    "regressions.jsonl",
    "redteam.jsonl",
    "shapes.jsonl",
    "generalise.jsonl",
    # Reported as never-trained in earlier releases, so often that they no longer measured anything new; they are
    # training data now, and the blind sets below replace them.
    "redteam_holdout.jsonl",
    "fresh_holdout.jsonl",
    "blind_a.jsonl",
    "blind_b.jsonl",
    # Written from the shapes of the misses by someone who never saw the rules.
    "train_e.jsonl",
    "train_f.jsonl",
)
# Trained on but not enforced by `make eval`: the rules were never tuned to these sets, and meeting their targets
# by tuning rules to their wording would only fit the wording.
UNENFORCED_FILES = (
    "redteam_holdout.jsonl",
    "fresh_holdout.jsonl",
    "blind_a.jsonl",
    "blind_b.jsonl",
    "train_e.jsonl",
    "train_f.jsonl",
)
# Sets written apart from the rules, never trained or tuned on: `make eval` reports each one every time. A new
# blind set is one more name here.
HELD_OUT_FILES = (
    "blind_c.jsonl",
    "blind_d.jsonl",
    # Written from the shapes of the misses by someone who never saw the rules or the other sets; measured once,
    # after the rules and the model of this release were final.
    "blind_e.jsonl",
    "blind_f.jsonl",
    # Written by someone who never saw the rules, the model or any other set but the development examples.
    "blind_g.jsonl",
)


def unlisted_sets(folder: Path = DATA_DIR) -> list[str]:
    """Labelled files in neither list, so a set dropped into the folder cannot go unmeasured (or trained on)."""
    listed = set(TRAINING_FILES) | set(HELD_OUT_FILES)
    return sorted(path.name for path in folder.glob("*.jsonl") if path.name not in listed)


# Texts that exercise place masking, typo repair, numbers, rewrites and Spanish folding.
PROBES = (
    "My neighbor at 1400 E Lester St is not breathing, he's unconcious and bleedin!",
    "Hay un bache enorme en la Calle Marte y Speedway, mi niño se cayó; ¿quién lo arregla?",
    "won't stop barking at night near Grant & Alvernon, 3 dogs",
)


def _sha256(parts: Iterable[bytes]) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(hashlib.sha256(part).digest())
    return digest.hexdigest()


def data_digest(folder: Path = DATA_DIR, names: Iterable[str] = TRAINING_FILES) -> str:
    """One digest over the names and bytes of the training files, in their fixed order."""
    parts: list[bytes] = []
    for name in names:
        parts.extend((name.encode("utf-8"), (folder / name).read_bytes()))
    return _sha256(parts)


def rules_digest() -> str:
    """One digest over every rule file; features and the rules' denials both depend on them."""
    folder = resources.files("civic311.triage").joinpath("rules")
    names = sorted(item.name for item in folder.iterdir() if item.name.endswith(".json"))
    return _sha256(part for name in names for part in (name.encode("utf-8"), folder.joinpath(name).read_bytes()))


def featurizer_fingerprint() -> str:
    """The featurizer's version and the buckets it gives the probe texts, so a silent change is caught."""
    engine = TriageEngine(load_rules())
    parts = [FEATURIZER_VERSION.encode("utf-8")]
    for text in PROBES:
        verdict = engine.judge(text)
        parts.append(
            ",".join(map(str, featurize(verdict.doc, verdict.mask, verdict.negated, verdict.marks))).encode("ascii")
        )
    return _sha256(parts)
