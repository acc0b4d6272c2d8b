"""Staff accounts can alert and acknowledge 911: a password alone never signs one in."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from botocore.exceptions import ClientError

from local_stack import srp
from local_stack.cognito_sign_in import totp_code
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
    right = totp_code(abuse_stack.info["staff_totp_secret"])
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
    signed_in = sign_in(cognito, pool, client, username, password)
    assert signed_in.tokens["IdToken"]
    assert password_verified(abuse_stack, username, password)["ChallengeName"] == "SOFTWARE_TOKEN_MFA"


def new_staff_member(stack: RunningStack) -> tuple[str, str, str]:
    """(username, password, authenticator secret) of a new account, enrolled by its first sign-in."""
    cognito = stack.client("cognito-idp")
    pool, client = pool_and_client(stack)
    username, password = f"staff-{uuid.uuid4().hex[:8]}@civic311.local", "Abuse-tests-" + uuid.uuid4().hex + "9!"
    cognito.admin_create_user(UserPoolId=pool, Username=username, MessageAction="SUPPRESS")
    cognito.admin_set_user_password(UserPoolId=pool, Username=username, Password=password, Permanent=True)
    secret = sign_in(cognito, pool, client, username, password).totp_secret
    assert secret
    return username, password, secret


def answer_with_code(stack: RunningStack, session: str, username: str, code: str) -> dict[str, Any]:
    answer: dict[str, Any] = stack.client("cognito-idp").respond_to_auth_challenge(
        ClientId=pool_and_client(stack)[1],
        ChallengeName="SOFTWARE_TOKEN_MFA",
        Session=session,
        ChallengeResponses={"USERNAME": username, "SOFTWARE_TOKEN_MFA_CODE": code},
    )
    return answer


def test_each_staff_member_gets_an_authenticator_secret_of_their_own(abuse_stack: RunningStack) -> None:
    first, second = new_staff_member(abuse_stack), new_staff_member(abuse_stack)

    assert len({first[2], second[2], abuse_stack.info["staff_totp_secret"]}) == 3


def test_one_staff_members_code_does_not_sign_in_another(abuse_stack: RunningStack) -> None:
    (alice, _, alice_secret), (bob, bob_password, bob_secret) = (
        new_staff_member(abuse_stack),
        new_staff_member(abuse_stack),
    )
    alice_code, bob_code = totp_code(alice_secret), totp_code(bob_secret)
    if alice_code == bob_code:
        pytest.skip("the two secrets show the same six digits this half-minute (one chance in a million)")

    challenge = password_verified(abuse_stack, bob, bob_password)
    with pytest.raises(ClientError, match="CodeMismatch"):
        answer_with_code(abuse_stack, str(challenge["Session"]), bob, alice_code)
    with pytest.raises(ClientError, match="NotAuthorized"):
        # Nor does naming the other account in a session Bob's password opened.
        answer_with_code(abuse_stack, str(challenge["Session"]), alice, alice_code)

    challenge = password_verified(abuse_stack, bob, bob_password)
    assert answer_with_code(abuse_stack, str(challenge["Session"]), bob, bob_code)["AuthenticationResult"]["IdToken"]


def test_enrolment_needs_a_code_from_the_secret_just_handed_out(abuse_stack: RunningStack) -> None:
    cognito = abuse_stack.client("cognito-idp")
    pool, _ = pool_and_client(abuse_stack)
    username, password = f"enrol-{uuid.uuid4().hex[:8]}@civic311.local", "Abuse-tests-" + uuid.uuid4().hex + "9!"
    cognito.admin_create_user(UserPoolId=pool, Username=username, MessageAction="SUPPRESS")
    cognito.admin_set_user_password(UserPoolId=pool, Username=username, Password=password, Permanent=True)
    setup = password_verified(abuse_stack, username, password)
    assert setup["ChallengeName"] == "MFA_SETUP"
    secret = cognito.associate_software_token(Session=str(setup["Session"]))["SecretCode"]

    with pytest.raises(ClientError, match="CodeMismatch"):
        cognito.verify_software_token(
            Session=str(setup["Session"]), UserCode=totp_code(abuse_stack.info["staff_totp_secret"])
        )
    assert cognito.verify_software_token(Session=str(setup["Session"]), UserCode=totp_code(secret))["Status"] == (
        "SUCCESS"
    )


def test_id_tokens_last_an_hour_at_most(abuse_stack: RunningStack) -> None:
    cognito = abuse_stack.client("cognito-idp")
    pool, client = pool_and_client(abuse_stack)
    described = cognito.describe_user_pool_client(UserPoolId=pool, ClientId=client)["UserPoolClient"]

    assert described["IdTokenValidity"] <= 60
    assert described["TokenValidityUnits"]["IdToken"] == "minutes"
    assert described["ExplicitAuthFlows"] == ["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]
    assert cognito.describe_user_pool(UserPoolId=pool)["UserPool"]["MfaConfiguration"] == "ON"
