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
