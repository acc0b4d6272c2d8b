"""Page tokens: where a public listing stopped when its read budget ran out, and the question it answers.

A token carries the whole question (period, codes, statuses) and the key the next page starts below, so the
next call asks exactly the same thing even when the period was "until now". It is base64url JSON: opaque to
clients, and every field is checked on the way back in; a token that does not parse is a 400. Changing one
can only ask another question anyone may ask anyway.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from civic311.clock import from_storage, to_storage
from civic311.errors import InvalidInput

MAX_TOKEN = 1000
_SORT_KEY = re.compile(r"^\d{4}-\d{2}(-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z(#[A-Za-z0-9_-]{1,64})?)?~?$")
_CODE = re.compile(r"^[a-z][a-z0-9-]{0,39}$")
Kind = Literal["requests", "updates"]


@dataclass(frozen=True)
class PageToken:
    kind: Kind
    start: datetime
    end: datetime
    before: str
    service_codes: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()

    def encode(self) -> str:
        fields: dict[str, Any] = {
            "v": 1,
            "k": self.kind,
            "s": to_storage(self.start),
            "e": to_storage(self.end),
            "b": self.before,
        }
        if self.service_codes:
            fields["c"] = list(self.service_codes)
        if self.statuses:
            fields["st"] = list(self.statuses)
        raw = json.dumps(fields, separators=(",", ":")).encode("utf-8")
        return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def decode(token: str, kind: Kind) -> PageToken:
    """The token's question; InvalidInput (400) if it is not one this API issued for this listing."""
    bad = InvalidInput("page_token is not valid: send back the token a previous answer gave, unchanged")
    if len(token) > MAX_TOKEN or not re.fullmatch(r"[A-Za-z0-9_-]+", token):
        raise bad
    try:
        fields = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    except (binascii.Error, ValueError):
        raise bad from None
    if not isinstance(fields, dict) or fields.get("v") != 1 or fields.get("k") != kind:
        raise bad
    before, codes, statuses = fields.get("b"), fields.get("c", []), fields.get("st", [])
    if not isinstance(before, str) or not _SORT_KEY.match(before):
        raise bad
    if not isinstance(codes, list) or not all(isinstance(code, str) and _CODE.match(code) for code in codes):
        raise bad
    if not isinstance(statuses, list) or not all(status in ("open", "closed") for status in statuses):
        raise bad
    try:
        start, end = from_storage(str(fields["s"])), from_storage(str(fields["e"]))
    except (KeyError, ValueError):
        raise bad from None
    if start.tzinfo is None or end.tzinfo is None or start > end:
        raise bad
    return PageToken(kind, start, end, before, tuple(codes), tuple(statuses))
