"""Who may read what of a request: the one rule every public answer goes through.

Only city-service reports (a pothole, a streetlight) are public as made. A social need, a police matter,
anything triage found to be an emergency or a crisis, a 911 diversion and a phone call's transcript show
the public only the code, status, dates and an area about a kilometre wide, with a neutral description:
the resident's words and their exact point (often their home) stay with the resident and staff.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from civic311.catalog import Catalog, Language
from civic311.models.cases import Channel, Place, ServiceRequest

# Two decimals of a degree are about 1.1 km north-south and 0.9 km east-west here: a neighbourhood, not a door.
COARSE_DECIMALS = 2
PUBLIC_GROUPS = frozenset({"city"})
# Triage's suggestion makes a request private when it names one of these (not merely "other").
SENSITIVE_GROUPS = frozenset({"social", "police"})
PRIVATE_DESCRIPTION: dict[Language, str] = {
    "en": "Request for help (details private)",
    "es": "Solicitud de ayuda (detalles privados)",
}


class Visibility(Enum):
    """How much of a request the public sees."""

    PUBLIC = "public"  # everything but contact details
    WORDS_PRIVATE = "words-private"  # a city report made by phone: the place is the issue's, the words a transcript
    PRIVATE = "private"  # the code, status, dates and a coarse area only


@dataclass(frozen=True)
class PublicFace:
    """The fields of a request the public may read."""

    description: str | None
    status_notes: str | None
    service_notice: str | None
    media_url: str | None
    place: Place | None
    private: bool


def visibility(request: ServiceRequest, group: str | None, suggested_group: str | None = None) -> Visibility:
    """The request's visibility; `group` is its service's catalog group (None if the code is unknown).

    `suggested_group` is the group of the code triage suggested: a resident who files a shelter need under
    "pothole" is still a resident asking for shelter.
    """
    screening = request.screening
    sensitive = (
        group not in PUBLIC_GROUPS
        or suggested_group in SENSITIVE_GROUPS
        or request.alert is not None
        or request.channel == Channel.DIVERSION
        or (screening is not None and (screening.emergency or screening.crisis))
    )
    if sensitive:
        return Visibility.PRIVATE
    if request.channel == Channel.PHONE:
        return Visibility.WORDS_PRIVATE
    return Visibility.PUBLIC


def visibility_in(catalog: Catalog, request: ServiceRequest) -> Visibility:
    """The request's visibility, its service groups looked up in the catalog."""
    service = catalog.find(request.service_code)
    suggested = catalog.find(request.screening.suggested_code) if request.screening is not None else None
    return visibility(request, service.group if service else None, suggested.group if suggested else None)


def coarse_place(place: Place) -> Place | None:
    """The area around a point, about a kilometre wide, with no address; None when there is no point yet."""
    if place.lat is None or place.long is None:
        return None
    return Place(lat=round(place.lat, COARSE_DECIMALS), long=round(place.long, COARSE_DECIMALS))


def public_face(request: ServiceRequest, seen_as: Visibility) -> PublicFace:
    """What the public may read of a request with the given visibility."""
    if seen_as == Visibility.PUBLIC:
        return PublicFace(
            description=request.description,
            status_notes=request.status_notes,
            service_notice=request.service_notice,
            media_url=request.media_url,
            place=request.place,
            private=False,
        )
    neutral = PRIVATE_DESCRIPTION.get(request.language, PRIVATE_DESCRIPTION["en"])
    if seen_as == Visibility.WORDS_PRIVATE:
        return PublicFace(
            description=neutral,
            status_notes=request.status_notes,
            service_notice=request.service_notice,
            media_url=None,
            place=request.place,
            private=True,
        )
    return PublicFace(
        description=neutral,
        # Staff notes on a private request speak of the resident's situation; the notice can say 911 was called.
        status_notes=None,
        service_notice=None,
        media_url=None,
        place=coarse_place(request.place),
        private=True,
    )


def public_update_text(seen_as: Visibility, description: str, language: Language) -> str:
    """An update's text as the public reads it: a private request's updates say only that it moved."""
    if seen_as != Visibility.PRIVATE:
        return description
    return PRIVATE_DESCRIPTION.get(language, PRIVATE_DESCRIPTION["en"])
