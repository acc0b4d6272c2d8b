"""The three answers: page 911 dispatch now, have a call-taker look within two minutes, or route as 311.

A call-taker hears what the rules and the model can only estimate, so the doubtful middle goes to one rather
than to dispatch or to a work queue: signs of an emergency told without a word of danger, the model's
probability between its review and its paging threshold, a model yes against the rules' explicit "no", and a
rule emergency in a sentence that also says nobody was hurt or that it is over. Pure of I/O; training replays
the same function over out-of-fold probabilities, so the thresholds it chooses are the ones this policy uses.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

from civic311.triage.model import Decision

if TYPE_CHECKING:
    from civic311.triage.second_opinion import Opinion
    from civic311.triage.verdict import RuleVerdict

# A service-cue vote at least this strong is the rules' reviewed reading of the code; weaker ones defer to the model.
# Single weak signs ("parking", "trash", "dark") weigh 1 or 1.5; a named problem weighs 2 or more.
CODE_CUE_STRONG = 2.0


class Decided(NamedTuple):
    """The policy's answer for one text, with the reasons to add to its signals (in order)."""

    decision: Decision
    crisis: bool
    service_code: str
    signals: list[tuple[int, str]]  # (token position, signal); the policy's own reasons sit at the text's end


def _emergency(verdict: RuleVerdict, opinion: Opinion | None, signals: list[str]) -> Decision:
    p = None if opinion is None else opinion.emergency
    limits = None if opinion is None else opinion.thresholds
    if verdict.emergency:
        if not verdict.doubted:
            return "emergency"
        if p is not None and limits is not None and p >= limits.emergency_over_denial:
            signals.append(f"model:emergency={p:.2f}")
            return "emergency"
        signals.append("review:emergency-with-denial")
        return "review"
    decision: Decision = "routine"
    if p is not None and limits is not None:
        if verdict.distress_held:
            # Distress without plan, means or act is the rules' reviewed "988, not 911"; the crisis line takes it.
            if p >= limits.emergency:
                signals.append(f"model-overruled:emergency={p:.2f}")
        elif verdict.danger_denied:
            if p >= limits.emergency_over_denial:
                signals.extend((f"model:emergency={p:.2f}", "review:model-over-denial"))
                decision = "review"
            elif p >= limits.emergency:
                signals.append(f"model-overruled:emergency={p:.2f}")
        elif p >= limits.emergency:
            signals.append(f"model:emergency={p:.2f}")
            return "emergency"
        elif p >= limits.emergency_review:
            signals.extend((f"model:emergency={p:.2f}", "review:model-unsure"))
            decision = "review"
    if verdict.signs:
        signals.extend(f"review:{sign}" for _, sign in verdict.signs)
        decision = "review"
    return decision


def decide(verdict: RuleVerdict, opinion: Opinion | None) -> Decided:
    """Page, review or routine; crisis; and the service code, from the rules' verdict and the model's opinion."""
    signals: list[str] = []
    positioned: list[tuple[int, str]] = []
    crisis = verdict.crisis
    if opinion is not None:
        limits = opinion.thresholds
        bar = limits.crisis_over_denial if verdict.crisis_denied else limits.crisis
        if opinion.crisis >= bar:
            crisis = True
            signals.append(f"model:crisis={opinion.crisis:.2f}")
        elif opinion.crisis >= limits.crisis:
            signals.append(f"model-overruled:crisis={opinion.crisis:.2f}")
    decision = _emergency(verdict, opinion, signals)
    if decision == "emergency" and verdict.emergency_code is not None:
        code = verdict.emergency_code
    elif crisis:
        code = "mental-health"
    elif decision == "emergency":
        # The code model learned from non-emergencies only; an emergency it alone found goes to 311 staff.
        code = "other"
    elif verdict.cue_score >= CODE_CUE_STRONG or opinion is None:
        code = verdict.cue_code
        positioned.extend(verdict.cue_signals)
    else:
        # A report a call-taker finds calm still needs the right department, so review takes the calm code.
        code = opinion.code
        signals.append(f"model:code={opinion.code}@{opinion.code_probability:.2f}")
    end = len(verdict.doc.tokens)
    return Decided(decision, crisis, code, positioned + [(end, s) for s in signals])
