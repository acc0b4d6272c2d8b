"""The one place AWS clients are built: cached per process and credentials, thread-safe, with bounded retries.

The SDK reads AWS_ENDPOINT_URL itself, so the same code talks to AWS or to the local stack.
"""

from __future__ import annotations

import logging
import os
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
    from mypy_boto3_apigateway import APIGatewayClient
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_kms import KMSClient
    from mypy_boto3_location import LocationServiceClient
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_secretsmanager import SecretsManagerClient
    from mypy_boto3_sns import SNSClient
    from mypy_boto3_sqs import SQSClient
    from mypy_boto3_stepfunctions import SFNClient

_build_lock = threading.Lock()

# The SDK's debug logs print whole request and response bodies, which carry callers' contact details.
for _name in ("botocore", "boto3", "urllib3"):
    logging.getLogger(_name).setLevel(logging.WARNING)

# Short timeouts: an intake waits on these calls while a caller is on the line. A dependency that accepts the
# connection and never answers costs at most two 3-second reads and one backoff (under 1 s): the call fails with
# ReadTimeoutError (a 503 that says to retry) inside the shortest function timeout, Connect's 8 s. (botocore's
# `max_attempts` counts retries, one more attempt than its name says; `total_max_attempts` counts them all.)
_CONFIG = Config(
    connect_timeout=1,
    read_timeout=3,
    retries={"mode": "standard", "total_max_attempts": 2},
)

# The phone line answers Amazon Connect, which waits at most the flow's InvocationTimeLimitSeconds (6 s in
# template.yaml, under Connect's 8 s cap) and the ConnectFunction's 6 s timeout: one SDK call, retried once,
# must fit inside that (2 x (0.5 + 2) s plus at most 1 s of backoff). The template sets SDK_BUDGET=phone there.
PHONE_CONNECT_SECONDS = 0.5
PHONE_READ_SECONDS = 2.0
PHONE_ATTEMPTS = 2
_PHONE_CONFIG = Config(
    connect_timeout=PHONE_CONNECT_SECONDS,
    read_timeout=PHONE_READ_SECONDS,
    retries={"mode": "standard", "total_max_attempts": PHONE_ATTEMPTS},
)

# The 911 alert path retries by itself, within the invocation's remaining time (escalation/alerts.py):
# one SDK attempt each, and timeouts short enough that a hanging SNS costs seconds, not minutes.
ALERT_CONNECT_SECONDS = 1.0
ALERT_READ_SECONDS = 2.0
_ALERT_CONFIG = Config(
    connect_timeout=ALERT_CONNECT_SECONDS,
    read_timeout=ALERT_READ_SECONDS,
    retries={"mode": "standard", "total_max_attempts": 1},
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


# None: the function's own SDK_BUDGET environment variable (the local stack runs every function in one process).
_sdk_budget: ContextVar[str | None] = ContextVar("civic311_sdk_budget", default=None)


@contextmanager
def acting_for(credentials: Credentials | None, sdk_budget: str | None) -> Iterator[None]:
    """Clients fetched inside the block sign with these credentials and keep to this function's SDK budget."""
    token = _sdk_budget.set(sdk_budget)
    try:
        with acting_as(credentials):
            yield
    finally:
        _sdk_budget.reset(token)


def _client(service: str, alert_path: bool = False) -> Any:
    phone = (_sdk_budget.get() or os.environ.get("SDK_BUDGET")) == "phone"
    budget = "alert" if alert_path else "phone" if phone else "default"
    return _client_for(service, _acting_as.get(), budget)


_CONFIGS = {"alert": _ALERT_CONFIG, "phone": _PHONE_CONFIG, "default": _CONFIG}


@cache
def _session() -> boto3.session.Session:
    # One session for every client: it loads each service's model once (a fifth of a second a service).
    return boto3.session.Session()


@cache
def _client_for(service: str, credentials: Credentials | None, budget: str) -> Any:
    # boto3's sessions are not thread-safe while clients are being created.
    config = _CONFIGS[budget]
    with _build_lock:
        if credentials is None:
            return _session().client(service, config=config)  # type: ignore[call-overload]
        return _session().client(  # type: ignore[call-overload]
            service,
            config=config,
            aws_access_key_id=credentials.access_key_id,
            aws_secret_access_key=credentials.secret_access_key,
            aws_session_token=credentials.session_token,
        )


def apigateway() -> APIGatewayClient:
    """API Gateway client (API keys and their usage plans: admin tooling and the web publisher)."""
    client: APIGatewayClient = _client("apigateway")
    return client


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


def secretsmanager() -> SecretsManagerClient:
    """Secrets Manager client (external departments' Open311 keys)."""
    client: SecretsManagerClient = _client("secretsmanager")
    return client


def sns() -> SNSClient:
    """SNS client."""
    client: SNSClient = _client("sns")
    return client


def alert_sns() -> SNSClient:
    """SNS client for 911 alerts and on-call pages: one attempt, short timeouts (the caller retries)."""
    client: SNSClient = _client("sns", alert_path=True)
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
