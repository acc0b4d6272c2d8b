"""The resident's own link to their request: a secret only they were given, stored only as its digest.

The secret is 256 random bits, so a plain SHA-256 is enough to keep it from being read back out of the
table (unlike a phone number, it cannot be guessed and hashed). Whoever holds it sees the whole request.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

SECRET_BYTES = 32
MAX_SECRET = 100


def new_secret() -> str:
    """A fresh tracking secret, URL-safe."""
    return secrets.token_urlsafe(SECRET_BYTES)


def digest(secret: str) -> str:
    """What the table keeps (and the ByToken index finds a request by) instead of the secret."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def opens(secret: str | None, stored_digest: str) -> bool:
    """True if the secret is the one issued for a request whose stored token digest is `stored_digest`."""
    if not secret or len(secret) > MAX_SECRET:
        return False
    return hmac.compare_digest(digest(secret), stored_digest)
