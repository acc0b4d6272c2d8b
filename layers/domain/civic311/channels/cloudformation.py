"""CloudFormation custom resources: the request CloudFormation sends, and the answer it waits for.

CloudFormation does not read a Lambda's return value: it waits (up to an hour) for a JSON document PUT to
the request's pre-signed ResponseURL. So every path, errors included, must end in exactly one PUT, and a
Delete must never fail, or a stack could not be rolled back or removed.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import urlsplit

from aws_lambda_powertools import Logger
from pydantic import BaseModel, ConfigDict, Field, ValidationError

logger = Logger(child=True)

# The whole response must stay under 4096 bytes; the reason is the part that can grow.
MAX_REASON = 2000
_ATTEMPTS = 4
_TIMEOUT_SECONDS = 10


class CustomResourceRequest(BaseModel):
    """A custom-resource request, as CloudFormation sends it."""

    model_config = ConfigDict(populate_by_name=True, extra="allow", frozen=True)

    request_type: Literal["Create", "Update", "Delete"] = Field(alias="RequestType")
    response_url: str = Field(alias="ResponseURL")
    stack_id: str = Field(alias="StackId")
    request_id: str = Field(alias="RequestId")
    logical_resource_id: str = Field(alias="LogicalResourceId")
    resource_type: str = Field(alias="ResourceType")
    physical_resource_id: str | None = Field(default=None, alias="PhysicalResourceId")
    resource_properties: dict[str, Any] = Field(default_factory=dict, alias="ResourceProperties")
    old_resource_properties: dict[str, Any] | None = Field(default=None, alias="OldResourceProperties")


@dataclass(frozen=True)
class Outcome:
    """What a successful Create or Update reports: the physical id (keep it stable) and Fn::GetAtt values."""

    physical_resource_id: str
    data: dict[str, str] = field(default_factory=dict)


Handler = Callable[[CustomResourceRequest], Outcome]


def run_custom_resource(event: dict[str, Any], on_change: Handler, on_delete: Handler | None = None) -> dict[str, Any]:
    """Run Create/Update through `on_change` (Delete through `on_delete`, errors ignored) and answer CloudFormation."""
    try:
        request = CustomResourceRequest.model_validate(event)
    except ValidationError as error:
        url = event.get("ResponseURL") if isinstance(event, dict) else None
        if isinstance(url, str):
            send_response(event, "FAILED", f"malformed custom resource request: {error}", _fallback_id(event))
            return {"Status": "FAILED"}
        raise
    if request.request_type == "Delete":
        physical = request.physical_resource_id or _fallback_id(event)
        try:
            if on_delete is not None:
                on_delete(request)
        except Exception:
            logger.exception("custom resource delete failed; reporting success so the stack can proceed")
        send_response(event, "SUCCESS", "deleted", physical)
        return {"Status": "SUCCESS", "PhysicalResourceId": physical}
    try:
        outcome = on_change(request)
    except Exception as error:
        logger.exception("custom resource failed", extra={"request_type": request.request_type})
        physical = request.physical_resource_id or _fallback_id(event)
        send_response(event, "FAILED", f"{type(error).__name__}: {error}", physical)
        return {"Status": "FAILED", "PhysicalResourceId": physical}
    send_response(event, "SUCCESS", "done", outcome.physical_resource_id, outcome.data)
    return {"Status": "SUCCESS", "PhysicalResourceId": outcome.physical_resource_id, "Data": outcome.data}


def send_response(
    event: dict[str, Any],
    status: Literal["SUCCESS", "FAILED"],
    reason: str,
    physical_resource_id: str,
    data: dict[str, str] | None = None,
) -> None:
    """PUT the answer to the pre-signed ResponseURL, retrying transient failures."""
    url = str(event["ResponseURL"])
    if urlsplit(url).scheme not in ("https", "http"):
        raise ValueError("ResponseURL must be an http(s) URL")
    body = json.dumps(
        {
            "Status": status,
            "Reason": reason if len(reason) <= MAX_REASON else reason[: MAX_REASON - 1] + "…",
            "PhysicalResourceId": physical_resource_id,
            "StackId": event.get("StackId"),
            "RequestId": event.get("RequestId"),
            "LogicalResourceId": event.get("LogicalResourceId"),
            "NoEcho": False,
            "Data": data or {},
        }
    ).encode("utf-8")
    # S3 pre-signed URLs are signed without a content type; sending one would break the signature.
    request = urllib.request.Request(  # noqa: S310 - scheme checked above
        url, data=body, method="PUT", headers={"Content-Type": "", "Content-Length": str(len(body))}
    )
    for attempt in range(_ATTEMPTS):
        try:
            with urllib.request.urlopen(request, timeout=_TIMEOUT_SECONDS) as answer:  # noqa: S310 - scheme checked
                answer.read()
            return
        except (urllib.error.URLError, TimeoutError, ConnectionError):
            if attempt == _ATTEMPTS - 1:
                logger.exception("could not deliver the custom resource response")
                raise
            time.sleep(2**attempt)


def _fallback_id(event: dict[str, Any]) -> str:
    # CloudFormation needs a physical id even when a Create fails; the logical id is stable and harmless.
    return str(event.get("PhysicalResourceId") or event.get("LogicalResourceId") or "custom-resource")
