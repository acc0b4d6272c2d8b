"""Staff sign-in as strict as Cognito's: the client's auth flows, a real SRP proof, and checked TOTP codes.

moto answers USER_PASSWORD_AUTH whatever the app client allows, accepts any PASSWORD_VERIFIER signature (its
SRP_B is random), and checks software-token codes only when MOTO_COGNITO_IDP_USER_POOL_ENABLE_TOTP is set. Left
so, the staff console could sign in with a password alone and the template's rules would be untested. Here
the flows an app client does not list in ExplicitAuthFlows are refused as Cognito refuses them, USER_SRP_AUTH
gets a real salt and B made from the user's password (srp.py), and the answer must prove the password.

Authenticator secrets are each user's own and their codes are checked here too (cognito_totp.py); the stack writes
the demo staff member's to outputs.json, so a newcomer can add it to an authenticator app.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from moto.cognitoidp.exceptions import InvalidParameterException, NotAuthorizedError
from moto.cognitoidp.models import CognitoIdpBackend

from local_stack import cognito_totp, srp
from local_stack.moto_seams import check_method, replace_method

# The flow names InitiateAuth takes, and the ExplicitAuthFlows entry that allows each.
_FLOW_ALLOWED_BY = {
    "USER_SRP_AUTH": "ALLOW_USER_SRP_AUTH",
    "USER_PASSWORD_AUTH": "ALLOW_USER_PASSWORD_AUTH",
    "REFRESH_TOKEN_AUTH": "ALLOW_REFRESH_TOKEN_AUTH",
    "REFRESH_TOKEN": "ALLOW_REFRESH_TOKEN_AUTH",
    "CUSTOM_AUTH": "ALLOW_CUSTOM_AUTH",
}
_INITIATE = ("self", "client_id", "auth_flow", "auth_parameters")
_RESPOND = ("self", "session", "client_id", "challenge_name", "challenge_responses")

# Where the README sends a newcomer for a code from the demo staff member's secret.
totp_code = cognito_totp.totp_code

_challenges: dict[str, tuple[str, srp.ServerChallenge]] = {}
_lock = threading.Lock()


def _client_flows(backend: CognitoIdpBackend, client_id: str) -> list[str] | None:
    for pool in backend.user_pools.values():
        if client_id in pool.clients:
            flows = pool.clients[client_id].extended_config.get("ExplicitAuthFlows")
            return list(flows) if flows else None
    return None


def check_seam() -> None:
    """Fail loudly if moto's sign-in methods are no longer the ones this module wraps."""
    check_method(CognitoIdpBackend, "initiate_auth", _INITIATE)
    check_method(CognitoIdpBackend, "respond_to_auth_challenge", _RESPOND)
    cognito_totp.check_seam()


def install() -> Callable[[], None]:
    """Put the strict sign-in in place (with each user's own TOTP secret); returns a function that undoes it."""
    original_initiate = CognitoIdpBackend.initiate_auth
    original_respond = CognitoIdpBackend.respond_to_auth_challenge
    restore_totp = cognito_totp.install()

    def initiate_auth(
        self: CognitoIdpBackend, client_id: str, auth_flow: str, auth_parameters: dict[str, str]
    ) -> dict[str, Any]:
        flows = _client_flows(self, client_id)
        # Cognito's default without ExplicitAuthFlows is SRP, custom auth and refresh: never the password flow.
        allowed = flows or ["ALLOW_USER_SRP_AUTH", "ALLOW_CUSTOM_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]
        if _FLOW_ALLOWED_BY.get(auth_flow) not in allowed:
            raise InvalidParameterException(f"{auth_flow} flow not enabled for this client")
        result = original_initiate(self, client_id, auth_flow, auth_parameters)
        if auth_flow != "USER_SRP_AUTH":
            return result
        parameters = result["ChallengeParameters"]
        pool = next(pool for pool in self.user_pools.values() if client_id in pool.clients)
        user = self.admin_get_user(pool.id, parameters["USERNAME"])
        try:
            challenge = srp.ServerChallenge.start(pool.id, user.id, user.password or "", auth_parameters["SRP_A"])
        except ValueError as error:
            raise NotAuthorizedError("Incorrect username or password.") from error
        with _lock:
            _challenges[challenge.secret_block] = (result["Session"], challenge)
        parameters |= {"SALT": challenge.salt_hex, "SRP_B": challenge.public_b, "SECRET_BLOCK": challenge.secret_block}
        return dict(result)

    def respond_to_auth_challenge(
        self: CognitoIdpBackend,
        session: str,
        client_id: str,
        challenge_name: str,
        challenge_responses: dict[str, str],
    ) -> dict[str, Any]:
        if challenge_name == "PASSWORD_VERIFIER":
            with _lock:
                found = _challenges.pop(challenge_responses.get("PASSWORD_CLAIM_SECRET_BLOCK", ""), None)
            if found is None or not found[1].accepts(challenge_responses):
                raise NotAuthorizedError("Incorrect username or password.")
            # moto finds its session by the secret block it handed out.
            challenge_responses = challenge_responses | {"PASSWORD_CLAIM_SECRET_BLOCK": found[0]}
        elif challenge_name == "SOFTWARE_TOKEN_MFA":
            cognito_totp.check_challenge(self, session, challenge_responses)
        result: dict[str, Any] = original_respond(self, session, client_id, challenge_name, challenge_responses)
        return result

    restore_initiate = replace_method(CognitoIdpBackend, "initiate_auth", _INITIATE, initiate_auth)
    restore_respond = replace_method(
        CognitoIdpBackend, "respond_to_auth_challenge", _RESPOND, respond_to_auth_challenge
    )

    def restore() -> None:
        restore_initiate()
        restore_respond()
        restore_totp()

    return restore
