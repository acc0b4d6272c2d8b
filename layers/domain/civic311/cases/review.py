"""What a doubtful report's resident is told, and how the review window reads in notes and signals."""

from __future__ import annotations

from civic311.catalog import Language

REVIEW_NOTICE: dict[Language, str] = {
    "en": (
        "If anyone is in danger, call 911 now. A 311 call-taker will look at this report within minutes "
        "and send it to 911 dispatch if it needs them."
    ),
    "es": (
        "Si alguien está en peligro, llame al 911 ahora. Una persona de 311 revisará este reporte en unos "
        "minutos y lo enviará al despacho del 911 si hace falta."
    ),
}


def window_words(seconds: int) -> str:
    """'2 minutes', '90 seconds': the review window as people say it."""
    if seconds % 60 == 0:
        minutes = seconds // 60
        return f"{minutes} minute{'s' if minutes != 1 else ''}"
    return f"{seconds} second{'s' if seconds != 1 else ''}"


def unreviewed_reason(seconds: int) -> str:
    """The signal and 911 alert reason when nobody reviewed a report in time."""
    return f"unreviewed after {window_words(seconds)}"
