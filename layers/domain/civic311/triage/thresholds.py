"""The decision thresholds, chosen on out-of-fold probabilities by replaying the decision policy.

Training only (numpy): civic311.triage.decision decides one text at a time; `outcomes` decides every row at
once in the same way, and a unit test holds the two to each other.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from civic311.triage.fitting import Bool, Example, Float

# Share of non-emergencies the rules and the model together may page dispatch for, measured out of fold.
PAGE_BUDGET = 0.015
# Share of all texts that may go to a call-taker for review, measured out of fold.
REVIEW_BUDGET = 0.05
# Share of non-crisis texts the rules and the model together may flag as a crisis (that also sets the code).
FALSE_CRISIS_BUDGET = 0.02
# Share of negative texts with an explicit rule-level "no" (negated, dated, idiom) the model may overrule.
DENIAL_OVERRIDE_BUDGET = 0.01
# Thresholds are searched on this grid; the high threshold that overrides an explicit "no" stays below 1.
GRID = tuple(round(0.01 * i, 2) for i in range(5, 100))


@dataclass(frozen=True, slots=True)
class Policy:
    """Per-row facts the decision policy reads besides the model's emergency probability."""

    rules: Bool  # the rules call 911
    doubted: Bool  # ... in a sentence that also denies harm or says it is over
    denied: Bool  # the rules read an explicit "no"
    held: Bool  # the model's emergency answer never counts (distress held at 988, or too few words)
    signs: Bool  # live signs a call-taker would hear


def policy_facts(examples: Sequence[Example]) -> Policy:
    silent = np.array([not e.verdict.model_may_speak for e in examples])
    return Policy(
        rules=np.array([e.verdict.emergency for e in examples]),
        doubted=np.array([e.verdict.doubted for e in examples]),
        denied=np.array([e.verdict.danger_denied for e in examples]),
        held=np.array([e.verdict.distress_held for e in examples]) | silent,
        signs=np.array([bool(e.verdict.signs) for e in examples]),
    )


def outcomes(p: Float, f: Policy, page: float, review: float, over: float) -> tuple[Bool, Bool]:
    """Paged and reviewed rows, vectorised exactly as civic311.triage.decision decides them one by one."""
    speaks = ~f.held
    model_page = speaks & ~f.denied & (p >= page)
    paged = (f.rules & (~f.doubted | (~f.held & (p >= over)))) | (~f.rules & model_page)
    model_review = speaks & ((f.denied & (p >= over)) | (~f.denied & (p >= review) & (p < page)))
    reviewed = ~paged & ((f.rules & f.doubted) | (~f.rules & model_review) | f.signs)
    return paged, reviewed


def choose_emergency(p: Float, truth: Bool, f: Policy) -> dict[str, float]:
    """Thresholds for the emergency head, in three steps an auditor can follow.

    The over-denial threshold is the lowest at which the model, out of fold, overrules an explicit "no" on at most
    DENIAL_OVERRIDE_BUDGET of the calm texts carrying one. The paging threshold is the lowest at which dispatch
    is paged for at most PAGE_BUDGET of calm texts. The review threshold is the lowest at which at most
    REVIEW_BUDGET of all texts go to a call-taker.
    """
    calm_denied = p[f.denied & ~truth & ~f.held]
    over = next(
        (g for g in GRID if not calm_denied.size or float(np.mean(calm_denied >= g)) <= DENIAL_OVERRIDE_BUDGET),
        GRID[-1],
    )
    page = next((g for g in GRID if float(np.mean(outcomes(p, f, g, g, over)[0][~truth])) <= PAGE_BUDGET), GRID[-1])
    over = max(over, page)
    review = next(
        (g for g in GRID if g <= page and float(np.mean(outcomes(p, f, page, g, over)[1])) <= REVIEW_BUDGET),
        page,
    )
    return {"emergency": page, "emergency_review": review, "emergency_over_denial": over}


def choose_crisis(
    p: Float, truth: Bool, rules: Bool, denied: Bool, silent: Bool, strict: bool = True
) -> dict[str, float]:
    """The override threshold over an explicit "no" first, then the lowest within FALSE_CRISIS_BUDGET.

    When the rules alone exceed the budget, training stops (`strict`); cross-validation, measuring rather than
    shipping, lets the model speak only from the override threshold.
    """
    calm_denied = p[denied & ~truth & ~silent]
    over = next(
        (g for g in GRID if not calm_denied.size or float(np.mean(calm_denied >= g)) <= DENIAL_OVERRIDE_BUDGET),
        GRID[-1],
    )
    for g in (g for g in GRID if g <= over):
        says = ~silent & np.where(denied, p >= over, p >= g)
        if float(np.mean((rules | says)[~truth])) <= FALSE_CRISIS_BUDGET:
            return {"crisis": g, "crisis_over_denial": over}
    if not strict:
        return {"crisis": over, "crisis_over_denial": over}
    raise RuntimeError("no crisis threshold keeps false crises within budget; the rules alone exceed it")


def choose_thresholds(
    examples: Sequence[Example], p_emergency: Float, p_crisis: Float, strict: bool = True
) -> dict[str, float]:
    """Every threshold of the policy from calibrated out-of-fold probabilities of the given rows."""
    truth_e = np.array([e.row.emergency for e in examples])
    truth_c = np.array([e.row.crisis for e in examples])
    silent = np.array([not e.verdict.model_may_speak for e in examples])
    return {
        **choose_emergency(p_emergency, truth_e, policy_facts(examples)),
        **choose_crisis(
            p_crisis,
            truth_c,
            np.array([e.verdict.crisis for e in examples]),
            np.array([e.verdict.crisis_denied for e in examples]),
            silent,
            strict,
        ),
    }
