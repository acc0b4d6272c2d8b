"""Shared test helpers: sample events, the template, and an in-process stack on moto's mocks."""

from __future__ import annotations

import copy
import json
import os
import threading
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from botocore.exceptions import ClientError
from moto import mock_aws
from werkzeug.serving import make_server

from civic311 import aws
from civic311.store.contacts import ContactSeal
from civic311.store.directory_reads import forget_active_versions
from civic311.store.requests import RequestStore
from local_stack import aws_limits, connect_limits, dynamodb_transactions, function_logs, service_metrics
from local_stack.alarms import AlarmEvaluator, evaluator_for
from local_stack.aws_endpoint import install_lambda_seam
from local_stack.emf import EmfMetrics
from local_stack.lambda_runtime import LambdaRuntime
from local_stack.location import LocationEmulator, PlaceIndexes
from local_stack.provisioning.provisioner import Provisioner
from local_stack.stack import LOCAL_SDK_SETTINGS
from local_stack.template import Template

REPO = Path(__file__).resolve().parent.parent
TEMPLATE = REPO / "template.yaml"
EVENTS = REPO / "events"


def api_routes(template: Template, api_name: str = "Api") -> list[tuple[str, str, str | None]]:
    """(method, path, authorizer) of every route of one of the template's REST APIs (the stack's own, Api, unless
    named), read from the OpenAPI body the SAM transform writes, as the local gateway reads it (an ANY route's
    method is ANY)."""
    api = template.of_type("AWS::ApiGateway::RestApi")[api_name]
    body = api["Properties"]["Body"]
    schemes = body.get("components", {}).get("securitySchemes", {})
    routes = []
    for path, operations in body["paths"].items():
        for method, operation in operations.items():
            authorizers = [
                name
                for requirement in operation.get("security", [])
                for name in requirement
                if "x-amazon-apigateway-authorizer" in schemes.get(name, {})
            ]
            method = "ANY" if method == "x-amazon-apigateway-any-method" else method.upper()
            routes.append((method, path, authorizers[0] if authorizers else None))
    return sorted(routes, key=lambda route: (route[1], route[0]))


def load_event(name: str) -> dict[str, Any]:
    """A sample event from events/, e.g. 'open311/get_services'."""
    loaded: dict[str, Any] = json.loads((EVENTS / f"{name}.json").read_text(encoding="utf-8"))
    return loaded


class ThrottledDynamoDB:
    """The real (mocked) DynamoDB client with one operation throttled.

    The calls of `operation` that `when` selects are refused as DynamoDB refuses a busy table: every one, or only
    the first `failures`. Every other call goes through.
    """

    def __init__(
        self, operation: str, failures: int | None = None, when: Callable[[dict[str, Any]], bool] = lambda _: True
    ) -> None:
        self.real = aws.dynamodb()
        self.operation = operation
        self.failures = failures
        self.when = when

    def __getattr__(self, name: str) -> Any:
        call = getattr(self.real, name)
        if name != self.operation:
            return call

        def throttled(**request: Any) -> Any:
            if self.when(request) and (self.failures is None or self.failures > 0):
                if self.failures is not None:
                    self.failures -= 1
                raise ClientError(
                    {"Error": {"Code": "ProvisionedThroughputExceededException", "Message": "slow down"}}, name
                )
            return call(**request)

        return throttled


@contextmanager
def queue_subscribed(sqs: Any, sns: Any, topic_arn: str) -> Iterator[str]:
    """A fresh SQS queue subscribed to a topic with raw delivery, as 911 dispatch subscribes; removed afterwards."""
    url = sqs.create_queue(QueueName=f"subscriber-{uuid.uuid4().hex[:12]}")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    subscription = sns.subscribe(
        TopicArn=topic_arn,
        Protocol="sqs",
        Endpoint=arn,
        Attributes={"RawMessageDelivery": "true"},
        ReturnSubscriptionArn=True,
    )["SubscriptionArn"]
    try:
        yield url
    finally:
        sns.unsubscribe(SubscriptionArn=subscription)
        sqs.delete_queue(QueueUrl=url)


def api_event(
    method: str,
    path: str,
    *,
    query: dict[str, str] | None = None,
    body: str | None = None,
    headers: dict[str, str] | None = None,
) -> dict[str, Any]:
    """A REST API proxy event for any path, built from the sample so its shape stays real."""
    event = copy.deepcopy(load_event("open311/get_services"))
    merged = {**event["headers"], **(headers or {})}
    event.update(
        httpMethod=method,
        path=path,
        body=body,
        headers=merged,
        multiValueHeaders={name: [value] for name, value in merged.items()},
        queryStringParameters=query or None,
        multiValueQueryStringParameters={k: [v] for k, v in query.items()} if query else None,
        pathParameters={"proxy": path.removeprefix("/open311/v2/")} if path.startswith("/open311/v2/") else None,
    )
    event["requestContext"].update(httpMethod=method, path="/prod" + path)
    return event


def form(fields: dict[str, str]) -> str:
    return urlencode(fields)


@dataclass
class InProcessStack:
    """The template's resources on moto's in-process mocks, with handlers invoked directly."""

    provisioner: Provisioner
    runtime: LambdaRuntime
    # Stores the functions' EMF lines as metric data (local_stack/emf.py).
    emf: EmfMetrics | None = None

    def output(self, name: str) -> str:
        return self.provisioner.outputs(api_url="http://test")[name]

    def function(self, logical_id: str) -> str:
        return self.provisioner.ref(logical_id)

    @contextmanager
    def subscribed_queue(self, topic_output: str) -> Iterator[str]:
        """An SQS queue subscribed (raw delivery) to the topic a stack output names, removed afterwards."""
        sqs, sns = self.provisioner.client("sqs"), self.provisioner.client("sns")
        with queue_subscribed(sqs, sns, self.output(topic_output)) as url:
            yield str(url)

    def alarm_evaluator(self) -> AlarmEvaluator:
        """The local CloudWatch's evaluator for the template's alarms; tests call its evaluate(now)."""
        return evaluator_for(self.provisioner, self.emf)

    def call(self, logical_id: str, event: dict[str, Any]) -> dict[str, Any]:
        """Invoke a function and return its answer; handler errors raise."""
        result = self.runtime.invoke(self.function(logical_id), event)
        payload: dict[str, Any] = json.loads(result.payload)
        if result.failed:
            raise AssertionError(f"{logical_id} failed: {payload}")
        if event.get("Name") == "ContactFlowEvent" and (problem := connect_limits.connect_answer_problem(payload)):
            # Amazon Connect would take the flow's error branch on this answer.
            raise AssertionError(f"{logical_id} answered Connect what it rejects: {problem}")
        return payload


_TEST_ENVIRONMENT = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": "us-west-2",
    "AWS_REGION": "us-west-2",
}


@contextmanager
def scoped_environment(variables: dict[str, str], remove: Iterable[str] = ()) -> Iterator[None]:
    """Set (and unset) environment variables for a block, with fresh AWS clients inside and after it."""
    names = [*variables, *remove]
    saved = {name: os.environ.get(name) for name in names}
    os.environ.update(variables)
    for name in remove:
        os.environ.pop(name, None)
    aws.reset()
    try:
        yield
    finally:
        aws.reset()
        forget_active_versions()
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


@contextmanager
def in_process_stack(
    stack_name: str = "civic311-test", parameters: dict[str, str] | None = None
) -> Iterator[InProcessStack]:
    """Every resource of template.yaml on moto's mocks (no server); state lives until the block ends."""
    with scoped_environment(_TEST_ENVIRONMENT, remove=["AWS_ENDPOINT_URL"]), mock_aws():
        runtime = LambdaRuntime()
        # Invokes that moto makes itself (an SQS queue feeding a function) run the handler in-process too.
        restore_seam = install_lambda_seam(runtime)
        # The mocks refuse what AWS refuses, as the local stack does.
        restore_limits = aws_limits.install()
        # Transactions isolated from each other, as the local stack has them: moto's own puts a whole-table copy
        # back when one is cancelled, undoing what overlapping writes stored meanwhile.
        restore_transactions = dynamodb_transactions.install()
        restore_deliveries = service_metrics.count_deliveries()
        stop_reading_metrics, emf = None, None
        try:
            template = Template(TEMPLATE, {"Stage": "local", **(parameters or {})}, stack_name)
            provisioner = Provisioner(template, runtime, None)
            # The functions' EMF lines become metric data, as on the local stack.
            emf = EmfMetrics(provisioner.client("cloudwatch"))
            stop_reading_metrics = function_logs.listen(emf)
            provisioner.provision_all()
            yield InProcessStack(provisioner, runtime, emf)
        finally:
            if stop_reading_metrics is not None:
                stop_reading_metrics()
            if emf is not None:
                emf.flush()  # while the mocks still answer
            restore_deliveries()
            restore_transactions()
            restore_limits()
            restore_seam()


@dataclass
class PassedOn:
    """A request the emulator handed to the app behind it, as that app received it."""

    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: bytes


@dataclass
class BehindTheEmulator:
    """Stands in for moto: records every request it is handed and answers 200."""

    received: list[PassedOn] = field(default_factory=list)

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        length = int(environ.get("CONTENT_LENGTH") or 0)
        headers = {
            key[5:].replace("_", "-").lower(): str(value) for key, value in environ.items() if key.startswith("HTTP_")
        }
        if environ.get("CONTENT_TYPE"):
            headers["content-type"] = environ["CONTENT_TYPE"]
        self.received.append(
            PassedOn(
                method=environ["REQUEST_METHOD"],
                path=environ["PATH_INFO"],
                query=environ.get("QUERY_STRING", ""),
                headers=headers,
                body=environ["wsgi.input"].read(length) if length else b"",
            )
        )
        start_response("200 OK", [("Content-Type", "application/json")])
        return [b'{"answeredBy": "moto"}']


@dataclass
class PlacesEndpoint:
    """The Amazon Location emulator on a local port, with a recorder standing in for moto behind it."""

    url: str
    index_name: str
    indexes: PlaceIndexes
    behind: BehindTheEmulator
    app: LocationEmulator


@contextmanager
def places_endpoint(stack_name: str = "civic311-test") -> Iterator[PlacesEndpoint]:
    """The template's place index served over HTTP; SDK clients built inside the block talk to it."""
    provisioner = Provisioner(Template(TEMPLATE, {"Stage": "local"}, stack_name), LambdaRuntime(), None)
    index_name = provisioner.ref("PlaceIndex")  # registers the index as the local stack does
    behind = BehindTheEmulator()
    app = LocationEmulator(behind, provisioner.place_indexes)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="places-endpoint", daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_port}"
    try:
        with scoped_environment(_TEST_ENVIRONMENT | LOCAL_SDK_SETTINGS | {"AWS_ENDPOINT_URL": url}):
            yield PlacesEndpoint(url, index_name, provisioner.place_indexes, behind, app)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def request_store(stack: InProcessStack) -> RequestStore:
    """The service-requests store as the functions that call callers back build it (with the contact key)."""
    return RequestStore(stack.output("ServiceRequestsTableName"), contacts=ContactSeal(stack.output("ContactKeyId")))
