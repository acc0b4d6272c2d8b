"""Load the reviewed rule files shipped in `civic311/triage/rules/` and compile them for the engine."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from importlib import resources
from typing import Any, NamedTuple, cast

from civic311.triage.normalize import fold
from civic311.triage.patterns import Element, Pattern, compile_pattern
from civic311.triage.places import Gazetteer

RULE_FILES = ("context.json", "danger.json", "crisis.json", "services.json", "signs.json")

# What each entry kind means to the engine; a rule file may use no other kind.
ENTRY_KINDS = frozenset(
    {
        "danger",  # on its own: call 911 now
        "component",  # only counts inside a combo
        "risk",  # a weak danger sign; enough different ones together (risk_threshold) mean 911
        "alarm",  # a bare call for help: a risk sign only in a terse message that asks for no service
        "crisis",  # mental-health distress, not imminent
        "crisis-imminent",  # self-harm in progress or with plan and means: 911 and crisis
        "sign",  # how someone looks or acts that a call-taker would hear as an emergency: review, not dispatch
        "negator",  # "no", "nobody", "nadie": cancels a cue just after it
        "barrier",  # "if", "but": stops a negator reaching past it
        "past-time",  # "last week", "ayer": the event is over
        "habitual",  # "every night", "todas las noches": a pattern, not something happening this minute
        "hypothetical",  # "what should I do if", "qué hago si": asking ahead, nothing is happening
        "present-time",  # "right now", "ahorita", "just now": the event is happening
        "progressive",  # "is following", "están quebrando": under way, for cues that need it; never beats a time phrase
        "uncertain",  # "not sure if he is breathing": treat as present, never as negated
        "resolved",  # "long gone", "ya se fueron": the danger has passed
        "safety",  # "I'm not going to do anything": no plan right now
        "benign",  # idioms and compounds ("fire hydrant", "killing me") that hide cue words
        "service-cue",  # evidence for one service code
    }
)
COMBO_KINDS = frozenset({"danger", "crisis-imminent"})


class Entry(NamedTuple):
    """One reviewed rule: an id, what kind of evidence it is, and why it exists."""

    id: str
    kind: str
    why: str
    service_code: str | None
    group: str | None
    weight: float
    resolves: frozenset[str]
    needs_present: bool
    patterns: tuple[str, ...]


class Combo(NamedTuple):
    """Fires when every group of component ids has a live hit (within `within` words, if set)."""

    id: str
    kind: str
    why: str
    service_code: str
    group: str
    all_of: tuple[frozenset[str], ...]
    within: int | None


class RuleSet(NamedTuple):
    """Everything the engine needs, compiled once."""

    entries: Mapping[str, Entry]
    combos: tuple[Combo, ...]
    patterns: tuple[Pattern, ...]
    rewrites: Mapping[str, tuple[str, ...]]
    joins: Mapping[tuple[str, str], str]
    emergency_code_precedence: tuple[str, ...]
    risk_threshold: float
    terse_words: int
    terse_risk_threshold: float
    gazetteer: Gazetteer
    stopwords: Mapping[str, frozenset[str]]
    accent_cues: str
    typo_terms: tuple[str, ...]
    known_words: frozenset[str]
    vocabulary: frozenset[str]


def _read(name: str) -> dict[str, Any]:
    text = resources.files("civic311.triage").joinpath("rules", name).read_text(encoding="utf-8")
    return cast(dict[str, Any], json.loads(text))


def _words(values: Sequence[str]) -> frozenset[str]:
    return frozenset(fold(v).replace("'", "") for v in values)


def _plurals(words: frozenset[str]) -> frozenset[str]:
    """Class members with their plural forms, so "@person" also reads "cashiers", "workers", "senores"."""
    extra = set()
    for word in words:
        if len(word) < 3 or not word.isalpha():
            continue
        extra.add(word + "s")
        if word.endswith(("s", "x", "z", "ch", "sh", "n", "r", "l")):
            extra.add(word + "es")
    return words | frozenset(extra)


def _spell_like_text(source: str, rewrites: Mapping[str, tuple[str, ...]], joins: Mapping[tuple[str, str], str]) -> str:
    """Spell a pattern the way tokenize spells text, so "will not wake up" still meets "wont wake up"."""

    def one(word: str) -> str:
        replacement = rewrites.get(word)
        return replacement[0] if replacement is not None and len(replacement) == 1 else word

    items: list[str] = []
    for item in source.split():
        if item.isalnum():
            for word in rewrites.get(item, (item,)):
                if items and (items[-1], word) in joins:
                    items[-1] = joins[(items[-1], word)]
                else:
                    items.append(word)
            continue
        if "|" in item and not item.endswith("?"):
            item = "|".join(one(alt) if alt.isalnum() else alt for alt in item.split("|"))
        items.append(item)
    return " ".join(items)


def _respeller(rewrites: Mapping[str, tuple[str, ...]], joins: Mapping[tuple[str, str], str]) -> Callable[[str], str]:
    """_spell_like_text, skipped for the many patterns that hold no rewritten word and no joinable pair."""
    triggers = frozenset(rewrites) | frozenset(second for _, second in joins)

    def respell(source: str) -> str:
        if triggers.isdisjoint(source.replace("|", " ").split()):
            return source
        return _spell_like_text(source, rewrites, joins)

    return respell


def _entry(raw: Mapping[str, Any], source: str) -> Entry:
    kind = raw["kind"]
    if kind not in ENTRY_KINDS:
        raise ValueError(f"{source}: entry {raw.get('id')!r} has unknown kind {kind!r}")
    if not raw.get("why"):
        raise ValueError(f"{source}: entry {raw['id']!r} must say why it exists")
    patterns = tuple(fold(p).replace("'", "") for lang in ("en", "es") for p in raw.get(lang, ()))
    if not patterns:
        raise ValueError(f"{source}: entry {raw['id']!r} has no en/es patterns")
    return Entry(
        id=raw["id"],
        kind=kind,
        why=raw["why"],
        service_code=raw.get("service_code"),
        group=raw.get("group"),
        weight=float(raw.get("weight", 1.0)),
        resolves=frozenset(raw.get("resolves", ())),
        needs_present=bool(raw.get("needs_present", False)),
        patterns=patterns,
    )


def _combo(raw: Mapping[str, Any], source: str) -> Combo:
    if raw["kind"] not in COMBO_KINDS:
        raise ValueError(f"{source}: combo {raw['id']!r} has unknown kind {raw['kind']!r}")
    return Combo(
        id=raw["id"],
        kind=raw["kind"],
        why=raw["why"],
        service_code=raw["service_code"],
        group=raw["group"],
        all_of=tuple(frozenset(group) for group in raw["all_of"]),
        within=raw.get("within"),
    )


# Entry kinds whose words are worth guessing a misspelling towards: the ones that can raise an alarm.
_ALARM_KINDS = frozenset({"danger", "crisis", "crisis-imminent", "component", "risk", "alarm"})
_LONG_WORD = re.compile(r"(?<![a-z@*])[a-z]{5,}(?![a-z*])")


def _danger_vocabulary(entries: Mapping[str, Entry]) -> frozenset[str]:
    """Words of five letters or more in the entries that can raise an alarm, for the sound-alike speller."""
    text = " ".join(source for entry in entries.values() if entry.kind in _ALARM_KINDS for source in entry.patterns)
    return frozenset(_LONG_WORD.findall(text))


def iter_rule_documents() -> Iterator[tuple[str, dict[str, Any]]]:
    """Each rule file's name and parsed content, for the engine and for tests that audit the data."""
    for name in RULE_FILES:
        yield name, _read(name)


def load_rules() -> RuleSet:
    """Read every rule file, check it, and compile its patterns."""
    entries: dict[str, Entry] = {}
    combos: list[Combo] = []
    classes: dict[str, frozenset[str]] = {}
    rewrites: dict[str, tuple[str, ...]] = {}
    joins: dict[tuple[str, str], str] = {}
    precedence: tuple[str, ...] = ()
    risk_threshold = float("inf")
    terse_words = 0
    terse_risk_threshold = float("inf")
    for name, document in iter_rule_documents():
        for class_name, members in document.get("word_classes", {}).items():
            classes[class_name] = _plurals(_words(members))
        for raw_token, replacement in document.get("rewrites", {}).items():
            rewrites[fold(raw_token)] = tuple(fold(replacement).replace("'", "").split())
        for pair, joined in document.get("joins", {}).items():
            first, second = fold(pair).replace("'", "").split()
            joins[(first, second)] = fold(joined).replace("'", "")
        if "emergency_code_precedence" in document:
            precedence = tuple(document["emergency_code_precedence"])
        if "risk_threshold" in document:
            risk_threshold = float(document["risk_threshold"])
        if "terse" in document:
            terse_words = int(document["terse"]["max_words"])
            terse_risk_threshold = float(document["terse"]["risk_threshold"])
        for raw in document.get("entries", ()):
            if raw["id"] in entries:
                raise ValueError(f"{name}: duplicate entry id {raw['id']!r}")
            entries[raw["id"]] = _entry(raw, name)
        combos.extend(_combo(raw, name) for raw in document.get("combos", ()))

    for combo in combos:
        for group in combo.all_of:
            for component in group:
                if component not in entries:
                    raise ValueError(f"combo {combo.id!r} refers to unknown entry {component!r}")

    memo: dict[str, Element] = {}
    respell = _respeller(rewrites, joins)
    patterns = tuple(
        compile_pattern(entry.id, respell(source), classes, memo)
        for entry in entries.values()
        for source in entry.patterns
    )
    places = _read("places.json")
    gazetteer = Gazetteer(
        suffixes=_words(places["street_suffixes"]) | _words(places["ambiguous_street_suffixes"]),
        ambiguous_suffixes=_words(places["ambiguous_street_suffixes"]),
        streets=_words(places["streets"]),
        street_heads=frozenset(w for s in _words(places["streets"]) for w in s.split()),
        directions=_words(places["directions"]),
        function_words=_words(places["function_words"]),
        location_prepositions=_words(places["location_prepositions"]),
        joiners=_words(places["joiners"]),
        articles=_words(places["articles"]),
        leading_types=_words(places["leading_street_types"]),
    )
    language = _read("language.json")
    typos = _read("typos.json")
    distinct = {id(element): element for pattern in patterns for element in pattern.elements}
    pattern_words = frozenset().union(*(element.words for element in distinct.values()))
    stopwords = {lang: _words(words) for lang, words in language["stopwords"].items()}
    known = pattern_words | frozenset().union(*stopwords.values()) | _words(typos["real_words"])
    known_other = frozenset().union(*stopwords.values()) | _words(typos["real_words"])
    return RuleSet(
        entries=entries,
        combos=tuple(combos),
        patterns=patterns,
        rewrites=rewrites,
        joins=joins,
        emergency_code_precedence=precedence,
        risk_threshold=risk_threshold,
        terse_words=terse_words,
        terse_risk_threshold=terse_risk_threshold,
        gazetteer=gazetteer,
        stopwords=stopwords,
        accent_cues=language["spanish_characters"],
        typo_terms=tuple(fold(t) for t in typos["danger_terms"]),
        known_words=known | frozenset(fold(t) for t in typos["danger_terms"]),
        vocabulary=(_danger_vocabulary(entries) | frozenset(fold(t) for t in typos["danger_terms"])) - known_other,
    )
