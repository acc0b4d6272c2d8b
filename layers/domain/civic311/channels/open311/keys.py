"""Which Open311 client sent a write, and who counts its key against a quota.

Two doors lead to the same API. At /open311/keyed/v2/ the key comes in the X-API-Key header: API Gateway has
refused an unknown one and metered a known one by its usage plan before this function runs, and names it in
the event (requestContext.identity.apiKey). At /open311/v2/, as GeoReport v2 has it, the key is the `api_key`
form field (or query parameter), which API Gateway cannot read: the function counts those keys itself
(store/quotas.py), with the write the key pays for.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEvent
from aws_lambda_powertools.utilities.data_classes.common import BaseProxyEvent

from civic311.errors import Forbidden
from civic311.store.api_clients import ApiClient
from civic311.store.quotas import QuotaClaim

if TYPE_CHECKING:
    from civic311.channels.open311.context import Open311Context

# The keyed door's paths are the Open311 routes' own with this segment after /open311.
KEYED_SEGMENT = "/keyed"


def writing_client(
    event: BaseProxyEvent, fields: dict[str, str], context: Open311Context, missing: str, invalid: str
) -> tuple[ApiClient, QuotaClaim | None]:
    """The client whose key came with this write, and the quota unit the write must take (None at the metered door,
    where API Gateway counted it already); Forbidden (with these messages) if no valid key came."""
    identity = APIGatewayProxyEvent(event.raw_event).request_context.identity
    metered = identity.api_key if identity.api_key_id else None
    sent = fields.get("api_key") or (event.query_string_parameters or {}).get("api_key")
    if metered and sent and sent != metered:
        raise Forbidden("api_key differs from the X-API-Key header; send one key")
    api_key = metered or sent
    if not api_key:
        raise Forbidden(missing)
    client = context.api_clients.authenticate(str(api_key))
    if client is None:
        raise Forbidden(invalid)
    if metered:
        return client, None
    return client, context.quotas.claim(client.client_id, context.writes_per_minute(client.client_id))
