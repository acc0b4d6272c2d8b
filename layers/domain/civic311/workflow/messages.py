"""What the workflow tells residents (Open311 status notes, texts and emails), in English and Spanish."""

from __future__ import annotations

from civic311 import clock
from civic311.cases.review import window_words
from civic311.catalog import Language
from civic311.models.cases import ServiceRequest

UNACKNOWLEDGED = "911 dispatch has not acknowledged the alert yet; alerted again and the supervisor paged."


def _pick(language: Language, en: str, es: str) -> str:
    return es if language == "es" else en


def handed_to_911(language: Language) -> str:
    return _pick(
        language,
        "911 dispatch has this emergency. If anyone is still in danger, call 911.",
        "El despacho del 911 ya atiende esta emergencia. Si alguien sigue en peligro, llame al 911.",
    )


def callback_coming(language: Language) -> str:
    return _pick(
        language,
        "A 311 call-taker will call you back about this report. If anyone is in danger right now, call 911.",
        "Un operador del 311 le devolverá la llamada sobre este reporte. Si alguien está en peligro ahora mismo, "
        "llame al 911.",
    )


def sent_to_911(language: Language) -> str:
    return _pick(
        language,
        "311 sent this to 911 dispatch. If anyone is in danger right now, call 911.",
        "311 envió esto al despacho del 911. Si alguien está en peligro ahora mismo, llame al 911.",
    )


def not_located(language: Language, address: str) -> str:
    return _pick(
        language,
        f"We could not place '{address}' on the map. 311 staff will confirm the location.",
        f"No pudimos ubicar '{address}' en el mapa. El personal del 311 confirmará el lugar.",
    )


def duplicate_of(language: Language, parent_id: str) -> str:
    return _pick(
        language,
        f"This was already reported as request {parent_id}. We are working on that one and will update this "
        "request when it is resolved.",
        f"Esto ya se reportó como la solicitud {parent_id}. Estamos atendiendo esa y actualizaremos esta "
        "solicitud cuando se resuelva.",
    )


def callback(language: Language) -> str:
    return _pick(
        language,
        "A crisis counselor will call you back at the number you gave.",
        "Un consejero de crisis le llamará al número que nos dio.",
    )


def referral_needs_location(language: Language) -> str:
    return _pick(
        language,
        "311 staff will call you to find the nearest place that can help.",
        "El personal del 311 le llamará para encontrar el lugar más cercano que pueda ayudarle.",
    )


def _span(language: Language, hours: int) -> str:
    if hours < 48:
        return _pick(language, f"{hours} hours", f"{hours} horas")
    days = round(hours / 24)
    return _pick(language, f"{days} days", f"{days} días")


def assigned(
    language: Language,
    *,
    group: str,
    department: str,
    sla_hours: int,
    desk_phone: str | None,
    desk_url: str | None,
) -> str:
    if group == "police":
        reach = [item for item in (desk_url, desk_phone) if item]
        if language == "es":
            text = f"Enviado a {department}."
            return text + (
                f" También puede presentar un reporte en línea o llamar: {', '.join(reach)}." if reach else ""
            )
        text = f"Sent to the {department}."
        return text + (f" You can also file a report online or call: {', '.join(reach)}." if reach else "")
    if group == "other":
        return _pick(
            language,
            "There is no set process for this need yet. 311 staff have been told and will find the right place for it.",
            "Todavía no hay un proceso para esta necesidad. El personal del 311 ya fue avisado y buscará a dónde "
            "dirigirla.",
        )
    span = _span(language, sla_hours)
    return _pick(
        language,
        f"Assigned to {department}. We aim to respond within {span}.",
        f"Asignado a {department}. Buscamos responder en un plazo de {span}.",
    )


def subject(language: Language, request_id: str) -> str:
    return _pick(language, f"Tucson 311 request {request_id}", f"Solicitud 311 de Tucson {request_id}")


def notification(language: Language, request_id: str, note: str) -> str:
    return _pick(language, f"Tucson 311, request {request_id}: {note}", f"Tucson 311, solicitud {request_id}: {note}")


def confirmation_code(language: Language, code: str) -> str:
    return _pick(
        language,
        f"Tucson 311: your code is {code}. Enter it where you reported to get text updates. Reply STOP to opt out.",
        f"Tucson 311: su código es {code}. Escríbalo donde hizo el reporte para recibir avisos. "
        "Responda STOP para no recibir más.",
    )


def resolved(language: Language) -> str:
    return _pick(language, "Resolved.", "Resuelto.")


def resolved_with_parent(language: Language, parent_id: str, note: str) -> str:
    return _pick(
        language,
        f"Resolved together with request {parent_id}: {note}",
        f"Resuelto junto con la solicitud {parent_id}: {note}",
    )


def failure(language: Language) -> str:
    return _pick(
        language,
        "We hit a problem routing this request. It is still open and 311 staff have been alerted to follow up.",
        "Tuvimos un problema al dirigir esta solicitud. Sigue abierta y el personal del 311 ya fue avisado para "
        "darle seguimiento.",
    )


def sla_reminder(request: ServiceRequest) -> str:
    return (
        f"Request {request.service_request_id} ({request.service_code}) has passed its service level without a "
        f"resolution. Requested {clock.to_local_iso(request.requested_at)}."
    )


def review_cleared(note: str | None) -> str:
    """Staff's history line when a call-taker cleared a doubtful report."""
    return f"Call-taker review: not a 911 matter. {note}" if note else "Call-taker review: not a 911 matter."


def unreviewed(language: Language, window_seconds: int) -> str:
    return _pick(
        language,
        f"No call-taker reviewed this report within {window_words(window_seconds)}, so 311 sent it to 911 "
        "dispatch. If anyone is in danger, call 911.",
        f"Nadie de 311 revisó este reporte en {_minutos(window_seconds)}, así que 311 lo envió al despacho del "
        "911. Si alguien está en peligro, llame al 911.",
    )


def _minutos(seconds: int) -> str:
    if seconds % 60 == 0:
        minutes = seconds // 60
        return f"{minutes} minuto{'s' if minutes != 1 else ''}"
    return f"{seconds} segundo{'s' if seconds != 1 else ''}"


def unreviewed_page(request: ServiceRequest, reason: str) -> str:
    """The duty supervisor's page: which report, why it went to 911 without a call-taker."""
    signals = ", ".join(request.screening.signals) if request.screening else ""
    return (
        f"311 report {request.service_request_id} ({request.service_code}) went to 911 dispatch by itself: "
        f"{reason}, outside staffed hours. Signals: {signals or 'none'}."
    )


def forwarded(language: Language, department: str, their_id: str | None) -> str:
    """The request is in the department's own system (its number there, when it gave one)."""
    number_en = f" as number {their_id}" if their_id else ""
    number_es = f" con el número {their_id}" if their_id else ""
    return _pick(
        language,
        f"Sent to {department}'s own request system{number_en}; its updates will show here.",
        f"Enviado al sistema de solicitudes de {department}{number_es}; sus novedades se verán aquí.",
    )


def closed_by_department(language: Language, department: str) -> str:
    return _pick(language, f"{department} closed this request.", f"{department} cerró esta solicitud.")


def forward_failed(department: str, reason: str) -> str:
    """For staff only: the department's system never took the request, so someone must send it on."""
    return (
        f"Could not send this request to {department}'s own system after retries ({reason[:300]}). "
        "Send it on by hand, or ask the department to check its Open311 endpoint."
    )
