"""Each staff member's own authenticator secret, as Cognito hands it out.

moto (5.2.5) answers AssociateSoftwareToken with one fixed secret for every user, and checks codes against that
secret only, so one person's authenticator would sign in anyone. Here AssociateSoftwareToken hands out a fresh
random secret per call, kept for that user until VerifySoftwareToken proves a code made from it; from then on the
user's SOFTWARE_TOKEN_MFA challenges are checked against that secret alone. moto's own check (against its fixed
secret) stays off, since it would refuse every real code.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
import struct
import threading
import time
from collections.abc import Callable
from typing import Any

from moto.cognitoidp.exceptions import CodeMismatchException, NotAuthorizedError
from moto.cognitoidp.models import CognitoIdpBackend, CognitoIdpUser

from local_stack.moto_seams import check_method, replace_method

_ASSOCIATE = ("self", "access_token", "session")
_VERIFY = ("self", "access_token", "session", "user_code", "friendly_device_name")
# 160 bits, the key length RFC 4226 recommends for HMAC-SHA-1 one-time passwords.
SECRET_BYTES = 20
TIME_STEP = 30
_MOTO_CHECKS_CODES = "MOTO_COGNITO_IDP_USER_POOL_ENABLE_TOTP"

# By user id (Cognito's sub, unique across pools): a secret handed out and not yet proven, and the proven one.
_pending: dict[str, str] = {}
_verified: dict[str, str] = {}
_lock = threading.Lock()


def totp_code(secret: str, at: float | None = None) -> str:
    """The RFC 6238 code (SHA-1, 30 s, 6 digits) an authenticator app shows for a base32 secret now."""
    key = base64.b32decode(secret.upper() + "=" * (-len(secret) % 8))
    counter = int((time.time() if at is None else at) // TIME_STEP)
    digest = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    return f"{(struct.unpack('>I', digest[offset : offset + 4])[0] & 0x7FFFFFFF) % 1_000_000:06d}"


def new_secret() -> str:
    return base64.b32encode(secrets.token_bytes(SECRET_BYTES)).decode("ascii").rstrip("=")


def code_matches(secret: str | None, code: str) -> bool:
    """True if `code` is the secret's code now or one step ago (RFC 6238 allows a step for the typing and network)."""
    if not secret:
        return False
    now = time.time()
    return any(hmac.compare_digest(totp_code(secret, now - back), code.strip()) for back in (0, TIME_STEP))


def _session_user(backend: CognitoIdpBackend, session: str) -> CognitoIdpUser | None:
    found = backend.sessions.get(session)
    if found is None:
        return None
    username, pool = found
    user: CognitoIdpUser = backend.admin_get_user(pool.id, username)
    return user


def _token_user(backend: CognitoIdpBackend, access_token: str) -> CognitoIdpUser | None:
    for pool in backend.user_pools.values():
        if access_token in pool.access_tokens:
            _, username = pool.access_tokens[access_token]
            user: CognitoIdpUser = backend.admin_get_user(pool.id, username)
            return user
    return None


def _user(backend: CognitoIdpBackend, access_token: str, session: str) -> CognitoIdpUser | None:
    return _session_user(backend, session) if session else _token_user(backend, access_token)


def check_challenge(backend: CognitoIdpBackend, session: str, responses: dict[str, str]) -> None:
    """Refuse a SOFTWARE_TOKEN_MFA answer unless its code comes from the session's own user's verified secret."""
    user = _session_user(backend, session)
    if user is None:
        return  # moto refuses an unknown session itself
    named = responses.get("USERNAME", "")
    pool_id = backend.sessions[session][1].id
    if backend.admin_get_user(pool_id, named).id != user.id:
        # A session is one user's sign-in: answering it in another's name proves nothing about that name.
        raise NotAuthorizedError("Invalid session for the user.")
    with _lock:
        secret = _verified.get(user.id)
    if not code_matches(secret, responses.get("SOFTWARE_TOKEN_MFA_CODE", "")):
        raise CodeMismatchException("Invalid code received for user")


def check_seam() -> None:
    check_method(CognitoIdpBackend, "associate_software_token", _ASSOCIATE)
    check_method(CognitoIdpBackend, "verify_software_token", _VERIFY)


def install() -> Callable[[], None]:
    """Put per-user secrets in place (and moto's fixed-secret check out); returns a function that undoes it."""
    original_associate = CognitoIdpBackend.associate_software_token
    original_verify = CognitoIdpBackend.verify_software_token
    saved = os.environ.get(_MOTO_CHECKS_CODES)
    os.environ[_MOTO_CHECKS_CODES] = "false"

    def associate_software_token(self: CognitoIdpBackend, access_token: str, session: str) -> dict[str, str]:
        answer = dict(original_associate(self, access_token, session))  # refuses an unknown session or token
        user = _user(self, access_token, session)
        if user is None:
            raise NotAuthorizedError("Invalid session or access token.")
        secret = new_secret()
        with _lock:
            _pending[user.id] = secret
        return answer | {"SecretCode": secret}

    def verify_software_token(
        self: CognitoIdpBackend, access_token: str, session: str, user_code: str, friendly_device_name: str
    ) -> dict[str, Any]:
        user = _user(self, access_token, session)
        secret = None
        if user is not None:
            with _lock:
                secret = _pending.get(user.id)
            if not code_matches(secret, user_code or ""):
                raise CodeMismatchException(f"Code mismatch ({friendly_device_name})")
        answer: dict[str, Any] = original_verify(self, access_token, session, user_code, friendly_device_name)
        if user is not None and secret is not None:
            with _lock:
                _verified[user.id] = secret
                _pending.pop(user.id, None)
        return answer

    restore_associate = replace_method(
        CognitoIdpBackend, "associate_software_token", _ASSOCIATE, associate_software_token
    )
    restore_verify = replace_method(CognitoIdpBackend, "verify_software_token", _VERIFY, verify_software_token)

    def restore() -> None:
        restore_associate()
        restore_verify()
        if saved is None:
            os.environ.pop(_MOTO_CHECKS_CODES, None)
        else:
            os.environ[_MOTO_CHECKS_CODES] = saved

    return restore
