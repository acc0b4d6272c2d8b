"""A client's comment or photo on a request, posted to servicerequestupdates as FixMyStreet's Open311 client does.

The comment joins the request's public history (the updates feed, `extensions=true` notes) unless the request is
private, where staff alone read it. It is never the request's status note and never changes its status: those
are the city's word. Its text is cleaned as a description is, and any email or phone number in it is masked
before it is stored, since everything stored here may be shown to anyone.
"""

from __future__ import annotations

import unicodedata
import uuid
from typing import TYPE_CHECKING

from aws_lambda_powertools.event_handler import Response
from pydantic import ValidationError

from civic311 import clock
from civic311.cases.visibility import Visibility, visibility_in
from civic311.channels.http import body_text
from civic311.channels.open311 import models as wire
from civic311.channels.open311.calls import PREFIX, TAG, Call
from civic311.channels.open311.formats import respond
from civic311.channels.open311.forms import check_format, parse_form, validation_messages
from civic311.channels.open311.keys import writing_client
from civic311.errors import InvalidInput, NotFound
from civic311.logs import scrub
from civic311.models.cases import RequestUpdate
from civic311.store.quotas import KeyQuotas

if TYPE_CHECKING:
    from aws_lambda_powertools.event_handler.api_gateway import Router

    from civic311.channels.open311.context import Open311Context

# Line breaks and tabs are kept; every other control, format (zero-width, bidi) or unassigned character goes.
_KEPT = frozenset("\n\t")
_DROPPED = frozenset({"Cc", "Cf", "Co", "Cs", "Cn"})


def clean_text(text: str) -> str:
    """A comment as it may be stored and shown: no invisible characters, no email or phone number, trimmed."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    visible = "".join(c for c in text if c in _KEPT or unicodedata.category(c) not in _DROPPED)
    masked: str = scrub(visible)
    return masked.strip()


def _form(fields: dict[str, str]) -> wire.UpdateForm:
    try:
        form = wire.UpdateForm.model_validate(fields)
    except ValidationError as error:
        raise InvalidInput("invalid update", details=validation_messages(error)) from None
    if form.status is not None and form.status.strip().upper() not in wire.CLIENT_STATUSES:
        raise InvalidInput(f"status must be one of {', '.join(wire.CLIENT_STATUSES)}")
    if form.updated_datetime is not None:
        try:
            clock.parse_client_datetime(form.updated_datetime)
        except ValueError:
            raise InvalidInput("updated_datetime is not an ISO-8601 datetime, e.g. 2026-11-01T09:00:00-07:00") from None
    return form


def add_update_post_route(router: Router, context: Open311Context) -> None:
    """POST servicerequestupdates, bound to the Open311 context."""
    call = Call(router, context)

    @router.post(
        f"{PREFIX}/servicerequestupdates.<fmt>",
        tags=[TAG],
        summary="Add a comment or photo to a request (FixMyStreet extension)",
        description=(
            "Form-encoded (or JSON) fields of UpdateForm; `api_key` is required (or the X-API-Key header at "
            "/open311/keyed/v2/). A `description`, a `media_url` or both. The comment is listed in the updates "
            "feed and in `extensions=true` notes, with any email or phone number masked; on a private request "
            "(a social need, a crisis, a police matter) only staff read it."
        ),
        responses={
            200: {
                "description": "The update's id in the feed",
                "content": {"application/json": {"model": list[wire.PostedUpdate]}},
            },
        },
    )
    def post_update(fmt: str) -> Response[str]:
        chosen = check_format(fmt)
        event = router.current_event
        fields = parse_form(body_text(event), event.headers.get("content-type", "").lower())
        client, quota = writing_client(
            event, fields, context, "api_key is required to update a service request", "api_key is not valid"
        )
        form = _form(fields)
        call.check_jurisdiction(form.jurisdiction_id)
        text = clean_text(form.description or "")
        if not text and not form.media_url:
            raise InvalidInput("description or media_url is required")
        request = context.requests.get(form.service_request_id)
        if request is None:
            raise NotFound(f"service_request_id '{form.service_request_id}' not found")
        if quota is not None:
            KeyQuotas.take_claim(quota)
        # The client's own id keeps its retries to one update, and apart from every other client's.
        own_id = form.update_id or uuid.uuid4().hex[:12]
        update = RequestUpdate(
            update_id=f"c-{client.client_id}-{own_id}",
            service_request_id=request.service_request_id,
            status="closed" if request.status.value == "closed" else "open",
            description=text,
            updated_at=clock.now(),
            author=f"open311:{client.client_id}",
            public=visibility_in(context.catalog, request) != Visibility.PRIVATE,
            media_url=form.media_url,
        )
        context.requests.add_update(update, status_note=False)
        posted = wire.PostedUpdate(update_id=f"{update.service_request_id}-{update.update_id}")
        return respond(chosen, [posted], root="service_request_updates", item="request_update")
