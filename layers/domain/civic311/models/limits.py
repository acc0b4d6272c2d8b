"""Limits every channel applies to what callers send, importable without the case models."""

import re
import unicodedata
from typing import Annotated

from pydantic import AfterValidator, StringConstraints

MAX_DESCRIPTION = 4000

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def _check_email(value: str) -> str:
    if not _EMAIL.match(value):
        raise ValueError("email is not an address")
    return value.lower()


Email = Annotated[str, StringConstraints(strip_whitespace=True, max_length=254), AfterValidator(_check_email)]

# Control, format (bidi, zero-width), line- and paragraph-separator, private-use, surrogate and unassigned.
_UNSHOWABLE = frozenset({"Cc", "Cf", "Zl", "Zp", "Co", "Cs", "Cn"})


def printable_for_staff(value: str) -> str:
    """Free text that reaches staff screens (a provider's note, a resident's reason): nothing that hides or moves."""
    if any(unicodedata.category(c) in _UNSHOWABLE for c in value):
        raise ValueError("must not contain control or invisible formatting characters")
    return value
