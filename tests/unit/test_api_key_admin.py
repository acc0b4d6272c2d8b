"""Open311 API keys: created once per client, stored only as digests, rotated and revoked by an admin."""

from __future__ import annotations

import json

import pytest

from civic311 import aws
from civic311.store.__main__ import main
from civic311.store.api_clients import ApiClientStore, key_digest
from tests.support import InProcessStack


def run(capsys: pytest.CaptureFixture[str], *arguments: str) -> tuple[int, str, str]:
    code = main(list(arguments))
    captured = capsys.readouterr()
    return code, captured.out.strip(), captured.err.strip()


def gateway_keys_in_plan(stack: InProcessStack) -> list[str]:
    """The values of the API Gateway keys in the partners' usage plan."""
    gateway = aws.apigateway()
    plan_keys = gateway.get_usage_plan_keys(usagePlanId=stack.output("PartnerUsagePlanId"))["items"]
    existing = {key["id"]: key["value"] for key in gateway.get_api_keys(includeValues=True)["items"]}
    return [existing[key["id"]] for key in plan_keys if key["id"] in existing]


def test_keys_are_created_once_rotated_and_revoked_in_the_table_and_the_usage_plan(
    stack: InProcessStack, capsys: pytest.CaptureFixture[str]
) -> None:
    table, plan = stack.output("ApiClientsTableName"), stack.output("PartnerUsagePlanId")
    admin = ("--table", table, "--usage-plan", plan)
    code, first, _ = run(capsys, "keys", "create", "--client-id", "seeclickfix", "--name", "SeeClickFix", *admin)
    assert code == 0
    assert ApiClientStore(table).authenticate(first) is not None
    # API Gateway holds the same key in the partners' plan, so it meters it when it comes in X-API-Key.
    assert first in gateway_keys_in_plan(stack)

    code, _, error = run(capsys, "keys", "create", "--client-id", "seeclickfix", "--name", "Again", *admin)
    assert code == 1
    assert "already has an active key" in error

    code, second, _ = run(capsys, "keys", "rotate", "--client-id", "seeclickfix", *admin)
    assert code == 0
    assert second != first
    fresh = ApiClientStore(table)  # a cold function, so no cached lookups
    assert fresh.authenticate(first) is None
    assert fresh.authenticate(second) is not None
    assert second in gateway_keys_in_plan(stack)
    assert first not in gateway_keys_in_plan(stack)

    code, listing, _ = run(capsys, "keys", "list", "--table", table)
    records = [json.loads(line) for line in listing.splitlines()]
    assert {record["client_id"] for record in records} >= {"seeclickfix"}
    assert first not in listing
    assert second not in listing
    assert key_digest(second) not in listing

    code, said, _ = run(capsys, "keys", "revoke", "--client-id", "seeclickfix", "--table", table)
    assert said == "revoked 1 key(s) of seeclickfix (1 in API Gateway)"
    assert ApiClientStore(table).authenticate(second) is None
    assert second not in gateway_keys_in_plan(stack)


def test_a_key_is_not_issued_when_its_usage_plan_does_not_exist(
    stack: InProcessStack, capsys: pytest.CaptureFixture[str]
) -> None:
    table = stack.output("ApiClientsTableName")
    code, said, error = run(
        capsys,
        "keys",
        "create",
        "--client-id",
        "nowhere",
        "--name",
        "No plan",
        "--table",
        table,
        "--usage-plan",
        "nope1",
    )
    assert code == 1
    assert said == ""
    assert "API Gateway refused the key" in error
    assert ApiClientStore(table).keys_of("nowhere") == []
    assert not [key for key in aws.apigateway().get_api_keys()["items"] if key.get("name") == "open311:nowhere"]


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


def test_an_answering_points_key_lives_in_the_dispatch_plan_only_and_never_in_the_clients_table(
    stack: InProcessStack, capsys: pytest.CaptureFixture[str]
) -> None:
    table, plan = stack.output("ApiClientsTableName"), stack.output("DispatchUsagePlanId")
    dispatch = ("--kind", "dispatch", "--usage-plan", plan)
    code, key, _ = run(capsys, "keys", "create", "--client-id", "pima-911", "--name", "Pima County 911", *dispatch)
    assert code == 0
    gateway = aws.apigateway()
    [issued] = [item for item in gateway.get_api_keys(includeValues=True)["items"] if item.get("value") == key]
    assert issued["name"] == "dispatch:pima-911"
    assert [p["id"] for p in gateway.get_usage_plans(keyId=issued["id"])["items"]] == [plan]
    # Not an Open311 client: the form-body door does not know it.
    assert ApiClientStore(table).authenticate(key) is None

    code, _, error = run(capsys, "keys", "create", "--client-id", "pima-911", "--name", "Again", *dispatch)
    assert (code, "use rotate" in error) == (1, True)
    code, rotated, _ = run(capsys, "keys", "rotate", "--client-id", "pima-911", *dispatch)
    assert code == 0
    assert rotated != key
    code, listing, _ = run(capsys, "keys", "list", "--kind", "dispatch")
    assert [json.loads(line)["answering_point"] for line in listing.splitlines()] == ["pima-911"]
    assert rotated not in listing
    code, said, _ = run(capsys, "keys", "revoke", "--kind", "dispatch", "--client-id", "pima-911")
    assert (code, said) == (0, "revoked 1 dispatch key(s) of pima-911")
    assert not [item for item in gateway.get_api_keys()["items"] if item["name"].startswith("dispatch:")]


@pytest.mark.parametrize("answering_point", ["Pima", "a", "pima 911", "pima:911", "-pima", "p" * 64])
def test_an_answering_point_id_is_lower_case_letters_digits_and_hyphens(
    stack: InProcessStack, capsys: pytest.CaptureFixture[str], answering_point: str
) -> None:
    plan = stack.output("DispatchUsagePlanId")
    code, key, error = run(
        capsys,
        "keys",
        "create",
        "--kind",
        "dispatch",
        f"--client-id={answering_point}",
        "--name",
        "X",
        "--usage-plan",
        plan,
    )
    assert (code, key) == (1, "")
    assert "answering point id" in error


def test_an_open311_key_still_needs_its_table(stack: InProcessStack, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        run(capsys, "keys", "list")
    assert "--table is required" in capsys.readouterr().err
