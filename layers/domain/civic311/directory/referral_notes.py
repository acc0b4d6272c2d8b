"""What the resident is told about a referral, in English or Spanish: where to go, or who serves the place."""

from __future__ import annotations

from typing import Literal

from civic311.directory.referral_models import ReferralAnswer
from civic311.geo.jurisdiction import Jurisdiction, jurisdictions

__all__ = ["MAX_NOTE", "NoteLanguage", "note_language", "outside_notice", "referral_note"]

NoteLanguage = Literal["en", "es"]


def note_language(language: str | None) -> NoteLanguage:
    """The language a note is written in: Spanish for 'es', English otherwise."""
    return "es" if language == "es" else "en"


def _ours() -> str:
    return next(j.name for j in jurisdictions() if j.is_ours)


def outside_notice(place: Jurisdiction, language: NoteLanguage = "en") -> str:
    """Tell the caller who serves the place instead of us, and how to reach them."""
    if place.kind == "outside":
        if language == "es":
            return f"Este lugar está fuera del área de servicio de {_ours()}. Llame a su gobierno local."
        return f"This place is outside the {_ours()} service area. Please contact your local government."
    # A placeholder number must not be read out as real.
    reach = [item for item in (None if place.sample_contact else place.phone, place.url) if item]
    if language == "es":
        text = f"Este lugar corresponde a {place.name}, no a {_ours()}."
        return text + (f" Comuníquese con {place.name}: {', '.join(reach)}." if reach else "")
    text = f"This place is served by {place.name}, not the {_ours()}."
    return text + (f" Please contact {place.name}: {', '.join(reach)}." if reach else "")


_NOTE = {
    "en": {
        "referral": "Referral",
        "hours": "Hours",
        "opens": "opens",
        "open": "open now",
        "gap": "We could not find a place that fits right now; 311 staff have been told and will follow up.",
        "more": "Other options",
    },
    "es": {
        "referral": "Referencia",
        "hours": "Horario",
        "opens": "abre",
        "open": "abierto ahora",
        "gap": (
            "No encontramos un lugar adecuado en este momento; el personal del 311 ya fue avisado"
            " y le dará seguimiento."
        ),
        "more": "Otras opciones",
    },
}
MAX_NOTE = 800


def referral_note(answer: ReferralAnswer, language: str = "en") -> str:
    """A short status note for the resident (Open311 status_notes): where to go or call, and when."""
    lang = note_language(language[:2].lower() if language else None)
    words = _NOTE[lang]
    if not answer.responsible.is_ours:
        return answer.notice or ""
    parts = []
    if answer.referrals:
        first = answer.referrals[0]
        where = ", ".join(item for item in (first.phone, first.address or first.url) if item)
        when = words["open"] if first.open_now else f"{words['opens']} {first.opens_at}" if first.opens_at else ""
        parts.append(
            f"{words['referral']}: {first.organization} – {first.name}"
            + (f", {where}" if where else "")
            + f". {words['hours']}: {first.hours}"
            + (f" ({when})" if when else "")
            + "."
        )
        others = [f"{r.organization} ({r.phone or r.address or r.url})" for r in answer.referrals[1:3]]
        if others:
            parts.append(f"{words['more']}: {'; '.join(others)}.")
    if answer.gap or not answer.referrals:
        parts.append(words["gap"])
    note = " ".join(parts)
    return note if len(note) <= MAX_NOTE else note[: MAX_NOTE - 1] + "…"
