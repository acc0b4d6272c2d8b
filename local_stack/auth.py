"""The Cognito user-pool authorizer, done locally the way API Gateway does it.

The token must be a JWT signed by a key in the pool's JWKS (served by the endpoint at the issuer's
/.well-known/jwks.json), unexpired, issued by that pool, and an ID token (no scopes are configured).
Claims reach the handler as strings under requestContext.authorizer.claims.
"""

from __future__ import annotations

import json
import threading
from typing import Any

import requests
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from local_stack.provisioning.records import Authorizer
from local_stack.template import REGION


class CognitoVerifier:
    """Verifies bearer tokens for the template's user-pool authorizers."""

    def __init__(self, endpoint_url: str, authorizers: dict[str, Authorizer]) -> None:
        self.endpoint_url = endpoint_url
        self.authorizers = authorizers
        self._keys: dict[str, KeySet] = {}
        self._lock = threading.Lock()

    def issuer(self, user_pool_id: str) -> str:
        return f"https://cognito-idp.{REGION}.amazonaws.com/{user_pool_id}"

    def _key_set(self, user_pool_id: str) -> KeySet:
        with self._lock:
            if user_pool_id not in self._keys:
                response = requests.get(
                    f"{self.endpoint_url}/{user_pool_id}/.well-known/jwks.json",
                    # The endpoint routes by host, as the real issuer URL would.
                    headers={"Host": f"cognito-idp.{REGION}.amazonaws.com"},
                    timeout=5,
                )
                response.raise_for_status()
                self._keys[user_pool_id] = KeySet.import_key_set(response.json())
            return self._keys[user_pool_id]

    def __call__(self, authorizer_name: str, token: str) -> dict[str, Any] | None:
        authorizer = self.authorizers.get(authorizer_name)
        if authorizer is None:
            return None
        try:
            decoded = jwt.decode(token, self._key_set(authorizer.user_pool_id), algorithms=["RS256"])
            registry = jwt.JWTClaimsRegistry(
                exp={"essential": True},
                iss={"essential": True, "value": self.issuer(authorizer.user_pool_id)},
                token_use={"essential": True, "value": "id"},
            )
            registry.validate(decoded.claims)
        except (JoseError, ValueError):
            return None
        return {name: _as_claim(value) for name, value in decoded.claims.items()}


def _as_claim(value: Any) -> str:
    # API Gateway hands REST handlers every claim as a string; lists look like "[a, b]".
    if isinstance(value, list):
        return "[" + ", ".join(str(item) for item in value) + "]"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return json.dumps(value)
    return str(value)
