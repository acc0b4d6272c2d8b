"""The local Cognito's SRP: a proof of the password passes, anything else fails."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from local_stack import srp

POOL = "us-west-2_AbCdEf123"
PASSWORD = "Right-Pass-123!"


def challenge(password: str = PASSWORD) -> tuple[srp.Client, srp.ServerChallenge, dict[str, str]]:
    client = srp.Client(POOL)
    server = srp.ServerChallenge.start(POOL, "user-id-1", password, client.public_a)
    parameters = {
        "SRP_B": server.public_b,
        "SALT": server.salt_hex,
        "USER_ID_FOR_SRP": "user-id-1",
        "USERNAME": "user@example.org",
        "SECRET_BLOCK": server.secret_block,
    }
    return client, server, parameters


def test_the_right_password_proves_itself_and_a_wrong_one_does_not() -> None:
    client, server, parameters = challenge()
    assert server.accepts(client.answer(PASSWORD, parameters))

    client, server, parameters = challenge()
    assert not server.accepts(client.answer(PASSWORD[:-1], parameters))


def test_a_proof_made_too_long_ago_or_for_another_challenge_is_refused() -> None:
    client, server, parameters = challenge()
    stale = client.answer(PASSWORD, parameters, moment=datetime.now(UTC) - timedelta(minutes=10))
    assert not server.accepts(stale)

    _, other, _ = challenge()
    assert not other.accepts(client.answer(PASSWORD, parameters))


def test_timestamps_are_written_as_cognito_reads_them() -> None:
    assert srp.timestamp(datetime(2026, 12, 7, 6, 5, 4, tzinfo=UTC)) == "Mon Dec 7 06:05:04 UTC 2026"
    assert srp.parse_timestamp("Mon Dec 7 06:05:04 UTC 2026") == datetime(2026, 12, 7, 6, 5, 4, tzinfo=UTC)
