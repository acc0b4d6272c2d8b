"""Reading the 911 alert as a CAD does: validate it as a NENA EIDO, then take out what a test checks.

Every test that reads an alert from the EmergencyAlert topic goes through `read`, so every alert the system
publishes in the tests is validated against NENA's EmergencyIncidentDataObjectType (tests/data/schemas/eido).
"""

from __future__ import annotations

import html
import re
import xml.etree.ElementTree as ET
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from jsonschema import Draft4Validator  # type: ignore[import-untyped]
from jsonschema.exceptions import ValidationError  # type: ignore[import-untyped]
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

SCHEMAS = Path(__file__).parent / "data" / "schemas" / "eido"
ROOT = (SCHEMAS / "openapi.yaml").as_uri()
COMPONENT = f"{ROOT}#/components/schemas/EmergencyIncidentDataObjectType"
GML = "{http://www.opengis.net/gml}"
CIVIC = "{urn:ietf:params:xml:ns:pidf:geopriv10:civicAddr}"

__all__ = ["ValidationError", "read", "validate"]


def _fix_upstream(document: Any) -> Any:
    # NENA's AgentType says `minItems: 1,` (a typo: YAML reads the string "1,"), which no validator can compare
    # with a length. It means 1; every other keyword is used as published.
    if isinstance(document, dict):
        return {
            key: 1 if key == "minItems" and value == "1," else _fix_upstream(value) for key, value in document.items()
        }
    if isinstance(document, list):
        return [_fix_upstream(value) for value in document]
    return document


@cache
def _load(path: Path) -> Resource[Any]:
    with path.open(encoding="utf-8") as source:
        contents = yaml.load(source, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))  # noqa: S506
    # OpenAPI 3.0's schema objects are the JSON Schema draft 4 subset (plus keywords draft 4 ignores).
    return DRAFT4.create_resource(_fix_upstream(contents))


def _retrieve(uri: str) -> Resource[Any]:
    # The components refer to each other by relative file names ("nc.yaml#/...", once "NIEMComponents//j.yaml").
    return _load(Path(uri.removeprefix("file://")).resolve())


@cache
def _validator() -> Draft4Validator:
    registry: Registry[Any] = Registry(retrieve=_retrieve)  # type: ignore[call-arg]
    return Draft4Validator({"$ref": COMPONENT}, registry=registry)


def validate(document: dict[str, Any]) -> None:
    """Raise ValidationError (with every problem) unless the document is an EmergencyIncidentDataObjectType."""
    errors = sorted(_validator().iter_errors(document), key=lambda error: list(error.absolute_path))
    if errors:
        problems = "; ".join(f"{'/'.join(map(str, e.absolute_path)) or '(root)'}: {e.message}" for e in errors[:10])
        raise ValidationError(f"not a NENA EIDO: {problems}")


def _notes(document: dict[str, Any], name: str) -> dict[str, str]:
    for note in document.get("notesComponent", []):
        if note["$id"].split(":")[4].endswith(f"-{name}"):
            paragraphs = re.findall(r"<p>(.*?)</p>", note["notesActionComments"], flags=re.DOTALL)
            return dict(html.unescape(p).split(": ", 1) for p in paragraphs)
    return {}


def _location(document: dict[str, Any]) -> dict[str, Any]:
    [location] = document["locationComponent"]
    pidf = ET.fromstring(location["locationByValue"].encode("utf-8"))
    pos = pidf.find(f".//{GML}pos")
    lat, long = (float(v) for v in pos.text.split()) if pos is not None and pos.text else (None, None)
    address = pidf.find(f".//{CIVIC}LOC")
    return {"lat": lat, "long": long, "address": address.text if address is not None else None}


def read(document: dict[str, Any]) -> dict[str, Any]:
    """Validate an alert as an EIDO and read it as dispatch does: the fields the tests check, by their old names."""
    validate(document)
    incident = document["incidentComponent"]
    [call] = document["callComponent"]
    triage = _notes(document, "triage")
    escalation = _notes(document, "escalation")
    callbacks = [uri for cb in document.get("callbackComponent", []) for uri in cb["callBackInformationUri"]]
    signals = triage["Triage signals"]
    return {
        "eido": document,
        "alert_id": incident["internalIncidentId"],
        "service_request_id": incident["internalIncidentId"],
        "kind": incident["incidentStatusInternalText"][0],
        "service_code": incident["incidentTypeInternalCode"],
        "channel": call["localCallType"],
        "language": triage["Language"],
        "location": _location(document),
        "callback_number": callbacks[0].removeprefix("tel:") if callbacks else None,
        "description": _notes(document, "words").get("Resident's words"),
        "signals": [] if signals == "none" else signals.split(", "),
        "crisis": triage["Crisis"] == "yes",
        "verified": incident["incidentPriorityInternalText"] == "emergency",
        "source": triage["Source"].split(" (", 1)[0],
        "reason": escalation.get("Reason") or None,
        "escalated_by": escalation.get("Escalated by"),
        "sent_at": document["lastUpdateTimeStamp"],
        "reported_at": call["callStartTimestamp"],
    }
