"""Open311 API keys: created once per client, stored only as digests, rotated and revoked by an admin."""

from __future__ import annotations

import json

import pytest

from civic311.store.__main__ import main
from civic311.store.api_clients import ApiClientStore, key_digest
from tests.support import InProcessStack


def run(capsys: pytest.CaptureFixture[str], *arguments: str) -> tuple[int, str, str]:
    code = main(list(arguments))
    captured = capsys.readouterr()
    return code, captured.out.strip(), captured.err.strip()


def test_keys_are_created_once_rotated_and_revoked(stack: InProcessStack, capsys: pytest.CaptureFixture[str]) -> None:
    table = stack.output("ApiClientsTableName")
    code, first, _ = run(
        capsys, "keys", "create", "--client-id", "seeclickfix", "--name", "SeeClickFix", "--table", table
    )
    assert code == 0
    assert ApiClientStore(table).authenticate(first) is not None

    code, _, error = run(capsys, "keys", "create", "--client-id", "seeclickfix", "--name", "Again", "--table", table)
    assert code == 1
    assert "already has an active key" in error

    code, second, _ = run(capsys, "keys", "rotate", "--client-id", "seeclickfix", "--table", table)
    assert code == 0
    assert second != first
    fresh = ApiClientStore(table)  # a cold function, so no cached lookups
    assert fresh.authenticate(first) is None
    assert fresh.authenticate(second) is not None

    code, listing, _ = run(capsys, "keys", "list", "--table", table)
    records = [json.loads(line) for line in listing.splitlines()]
    assert {record["client_id"] for record in records} >= {"seeclickfix"}
    assert first not in listing
    assert second not in listing
    assert key_digest(second) not in listing

    code, said, _ = run(capsys, "keys", "revoke", "--client-id", "seeclickfix", "--table", table)
    assert said == "revoked 1 key(s) of seeclickfix"
    assert ApiClientStore(table).authenticate(second) is None


def test_the_key_cache_is_bounded_and_keeps_the_keys_in_use(stack: InProcessStack) -> None:
    clients = ApiClientStore(stack.output("ApiClientsTableName"), cache_entries=8)
    clients.register("bounded", "Bounded cache", "key-in-use-0123456789abcdefghijklmnopqrst")
    assert clients.authenticate("key-in-use-0123456789abcdefghijklmnopqrst") is not None
    for n in range(50):
        assert clients.authenticate(f"guessed-key-{n}") is None
        # The client's own key is used between the guesses, so it stays among the most recently used.
        assert clients.authenticate("key-in-use-0123456789abcdefghijklmnopqrst") is not None
        assert clients.cached <= 8
    assert clients.cached == 8
    # Still answered from the cache: revoking it in the table is seen only when its minute is up.
    clients.revoke_client("bounded")
    assert clients.authenticate("key-in-use-0123456789abcdefghijklmnopqrst") is not None
    assert (
        ApiClientStore(stack.output("ApiClientsTableName")).authenticate("key-in-use-0123456789abcdefghijklmnopqrst")
        is None
    )
