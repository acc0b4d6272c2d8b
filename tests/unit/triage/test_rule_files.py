"""The reviewed rule files are well formed, explain themselves and agree with the service catalog."""

from __future__ import annotations

import itertools
import json
from importlib import resources
from typing import Any

import pytest

from civic311.triage.lexicon import ENTRY_KINDS, iter_rule_documents, load_rules
from civic311.triage.patterns import PatternError, compile_pattern


def _catalog_codes() -> set[str]:
    text = resources.files("civic311").joinpath("catalog", "catalog.json").read_text(encoding="utf-8")
    return {service["service_code"] for service in json.loads(text)["services"]}


def _entries() -> list[dict[str, Any]]:
    return [entry for _, document in iter_rule_documents() for entry in document.get("entries", ())]


def _combos() -> list[dict[str, Any]]:
    return [combo for _, document in iter_rule_documents() for combo in document.get("combos", ())]


def test_every_rule_file_ships_inside_the_package() -> None:
    names = {p.name for p in resources.files("civic311.triage").joinpath("rules").iterdir()}
    assert {
        "context.json",
        "danger.json",
        "crisis.json",
        "services.json",
        "places.json",
        "language.json",
        "typos.json",
    } <= names


def test_every_service_code_in_the_rules_exists_in_the_catalog() -> None:
    codes = _catalog_codes()
    used = {e["service_code"] for e in _entries() if "service_code" in e}
    used |= {c["service_code"] for c in _combos()}
    _, danger = next(d for d in iter_rule_documents() if d[0] == "danger.json")
    used |= set(danger["emergency_code_precedence"])
    assert used - codes == set()


def test_every_catalog_code_is_reachable_by_a_positive_service_cue() -> None:
    reachable = {e["service_code"] for e in _entries() if e["kind"] == "service-cue" and e["weight"] > 0}
    assert _catalog_codes() - reachable == set()


def test_every_entry_says_why_and_uses_a_known_kind() -> None:
    for entry in _entries():
        assert entry["kind"] in ENTRY_KINDS, entry["id"]
        assert len(entry["why"]) > 10, entry["id"]
        assert entry.get("en") or entry.get("es"), entry["id"]


def test_entry_ids_are_unique_and_short() -> None:
    ids = [e["id"] for e in _entries()] + [c["id"] for c in _combos()]
    assert len(ids) == len(set(ids))
    assert all(i == i.lower() and " " not in i and len(i) <= 40 for i in ids)


def test_every_pattern_compiles_and_every_combo_refers_to_known_entries() -> None:
    rules = load_rules()
    assert len(rules.patterns) > 500
    known = set(rules.entries)
    for combo in rules.combos:
        for group in combo.all_of:
            assert group <= known, combo.id


def test_danger_entries_carry_a_group_for_resolution_and_a_code() -> None:
    for entry in _entries():
        if entry["kind"] in {"danger", "crisis-imminent"}:
            assert entry.get("group"), entry["id"]
            assert entry.get("service_code"), entry["id"]


@pytest.mark.parametrize("bad", ["~2 fire", "fire ~2", "fire?", "@nope fire", "fi-re", "#a-b"])
def test_malformed_patterns_are_rejected(bad: str) -> None:
    with pytest.raises(PatternError):
        compile_pattern("x", bad, {})


# Words that usually finish a phrase; after an alternation they often mean someone wrote "going off|beeping"
# expecting a phrase alternative. The patterns below were reviewed and really mean word-by-word alternatives.
_PHRASE_TAILS = {
    "off",
    "behind",
    "up",
    "down",
    "out",
    "sign",
    "light",
    "earth",
    "fuerza",
    "respirar",
    "working",
}
_REVIEWED = {
    "kicked|threw|put me|us|him|her|them out",
    "motorcycle|bike|man|rider|cyclist down",
    "cant get it|him|her off",
    "rolled|fell off ~3 couch|bed|table|counter|changing",
    "hasnt|havent|wont|doesnt ~2 get|gotten out of bed",
    "im|so|completely|totally|feel|feeling ~1 burned|burnt out",
    "i am ~1 burned|burnt out",
    "kicked me|us out",
    "locked us|me out",
    "blown|blew up ~4 mailbox|car|window",
    "walk|walks|walking up to ~3 car|it|window ~8 leave|leaves|minute",
    "ac ~2 not working",
    "ac ~3 isnt|not working",
    "throwing|threw up ~4 black|dark",
    "man|guy|woman|lady|person|worker|rider|cyclist|biker|officer|skater|hiker down",
    "already shut|turned off",
    "crew ~4 shut|turned off",
}


def test_no_alternative_is_silently_meant_as_a_phrase() -> None:
    suspicious = []
    for entry in _entries():
        for pattern in entry.get("en", []) + entry.get("es", []):
            items = pattern.split()
            pairs = itertools.pairwise(items)
            if any("|" in a and b in _PHRASE_TAILS for a, b in pairs) and pattern not in _REVIEWED:
                suspicious.append(f"{entry['id']}: {pattern}")
    assert suspicious == []
