"""Limits every channel applies to what callers send, importable without the case models."""

import re
from typing import Annotated

from pydantic import AfterValidator, StringConstraints

MAX_DESCRIPTION = 4000

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def _check_email(value: str) -> str:
    if not _EMAIL.match(value):
        raise ValueError("email is not an address")
    return value.lower()


Email = Annotated[str, StringConstraints(strip_whitespace=True, max_length=254), AfterValidator(_check_email)]
