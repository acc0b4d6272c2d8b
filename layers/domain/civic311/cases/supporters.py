"""Open requests near a point that a resident may support instead of reporting again, and their "me too".

Only requests the public may see are listed or supported (cases/visibility.py): a social need, a police
matter, a crisis or an emergency never appears, whatever code is asked. The OpenNearby index is queried by
the coarse H3 cells around the point; the distance is then computed exactly.

An unknown service code is bad input (400); a known code that is never public (shelter, a police matter)
answers an empty list, as a public code with nothing open nearby does.
"""

from __future__ import annotations

import hashlib
from datetime import datetime

from civic311 import metrics
from civic311.cases.visibility import PUBLIC_GROUPS, Visibility, public_face, visibility_in
from civic311.catalog import Catalog
from civic311.errors import Conflict, InvalidInput, NotFound
from civic311.geo.cells import DUPLICATE_METERS, DUPLICATE_RESOLUTION, cells_around
from civic311.geo.distance import distance_km
from civic311.models.cases import Contact, Status
from civic311.models.supporters import NearbyRequest, Supported, Supporter
from civic311.store.requests import RequestStore

MAX_LISTED = 10


def open_nearby(
    store: RequestStore, catalog: Catalog, service_code: str, lat: float, long: float, now: datetime
) -> list[NearbyRequest]:
    """Open, public requests of this kind within 50 m of the point, nearest first."""
    service = catalog.find(service_code)
    if service is None:
        raise InvalidInput(f"service_code {service_code!r} is not in the catalog")
    if service.group not in PUBLIC_GROUPS:
        return []
    cells = [f"{service_code}#{cell}" for cell in cells_around(lat, long, DUPLICATE_RESOLUTION)]
    found: list[NearbyRequest] = []
    for request in store.open_in_cells(cells, requested_before=now):
        point = request.place
        if request.status != Status.OPEN or request.parent_id or point.lat is None or point.long is None:
            continue
        seen = visibility_in(catalog, request)
        if seen == Visibility.PRIVATE:
            continue
        metres = distance_km(lat, long, point.lat, point.long) * 1000
        if metres > DUPLICATE_METERS:
            continue
        face = public_face(request, seen)
        found.append(
            NearbyRequest(
                service_request_id=request.service_request_id,
                service_code=request.service_code,
                description=None if face.private else face.description,
                status="open",
                requested_datetime=request.requested_at,
                supporters=request.supporters,
                distance_m=round(metres),
            )
        )
    return sorted(found, key=lambda nearby: (nearby.distance_m, nearby.requested_datetime))[:MAX_LISTED]


def supporter_key(request_id: str, supporter: Supporter) -> str:
    """Who the supporter is, for counting once: a digest of their email, else of their idempotency key."""
    who = f"email:{supporter.email}" if supporter.email else f"key:{supporter.idempotency_key}"
    # The request id salts the digest: one resident's items on two requests do not share a key.
    return hashlib.sha256(f"{request_id}\n{who}".encode()).hexdigest()


def support(store: RequestStore, catalog: Catalog, request_id: str, supporter: Supporter, now: datetime) -> Supported:
    """Count a resident's "me too" once, keeping their email sealed only if they agreed to follow the request."""
    request = store.get(request_id)
    if request is None or visibility_in(catalog, request) == Visibility.PRIVATE:
        # A private request is never listed; answering as if it were absent says nothing about it.
        raise NotFound(f"service request {request_id} does not exist")
    if request.status != Status.OPEN:
        raise Conflict(f"service request {request_id} is closed; report the problem again if it is back")
    follows = supporter.notify and supporter.email is not None
    sealed = None
    if follows and store.contacts is not None:
        sealed = store.contacts.seal(request_id, Contact(email=supporter.email, notify=True))
    counted = store.add_supporter(request_id, supporter_key(request_id, supporter), sealed, now)
    if counted:
        metrics.count("Supporters", service_code=request.service_code)
    current = store.get(request_id)
    return Supported(
        service_request_id=request_id,
        supporters=current.supporters if current else request.supporters,
        counted=counted,
        following=sealed is not None,
    )
