"""One idempotency for every channel: what a client's key names, what counts as the same request, for how long.

The keys: Open311's and the web page's `Idempotency-Key` header, a 911 diversion's header (or, without one, its
incident number), the phone line's ContactId and turn (`<ContactId>:report`, `<ContactId>:emergency`). A key is
scoped to its channel and client, and kept (as a digest) on the request it made; there is no other record.

The request's id is drawn from that digest, so the write that stores the request is the write that claims the
key: one conditional write (PutItem, or the TransactWriteItems that also stores the contact). A retry draws the
same id, and its refused write hands back the request stored there, at no extra call. Then:

  the same key, the same request, within RETENTION           a replay: the first answer again (same id, same link)
  the same key, a different request, within RETENTION       errors.KeyReused (422): nothing is stored
  another key, no key, or this key's use has expired        the next id of this key's sequence

"The same request" is what the resident asked for: service code, place, description, the attribute answers as
checked, media URL and a declared emergency. Not the contact details (a digest of a phone number can be guessed
back) and not the language asked for.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from civic311.models.cases import AttributeAnswers, KeyUse, NewRequest

# A key names its request this long: longer than any client retries (apps and phone systems within minutes, the
# web page within its session), short enough that a client that reuses keys (a restarted counter) makes new
# requests the next day instead of being answered with old ones.
RETENTION = timedelta(hours=24)
# Ids of a key's sequence tried before giving up: taken ids (another request's) are rare, and each expired use
# of a reused key takes one.
KEY_ATTEMPTS = 8
_ID_BASE = 10**9
_ID_SPAN = 9 * 10**9


@dataclass(frozen=True)
class ClientKey:
    """A client's key with its scope: the channel and client it came through."""

    digest: str
    raw: str

    def request_id(self, attempt: int) -> str:
        """The id the key's request takes at this attempt: ten digits, as every request id."""
        drawn = hashlib.sha256(f"{self.digest}#{attempt}".encode()).digest()
        return str(_ID_BASE + int.from_bytes(drawn[:8], "big") % _ID_SPAN)

    def use(self, request: NewRequest, attributes: AttributeAnswers, now: datetime) -> KeyUse:
        """The key's use by this request, to be stored with it."""
        return KeyUse(
            key=self.digest, fingerprint=fingerprint(request, attributes), until=now + RETENTION, salt=new_salt()
        )

    def tracking_secret(self, use: KeyUse) -> str:
        """The resident's tracking secret for the request this key made: the same for the first answer and replays.

        Drawn from the request's random salt and the client's key, which the table never holds: whoever does not
        know both cannot make it (a reader of the table would have to guess the client's key from its digest).
        """
        # surrogatepass: a key read from JSON may hold a lone surrogate, which is still a key.
        raw = self.raw.encode("utf-8", "surrogatepass")
        mac = hmac.new(base64.urlsafe_b64decode(use.salt), raw, hashlib.sha256).digest()
        return base64.urlsafe_b64encode(mac).decode("ascii").rstrip("=")

    def names(self, use: KeyUse | None, now: datetime) -> bool:
        """Whether a stored request's key use is this key's, and still in force."""
        return use is not None and hmac.compare_digest(use.key, self.digest) and use.until > now


def client_key(request: NewRequest) -> ClientKey | None:
    """The request's key scoped to its channel and client (two apps' keys never meet), or None without one."""
    if not request.idempotency_key:
        return None
    scope = json.dumps([request.channel.value, request.source or "", request.idempotency_key])
    return ClientKey(digest=hashlib.sha256(scope.encode("utf-8")).hexdigest(), raw=request.idempotency_key)


def fingerprint(request: NewRequest, attributes: AttributeAnswers) -> str:
    """The digest of what makes two requests the same one (see the module's docstring)."""
    asked = {
        "service_code": request.service_code,
        "place": request.place.model_dump(mode="json"),
        "description": request.description or None,
        "attributes": attributes,
        "media_url": request.media_url,
        "declared_emergency": request.declared_emergency,
    }
    canonical = json.dumps(asked, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def new_salt() -> str:
    return base64.urlsafe_b64encode(secrets.token_bytes(32)).decode("ascii")
