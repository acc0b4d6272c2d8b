"""Callers' contact details are stored only as KMS ciphertext bound to their request."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import boto3
import pytest

from civic311.errors import DependencyUnavailable
from civic311.models.cases import Channel, Contact, Place, ServiceRequest, Status
from civic311.store.contacts import ContactSeal
from civic311.store.requests import RequestStore
from local_stack.template import load_template
from tests.support import InProcessStack

ROOT = Path(__file__).resolve().parents[2]

PHONE = "+15205550188"


def request_with_contact(request_id: str) -> ServiceRequest:
    now = datetime(2026, 12, 1, 15, 0, tzinfo=UTC)
    return ServiceRequest(
        service_request_id=request_id,
        token="t" + request_id,
        service_code="pothole",
        status=Status.OPEN,
        place=Place(lat=32.2226, long=-110.9747),
        channel=Channel.OPEN311,
        language="en",
        requested_at=now,
        updated_at=now,
        contact=Contact(phone=PHONE, email="caller@example.org", notify=True),
    )


def raw_contact_item(stack: InProcessStack, request_id: str) -> dict[str, object]:
    table = stack.output("ServiceRequestsTableName")
    item = boto3.client("dynamodb").get_item(
        TableName=table, Key={"pk": {"S": f"REQ#{request_id}"}, "sk": {"S": "CONTACT"}}
    )["Item"]
    return dict(item)


def test_the_table_holds_only_ciphertext_of_a_contact(stack: InProcessStack) -> None:
    store = RequestStore(stack.output("ServiceRequestsTableName"), contacts=ContactSeal(stack.output("ContactKeyId")))
    store.create(request_with_contact("7100000001"))

    item = raw_contact_item(stack, "7100000001")

    assert set(item) == {"pk", "sk", "sealed_contact", "expires_at"}
    stored = json.dumps(item, default=repr)
    assert "5205550188" not in stored
    assert "caller@example.org" not in stored
    assert store.get_contact("7100000001") == Contact(phone=PHONE, email="caller@example.org", notify=True)


def test_a_sealed_contact_copied_onto_another_request_does_not_open(stack: InProcessStack) -> None:
    seal = ContactSeal(stack.output("ContactKeyId"))
    sealed = seal.seal("7100000002", Contact(phone=PHONE))

    assert seal.open("7100000002", sealed).phone == PHONE
    with pytest.raises(DependencyUnavailable):
        seal.open("7100000003", sealed)


def test_a_store_without_the_contact_key_refuses_to_store_contacts_in_the_clear(stack: InProcessStack) -> None:
    store = RequestStore(stack.output("ServiceRequestsTableName"))

    with pytest.raises(RuntimeError, match="never stored unsealed"):
        store.create(request_with_contact("7100000004"))
    assert store.get("7100000004") is None


def test_only_the_call_back_functions_may_decrypt_contacts() -> None:
    resources = load_template(ROOT / "template.yaml")["Resources"]
    decrypting = set()
    for name, resource in resources.items():
        for policy in (resource.get("Properties") or {}).get("Policies") or []:
            for statement in policy.get("Statement", []) if isinstance(policy, dict) else []:
                actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
                if "ContactKey" in str(statement.get("Resource")) and "kms:Decrypt" in actions:
                    assert statement["Condition"]["ForAllValues:StringEquals"]["kms:EncryptionContextKeys"] == [
                        "service_request_id"
                    ]
                    decrypting.add(name)

    assert decrypting == {"WorkflowFunction", "SweeperFunction", "StaffApiFunction"}
