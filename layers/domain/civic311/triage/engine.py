"""The triage engine: rule hits, then negation, tense and resolution, then the decision with the second opinion."""

from __future__ import annotations

import itertools
import threading
from collections.abc import Sequence

from civic311.triage.decision import Decided, decide
from civic311.triage.language import detect_language, normalise_hint
from civic311.triage.lexicon import Combo, RuleSet, load_rules
from civic311.triage.model import TriageResult
from civic311.triage.normalize import Doc, tokenize
from civic311.triage.patterns import Hit, Matcher
from civic311.triage.places import location_mask
from civic311.triage.second_opinion import Opinion, SecondOpinion, load_second_opinion
from civic311.triage.status import (
    HABITUAL,
    HYPOTHETICAL,
    LIVE,
    NEGATED,
    PAST,
    RESOLVED,
    Spans,
    build_context,
    explains,
    is_resolved,
    negation_scope,
    status,
    time_marks,
)
from civic311.triage.typos import TypoCorrector
from civic311.triage.verdict import RuleVerdict

# Longer texts are cut here; intake forms stop well before, so this only bounds hostile input.
MAX_CHARS = 20_000
# Cap on the combinations tried for one proximity combo, so a pathological text cannot blow up.
MAX_COMBO_TRIES = 2_000
# Live hits kept per combo component or risk entry; more add nothing but time on repetitive texts.
MAX_LIVE_HITS = 8
# Distinct phrases of one entry that count towards a vote; more is repetition, not new evidence.
VOTES_PER_ENTRY = 2

# A tuple, not a set: the order hits are judged in must not depend on hash seeds.
_CUE_KINDS = ("danger", "crisis-imminent", "crisis", "component", "risk", "alarm", "sign")
# Kinds that only add to the risk score.
_RISK_KINDS = frozenset({"risk", "alarm"})
# Statuses that state outright that a danger is not happening now; "not-now" only lacks a present phrase.
_EXPLICIT_DENIALS = frozenset({NEGATED, PAST, HABITUAL, HYPOTHETICAL, RESOLVED})
# Cue kinds whose explicit denial, or an idiom covering them, lets the rules hold back a model-only escalation.
# Components are left out: "no lo suelta", "no puede mover el brazo" are how danger is described, not denied.
_DENIABLE_DANGER = frozenset({"danger", "crisis-imminent", "risk"})
_DENIABLE_CRISIS = frozenset({"crisis", "crisis-imminent"})


class TriageEngine:
    """Compiled rules plus the decision procedure; safe to share between threads."""

    def __init__(self, rules: RuleSet, second_opinion: SecondOpinion | None = None) -> None:
        self._rules = rules
        self._second_opinion = second_opinion
        # Barrier words are single words and very frequent; a set lookup is cheaper than a pattern hit each.
        barrier_ids = {e.id for e in rules.entries.values() if e.kind == "barrier"}
        self._barrier_words = frozenset(
            p.source for p in rules.patterns if p.entry_id in barrier_ids and " " not in p.source
        )
        matched = [p for p in rules.patterns if not (p.entry_id in barrier_ids and p.source in self._barrier_words)]
        self._stopwords = frozenset().union(*rules.stopwords.values())
        self._matcher = Matcher(matched, self._stopwords)
        self._typos = TypoCorrector(rules.typo_terms, rules.known_words, rules.vocabulary)
        self._kind_of = {entry.id: entry.kind for entry in rules.entries.values()}
        self._precedence = {code: i for i, code in enumerate(rules.emergency_code_precedence)}

    # ----------------------------------------------------------------- preparation
    def prepare(self, description: str) -> tuple[Doc, list[bool], list[tuple[int, str]]]:
        """Tokens with typos fixed, which of them are place names, and the typo signals; the model reads the same."""
        doc = tokenize(description[:MAX_CHARS], self._rules.rewrites, self._rules.joins)
        mask = location_mask(doc, self._rules.gazetteer)
        signals: list[tuple[int, str]] = []
        fixes = {token: self._typos.correct(token) for token in set(doc.tokens)}
        if not any(fixes.values()):
            return doc, mask, signals
        tokens = list(doc.tokens)
        for i, token in enumerate(tokens):
            fixed = fixes[token]
            if fixed is not None and not mask[i]:
                tokens[i] = fixed
                signals.append((i, f"typo:{fixed}"))
        return doc._replace(tokens=tuple(tokens)), mask, signals

    # ----------------------------------------------------------------- combos
    @staticmethod
    def _combo_hits(combo: Combo, live: dict[str, list[Hit]]) -> list[Hit] | None:
        choices = [[h for component in group for h in live.get(component, ())] for group in combo.all_of]
        if not all(choices):
            return None
        if combo.within is None:
            return [c[0] for c in choices]
        for tries, pick in enumerate(itertools.product(*choices)):
            if tries >= MAX_COMBO_TRIES:
                break
            if max(h.end for h in pick) - min(h.start for h in pick) <= combo.within:
                return list(pick)
        return None

    # ----------------------------------------------------------------- decision
    def judge(self, description: str, language: str | None = None) -> RuleVerdict:
        """What the reviewed rules alone say about one description, with what the second opinion needs."""
        rules = self._rules
        doc, mask, signals = self.prepare(description)
        by_kind: dict[str, list[Hit]] = {}
        masked_any = False
        has_places = any(mask)
        kind_of = self._kind_of
        for hit in self._matcher.find(doc.tokens, doc.sentence):
            kind = kind_of[hit.entry_id]
            # A place name may sit inside a danger cue's gap ("running down Tanque Verde in traffic"), never at either
            # end; a service cue must not touch one at all ("the bus stop on Prince for weeks" is no parked bus).
            if has_places and (
                (mask[hit.start] or mask[hit.end - 1]) or (kind == "service-cue" and any(mask[hit.start : hit.end]))
            ):
                masked_any = True
                continue
            by_kind.setdefault(kind, []).append(hit)
        if masked_any:
            signals.append((0, "place-name-ignored"))

        benign = Spans(by_kind.get("benign", []))
        signals.extend((b.start, f"idiom:{b.entry_id}") for b in benign.hits)
        ctx = build_context(by_kind, doc, self._barrier_words)
        live: dict[str, list[Hit]] = {}
        fired: list[tuple[int, str, str, str]] = []  # position, id, kind, service code
        danger_denied = crisis_denied = False
        denials: list[int] = []  # where a danger cue was denied, dated or explained away
        signs: list[tuple[int, str]] = []
        marks = time_marks(ctx)  # the text's structure as the model sees it; never the rules' own answer
        for kind in _CUE_KINDS:
            keep = MAX_LIVE_HITS if kind in {"component", "risk", "alarm"} else 1
            for hit in by_kind.get(kind, ()):
                if len(live.get(hit.entry_id, ())) >= keep:
                    continue
                if any(explains(b, hit) for b in benign.between(hit.start, hit.end)):
                    marks.append(f"idiom:{kind}")
                    danger_denied = danger_denied or kind in _DENIABLE_DANGER
                    if kind in _DENIABLE_DANGER:
                        denials.append(hit.start)
                    continue
                entry = rules.entries[hit.entry_id]
                state = status(hit, entry, doc, ctx, rules.entries)
                if state != LIVE:
                    if state in _EXPLICIT_DENIALS:
                        danger_denied = danger_denied or kind in _DENIABLE_DANGER
                        if kind in _DENIABLE_DANGER:
                            denials.append(hit.start)
                        crisis_denied = crisis_denied or kind in _DENIABLE_CRISIS
                    # Components are building blocks; reporting each one suppressed would bury the reasons.
                    if kind != "component":
                        signals.append((hit.start, f"{state}:{entry.id}"))
                        marks.append(f"{state}:{kind}")
                    continue
                if kind == "sign":
                    signs.append((hit.start, entry.id))
                    continue
                live.setdefault(entry.id, []).append(hit)
                if kind not in {"component", "risk", "alarm"}:
                    fired.append((hit.start, entry.id, kind, entry.service_code or "other"))

        risk_kinds, threshold = frozenset({"risk"}), rules.risk_threshold
        if self._terse(doc, by_kind):
            # "help", "hay sangre", "someone hurt": a few words with nothing else to go on are a call for help.
            risk_kinds, threshold = _RISK_KINDS, rules.terse_risk_threshold
        risk_hits = [h for entry_id, hits in live.items() if rules.entries[entry_id].kind in risk_kinds for h in hits]
        risk_score, risk_start = self._vote(risk_hits, doc.tokens).get("risk", (0.0, 0))
        if risk_score >= threshold:
            signals.extend((h.start, f"risk:{h.entry_id}") for h in risk_hits)
            fired.append((risk_start, "risk-score", "danger", "other"))

        no_plan = bool(ctx.safety)
        for combo in rules.combos:
            picked = self._combo_hits(combo, live)
            if picked is None:
                continue
            start = min(h.start for h in picked)
            anchor = Hit(combo.id, start, max(h.end for h in picked))
            if combo.kind == "crisis-imminent" and no_plan:
                signals.append((start, f"no-plan:{combo.id}"))
                danger_denied = True
                continue
            if is_resolved(combo.group, anchor, doc, ctx, rules.entries):
                signals.append((start, f"{RESOLVED}:{combo.id}"))
                danger_denied = True
                denials.append(start)
                continue
            fired.append((start, combo.id, combo.kind, combo.service_code))

        emergency_items = [f for f in fired if f[2] in {"danger", "crisis-imminent"}]
        crisis = any(f[2] in {"crisis", "crisis-imminent"} for f in fired)
        live_risk = any(rules.entries[entry_id].kind == "risk" for entry_id in live)
        emergency_code: str | None = None
        if emergency_items:
            rank = self._precedence
            emergency_code = min((f[3] for f in emergency_items), key=lambda code: rank.get(code, len(rank)))
        signals.extend((pos, ident) for pos, ident, _, _ in fired)
        cue_code, cue_score, cue_signals = self._service_code(by_kind.get("service-cue", []), doc.tokens)

        hint = normalise_hint(language)
        detected = hint or detect_language(
            description[:MAX_CHARS], doc.tokens, mask, rules.stopwords, rules.accent_cues
        )
        # "Next to" is the same sentence or the one either side: "The roof collapsed. Nobody was hurt."
        denied_sentences = {doc.sentence[i] + step for i in denials for step in (-1, 0, 1)}
        # A self-harm act in progress is never put in doubt: "he says he won't jump" on a ledge is still a ledge.
        doubted = any(f[2] == "danger" and doc.sentence[f[0]] in denied_sentences for f in emergency_items)
        return RuleVerdict(
            signs=tuple(dict.fromkeys(signs)),
            doubted=doubted,
            doc=doc,
            mask=mask,
            negated=negation_scope(doc, ctx),
            emergency_code=emergency_code,
            crisis=crisis,
            cue_code=cue_code,
            cue_score=cue_score,
            cue_signals=cue_signals,
            # Denied only when nothing else dangerous is alive: a dated stabbing, not a dated stabbing and a grey face.
            # A crisis the rules judge not imminent is their reviewed "988, not 911" and counts as a denial too.
            danger_denied=(danger_denied or no_plan or crisis) and not live_risk,
            crisis_denied=crisis_denied,
            signals=signals,
            marks=tuple(dict.fromkeys(marks)),
            language=detected,
            content_words=sum(
                1
                for token, is_place in zip(doc.tokens, mask, strict=True)
                if not is_place and token.isalpha() and token not in self._stopwords
            ),
        )

    def triage(self, description: str, language: str | None = None) -> TriageResult:
        """Decide page, review or routine, crisis, service code and language: the rules, then the policy."""
        verdict = self.judge(description, language)
        return assemble(verdict, decide(verdict, self.opinion(verdict)))

    def opinion(self, verdict: RuleVerdict) -> Opinion | None:
        """The second opinion on a judged text, or None when there is none or too few words for it to weigh."""
        if self._second_opinion is None or not verdict.model_may_speak:
            return None
        return self._second_opinion.read(verdict.doc, verdict.mask, verdict.negated, verdict.marks)

    def _terse(self, doc: Doc, by_kind: dict[str, list[Hit]]) -> bool:
        """A message of a few words that asks for no service."""
        if len(doc.tokens) > self._rules.terse_words:
            return False
        votes = self._vote(by_kind.get("service-cue", []), doc.tokens)
        return not any(score > 0 for score, _ in votes.values())

    def _vote(self, hits: Sequence[Hit], tokens: Sequence[str]) -> dict[str, tuple[float, int]]:
        """Weighted votes per service code (risk entries vote under "risk"), with where each was first seen.

        An entry votes once per distinct phrase it matched, at most VOTES_PER_ENTRY times, so two different
        signs of one problem outweigh one stray word without a repeated word running away.
        """
        first_seen: dict[str, int] = {}
        phrases: dict[str, set[tuple[str, ...]]] = {}
        last_end: dict[str, int] = {}
        for hit in sorted(hits, key=lambda h: h.start):
            if hit.start < last_end.get(hit.entry_id, -1):
                continue  # an overlapping second phrase of the same entry is the same evidence
            last_end[hit.entry_id] = hit.end
            first_seen.setdefault(hit.entry_id, hit.start)
            phrases.setdefault(hit.entry_id, set()).add(tuple(tokens[hit.start : hit.end]))
        scores: dict[str, float] = {}
        first_code: dict[str, int] = {}
        for entry_id, position in first_seen.items():
            entry = self._rules.entries[entry_id]
            code = "risk" if entry.kind in _RISK_KINDS else entry.service_code or "other"
            votes = min(len(phrases[entry_id]), VOTES_PER_ENTRY)
            scores[code] = scores.get(code, 0.0) + entry.weight * votes
            first_code[code] = min(first_code.get(code, position), position)
        return {code: (score, first_code[code]) for code, score in scores.items()}

    def _service_code(self, hits: Sequence[Hit], tokens: Sequence[str]) -> tuple[str, float, list[tuple[int, str]]]:
        """The best-voted code and its vote; ties go to the code mentioned first; no positive vote means "other"."""
        votes = self._vote(hits, tokens)
        if not votes or max(score for score, _ in votes.values()) <= 0:
            return "other", 0.0, []
        best = max(votes, key=lambda code: (votes[code][0], -votes[code][1]))
        used = [
            (hit.start, f"cue:{hit.entry_id}")
            for hit in hits
            if (self._rules.entries[hit.entry_id].service_code or "other") == best
        ]
        return best, votes[best][0], used


def assemble(verdict: RuleVerdict, decided: Decided) -> TriageResult:
    """The result handed to callers: the policy's answer with the rules' and the policy's signals in text order."""
    signals = [*verdict.signals, *decided.signals]
    ordered = [s for _, s in sorted(signals, key=lambda item: item[0])]
    return TriageResult(
        emergency=decided.decision == "emergency",
        crisis=decided.crisis,
        service_code=decided.service_code,
        language=verdict.language,
        signals=list(dict.fromkeys(ordered)),
        decision=decided.decision,
    )


_engine: TriageEngine | None = None
_engine_lock = threading.Lock()


def get_engine() -> TriageEngine:
    """The shared engine, built on first use so importing the package stays cheap."""
    global _engine
    if _engine is None:
        with _engine_lock:
            if _engine is None:
                _engine = TriageEngine(load_rules(), load_second_opinion())
    return _engine


def triage(description: str, language: str | None = None) -> TriageResult:
    """Triage one description with the shared engine."""
    return get_engine().triage(description, language)
