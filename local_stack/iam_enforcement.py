"""IAM enforced on the embedded endpoint: each request is checked against its signer's policies, as AWS does.

moto checks a request's action against the signer's identity policies once IAM authorization is on, but it
asks about the resource only for SQS, S3, IAM and STS: for every other service it asks about "*", which
no statement scoped to a table or topic matches, so every least-privilege policy would refuse everything.
The seam below tells moto the resource each DynamoDB, SNS, Step Functions, KMS, Secrets Manager, Lambda and API
Gateway request acts on (API Gateway's actions are its HTTP methods), checks a DynamoDB transaction as the item
actions inside it and a batch table by table, and answers a refusal as the service would (moto answers every
one in XML, which an SDK reading JSON cannot parse). What moto still cannot enforce is listed in README.md
("What the local AWS enforces").

moto is pinned, and tests/local_stack/test_local_moto_seams.py fails if an upgrade moves the method replaced here.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cache
from typing import Any
from urllib.parse import unquote, urlsplit

import botocore.session
import requests
from botocore.exceptions import UnknownServiceError
from moto import settings
from moto.core.authorization import ActionAuthenticatorMixin
from moto.core.exceptions import (
    AccessDeniedError,
    InvalidClientTokenIdError,
    JsonRESTError,
    SignatureDoesNotMatchError,
)
from moto.core.responses import BaseResponse
from moto.iam.access_control import IAMPolicyStatement, IAMRequest, PermissionResult
from moto.kms.models import kms_backends
from moto.secretsmanager.models import secretsmanager_backends
from moto.stepfunctions.responses import get_backend as stepfunctions_backend

from local_stack.moto_seams import check_method, replace_method

SEAM_SIGNATURE = ("self", "iam_request_cls", "resource")
STATEMENT_SIGNATURE = ("self", "action", "resource", "principal", "incoming_condition_values")
Check = tuple[str, str]  # (action without its service prefix, resource ARN)

# A DynamoDB transaction is authorized as the item actions inside it (there is no IAM action for it).
_TRANSACTION_ACTIONS = {
    "Put": "PutItem",
    "Update": "UpdateItem",
    "Delete": "DeleteItem",
    "ConditionCheck": "ConditionCheckItem",
    "Get": "GetItem",
}


# User-pool operations AWS authorizes by their tokens, not by IAM: a browser calls them unsigned. moto lists some
# of them as public; these are the others.
_TOKEN_OPERATIONS = frozenset(
    f"AWSCognitoIdentityProviderService.{name}"
    for name in (
        "RespondToAuthChallenge",
        # The second factor: a browser enrols and checks its authenticator with the sign-in session or token.
        "AssociateSoftwareToken",
        "VerifySoftwareToken",
        "SetUserMFAPreference",
        "GetUser",
        "ConfirmForgotPassword",
        "ResendConfirmationCode",
        "ChangePassword",
        "GlobalSignOut",
        "RevokeToken",
    )
)


def check_seam() -> None:
    """Fail loudly if moto no longer authorizes a request through the methods this module replaces."""
    check_method(ActionAuthenticatorMixin, "_authenticate_and_authorize_action", SEAM_SIGNATURE)
    check_method(IAMPolicyStatement, "is_action_permitted", STATEMENT_SIGNATURE)


def install() -> Callable[[], None]:
    """Authorize each request against the resources it acts on; returns a function that puts moto's own back."""
    original = ActionAuthenticatorMixin._authenticate_and_authorize_action

    def authorize(self: Any, iam_request_cls: type, resource: str = "*") -> None:
        if self.method == "OPTIONS":
            return  # a CORS preflight: browsers never sign it, and AWS answers it without
        target = self.headers.get("X-Amz-Target")
        if target in _TOKEN_OPERATIONS:
            return
        if _enforcing() and "Authorization" not in self.headers and target not in self.PUBLIC_OPERATIONS:
            # moto would fail on the missing header (a 500); AWS refuses the request.
            missing = JsonRESTError("MissingAuthenticationTokenException", "Missing Authentication Token")
            missing.code = 403
            raise missing
        # S3 names its own resources (bucket and key).
        checks = (checks_for(self) if _enforcing() and iam_request_cls is IAMRequest else None) or [
            (self._get_action(), resource)
        ]
        signed_data = self.data
        if self.method in ("GET", "HEAD", "DELETE") and not self.raw_body:
            # moto signs a bodiless request with its parsed parameters as the payload (for Lambda, the headers
            # too), so a signed GET never matches: the SDK signed an empty payload.
            self.data = {}
        try:
            for action, arn in checks:
                # moto reads the action off the request; IAM checks these actions, not the API operation.
                self._get_action = lambda action=action: action
                try:
                    original(self, iam_request_cls, arn)
                except AccessDeniedError as denied:
                    raise _denial(self.boto3_service_name, denied, arn) from None
                except (InvalidClientTokenIdError, SignatureDoesNotMatchError) as refused:
                    if not _speaks_json(self.boto3_service_name):
                        raise
                    answer = JsonRESTError(refused.error_type, refused.message)
                    answer.code = 403
                    raise answer from None
        finally:
            self.__dict__.pop("_get_action", None)
            self.data = signed_data

    restore_authorize = replace_method(
        ActionAuthenticatorMixin, "_authenticate_and_authorize_action", SEAM_SIGNATURE, authorize
    )
    restore_statements = _install_not_resource()

    def restore() -> None:
        restore_statements()
        restore_authorize()

    return restore


def _install_not_resource() -> Callable[[], None]:
    """moto reads a statement without Resource as one for every resource, NotResource or not; IAM applies a
    NotResource statement only to the resources it does not name."""
    original = IAMPolicyStatement.is_action_permitted

    def is_action_permitted(
        self: IAMPolicyStatement,
        action: str,
        resource: str = "*",
        principal: str | None = None,
        incoming_condition_values: dict[str, str] | None = None,
    ) -> PermissionResult:
        statement = self._statement
        if "NotResource" not in statement:
            return original(self, action, resource, principal, incoming_condition_values)
        if self._check_element_matches("NotResource", resource):
            return PermissionResult.NEUTRAL
        rest = {key: value for key, value in statement.items() if key != "NotResource"}
        return original(
            IAMPolicyStatement(rest | {"Resource": "*"}), action, resource, principal, incoming_condition_values
        )

    return replace_method(IAMPolicyStatement, "is_action_permitted", STATEMENT_SIGNATURE, is_action_permitted)


def enforce(endpoint_url: str, enforced: bool = True) -> None:
    """Switch IAM authorization on (or off) for every later request to the endpoint."""
    count = "0" if enforced else "inf"
    response = requests.post(f"{endpoint_url}/moto-api/reset-auth", data=count.encode(), timeout=10)
    response.raise_for_status()


def _denial(service: str, denied: AccessDeniedError, resource: str) -> Exception:
    """The service's answer to a denial, naming the resource: a JSON AccessDeniedException from JSON services
    (moto's XML reads as an error code of "403"), SNS's AuthorizationError, moto's own for the others."""
    message = denied.message if resource == "*" else f"{denied.message} on resource: {resource}"
    if service == "sns":
        return _SnsAuthorizationError(message)
    if not _speaks_json(service):
        return denied
    error = JsonRESTError("AccessDeniedException", message)
    # Lambda and API Gateway answer a denial with 403; the JSON-protocol services with 400.
    error.code = 403 if service in ("lambda", "apigateway") else 400
    return error


class _SnsAuthorizationError(AccessDeniedError):
    """SNS's own name for a denial (AuthorizationError, 403), where moto answers AccessDenied."""

    def __init__(self, message: str) -> None:
        # Past AccessDeniedError's own __init__, which names the error AccessDenied, to moto's XML error.
        super(AccessDeniedError, self).__init__("AuthorizationError", message)


@cache
def _speaks_json(service: str) -> bool:
    try:
        protocol = botocore.session.get_session().get_service_model(service).protocol
    except UnknownServiceError:
        return False
    return protocol in ("json", "rest-json")


def _enforcing() -> bool:
    return bool(ActionAuthenticatorMixin.request_count >= settings.INITIAL_NO_AUTH_ACTION_COUNT)


def checks_for(response: BaseResponse) -> list[Check] | None:
    """The (action, resource) pairs AWS would authorize for this request; None: leave it to moto."""
    rule = _RULES.get(response.boto3_service_name)
    return rule(response, response._get_action()) if rule else None


def _dynamodb(response: Any, action: str) -> list[Check] | None:
    params: dict[str, Any] = response.body if isinstance(response.body, dict) else {}

    def table(name: str, index: str | None = None) -> str:
        arn = (
            name
            if name.startswith("arn:")
            else f"arn:aws:dynamodb:{response.region}:{response.current_account}:table/{name}"
        )
        return f"{arn}/index/{index}" if index else arn

    if action in ("TransactWriteItems", "TransactGetItems"):
        return [
            (_TRANSACTION_ACTIONS[kind], table(operation["TableName"]))
            for item in params.get("TransactItems", [])
            for kind, operation in item.items()
        ]
    if action in ("BatchGetItem", "BatchWriteItem"):
        return [(action, table(name)) for name in params.get("RequestItems", {})]
    if "TableName" in params:
        return [(action, table(params["TableName"], params.get("IndexName")))]
    return None


def _sns(response: Any, action: str) -> list[Check] | None:
    arn = response._get_param("TopicArn") or response._get_param("TargetArn")
    # A text to a phone number acts on no topic: IAM's resource for it is "*".
    return [(action, arn or "*")]


# Callback actions name no resource in the request; IAM checks them against the state machine that issued the
# token. The token does not say which locally, so each of the account's state machines is checked (the template
# has one, so that is exact).
_TASK_TOKEN_ACTIONS = frozenset({"SendTaskSuccess", "SendTaskFailure", "SendTaskHeartbeat"})


def _stepfunctions(response: Any, action: str) -> list[Check] | None:
    arn = response._get_param("stateMachineArn") or response._get_param("executionArn")
    if arn:
        return [(action, arn)]
    if action in _TASK_TOKEN_ACTIONS:
        # The backend moto answers with: its Step Functions interpreter's when execution is switched on.
        backend = stepfunctions_backend(response.current_account, response.region)
        machines = [machine.arn for machine in backend.state_machines]
        return [(action, machine) for machine in machines] or None
    return None


def _kms(response: Any, action: str) -> list[Check] | None:
    key_id = response._get_param("KeyId")
    if not key_id:
        return None
    try:
        arn = kms_backends[response.current_account][response.region].describe_key(key_id).arn
    except (KeyError, AttributeError):
        return None  # no such key or alias: moto answers NotFound
    return [(action, str(arn))]


def _secretsmanager(response: Any, action: str) -> list[Check] | None:
    secret_id = response._get_param("SecretId")
    if not secret_id:
        return None
    try:
        return [
            (
                action,
                str(secretsmanager_backends[response.current_account][response.region].describe_secret(secret_id).arn),
            )
        ]
    except Exception:  # no such secret: IAM still checks its name, then AWS answers ResourceNotFound
        name = (
            secret_id
            if secret_id.startswith("arn:")
            else f"arn:aws:secretsmanager:{response.region}:{response.current_account}:secret:{secret_id}"
        )
        return [(action, name)]


_FUNCTION_IN_PATH = re.compile(r"/functions/([^/]+)/")


def _lambda(response: Any, action: str) -> list[Check] | None:
    found = _FUNCTION_IN_PATH.search(response.path)
    if found is None:
        return None
    name = unquote(found.group(1))
    arn = (
        name
        if name.startswith("arn:")
        else f"arn:aws:lambda:{response.region}:{response.current_account}:function:{name}"
    )
    # The API's Invoke is IAM's InvokeFunction.
    return [("InvokeFunction" if action == "Invoke" else action, arn)]


def _apigateway(response: Any, action: str) -> list[Check] | None:
    # API Gateway's IAM actions are the HTTP methods of its management API, on the path as the resource.
    path = unquote(urlsplit(response.path).path) if response.path else ""
    if not path:
        return None
    return [(response.method, f"arn:aws:apigateway:{response.region}::{path}")]


_RULES: dict[str, Callable[[Any, str], list[Check] | None]] = {
    "apigateway": _apigateway,
    "lambda": _lambda,
    "dynamodb": _dynamodb,
    "sns": _sns,
    "stepfunctions": _stepfunctions,
    "kms": _kms,
    "secretsmanager": _secretsmanager,
}
