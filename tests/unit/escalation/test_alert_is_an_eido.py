"""The 911 alert is a NENA EIDO: what an SQS subscriber of the alert topic receives validates against NENA's
EmergencyIncidentDataObjectType, with its NIEM components; SMS subscribers get a short text instead."""

from __future__ import annotations

import copy
import itertools
import json
from pathlib import Path
from typing import Any

import pytest

from civic311 import aws
from civic311.escalation.alerts import AlertPublisher
from civic311.escalation.service import Escalation
from tests import eido
from tests.support import InProcessStack, request_store
from tests.unit.escalation.test_alerts_and_sweeper import emergency

REQUEST_NUMBERS = itertools.count(1)
SAMPLE = Path(__file__).parents[2] / "data" / "schemas" / "eido" / "sample-call-transfer.json"


class RecordingSns:
    """The real (mocked) SNS client, keeping each publish request as the alert path sent it."""

    def __init__(self) -> None:
        self.real = aws.sns()
        self.requests: list[dict[str, Any]] = []

    def publish(self, **request: Any) -> Any:
        self.requests.append(request)
        return self.real.publish(**request)


@pytest.fixture
def sent(stack: InProcessStack, dispatch_queue: str, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """One screened emergency with a callback number, as published and as the dispatch queue received it."""
    recording = RecordingSns()
    monkeypatch.setattr(aws, "alert_sns", lambda: recording)
    store = request_store(stack)
    request = emergency(store, f"17{next(REQUEST_NUMBERS):08d}", phone="520-555-0142")
    escalation = Escalation(store, AlertPublisher(stack.output("EmergencyAlertTopicArn")))
    assert escalation.send(request, store.get_contact(request.service_request_id)) is True
    messages = stack.provisioner.client("sqs").receive_message(QueueUrl=dispatch_queue, MaxNumberOfMessages=10)
    [body] = [json.loads(message["Body"]) for message in messages["Messages"]]
    [published] = recording.requests
    return {"body": body, "request": published}


def test_the_alert_a_subscriber_receives_validates_as_a_nena_eido(sent: dict[str, Any]) -> None:
    eido.validate(sent["body"])
    assert sent["body"]["eidoVersion"] == "1.0"


def test_the_eido_carries_the_incident_call_callback_location_notes_agency_and_agent(sent: dict[str, Any]) -> None:
    document = sent["body"]
    incident = document["incidentComponent"]
    assert incident["internalIncidentId"].startswith("17")
    assert incident["incidentTypeInternalCode"] == "other"
    assert incident["incidentPriorityInternalText"] == "emergency"
    [callback] = document["callbackComponent"]
    assert callback["callBackInformationUri"] == ["tel:+15205550142"]
    [call] = document["callComponent"]
    assert call["callBackReference"] == {"$ref": callback["$id"]}
    read = eido.read(document)
    assert read["location"] == {"lat": 32.2363, "long": -110.9441, "address": "Speedway and Campbell"}
    assert (read["signals"], read["language"]) == (["not-breathing"], "en")
    assert read["description"] == "man collapsed and is not breathing"
    [agency] = document["agencyComponent"]
    [agent] = document["agentComponent"]
    assert agent["agencyReference"] == {"$ref": agency["$id"]}
    assert document["updatedByAgentReference"] == {"$ref": agent["$id"]}


def test_every_reference_in_the_eido_names_a_component_it_carries(sent: dict[str, Any]) -> None:
    document = sent["body"]
    ids = {document["incidentComponent"]["$id"]} | {
        component["$id"]
        for key, value in document.items()
        if key.endswith("Component") and isinstance(value, list)
        for component in value
    }
    references: list[str] = []

    def collect(node: Any) -> None:
        if isinstance(node, dict):
            references.extend([node["$ref"]] if "$ref" in node else [])
            for value in node.values():
                collect(value)
        elif isinstance(node, list):
            for value in node:
                collect(value)

    collect(document)
    assert references
    assert set(references) <= ids


@pytest.mark.parametrize(
    "breakage",
    [
        lambda doc: doc.pop("agencyComponent"),
        lambda doc: doc.update(eidoVersion="2.0"),
        lambda doc: doc["callComponent"][0].update(direction="sideways"),
        lambda doc: doc["incidentComponent"].pop("incidentTypeCommonRegistryText"),
        lambda doc: doc["agentComponent"][0].update(agentRoleRegistryText=[]),
        lambda doc: doc["notesComponent"][0].pop("$id"),
    ],
    ids=["no-agency", "unknown-version", "unknown-direction", "no-incident-type", "agent-without-role", "note-no-id"],
)
def test_a_broken_alert_fails_validation(sent: dict[str, Any], breakage: Any) -> None:
    broken = copy.deepcopy(sent["body"])
    breakage(broken)
    with pytest.raises(eido.ValidationError, match="not a NENA EIDO"):
        eido.validate(broken)


def test_nenas_own_sample_validates_and_its_niem_components_are_checked_across_files() -> None:
    # A person's NIEM nc:PersonType (nc.yaml) refers to NCIC's blood type codes (ncic.yaml): the validator follows
    # both relative $refs, so a code NCIC does not define fails and one it does passes.
    sample = json.loads(SAMPLE.read_text(encoding="utf-8"))
    eido.validate(sample)
    person = sample["personComponent"][0]
    person["ncPersonComponent"] = {"bloodTypeCode": [{"simpleType": "ABNEG"}]}
    eido.validate(sample)
    person["ncPersonComponent"] = {"bloodTypeCode": [{"simpleType": "purple"}]}
    with pytest.raises(eido.ValidationError, match="bloodTypeCode"):
        eido.validate(sample)


def document_id(document: dict[str, Any]) -> str:
    return str(document["incidentComponent"]["internalIncidentId"])


def test_sms_subscribers_get_a_short_text_without_the_callers_number(sent: dict[str, Any]) -> None:
    request = sent["request"]
    assert request["MessageStructure"] == "json"
    structure = json.loads(request["Message"])
    assert json.loads(structure["default"]) == sent["body"]
    assert len(structure["sms"]) <= 160
    assert document_id(sent["body"]) in structure["sms"]
    assert "Speedway and Campbell" in structure["sms"]
    assert "555" not in structure["sms"]


def test_subscription_filters_still_find_the_alert_by_its_attributes(sent: dict[str, Any]) -> None:
    attributes = {name: value["StringValue"] for name, value in sent["request"]["MessageAttributes"].items()}
    assert attributes["severity"] == "emergency"
    assert attributes["kind"] == "screened"
