"""The 911 alert as a NENA EIDO (NENA-STA-021, JSON Emergency Incident Data Object), and its short text for SMS.

A CAD reads an EIDO without an adapter: the incident (type, priority, status), the call that reported it, the
callback `tel:` URI, the location as a PIDF-LO (point and civic address), notes carrying the resident's words and
the triage signals and language, and the 311 agency and agent that raised it. Every component's `$id` is derived
from the request id, so a repeated delivery of one alert carries the same ids and dispatch can drop it.
"""

from __future__ import annotations

from html import escape as html_escape
from typing import TYPE_CHECKING, Any
from xml.sax.saxutils import escape as xml_escape

if TYPE_CHECKING:
    from civic311.escalation.alert_model import EmergencyAlert

# The city's 311 as an agency (NENA identifies agencies by domain name) and the element that issues the EIDO.
AGENCY_ID = "311.tucsonaz.gov"
ISSUING_ELEMENT = f"alerts.{AGENCY_ID}"
STATE = "AZ"
CITY = "Tucson"
# Who raised an alert nobody escalated by hand: 311's own triage, an automaton in EIDO terms.
TRIAGE_AGENT = f"triage@{AGENCY_ID}"
# An SMS part is 160 GSM characters; the short text must be read at a glance.
SMS_LIMIT = 160

KIND_TEXT = {
    "screened": "311 triage found an emergency in a report",
    "staff-escalation": "a 311 call-taker escalated a report to 911",
    "diversion": "a report 911 diverted to 311 screened as an emergency",
    "unacknowledged": "a 311 emergency alert 911 has not acknowledged yet",
}


def _urn(kind: str, alert: EmergencyAlert, suffix: str = "") -> str:
    return f"urn:emergency:uid:{kind}:{alert.alert_id}{suffix}:{AGENCY_ID}"


def _prologue(component_id: str, alert: EmergencyAlert, agent: str) -> dict[str, Any]:
    return {
        "$id": component_id,
        "lastUpdateTimeStamp": alert.sent_at or alert.reported_at,
        "updatedByAgencyReference": {"$ref": AGENCY_ID},
        "updatedByAgentReference": {"$ref": agent},
    }


def _xml_text(text: str) -> str:
    # XML 1.0 allows no control characters but tab and line breaks.
    return "".join(c for c in text if c >= " " or c in "\t\n\r")


def pidf_lo(alert: EmergencyAlert) -> str:
    """The location as a PIDF-LO (RFC 4119, 5139, 5491): a GML point when known, and the civic address."""
    location = alert.location
    point = ""
    if location.lat is not None and location.long is not None:
        point = (
            '<gml:Point srsName="urn:ogc:def:crs:EPSG::4326">'
            f"<gml:pos>{location.lat} {location.long}</gml:pos></gml:Point>"
        )
    civic = (
        '<ca:civicAddress xmlns:ca="urn:ietf:params:xml:ns:pidf:geopriv10:civicAddr">'
        f"<ca:country>US</ca:country><ca:A1>{STATE}</ca:A1><ca:A3>{CITY}</ca:A3>"
        # The resident's address as they gave it: 311 does not split it into street and number.
        + (f"<ca:LOC>{xml_escape(_xml_text(location.address))}</ca:LOC>" if location.address else "")
        + "</ca:civicAddress>"
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<presence xmlns="urn:ietf:params:xml:ns:pidf" xmlns:gp="urn:ietf:params:xml:ns:pidf:geopriv10" '
        'xmlns:gml="http://www.opengis.net/gml" '
        f'entity="pres:{alert.alert_id}@{AGENCY_ID}"><tuple id="incident"><status><gp:geopriv>'
        f"<gp:location-info>{point}{civic}</gp:location-info>"
        "<gp:usage-rules/><gp:method>Manual</gp:method>"
        "</gp:geopriv></status></tuple></presence>"
    )


def _note(component_id: str, alert: EmergencyAlert, agent: str, lines: list[tuple[str, str]]) -> dict[str, Any]:
    # notesActionComments is HTML5: every value is escaped, one paragraph per line.
    html = "".join(f"<p>{html_escape(label)}: {html_escape(value)}</p>" for label, value in lines)
    return _prologue(component_id, alert, agent) | {"notesActionComments": html, "agentReference": {"$ref": agent}}


def eido(alert: EmergencyAlert) -> dict[str, Any]:
    """The EIDO dispatch receives for an alert (with the callback URI: the alert is for dispatch only)."""
    agent = f"{alert.escalated_by}@{AGENCY_ID}" if alert.escalated_by else TRIAGE_AGENT
    incident_id = _urn("incidentid", alert)
    call_id = _urn("callid", alert)
    callback_id = _urn("callbackid", alert)
    location_id = _urn("locationid", alert)
    words_id, triage_id, escalation_id = (_urn("notesid", alert, f"-{n}") for n in ("words", "triage", "escalation"))
    source = f"{alert.source or alert.channel} ({'verified' if alert.verified else 'unverified: a public web form'})"
    triage = [
        ("Triage signals", ", ".join(alert.signals) or "none"),
        ("Language", alert.language),
        ("Crisis", "yes" if alert.crisis else "no"),
        ("Source", source),
    ]
    notes = [_note(triage_id, alert, agent, triage)]
    if alert.description:
        notes.append(_note(words_id, alert, agent, [("Resident's words", alert.description)]))
    escalation = [("Escalated by", alert.escalated_by or "")] if alert.escalated_by else []
    escalation += [("Reason", alert.reason)] if alert.reason else []
    if escalation:
        notes.append(_note(escalation_id, alert, agent, escalation))
    notes_refs = [{"$ref": note["$id"]} for note in notes]
    call: dict[str, Any] = _prologue(call_id, alert, agent) | {
        # The report reached 311's non-emergency line, app or web form, not 911.
        "standardPrimaryCallType": "nonEmergency",
        "localCallType": alert.channel,
        "direction": "incoming",
        "priorityIdentifier": "highest" if alert.verified else "high",
        "callStartTimestamp": alert.reported_at,
        "callStateRegistryText": "callAnswered" if alert.channel == "phone" else "callEnd",
        "agentReference": [{"$ref": agent}],
        "locationReference": [{"$ref": location_id}],
        "notesReference": notes_refs,
    }
    document: dict[str, Any] = _prologue(incident_id, alert, agent) | {
        "eidoVersion": "1.0",
        "issuingElementIdentification": ISSUING_ELEMENT,
        "incidentComponent": _prologue(incident_id, alert, agent)
        | {
            "incidentTypeCommonRegistryText": "Medical.MentalHealth" if alert.crisis else "Unknown",
            "incidentTypeInternalCode": alert.service_code,
            "incidentTypeInternalText": KIND_TEXT[alert.kind],
            "incidentStatusInternalText": [alert.kind],
            "internalIncidentId": alert.service_request_id,
            "incidentPriorityInternalText": "emergency" if alert.verified else "emergency-unverified",
            "agentReference": [{"$ref": agent}],
            "locationReference": [{"$ref": location_id}],
            "notesReference": notes_refs,
        },
        "callComponent": [call],
        "notesComponent": notes,
        "locationComponent": [
            _prologue(location_id, alert, agent)
            | {
                "locationTypeDescriptionRegistryText": "Incident",
                "locationByValue": pidf_lo(alert),
                **({"locationDescriptionText": alert.location.address} if alert.location.address else {}),
            }
        ],
        "agencyComponent": [
            _prologue(AGENCY_ID, alert, agent)
            | {"agencyRoleDescriptionRegistryText": ["CallReceiving"], "agencyType": ["other"]}
        ],
        "agentComponent": [
            _prologue(agent, alert, agent)
            | {
                "agentRoleRegistryText": ["Call Taking" if alert.escalated_by else "Automaton"],
                "agencyReference": {"$ref": AGENCY_ID},
            }
        ],
    }
    if alert.callback_number:
        call["callBackReference"] = {"$ref": callback_id}
        document["callbackComponent"] = [
            _prologue(callback_id, alert, agent) | {"callBackInformationUri": [f"tel:{alert.callback_number}"]}
        ]
    return document


def sms_text(alert: EmergencyAlert) -> str:
    """The short text SMS subscribers get: what and where, never the caller's number (it is in the EIDO)."""
    where = alert.location.address or (
        f"{alert.location.lat},{alert.location.long}" if alert.location.lat is not None else "location unknown"
    )
    signals = f" [{', '.join(alert.signals)}]" if alert.signals else ""
    return f"{alert.subject()} at {where}{signals}. EIDO in CAD."[:SMS_LIMIT]
