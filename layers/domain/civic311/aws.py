"""The one place AWS clients are built: cached per process and credentials, thread-safe, with bounded retries.

The SDK reads AWS_ENDPOINT_URL itself, so the same code talks to AWS or to the local stack.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache
from typing import TYPE_CHECKING, Any, NamedTuple

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_kms import KMSClient
    from mypy_boto3_location import LocationServiceClient
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_sns import SNSClient
    from mypy_boto3_sqs import SQSClient
    from mypy_boto3_stepfunctions import SFNClient

_build_lock = threading.Lock()

# The SDK's debug logs print whole request and response bodies, which carry callers' contact details.
for _name in ("botocore", "boto3", "urllib3"):
    logging.getLogger(_name).setLevel(logging.WARNING)

# Short timeouts: an intake waits on these calls while a caller is on the line.
_CONFIG = Config(
    connect_timeout=2,
    read_timeout=5,
    retries={"mode": "standard", "max_attempts": 3},
)


# AWS answers that mean "busy or briefly down": retrying later succeeds, and nothing was half-done.
BUSY_CODES = frozenset(
    {
        "ProvisionedThroughputExceededException",
        "ThrottlingException",
        "Throttling",
        "RequestLimitExceeded",
        "InternalServerError",
        "InternalError",
        "ServiceUnavailable",
        "TransactionConflictException",
        "TransactionCanceledException",
    }
)


def busy(error: BaseException) -> bool:
    """Whether an SDK error says the service is busy or briefly unavailable (after the SDK's own retries)."""
    if isinstance(error, BotoCoreError):
        return True
    return isinstance(error, ClientError) and error.response.get("Error", {}).get("Code") in BUSY_CODES


class Credentials(NamedTuple):
    """A role's temporary credentials, as Lambda hands them to a function."""

    access_key_id: str
    secret_access_key: str
    session_token: str


# None: the SDK's own chain (in Lambda, the function role's credentials in its environment).
_acting_as: ContextVar[Credentials | None] = ContextVar("civic311_aws_credentials", default=None)


@contextmanager
def acting_as(credentials: Credentials | None) -> Iterator[None]:
    """Clients fetched inside the block sign with these credentials instead of the SDK's chain.

    Lambda runs one function per process; the local stack runs them all in one, each under its own role.
    """
    token = _acting_as.set(credentials)
    try:
        yield
    finally:
        _acting_as.reset(token)


def _client(service: str) -> Any:
    return _client_for(service, _acting_as.get())


@cache
def _session() -> boto3.session.Session:
    # One session for every client: it loads each service's model once (a fifth of a second a service).
    return boto3.session.Session()


@cache
def _client_for(service: str, credentials: Credentials | None) -> Any:
    # boto3's sessions are not thread-safe while clients are being created.
    with _build_lock:
        if credentials is None:
            return _session().client(service, config=_CONFIG)  # type: ignore[call-overload]
        return _session().client(  # type: ignore[call-overload]
            service,
            config=_CONFIG,
            aws_access_key_id=credentials.access_key_id,
            aws_secret_access_key=credentials.secret_access_key,
            aws_session_token=credentials.session_token,
        )


def dynamodb() -> DynamoDBClient:
    """DynamoDB low-level client (cheaper to create than the resource API)."""
    client: DynamoDBClient = _client("dynamodb")
    return client


def kms() -> KMSClient:
    """KMS client (keyed hashes of callers' numbers)."""
    client: KMSClient = _client("kms")
    return client


def location() -> LocationServiceClient:
    """Amazon Location client (place-index searches)."""
    client: LocationServiceClient = _client("location")
    return client


def s3() -> S3Client:
    """S3 client (publishing the web pages)."""
    client: S3Client = _client("s3")
    return client


def cognito_idp_endpoint() -> tuple[str, str]:
    """Where the SDK sends Cognito user-pool calls, and its region: AWS's endpoint, or the local stack's."""
    client = _client("cognito-idp")
    return str(client.meta.endpoint_url), str(client.meta.region_name)


def sns() -> SNSClient:
    """SNS client."""
    client: SNSClient = _client("sns")
    return client


def sqs() -> SQSClient:
    """SQS client."""
    client: SQSClient = _client("sqs")
    return client


def stepfunctions() -> SFNClient:
    """Step Functions client."""
    client: SFNClient = _client("stepfunctions")
    return client


def reset() -> None:
    """Forget cached clients (tests that change the endpoint or credentials)."""
    _client_for.cache_clear()
    _session.cache_clear()
