"""`extensions=true` on the request reads: Chicago's extended attributes (channel, duplicate and parent) and notes
(the request's public history), and a detailed status beside the specification's open or closed.

What a request's visibility hides stays hidden here too: a private request (a social need, a crisis, a police
matter) shows no notes, no channel and no parent, only its detailed status.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from civic311 import clock
from civic311.cases.visibility import Visibility
from civic311.catalog import Language
from civic311.channels.open311 import models as wire
from civic311.errors import InvalidInput
from civic311.models.cases import RequestUpdate, Status
from civic311.models.cases import ServiceRequest as StoredRequest

# Each request's notes take one Query of its own: a page of extended requests is kept small.
MAX_EXTENDED = 100

SUMMARIES: dict[Language, dict[str, str]] = {
    "en": {
        "opened": "Request opened",
        "open": "Open",
        "in_progress": "In progress",
        "action_scheduled": "Work scheduled",
        "referred": "Referred",
        "duplicate": "Duplicate",
        "closed": "Closed",
    },
    "es": {
        "opened": "Solicitud abierta",
        "open": "Abierta",
        "in_progress": "En curso",
        "action_scheduled": "Trabajo programado",
        "referred": "Remitida",
        "duplicate": "Duplicada",
        "closed": "Cerrada",
    },
}


def asked(extensions: str | None) -> bool:
    """Whether the call asked for the extensions; anything but true or false is a 400."""
    if extensions is None or extensions.strip().lower() in ("", "false"):
        return False
    if extensions.strip().lower() == "true":
        return True
    raise InvalidInput("extensions must be true or false")


def check_size(count: int) -> None:
    """The extensions read each request's history: at most MAX_EXTENDED requests in one answer."""
    if count > MAX_EXTENDED:
        raise InvalidInput(f"with extensions=true ask for at most {MAX_EXTENDED} requests (page_size or ids)")


def extend(
    answer: wire.ServiceRequest,
    request: StoredRequest,
    seen_as: Visibility,
    updates: Sequence[RequestUpdate],
    language: Language,
) -> wire.ExtendedServiceRequest:
    """The wire answer with Chicago's extended attributes, its notes and the detailed status."""
    public = [update for update in sorted(updates, key=lambda update: update.updated_at) if update.public]
    detailed = public[-1].status if public else request.status.value
    if request.status == Status.CLOSED:
        detailed = Status.CLOSED.value
    private = seen_as == Visibility.PRIVATE
    attributes = wire.ExtendedAttributes(
        channel=None if private else request.channel.value,
        duplicate=request.parent_id is not None,
        parent_service_request_id=None if private else request.parent_id,
    )
    notes = [] if private else _notes(request, public, language)
    return wire.ExtendedServiceRequest(
        **answer.model_dump(), detailed_status=detailed, extended_attributes=attributes, notes=notes
    )


def _notes(request: StoredRequest, updates: Sequence[RequestUpdate], language: Language) -> list[wire.Note]:
    words = SUMMARIES.get(language, SUMMARIES["en"])
    opened = wire.Note(type="opened", datetime=clock.to_local_iso(request.requested_at), summary=words["opened"])
    return [opened] + [
        wire.Note(
            type="closed" if update.status == "closed" else "activity",
            datetime=clock.to_local_iso(update.updated_at),
            summary=words.get(update.status, update.status),
            description=update.description,
            media_url=update.media_url,
        )
        for update in updates
    ]


def extended_listing(
    listing: Sequence[tuple[wire.ServiceRequest, StoredRequest, Visibility]],
    updates_for: Callable[[str], list[RequestUpdate]],
    language: Language,
) -> list[wire.ServiceRequest]:
    """Each answer extended; only a request that shows notes has its history read."""
    extended: list[wire.ServiceRequest] = []
    for answer, request, seen_as in listing:
        history = [] if seen_as == Visibility.PRIVATE else updates_for(request.service_request_id)
        extended.append(extend(answer, request, seen_as, history, language))
    return extended
