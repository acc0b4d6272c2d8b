"""The documented AWS limits that moto 5.2.5 does not check, enforced wherever our code meets moto.

Each rule names the AWS page it comes from. The SNS, DynamoDB and Step Functions rules run inside moto's own
request handlers (the `*Response` classes, which both moto's server and its in-process mocks dispatch to), so
a refused call answers with the error code and HTTP status AWS uses, to any SDK or the AWS CLI. The Lambda,
API Gateway and Amazon Connect rules are called by the parts of the local stack that play those services
(`lambda_runtime.py`, `gateway.py`, `call_lambda.py`).

Rules moto already enforces are not repeated (tests/unit/test_aws_limits.py records which): an SNS Subject over
100 characters, a message over 262,144 characters, message attribute types other than String/Number/Binary,
an item over 400 KB, key sizes, more than 100 TransactWriteItems, an execution input that is not JSON, bad
execution names, and (on the local stack's Step Functions interpreter) a task token that matches no task.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable, Iterable
from decimal import Decimal, InvalidOperation
from typing import Any

from moto.core.exceptions import AWSError
from moto.dynamodb.exceptions import MockValidationException
from moto.dynamodb.responses import DynamoHandler
from moto.sns.exceptions import InvalidParameterValue
from moto.sns.responses import SNSResponse
from moto.stepfunctions.exceptions import ValidationException as StatesValidationException
from moto.stepfunctions.responses import StepFunctionResponse

from local_stack import apigateway_limits
from local_stack.moto_seams import check_method, replace_method

SNS_PUBLISH = "https://docs.aws.amazon.com/sns/latest/api/API_Publish.html"
SNS_ATTRIBUTES = "https://docs.aws.amazon.com/sns/latest/dg/sns-message-attributes.html"
SNS_SMS = "https://docs.aws.amazon.com/sns/latest/dg/sms_publish-to-phone.html"
DYNAMODB_CONSTRAINTS = "https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Constraints.html"
DYNAMODB_BATCH_WRITE = "https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_BatchWriteItem.html"
STATES_START = "https://docs.aws.amazon.com/step-functions/latest/apireference/API_StartExecution.html"
STATES_SUCCESS = "https://docs.aws.amazon.com/step-functions/latest/apireference/API_SendTaskSuccess.html"
STATES_FAILURE = "https://docs.aws.amazon.com/step-functions/latest/apireference/API_SendTaskFailure.html"
LAMBDA_INVOKE = "https://docs.aws.amazon.com/lambda/latest/dg/API_Invoke.html"
LAMBDA_QUOTAS = "https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html"
API_GATEWAY_QUOTAS = (
    "https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-execution-service-limits-table.html"
)
CONNECT_LAMBDA = "https://docs.aws.amazon.com/connect/latest/adminguide/connect-lambda-functions.html"
CONNECT_INVOKE = "https://docs.aws.amazon.com/connect/latest/APIReference/interactions-invokelambdafunction.html"

SNS_MAX_MESSAGE_BYTES = 262_144  # message and every attribute's name, type and value (SNS_PUBLISH)
# The page says "less than 100 characters", but SNS takes exactly 100 and AWS Config sends such subjects
# (getmoto/moto#1503); moto refuses 101 and more, so the length is not checked here again.
SNS_MAX_ATTRIBUTES = 10  # more are dropped for raw-delivery SQS subscribers such as dispatch (SNS_ATTRIBUTES)
SNS_MAX_ATTRIBUTE_NAME = 256  # characters (SNS_ATTRIBUTES)
SNS_MAX_ATTRIBUTE_TYPE = 256  # bytes (SNS_ATTRIBUTES)
DYNAMODB_MAX_EXPRESSION_BYTES = 4_096  # (DYNAMODB_CONSTRAINTS, expression parameters)
DYNAMODB_MAX_PLACEHOLDER_BYTES = 255  # one expression attribute name or value (DYNAMODB_CONSTRAINTS)
DYNAMODB_MAX_TRANSACTION_BYTES = 4 * 1024 * 1024  # aggregate of a transaction's items (DYNAMODB_CONSTRAINTS)
DYNAMODB_MAX_BATCH_WRITES = 25  # put and delete requests in one BatchWriteItem (DYNAMODB_BATCH_WRITE)
DYNAMODB_MAX_NUMBER_DIGITS = 38  # significant digits of a Number (DYNAMODB_CONSTRAINTS, data types)
STATES_MAX_PAYLOAD_BYTES = 262_144  # execution input and task output, UTF-8 bytes (STATES_START, STATES_SUCCESS)
STATES_MAX_TOKEN = 2_048  # task token characters (STATES_SUCCESS)
STATES_MAX_ERROR, STATES_MAX_CAUSE = 256, 32_768  # SendTaskFailure (STATES_FAILURE)
LAMBDA_MAX_SYNC_REQUEST = 6_291_456  # bytes (LAMBDA_INVOKE: 6 MB; Lambda counts 6 MiB for requests)
LAMBDA_MAX_SYNC_RESPONSE = 6_291_556  # bytes, as Lambda's own error message states (LAMBDA_QUOTAS)
LAMBDA_MAX_ASYNC_REQUEST = 1_048_576  # bytes (LAMBDA_INVOKE: "For asynchronous invocations ... 1 MB")
API_GATEWAY_MAX_BODY = 10 * 1024 * 1024  # bytes (API_GATEWAY_QUOTAS: payload size 10 MB)
API_GATEWAY_INTEGRATION_TIMEOUT = 29.0  # seconds, the default (API_GATEWAY_QUOTAS)
CONNECT_MAX_RESPONSE_BYTES = 32 * 1024  # "less than 32 KB of UTF-8 data" (CONNECT_LAMBDA)
CONNECT_MAX_SECONDS = 8  # InvocationTimeLimitSeconds, synchronous (CONNECT_INVOKE)

_E164 = re.compile(r"^\+[1-9][0-9]{1,14}$")  # (SNS_SMS)
_ATTRIBUTE_NAME = re.compile(r"^[A-Za-z0-9_.-]+$")
_CONNECT_KEY = re.compile(r"^[A-Za-z0-9_-]+$")


class InvalidOutput(AWSError):
    TYPE = "InvalidOutput"
    STATUS = 400


# --- SNS ------------------------------------------------------------------------------------------------------


def subject_problem(subject: str) -> str | None:
    """Why SNS refuses this Subject: ASCII, starting with a letter, number or punctuation mark, no line breaks or
    control characters (SNS_PUBLISH)."""
    if not subject:
        return "Subject must not be empty"
    if any(not " " <= character <= "~" for character in subject):
        return "Subject must be printable ASCII, with no line breaks or control characters"
    if subject[0] == " ":
        return "Subject must begin with a letter, number or punctuation mark"
    return None


def _attribute_problem(name: str, attribute: dict[str, Any]) -> str | None:
    lowered = name.lower()
    if not 1 <= len(name) <= SNS_MAX_ATTRIBUTE_NAME or not _ATTRIBUTE_NAME.match(name):
        return f"message attribute name {name[:40]!r} must be 1 to 256 of A-Z a-z 0-9 _ - ."
    if name.startswith(".") or name.endswith(".") or ".." in name or lowered.startswith(("aws.", "amazon.")):
        return f"message attribute name {name[:40]!r} is reserved or has a misplaced period"
    data_type = str(attribute.get("DataType") or "")
    if len(data_type.encode("utf-8")) > SNS_MAX_ATTRIBUTE_TYPE:
        return f"message attribute {name!r} has a type longer than 256 bytes"
    value = attribute.get("StringValue")
    if data_type.split(".")[0] == "Number" and value is not None:
        try:
            number = Decimal(str(value))
        except InvalidOperation:
            return None  # moto refuses a value that is not a number
        digits = len("".join(map(str, number.as_tuple().digits)).strip("0"))
        if number and (digits > 38 or not Decimal("1e-128") <= abs(number) <= Decimal("1e126")):
            return f"message attribute {name!r}: numbers have up to 38 digits, between 10^-128 and 10^126"
    if data_type == "String.Array" and value is not None:
        try:
            parsed = json.loads(str(value))
        except ValueError:
            parsed = None
        if not isinstance(parsed, list):
            return f"message attribute {name!r}: a String.Array value must be a JSON array"
    return None


def _attribute_bytes(name: str, attribute: dict[str, Any]) -> int:
    value = attribute.get("StringValue")
    value_bytes = len(str(value).encode("utf-8")) if value is not None else len(attribute.get("BinaryValue") or b"")
    return len(name.encode("utf-8")) + len(str(attribute.get("DataType") or "").encode("utf-8")) + value_bytes


def sns_publish_problem(params: dict[str, Any]) -> str | None:
    """Why SNS refuses this Publish request, by the rules moto lacks (SNS_PUBLISH, SNS_ATTRIBUTES, SNS_SMS)."""
    subject = params.get("Subject")
    if subject is not None and (problem := subject_problem(str(subject))):
        return f"Invalid parameter: Subject ({problem})"
    phone = params.get("PhoneNumber")
    if phone is not None and not _E164.match(str(phone)):
        return "Invalid parameter: PhoneNumber (must be E.164: + and up to 15 digits)"
    attributes: dict[str, Any] = params.get("MessageAttributes") or {}
    if len(attributes) > SNS_MAX_ATTRIBUTES:
        return f"Invalid parameter: MessageAttributes (at most {SNS_MAX_ATTRIBUTES}, got {len(attributes)})"
    for name, attribute in attributes.items():
        if problem := _attribute_problem(str(name), attribute):
            return f"Invalid parameter: MessageAttributes ({problem})"
    size = len(str(params.get("Message") or "").encode("utf-8"))
    size += sum(_attribute_bytes(str(name), attribute) for name, attribute in attributes.items())
    if size > SNS_MAX_MESSAGE_BYTES:
        return f"Invalid parameter: Message too long ({size} bytes with attributes, at most {SNS_MAX_MESSAGE_BYTES})"
    return None


def sns_subscribe_problem(params: dict[str, Any]) -> str | None:
    """SMS subscriptions need an E.164 number; moto accepts one without its + (SNS_SMS)."""
    if str(params.get("Protocol", "")).lower() == "sms" and not _E164.match(str(params.get("Endpoint", ""))):
        return "Invalid parameter: Endpoint (an SMS endpoint must be E.164: + and up to 15 digits)"
    return None


def _sns(check: Callable[[dict[str, Any]], str | None]) -> Callable[[dict[str, Any]], None]:
    def enforce(params: dict[str, Any]) -> None:
        if problem := check(params):
            raise InvalidParameterValue(problem)  # InvalidParameter, HTTP 400

    return enforce


# --- DynamoDB -------------------------------------------------------------------------------------------------

_EXPRESSIONS = (
    "KeyConditionExpression",
    "FilterExpression",
    "ConditionExpression",
    "UpdateExpression",
    "ProjectionExpression",
)


def _value_size(value: dict[str, Any]) -> int:
    """DynamoDB's size of one attribute value (DYNAMODB_CONSTRAINTS; numbers by their digits)."""
    kind, content = next(iter(value.items()))
    if kind == "S":
        return len(str(content).encode("utf-8"))
    if kind == "N":
        return len(str(content).lstrip("-").replace(".", "")) // 2 + 1
    if kind == "B":
        return len(content)
    if kind in ("SS", "NS", "BS"):
        return sum(_value_size({kind[0]: member}) for member in content)
    if kind == "M":
        return 3 + sum(len(key.encode("utf-8")) + _value_size(member) for key, member in content.items())
    if kind == "L":
        return 3 + sum(1 + _value_size(member) for member in content)
    return 1  # BOOL, NULL


def _item_size(item: dict[str, Any]) -> int:
    return sum(len(name.encode("utf-8")) + _value_size(value) for name, value in item.items())


def _numbers(value: Any) -> Iterable[str]:
    if isinstance(value, dict):
        for kind, content in value.items():
            if kind == "N":
                yield str(content)
            elif kind == "NS":
                yield from (str(member) for member in content)
            else:
                yield from _numbers(content)
    elif isinstance(value, list):
        for member in value:
            yield from _numbers(member)


def _number_problem(params: dict[str, Any]) -> str | None:
    for text in _numbers({name: params.get(name) for name in ("Item", "Key", "ExpressionAttributeValues")}):
        try:
            digits = "".join(map(str, Decimal(text).as_tuple().digits)).strip("0")
        except InvalidOperation:
            continue  # moto refuses what is not a number
        if len(digits) > DYNAMODB_MAX_NUMBER_DIGITS:
            return "Attempting to store more than 38 significant digits in a Number"
    return None


def dynamodb_request_problem(operation: str, params: dict[str, Any]) -> str | None:
    """Why DynamoDB refuses this request (ValidationException), by the rules moto lacks (DYNAMODB_CONSTRAINTS)."""
    requests = [params]
    if operation == "TransactWriteItems":
        requests = [next(iter(entry.values())) for entry in params.get("TransactItems") or []]
        size = 0
        for request in requests:
            size += _item_size(request.get("Item") or request.get("Key") or {})
            size += _item_size(request.get("ExpressionAttributeValues") or {})
        if size > DYNAMODB_MAX_TRANSACTION_BYTES:
            return f"Transaction request cannot be larger than 4 MB (this one is {size} bytes)"
    if operation == "BatchWriteItem":
        count = sum(len(writes) for writes in (params.get("RequestItems") or {}).values())
        if count > DYNAMODB_MAX_BATCH_WRITES:
            return (
                "1 validation error detected: Value at 'requestItems' failed to satisfy constraint: "
                f"Map value must satisfy constraint: Member must have length less than or equal to 25 (got {count})"
            )
        requests = [next(iter(write.values())) for writes in params["RequestItems"].values() for write in writes]
    for request in requests:
        for name in _EXPRESSIONS:
            length = len(str(request.get(name) or "").encode("utf-8"))
            if length > DYNAMODB_MAX_EXPRESSION_BYTES:
                return f"Invalid {name}: Expression size has exceeded the maximum allowed size; size: {length}"
        for name in ("ExpressionAttributeNames", "ExpressionAttributeValues"):
            for placeholder in request.get(name) or {}:
                if len(str(placeholder).encode("utf-8")) > DYNAMODB_MAX_PLACEHOLDER_BYTES:
                    return f"{name} contains a placeholder longer than 255 bytes: {str(placeholder)[:40]}..."
        if problem := _number_problem(request):
            return problem
    return None


def _dynamodb(operation: str) -> Callable[[dict[str, Any]], None]:
    def enforce(params: dict[str, Any]) -> None:
        if problem := dynamodb_request_problem(operation, params):
            raise MockValidationException(problem)  # ValidationException, HTTP 400

    return enforce


# --- Step Functions -------------------------------------------------------------------------------------------


def _too_long(field: str, value: Any, limit: int) -> None:
    if value is not None and len(str(value).encode("utf-8")) > limit:
        raise StatesValidationException(
            f"1 validation error detected: Value at '{field}' failed to satisfy constraint: "
            f"Member must have length less than or equal to {limit}"
        )


def _start_execution(params: dict[str, Any]) -> None:
    _too_long("input", params.get("input"), STATES_MAX_PAYLOAD_BYTES)


def _task_token(params: dict[str, Any]) -> None:
    _too_long("taskToken", params.get("taskToken"), STATES_MAX_TOKEN)
    if not params.get("taskToken"):
        raise StatesValidationException("1 validation error detected: Value at 'taskToken' must not be empty")


def _send_task_success(params: dict[str, Any]) -> None:
    _task_token(params)
    _too_long("output", params.get("output"), STATES_MAX_PAYLOAD_BYTES)
    try:
        json.loads(str(params.get("output")))
    except ValueError:
        raise InvalidOutput("Invalid Output: the task output must be JSON") from None


def _send_task_failure(params: dict[str, Any]) -> None:
    _task_token(params)
    _too_long("error", params.get("error"), STATES_MAX_ERROR)
    _too_long("cause", params.get("cause"), STATES_MAX_CAUSE)


# --- Lambda, API Gateway, Amazon Connect ----------------------------------------------------------------------


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


def connect_answer_problem(answer: Any) -> str | None:
    """Why Connect rejects a function's answer under STRING_MAP validation: a flat map of string values, keys of
    letters, digits, - and _, under 32 KB of UTF-8 (CONNECT_LAMBDA, CONNECT_INVOKE)."""
    if not isinstance(answer, dict):
        return "not a JSON object"
    for key, value in answer.items():
        if not isinstance(key, str) or not _CONNECT_KEY.match(key):
            return f"key {str(key)[:40]!r}"
        if not isinstance(value, str):
            return f"{key} is not a string"
    if len(json.dumps(answer, ensure_ascii=False).encode("utf-8")) >= CONNECT_MAX_RESPONSE_BYTES:
        return "over 32 KB"
    return None


# --- Installing the moto rules ----------------------------------------------------------------------------------

SEAM_SIGNATURE = ("self",)
_RULES: tuple[tuple[type, str, Callable[[dict[str, Any]], None]], ...] = (
    (SNSResponse, "publish", _sns(sns_publish_problem)),
    (SNSResponse, "subscribe", _sns(sns_subscribe_problem)),
    *(
        (DynamoHandler, method, _dynamodb(operation))
        for method, operation in (
            ("put_item", "PutItem"),
            ("update_item", "UpdateItem"),
            ("delete_item", "DeleteItem"),
            ("query", "Query"),
            ("scan", "Scan"),
            ("transact_write_items", "TransactWriteItems"),
            ("batch_write_item", "BatchWriteItem"),
        )
    ),
    (StepFunctionResponse, "start_execution", _start_execution),
    (StepFunctionResponse, "send_task_success", _send_task_success),
    (StepFunctionResponse, "send_task_failure", _send_task_failure),
    (StepFunctionResponse, "send_task_heartbeat", _task_token),
)
_installed = 0
_restore: list[Callable[[], None]] = []
_lock = threading.Lock()


def _request_params(response: Any) -> dict[str, Any]:
    # SNS and DynamoDB parse requests with the service model (`params`); Step Functions still reads its JSON body.
    if getattr(response, "automated_parameter_parsing", False):
        return dict(getattr(response, "params", None) or {})
    body = response.body.decode("utf-8") if isinstance(response.body, bytes) else response.body
    loaded = json.loads(body or "{}")
    return loaded if isinstance(loaded, dict) else {}


def check_seams() -> None:
    """Fail loudly if a moto upgrade moved any request handler these rules run in front of."""
    for owner, name, _ in _RULES:
        check_method(owner, name, SEAM_SIGNATURE)
    apigateway_limits.check_seams()


def install() -> Callable[[], None]:
    """Put the rules in front of moto's handlers (once, however many stacks ask); returns the undo."""
    global _installed
    with _lock:
        if _installed == 0:
            for owner, name, rule in _RULES:
                _restore.append(replace_method(owner, name, SEAM_SIGNATURE, _guarded(getattr(owner, name), rule)))
            _restore.append(apigateway_limits.install())
        _installed += 1

    def restore() -> None:
        global _installed
        with _lock:
            _installed -= 1
            if _installed == 0:
                while _restore:
                    _restore.pop()()

    return restore


def _guarded(handler: Callable[[Any], Any], rule: Callable[[dict[str, Any]], None]) -> Callable[[Any], Any]:
    # moto turns the exception into the service's own error answer (code and HTTP status from its model).
    def checked(self: Any) -> Any:
        rule(_request_params(self))
        return handler(self)

    return checked
