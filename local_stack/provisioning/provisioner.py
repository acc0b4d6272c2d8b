"""Creates the template's resources on the embedded endpoint, in dependency order, the way CloudFormation would:
the resources after the template's transforms (Template.resources), never the SAM form.

Each resource is created the first time something needs its name or an attribute, so references
(Ref, GetAtt, Sub) resolve to what the endpoint really created. What each resource type becomes on the endpoint
is in the sibling modules, one per kind of service.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import boto3

from local_stack.cloudfront import WebDistribution
from local_stack.gateway import STAGE_API_ID
from local_stack.lambda_runtime import LambdaRuntime
from local_stack.location import PlaceIndexes
from local_stack.provisioning import data_stores, edge, functions, identity, messaging, monitoring, state_machines
from local_stack.provisioning.records import Authorizer, Created, RestApiRecord, Route, Schedule
from local_stack.streams import StreamSource
from local_stack.template import ACCOUNT_ID, REGION, Resolver, Template, resolve
from local_stack.throttles import Throttles

Builder = Callable[["Provisioner", str, dict[str, Any]], Created]


def _noop(provisioner: Provisioner, logical_id: str, resource: dict[str, Any]) -> Created:
    provisioner.resolved_properties(resource)  # still resolve, so dependencies exist
    return Created(ref=provisioner.default_name(logical_id))


_BUILDERS: dict[str, Builder] = {
    "AWS::KMS::Key": data_stores.kms_key,
    "AWS::KMS::Alias": data_stores.kms_alias,
    "AWS::DynamoDB::Table": data_stores.table,
    "AWS::SNS::Topic": messaging.topic,
    "AWS::SNS::Subscription": messaging.subscription,
    "AWS::SNS::TopicPolicy": _noop,
    "AWS::SQS::Queue": messaging.queue,
    "AWS::SQS::QueuePolicy": _noop,
    "AWS::Logs::LogGroup": data_stores.log_group,
    "AWS::Cognito::UserPool": identity.user_pool,
    "AWS::Cognito::UserPoolClient": identity.user_pool_client,
    "AWS::Cognito::UserPoolGroup": identity.user_pool_group,
    "AWS::Lambda::LayerVersion": functions.layer,
    "AWS::Lambda::Function": functions.function,
    "AWS::Lambda::Permission": functions.permission,
    "AWS::Lambda::EventSourceMapping": functions.event_source_mapping,
    "AWS::Scheduler::Schedule": functions.schedule,
    "AWS::Events::Rule": functions.rule,
    "AWS::StepFunctions::StateMachine": state_machines.state_machine,
    "AWS::ApiGateway::RestApi": edge.rest_api,
    "AWS::ApiGateway::Deployment": edge.deployment,
    "AWS::ApiGateway::Stage": edge.stage,
    "AWS::ApiGateway::UsagePlan": edge.usage_plan,
    "AWS::CloudWatch::Alarm": monitoring.alarm,
    "AWS::CloudWatch::Dashboard": monitoring.dashboard,
    "AWS::Location::PlaceIndex": data_stores.place_index,
    "AWS::S3::Bucket": data_stores.bucket,
    "AWS::S3::BucketPolicy": _noop,
    "AWS::CloudFront::Distribution": edge.cloudfront_distribution,
    "AWS::CloudFront::ResponseHeadersPolicy": edge.response_headers_policy,
    "AWS::CloudFront::Function": edge.cloudfront_function,
    "AWS::CloudFront::OriginAccessControl": edge.origin_access_control,
    "AWS::CloudFormation::CustomResource": functions.custom_resource,
    "AWS::IAM::Role": identity.role,
}


class Provisioner:
    """Builds every resource of the template on the endpoint and records what it made."""

    def __init__(
        self,
        template: Template,
        runtime: LambdaRuntime,
        endpoint_url: str | None,
        place_indexes: PlaceIndexes | None = None,
    ) -> None:
        self.template = template
        self.runtime = runtime
        self.endpoint_url = endpoint_url
        # moto has no Amazon Location: place indexes live here, for the endpoint's emulator to serve.
        self.place_indexes = place_indexes if place_indexes is not None else PlaceIndexes()
        self.created: dict[str, Created] = {}
        self.skipped: dict[str, str] = {}
        # Every REST API of the template by its id; the one named Api is the stack's (MAIN_API, edge.py).
        self.apis: dict[str, RestApiRecord] = {}
        self.schedules: list[Schedule] = []
        self.streams: list[StreamSource] = []
        self.authorizers: dict[str, Authorizer] = {}
        self.default_authorizer: str | None = None
        # Layers with no build method are plain files (Lambda puts them in /opt): their folders, by version ARN.
        self.content_layers: dict[str, Path] = {}
        self.header_policies: dict[str, list[tuple[str, str]]] = {}
        self.web: WebDistribution | None = None
        # The policies of the state machines' roles, by name (moto's Step Functions signs with one fixed key).
        self.state_machine_policies: dict[str, dict[str, Any]] = {}
        self._in_progress: set[str] = set()
        self._lock = threading.RLock()
        self._clients: dict[str, Any] = {}
        # One SDK session for every client: it parses each service's model once (a new session per client read
        # them all again, seconds of CPU at every start). Sessions are not thread-safe while building clients.
        self._session: Any = None
        self._clients_lock = threading.Lock()
        self.resolver = Resolver(template, physical=self.ref, attribute=self.attribute)

    # ------------------------------------------------------------------ public

    @property
    def main_api(self) -> RestApiRecord:
        """The stack's own REST API (the template's Api), served on the gateway's port."""
        return self.apis.get(STAGE_API_ID) or RestApiRecord(logical_id=edge.MAIN_API, api_id=STAGE_API_ID)

    @property
    def other_apis(self) -> list[RestApiRecord]:
        """Any other REST API of the template (DispatchApi), each served by a gateway of its own."""
        return [api for api_id, api in self.apis.items() if api_id != STAGE_API_ID]

    @property
    def routes(self) -> list[Route]:
        return self.main_api.routes

    @property
    def throttles(self) -> Throttles:
        return self.main_api.throttles

    @property
    def gateway_responses(self) -> dict[str, Any]:
        return self.main_api.gateway_responses

    def provision_all(self) -> None:
        for logical_id in self.template.resources:
            self.ensure(logical_id)

    def outputs(self, api_url: str, other_api_urls: dict[str, str] | None = None) -> dict[str, str]:
        """Every template Output, resolved; outputs built on the REST API or the CloudFront distribution (the
        gateway plays both) resolve to the local gateway, and those built on another REST API to its own gateway
        (other_api_urls, by the API's logical id)."""
        resolved: dict[str, str] = {}
        others = other_api_urls or {}
        api_ids = {
            logical_id
            for kind in ("AWS::ApiGateway::RestApi", "AWS::ApiGateway::Stage", "AWS::CloudFront::Distribution")
            for logical_id in self.template.of_type(kind)
        }
        for name, output in self.template.transformed.get("Outputs", {}).items():
            if "Condition" in output and not self.template.conditions[output["Condition"]]:
                continue  # as in CloudFormation: an output whose condition is false does not exist
            value = output["Value"]
            other = next((url for logical_id, url in others.items() if _mentions(value, {logical_id})), None)
            if other is not None:
                resolved[name] = other
            elif _mentions(value, api_ids):
                resolved[name] = api_url
            else:
                resolved[name] = str(resolve(value, self.resolver))
        return resolved

    def ensure(self, logical_id: str) -> Created:
        with self._lock:
            if logical_id in self.created:
                return self.created[logical_id]
            resources = self.template.resources
            if logical_id not in resources:
                raise KeyError(f"{logical_id} is not a resource of the template (or its condition is false)")
            if logical_id in self._in_progress:
                raise RuntimeError(f"circular reference through {logical_id}")
            self._in_progress.add(logical_id)
            try:
                resource = resources[logical_id]
                builder = _BUILDERS.get(resource["Type"])
                if resource["Type"].startswith("Custom::"):
                    builder = functions.custom_resource
                if builder is None:
                    self.skipped[logical_id] = resource["Type"]
                    created = Created(ref=f"{self.template.stack_name}-{logical_id}")
                else:
                    created = builder(self, logical_id, resource)
                self.created[logical_id] = created
                return created
            finally:
                self._in_progress.discard(logical_id)

    def ref(self, logical_id: str) -> str:
        return self.ensure(logical_id).ref

    def attribute(self, logical_id: str, name: str) -> str:
        created = self.ensure(logical_id)
        if name not in created.attributes:
            raise KeyError(f"{logical_id} has no attribute {name} locally")
        return created.attributes[name]

    # ------------------------------------------------------------------ helpers

    def client(self, service: str) -> Any:
        with self._clients_lock:
            if service not in self._clients:
                if self._session is None:
                    self._session = boto3.session.Session()
                self._clients[service] = self._session.client(
                    service, region_name=REGION, endpoint_url=self.endpoint_url
                )
            return self._clients[service]

    def resolved_properties(self, resource: dict[str, Any]) -> dict[str, Any]:
        properties: dict[str, Any] = resolve(resource.get("Properties", {}), self.resolver)
        return properties

    def default_name(self, logical_id: str) -> str:
        return f"{self.template.stack_name}-{logical_id}"

    def arn(self, service: str, resource: str) -> str:
        return f"arn:aws:{service}:{REGION}:{ACCOUNT_ID}:{resource}"


def _mentions(value: Any, logical_ids: set[str]) -> bool:
    """Whether an intrinsic expression refers to any of these resources."""
    if isinstance(value, dict):
        for key, inner in value.items():
            if key == "Ref" and inner in logical_ids:
                return True
            if (
                key == "Fn::GetAtt"
                and (inner[0] if isinstance(inner, list) else str(inner).split(".")[0]) in logical_ids
            ):
                return True
            if key == "Fn::Sub":
                text = inner if isinstance(inner, str) else inner[0]
                if any("${" + logical_id in text for logical_id in logical_ids):
                    return True
            if _mentions(inner, logical_ids):
                return True
    if isinstance(value, list):
        return any(_mentions(inner, logical_ids) for inner in value)
    return False
