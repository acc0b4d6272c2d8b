"""The public interface other code imports: frozen result, lazy shared engine, safe under threads."""

from __future__ import annotations

import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from pydantic import ValidationError

from civic311.triage import TriageResult, triage

DOMAIN = Path(__file__).resolve().parents[3] / "layers" / "domain"


def test_result_has_exactly_the_agreed_fields_and_is_frozen() -> None:
    result = triage("pothole on 22nd street")
    assert set(TriageResult.model_fields) == {"emergency", "crisis", "service_code", "language", "signals", "decision"}
    with pytest.raises(ValidationError):
        result.emergency = True  # type: ignore[misc]


def test_result_language_only_allows_english_or_spanish() -> None:
    with pytest.raises(ValidationError):
        TriageResult(
            emergency=False,
            crisis=False,
            service_code="other",
            language="fr",  # type: ignore[arg-type]
            signals=[],
        )


def test_importing_does_not_build_the_engine_until_first_use() -> None:
    code = (
        "import civic311.triage.engine as e\n"
        "assert e._engine is None\n"
        "from civic311.triage import triage\n"
        "triage('pothole')\n"
        "assert e._engine is not None\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, env={"PYTHONPATH": str(DOMAIN)})


def test_concurrent_calls_agree_with_sequential_calls() -> None:
    texts = [
        "my dad is not breathing",
        "pothole on 22nd street",
        "hay un perro muerto en la calle",
        "the fire hydrant is leaking",
        "I feel hopeless",
        "someone stole my bike last week",
    ] * 20
    expected = [triage(t) for t in texts]
    with ThreadPoolExecutor(max_workers=8) as pool:
        assert list(pool.map(triage, texts)) == expected


def test_results_do_not_depend_on_the_hash_seed() -> None:
    code = (
        "from civic311.triage import triage\n"
        "texts = ['no one is hurt but the car is on fire', 'pothole and trash, dog barking all night',\n"
        "         'mi papá se cayó y no responde', 'he was bleeding last week, now he needs food']\n"
        "print([triage(t).model_dump() for t in texts])\n"
    )
    outputs = {
        subprocess.run(
            [sys.executable, "-c", code],
            check=True,
            capture_output=True,
            text=True,
            env={"PYTHONPATH": str(DOMAIN), "PYTHONHASHSEED": seed},
        ).stdout
        for seed in ("1", "2", "3")
    }
    assert len(outputs) == 1
