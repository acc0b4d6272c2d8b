"""The statistical second opinion: trained on what the repo holds, scored like scikit-learn, combined by policy."""

from __future__ import annotations

import math
import subprocess
import sys
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from civic311.triage import provenance, triage
from civic311.triage.engine import TriageEngine, get_engine
from civic311.triage.features import BUCKETS, FEATURIZER_VERSION, featurize
from civic311.triage.lexicon import load_rules
from civic311.triage.second_opinion import SecondOpinion, pack, read_weights

DOMAIN = Path(__file__).resolve().parents[3] / "layers" / "domain"
RETRAIN = "run `make triage-model` to retrain the second opinion and commit second_opinion.json"


@cache
def _rules_only() -> TriageEngine:
    return TriageEngine(load_rules())


@cache
def _training_examples() -> tuple[Any, ...]:
    """Every training row judged by the rules (seconds of work), read once by the tests that only look at them."""
    from civic311.triage import train

    return tuple(train.load_examples())


# ----------------------------------------------------------------- provenance of the shipped weights
def test_weights_were_trained_on_the_training_files_as_they_are() -> None:
    training = read_weights()["training"]
    assert training["files"] == list(provenance.TRAINING_FILES), RETRAIN
    assert training["data_digest"] == provenance.data_digest(), f"labelled training data changed: {RETRAIN}"


def test_weights_were_trained_with_the_rule_files_as_they_are() -> None:
    assert read_weights()["training"]["rules_digest"] == provenance.rules_digest(), f"rule files changed: {RETRAIN}"


def test_weights_were_trained_with_the_featurizer_as_it_is() -> None:
    featurizer = read_weights()["featurizer"]
    assert (featurizer["version"], featurizer["buckets"]) == (FEATURIZER_VERSION, BUCKETS), RETRAIN
    assert featurizer["fingerprint"] == provenance.featurizer_fingerprint(), f"features changed: {RETRAIN}"


def test_held_out_sets_are_never_trained_on() -> None:
    assert not set(provenance.HELD_OUT_FILES) & set(read_weights()["training"]["files"])


def test_a_changed_training_file_is_noticed(tmp_path: Path) -> None:
    for name in provenance.TRAINING_FILES:
        (tmp_path / name).write_bytes((provenance.DATA_DIR / name).read_bytes())
    assert provenance.data_digest(tmp_path) == provenance.data_digest()
    with (tmp_path / provenance.TRAINING_FILES[0]).open("a", encoding="utf-8") as handle:
        handle.write('{"text": "one more labelled row"}\n')
    assert provenance.data_digest(tmp_path) != provenance.data_digest()


def test_a_model_from_another_featurizer_is_refused() -> None:
    document = read_weights()
    document["featurizer"] = {**document["featurizer"], "version": FEATURIZER_VERSION + "-old"}
    with pytest.raises(ValueError, match="make triage-model"):
        SecondOpinion(document)


# ----------------------------------------------------------------- the scorer against scikit-learn
def test_pure_python_scores_match_scikit_learn_predict_proba() -> None:
    pytest.importorskip("sklearn")
    import numpy as np
    from sklearn.linear_model import LogisticRegression

    from civic311.triage import train

    examples = _training_examples()[:400]
    d = train.design(examples)
    emergency = np.array([e.row.emergency for e in examples])
    crisis = np.array([e.row.crisis for e in examples])
    codes = np.array([e.row.service_code for e in examples])
    fitted = {
        "emergency": LogisticRegression(C=4.0, max_iter=2000).fit(d.X, emergency),
        "crisis": LogisticRegression(C=4.0, max_iter=2000).fit(d.X, crisis),
        "service_code": LogisticRegression(C=4.0, max_iter=2000).fit(d.X, codes),
    }

    def weights(row: Any) -> dict[int, float]:
        return {int(b): float(w) for b, w in zip(d.buckets, row, strict=True) if w != 0.0}

    code_model = fitted["service_code"]
    classes = [str(c) for c in code_model.classes_]
    heads: dict[str, Any] = {
        name: {"bias": float(fitted[name].intercept_[0]), "weights": weights(fitted[name].coef_[0])}
        for name in ("emergency", "crisis")
    }
    heads["service_code"] = {
        "classes": classes,
        "bias": [float(b) for b in code_model.intercept_],
        "weights": {c: weights(code_model.coef_[k]) for k, c in enumerate(classes)},
    }
    document = {
        "featurizer": {"version": FEATURIZER_VERSION, "buckets": BUCKETS},
        "thresholds": {
            "emergency": 0.5,
            "emergency_review": 0.3,
            "emergency_over_denial": 0.9,
            "crisis": 0.5,
            "crisis_over_denial": 0.9,
        },
        "table": pack(heads),
    }
    scorer = SecondOpinion(document)
    sample = range(0, len(examples), 7)
    p_emergency = fitted["emergency"].predict_proba(d.X)[:, 1]
    p_crisis = fitted["crisis"].predict_proba(d.X)[:, 1]
    p_code = code_model.predict_proba(d.X)
    for i in sample:
        opinion = scorer.opinion(examples[i].buckets)
        assert opinion.emergency == pytest.approx(p_emergency[i], abs=1e-9)
        assert opinion.crisis == pytest.approx(p_crisis[i], abs=1e-9)
        assert opinion.code == classes[int(np.argmax(p_code[i]))]
        assert opinion.code_probability == pytest.approx(float(np.max(p_code[i])), abs=1e-9)


# ----------------------------------------------------------------- combining with the rules
CALLS = [
    "guy on the bridge railing looking down",
    "there was a crash on Speedway, no one is hurt",
    "pothole on 22nd street",
    "I keep having panic attacks at night",
    "smoke is pouring out of the apartment upstairs",
    "hay un perro suelto en el parque",
]


@pytest.mark.parametrize("text", CALLS)
def test_without_a_model_the_engine_gives_the_rules_answer(text: str) -> None:
    engine = _rules_only()
    verdict = engine.judge(text)
    result = engine.triage(text)
    assert (result.emergency, result.crisis) == (verdict.emergency, verdict.crisis)
    expected_code = verdict.emergency_code or ("mental-health" if verdict.crisis else verdict.cue_code)
    assert result.service_code == expected_code
    assert not [s for s in result.signals if s.startswith("model")]


@pytest.mark.parametrize(
    "text",
    [
        "the fire hydrant is leaking",
        "someone stole my bike last week",
        "the music is killing me",
        "no one is hurt",
    ],
)
def test_an_explicit_denial_stays_negative_with_the_model(text: str) -> None:
    assert get_engine()._second_opinion is not None
    result = triage(text)
    assert (result.emergency, result.crisis) == (False, False), result.signals
    assert not [s for s in result.signals if s.startswith(("model:emergency", "model:crisis"))]


def test_an_emergency_only_the_model_found_is_paged_or_reviewed_and_says_so_in_its_signals() -> None:
    text = "guy on the bridge railing looking down"
    assert not _rules_only().triage(text).emergency
    result = triage(text)
    assert result.decision != "routine"
    assert [s for s in result.signals if s.startswith("model:emergency=")], result.signals


def _constant(emergency: float, crisis: float = 0.01) -> SecondOpinion:
    """A model that says the same of every text, for testing the policy apart from the shipped weights."""
    shipped = read_weights()
    logit = lambda p: math.log(p / (1 - p))  # noqa: E731
    return SecondOpinion(
        {
            "featurizer": shipped["featurizer"],
            "thresholds": {
                "emergency": 0.9,
                "emergency_review": 0.5,
                "emergency_over_denial": 0.95,
                "crisis": 0.5,
                "crisis_over_denial": 0.9,
            },
            "table": {
                "classes": ["other"],
                "bias": [logit(emergency), logit(crisis), 0.0],
                "buckets": [],
                "offsets": [0],
                "slots": [],
                "weights": [],
            },
        }
    )


def test_above_its_paging_threshold_the_model_pages_dispatch_for_what_the_rules_do_not_deny() -> None:
    result = TriageEngine(load_rules(), _constant(0.92)).triage("a deep pothole on 22nd street")
    assert (result.emergency, result.decision) == (True, "emergency")
    assert "model:emergency=0.92" in result.signals


def test_in_the_models_middle_band_a_call_taker_reviews_instead_of_dispatch() -> None:
    result = TriageEngine(load_rules(), _constant(0.62)).triage("a deep pothole on 22nd street")
    assert (result.emergency, result.decision) == (False, "review")
    assert {"model:emergency=0.62", "review:model-unsure"} <= set(result.signals)
    assert result.service_code == "pothole"  # review keeps the calm reading of the code for whoever takes it


def test_below_the_review_threshold_the_model_changes_nothing() -> None:
    result = TriageEngine(load_rules(), _constant(0.4)).triage("a deep pothole on 22nd street")
    assert result.decision == "routine"
    assert not [s for s in result.signals if "emergency" in s]


def test_against_an_explicit_no_the_model_only_asks_for_review_and_only_when_very_sure() -> None:
    sure = TriageEngine(load_rules(), _constant(0.97)).triage("the fire hydrant is leaking")
    assert (sure.emergency, sure.decision) == (False, "review")
    assert "review:model-over-denial" in sure.signals
    unsure = TriageEngine(load_rules(), _constant(0.92)).triage("the fire hydrant is leaking")
    assert (unsure.emergency, unsure.decision) == (False, "routine")
    assert "model-overruled:emergency=0.92" in unsure.signals


@pytest.mark.parametrize("text", ["hello?", "the thing", "testing 123", "qué", "no sé", "hmm", "pothole on 22nd"])
def test_texts_with_too_few_words_for_the_model_get_the_rules_answer_alone(text: str) -> None:
    engine = TriageEngine(load_rules(), _constant(0.999, 0.999))
    assert engine.triage(text) == _rules_only().triage(text)


# What callers say while they find their words; a 911 call or a 988 referral for any of these is a false alarm.
FILLERS = [
    "hello?",
    "the thing",
    "testing 123",
    "I dont know",
    "I want to talk to a person",
    "sorry what was the question",
    "qué",
    "no sé",
    "quiero hablar con alguien",
    "okay thanks",
]


@pytest.mark.parametrize("text", FILLERS)
def test_what_callers_say_while_finding_their_words_is_neither_emergency_nor_crisis(text: str) -> None:
    result = triage(text)
    assert (result.emergency, result.crisis) == (False, False), result.signals


def test_distress_the_rules_hold_for_988_is_never_sent_to_911_by_the_model() -> None:
    engine = TriageEngine(load_rules(), _constant(0.999))
    result = engine.triage("I keep having panic attacks at night")
    assert (result.crisis, result.emergency, result.service_code) == (True, False, "mental-health")
    assert result.decision == "routine"
    assert "model-overruled:emergency=1.00" in result.signals


def test_the_shipped_model_reads_what_the_engine_normalised() -> None:
    verdict = _rules_only().judge("Not bleeding, just a scrape")
    assert featurize(verdict.doc, verdict.mask, verdict.negated)
    assert any(verdict.negated)


# ----------------------------------------------------------------- the runtime stays pure Python
def test_triage_never_imports_scikit_learn_scipy_or_numpy() -> None:
    code = (
        "import sys\n"
        "from civic311.triage import triage\n"
        "from civic311.triage.engine import get_engine\n"
        "triage('my grandpa collapsed and his lips look blue')\n"
        "assert get_engine()._second_opinion is not None\n"
        "heavy = sorted(m for m in sys.modules if m.split('.')[0] in {'sklearn', 'scipy', 'numpy'})\n"
        "print(','.join(heavy))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        env={"PYTHONPATH": str(DOMAIN), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "", f"triage imported {done.stdout.strip()}"


def test_the_weights_ship_inside_the_package() -> None:
    from importlib import resources

    assert resources.files("civic311.triage").joinpath("second_opinion.json").is_file()


def test_training_replays_the_decision_policy_exactly_as_triage_decides() -> None:
    pytest.importorskip("sklearn")
    import numpy as np

    from civic311.triage.decision import decide
    from civic311.triage.second_opinion import Opinion, Thresholds
    from civic311.triage.thresholds import outcomes, policy_facts

    examples = _training_examples()
    limits = Thresholds(0.85, 0.3, 0.9, 0.5, 0.9)
    p = np.random.default_rng(7).random(len(examples))
    paged, reviewed = outcomes(p, policy_facts(examples), limits.emergency, limits.emergency_review, 0.9)
    for i, example in enumerate(examples):
        opinion = Opinion(float(p[i]), 0.0, "other", 1.0, limits) if example.verdict.model_may_speak else None
        decision = decide(example.verdict, opinion).decision
        assert (decision == "emergency", decision == "review") == (bool(paged[i]), bool(reviewed[i])), example.row.text
