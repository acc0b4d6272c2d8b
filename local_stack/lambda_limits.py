"""Lambda's payload limits, which moto does not check: called by the in-process runtime (lambda_runtime.py) and
the endpoint's Lambda seam (aws_endpoint.py)."""

from __future__ import annotations

LAMBDA_INVOKE = "https://docs.aws.amazon.com/lambda/latest/dg/API_Invoke.html"
LAMBDA_QUOTAS = "https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html"

LAMBDA_MAX_SYNC_REQUEST = 6_291_456  # bytes (LAMBDA_INVOKE: 6 MB; Lambda counts 6 MiB for requests)
LAMBDA_MAX_SYNC_RESPONSE = 6_291_556  # bytes, as Lambda's own error message states (LAMBDA_QUOTAS)
LAMBDA_MAX_ASYNC_REQUEST = 1_048_576  # bytes (LAMBDA_INVOKE: "For asynchronous invocations ... 1 MB")


def lambda_request_problem(size: int, asynchronous: bool) -> str | None:
    """Lambda's refusal of an invocation payload of `size` bytes (RequestEntityTooLargeException, HTTP 413)."""
    limit = LAMBDA_MAX_ASYNC_REQUEST if asynchronous else LAMBDA_MAX_SYNC_REQUEST
    if size > limit:
        operation = "InvokeAsync" if asynchronous else "InvokeFunction"
        return f"Request must be smaller than {limit} bytes for the {operation} operation"
    return None


def lambda_response_error(payload: bytes) -> dict[str, str] | None:
    """The function error Lambda returns instead of a response over its limit (LAMBDA_QUOTAS)."""
    if len(payload) <= LAMBDA_MAX_SYNC_RESPONSE:
        return None
    limit = LAMBDA_MAX_SYNC_RESPONSE
    return {
        "errorMessage": f"Response payload size exceeded maximum allowed payload size ({limit} bytes).",
        "errorType": "Function.ResponseSizeTooLarge",
    }
