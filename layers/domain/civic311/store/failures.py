"""What the rest of the code may know of an AWS call that failed, so that only the adapters import the SDK.

Callers catch `AwsError` (whatever the SDK raises) and ask these questions; none needs botocore's classes.
"""

from __future__ import annotations

from botocore.exceptions import BotoCoreError, ClientError, ConnectTimeoutError, EndpointConnectionError

from civic311.aws import busy as busy

# Everything the SDK raises: AWS's refusals (ClientError) and calls that got no answer (BotoCoreError).
AwsError = (ClientError, BotoCoreError)
# No connection was ever made: the request cannot have reached AWS.
_NOT_SENT = (ConnectTimeoutError, EndpointConnectionError)


def code(error: BaseException) -> str | None:
    """AWS's error code when AWS answered with a refusal; None when no answer came."""
    if isinstance(error, ClientError):
        return str(error.response.get("Error", {}).get("Code") or "") or None
    return None


def message(error: BaseException) -> str:
    """AWS's own message with its refusal (it may quote the request); empty when no answer came."""
    if isinstance(error, ClientError):
        return str(error.response.get("Error", {}).get("Message", ""))
    return ""


def maybe_delivered(error: BaseException) -> bool:
    """No answer came, yet AWS may have received the request (a read timed out after it was sent)."""
    return isinstance(error, BotoCoreError) and not isinstance(error, _NOT_SENT)
