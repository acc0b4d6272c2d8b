"""Staff accounts can alert and acknowledge 911: a password alone never signs one in."""

from __future__ import annotations

import uuid

import pytest
from botocore.exceptions import ClientError

from local_stack import srp
from local_stack.cognito_sign_in import TOTP_SECRET, totp_code
from local_stack.stack import DEMO_STAFF_EMAIL, sign_in
from tests.integration.conftest import RunningStack


def pool_and_client(stack: RunningStack) -> tuple[str, str]:
    return stack.output("StaffUserPoolId"), stack.output("StaffUserPoolClientId")


def password_verified(stack: RunningStack, username: str, password: str) -> dict[str, object]:
    """Signs in with SRP and returns Cognito's answer to the password proof."""
    cognito = stack.client("cognito-idp")
    pool, client = pool_and_client(stack)
    attempt = srp.Client(pool)
    started = cognito.initiate_auth(
        ClientId=client, AuthFlow="USER_SRP_AUTH", AuthParameters={"USERNAME": username, "SRP_A": attempt.public_a}
    )
    answer: dict[str, object] = cognito.respond_to_auth_challenge(
        ClientId=client,
        ChallengeName="PASSWORD_VERIFIER",
        ChallengeResponses=attempt.answer(password, started["ChallengeParameters"]),
    )
    return answer


def test_the_right_password_leads_to_a_second_factor_not_to_tokens(abuse_stack: RunningStack) -> None:
    answer = password_verified(abuse_stack, DEMO_STAFF_EMAIL, abuse_stack.info["staff_password"])

    assert answer["ChallengeName"] == "SOFTWARE_TOKEN_MFA"
    assert "AuthenticationResult" not in answer


def test_a_wrong_authenticator_code_is_refused(abuse_stack: RunningStack) -> None:
    answer = password_verified(abuse_stack, DEMO_STAFF_EMAIL, abuse_stack.info["staff_password"])
    right = totp_code(TOTP_SECRET)
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"

    with pytest.raises(ClientError, match="CodeMismatch"):
        abuse_stack.client("cognito-idp").respond_to_auth_challenge(
            ClientId=pool_and_client(abuse_stack)[1],
            ChallengeName="SOFTWARE_TOKEN_MFA",
            Session=str(answer["Session"]),
            ChallengeResponses={"USERNAME": DEMO_STAFF_EMAIL, "SOFTWARE_TOKEN_MFA_CODE": wrong},
        )


def test_a_wrong_password_fails_the_srp_proof(abuse_stack: RunningStack) -> None:
    with pytest.raises(ClientError, match="NotAuthorized"):
        password_verified(abuse_stack, DEMO_STAFF_EMAIL, abuse_stack.info["staff_password"] + "x")


def test_password_sign_in_is_not_offered(abuse_stack: RunningStack) -> None:
    with pytest.raises(ClientError, match="USER_PASSWORD_AUTH flow not enabled"):
        abuse_stack.client("cognito-idp").initiate_auth(
            ClientId=pool_and_client(abuse_stack)[1],
            AuthFlow="USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": DEMO_STAFF_EMAIL, "PASSWORD": abuse_stack.info["staff_password"]},
        )


def test_a_new_account_must_enrol_an_authenticator_before_its_first_token(abuse_stack: RunningStack) -> None:
    cognito = abuse_stack.client("cognito-idp")
    pool, client = pool_and_client(abuse_stack)
    username, password = f"new-{uuid.uuid4().hex[:8]}@civic311.local", "Abuse-tests-" + uuid.uuid4().hex + "9!"
    cognito.admin_create_user(UserPoolId=pool, Username=username, MessageAction="SUPPRESS")
    cognito.admin_set_user_password(UserPoolId=pool, Username=username, Password=password, Permanent=True)

    assert password_verified(abuse_stack, username, password)["ChallengeName"] == "MFA_SETUP"
    tokens = sign_in(cognito, pool, client, username, password)
    assert tokens["IdToken"]
    assert password_verified(abuse_stack, username, password)["ChallengeName"] == "SOFTWARE_TOKEN_MFA"


def test_id_tokens_last_an_hour_at_most(abuse_stack: RunningStack) -> None:
    cognito = abuse_stack.client("cognito-idp")
    pool, client = pool_and_client(abuse_stack)
    described = cognito.describe_user_pool_client(UserPoolId=pool, ClientId=client)["UserPoolClient"]

    assert described["IdTokenValidity"] <= 60
    assert described["TokenValidityUnits"]["IdToken"] == "minutes"
    assert described["ExplicitAuthFlows"] == ["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]
    assert cognito.describe_user_pool(UserPoolId=pool)["UserPool"]["MfaConfiguration"] == "ON"
