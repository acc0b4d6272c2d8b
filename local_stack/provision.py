"""Creates the template's resources on the embedded endpoint, in dependency order, the way CloudFormation would.

Each resource is created the first time something needs its name or an attribute, so references
(Ref, GetAtt, Sub) resolve to what the endpoint really created.
"""

from __future__ import annotations

import io
import json
import re
import threading
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3

from local_stack.cloudfront import WebDistribution, distribution, response_headers
from local_stack.custom_resources import CustomResourceFailed, ResponseReceiver, create_event, new_request_id
from local_stack.lambda_runtime import FunctionSpec, LambdaRuntime
from local_stack.location import PlaceIndex, PlaceIndexes
from local_stack.roles import assume, create_role, expand_roles, role_of
from local_stack.streams import StreamSource
from local_stack.template import ACCOUNT_ID, REGION, Resolver, Template, resolve
from local_stack.throttles import Throttles


@dataclass
class Created:
    """A provisioned resource: what Ref returns and what GetAtt can read."""

    ref: str
    attributes: dict[str, str] = field(default_factory=dict)


@dataclass
class Route:
    """One API route from a function's Api event."""

    method: str
    path: str
    function_name: str
    authorizer: str | None
    # Auth.ApiKeyRequired: the X-API-Key header must name a key of one of the stage's usage plans.
    api_key_required: bool = False


@dataclass
class Schedule:
    """A function the template runs on a fixed rate (EventBridge schedule)."""

    function_name: str
    rule_name: str
    every_seconds: int


_RATE = re.compile(r"^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$")
_UNIT_SECONDS = {"minute": 60, "hour": 3600, "day": 86400}


def rate_seconds(expression: str) -> int | None:
    """Seconds between runs for a rate() expression; None for cron() (not run locally)."""
    match = _RATE.match(expression.strip())
    if match is None:
        return None
    return int(match.group(1)) * _UNIT_SECONDS[match.group(2).rstrip("s")]


@dataclass
class Authorizer:
    """A Cognito user-pool authorizer: tokens must come from this pool."""

    name: str
    user_pool_id: str


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
        self.routes: list[Route] = []
        self.schedules: list[Schedule] = []
        self.streams: list[StreamSource] = []
        self.authorizers: dict[str, Authorizer] = {}
        self.default_authorizer: str | None = None
        self.throttles = Throttles(rows=[])
        # The Api's resolved properties (its gateway responses answer for usage plans too).
        self.api_properties: dict[str, Any] = {}
        # Layers with no build method are plain files (Lambda puts them in /opt): their folders, by version ARN.
        self.content_layers: dict[str, Path] = {}
        self.header_policies: dict[str, list[tuple[str, str]]] = {}
        self.web: WebDistribution | None = None
        # The policies of the state machines' roles, by name (moto's Step Functions signs with one fixed key).
        self.state_machine_policies: dict[str, dict[str, Any]] = {}
        self._roles: dict[str, dict[str, Any]] | None = None
        self._in_progress: set[str] = set()
        self._lock = threading.RLock()
        self._clients: dict[str, Any] = {}
        self.resolver = Resolver(template, physical=self.ref, attribute=self.attribute)
        self._builders: dict[str, Callable[[str, dict[str, Any]], Created]] = {
            "AWS::KMS::Key": self._kms_key,
            "AWS::KMS::Alias": self._kms_alias,
            "AWS::DynamoDB::Table": self._table,
            "AWS::SNS::Topic": self._topic,
            "AWS::SNS::Subscription": self._subscription,
            "AWS::SNS::TopicPolicy": self._noop,
            "AWS::SQS::Queue": self._queue,
            "AWS::SQS::QueuePolicy": self._noop,
            "AWS::Logs::LogGroup": self._log_group,
            "AWS::Cognito::UserPool": self._user_pool,
            "AWS::Cognito::UserPoolClient": self._user_pool_client,
            "AWS::Cognito::UserPoolGroup": self._user_pool_group,
            "AWS::Serverless::LayerVersion": self._layer,
            "AWS::Serverless::Function": self._function,
            "AWS::Serverless::StateMachine": self._state_machine,
            "AWS::StepFunctions::StateMachine": self._state_machine,
            "AWS::Serverless::Api": self._api,
            "AWS::ApiGateway::UsagePlan": self._usage_plan,
            "AWS::CloudWatch::Alarm": self._alarm,
            "AWS::CloudWatch::Dashboard": self._dashboard,
            "AWS::Location::PlaceIndex": self._place_index,
            "AWS::S3::Bucket": self._bucket,
            "AWS::S3::BucketPolicy": self._noop,
            "AWS::CloudFront::Distribution": self._distribution,
            "AWS::CloudFront::ResponseHeadersPolicy": self._response_headers_policy,
            "AWS::CloudFront::Function": self._cloudfront_function,
            "AWS::CloudFront::OriginAccessControl": self._origin_access_control,
            "AWS::CloudFormation::CustomResource": self._custom_resource,
            "AWS::IAM::Role": self._role,
        }

    # ------------------------------------------------------------------ public

    def provision_all(self) -> None:
        for logical_id in self.template.resources:
            self.ensure(logical_id)

    def outputs(self, api_url: str) -> dict[str, str]:
        """Every template Output, resolved; outputs built on the REST API or the CloudFront distribution (the
        gateway plays both) resolve to the local gateway."""
        resolved: dict[str, str] = {}
        api_ids = set(self.template.of_type("AWS::Serverless::Api")) | set(
            self.template.of_type("AWS::CloudFront::Distribution")
        )
        for name, output in self.template.body.get("Outputs", {}).items():
            if "Condition" in output and not self.template.conditions[output["Condition"]]:
                continue  # as in CloudFormation: an output whose condition is false does not exist
            value = output["Value"]
            if _mentions(value, api_ids):
                resolved[name] = api_url
            else:
                resolved[name] = str(resolve(value, self.resolver))
        return resolved

    def ensure(self, logical_id: str) -> Created:
        with self._lock:
            if logical_id in self.created:
                return self.created[logical_id]
            resources = self.template.resources
            if logical_id not in resources and logical_id in self.roles:
                resources = self.roles  # a role the SAM transform makes for a function or state machine
            if logical_id not in resources:
                raise KeyError(f"{logical_id} is not a resource of the template (or its condition is false)")
            if logical_id in self._in_progress:
                raise RuntimeError(f"circular reference through {logical_id}")
            self._in_progress.add(logical_id)
            try:
                resource = resources[logical_id]
                builder = self._builders.get(resource["Type"])
                if resource["Type"].startswith("Custom::"):
                    builder = self._custom_resource
                if builder is None:
                    self.skipped[logical_id] = resource["Type"]
                    created = Created(ref=f"{self.template.stack_name}-{logical_id}")
                else:
                    created = builder(logical_id, resource)
                self.created[logical_id] = created
                return created
            finally:
                self._in_progress.discard(logical_id)

    def ref(self, logical_id: str) -> str:
        if "." in logical_id:
            # SAM's references to what it makes for a resource: Api.Stage is the Api's stage.
            base, made = logical_id.split(".", 1)
            return self.attribute(base, made)
        return self.ensure(logical_id).ref

    @property
    def roles(self) -> dict[str, dict[str, Any]]:
        """The IAM roles the SAM transform makes for the template's functions and state machines."""
        if self._roles is None:
            self._roles = expand_roles(self.template)
        return self._roles

    def attribute(self, logical_id: str, name: str) -> str:
        created = self.ensure(logical_id)
        if name not in created.attributes:
            raise KeyError(f"{logical_id} has no attribute {name} locally")
        return created.attributes[name]

    # ------------------------------------------------------------------ helpers

    def client(self, service: str) -> Any:
        if service not in self._clients:
            session: Any = boto3.session.Session()
            self._clients[service] = session.client(service, region_name=REGION, endpoint_url=self.endpoint_url)
        return self._clients[service]

    def _properties(self, resource: dict[str, Any]) -> dict[str, Any]:
        properties: dict[str, Any] = resolve(resource.get("Properties", {}), self.resolver)
        return properties

    def _name(self, logical_id: str) -> str:
        return f"{self.template.stack_name}-{logical_id}"

    def _arn(self, service: str, resource: str) -> str:
        return f"arn:aws:{service}:{REGION}:{ACCOUNT_ID}:{resource}"

    # ------------------------------------------------------------------ builders

    def _noop(self, logical_id: str, resource: dict[str, Any]) -> Created:
        self._properties(resource)  # still resolve, so dependencies exist
        return Created(ref=self._name(logical_id))

    def _kms_key(self, logical_id: str, resource: dict[str, Any]) -> Created:
        properties = self._properties(resource)
        kms = self.client("kms")
        request = {"Description": properties.get("Description", logical_id)}
        for key in ("KeySpec", "KeyUsage"):
            if key in properties:
                request[key] = properties[key]
        if properties.get("KeyPolicy"):
            request["Policy"] = json.dumps(properties["KeyPolicy"])
        metadata = kms.create_key(**request)["KeyMetadata"]
        if properties.get("EnableKeyRotation"):
            kms.enable_key_rotation(KeyId=metadata["KeyId"])
        return Created(ref=metadata["KeyId"], attributes={"Arn": metadata["Arn"], "KeyId": metadata["KeyId"]})

    def _kms_alias(self, logical_id: str, resource: dict[str, Any]) -> Created:
        properties = self._properties(resource)
        self.client("kms").create_alias(AliasName=properties["AliasName"], TargetKeyId=properties["TargetKeyId"])
        return Created(ref=properties["AliasName"])

    def _table(self, logical_id: str, resource: dict[str, Any]) -> Created:
        properties = self._properties(resource)
        name = properties.get("TableName") or self._name(logical_id)
        request: dict[str, Any] = {
            "TableName": name,
            "AttributeDefinitions": properties["AttributeDefinitions"],
            "KeySchema": properties["KeySchema"],
            "BillingMode": properties.get("BillingMode", "PROVISIONED"),
        }
        for key in (
            "GlobalSecondaryIndexes",
            "LocalSecondaryIndexes",
            "ProvisionedThroughput",
            "Tags",
            "DeletionProtectionEnabled",
            "TableClass",
        ):
            if key in properties:
                request[key] = properties[key]
        for index in request.get("GlobalSecondaryIndexes", []):
            index.pop("ContributorInsightsSpecification", None)
        if "SSESpecification" in properties:
            sse = dict(properties["SSESpecification"])
            sse["Enabled"] = sse.pop("SSEEnabled", False)
            request["SSESpecification"] = sse
        stream = properties.get("StreamSpecification")
        if stream:
            request["StreamSpecification"] = {"StreamEnabled": True, "StreamViewType": stream["StreamViewType"]}
        dynamodb = self.client("dynamodb")
        description = dynamodb.create_table(**request)["TableDescription"]
        ttl = properties.get("TimeToLiveSpecification")
        if ttl:
            dynamodb.update_time_to_live(TableName=name, TimeToLiveSpecification=ttl)
        recovery = properties.get("PointInTimeRecoverySpecification")
        if recovery:
            dynamodb.update_continuous_backups(TableName=name, PointInTimeRecoverySpecification=recovery)
        attributes = {"Arn": description["TableArn"]}
        if description.get("LatestStreamArn"):
            attributes["StreamArn"] = description["LatestStreamArn"]
        return Created(ref=name, attributes=attributes)

    def _topic(self, logical_id: str, resource: dict[str, Any]) -> Created:
        properties = self._properties(resource)
        name = properties.get("TopicName") or self._name(logical_id)
        attributes = {
            key: str(properties[key])
            for key in ("DisplayName", "KmsMasterKeyId", "FifoTopic", "ContentBasedDeduplication")
            if key in properties
        }
        arn = self.client("sns").create_topic(Name=name, Attributes=attributes)["TopicArn"]
        for subscription in properties.get("Subscription", []):
            self.client("sns").subscribe(
                TopicArn=arn, Protocol=subscription["Protocol"], Endpoint=subscription["Endpoint"]
            )
        return Created(ref=arn, attributes={"TopicArn": arn, "TopicName": name})

    def _subscription(self, logical_id: str, resource: dict[str, Any]) -> Created:
        properties = self._properties(resource)
        attributes: dict[str, str] = {}
        for key in ("FilterPolicy", "RedrivePolicy"):
            if key in properties:
                attributes[key] = json.dumps(properties[key])
        for key in ("RawMessageDelivery", "FilterPolicyScope"):
            if key in properties:
                attributes[key] = str(properties[key]).lower() if key == "RawMessageDelivery" else properties[key]
        arn = self.client("sns").subscribe(
            TopicArn=properties["TopicArn"],
            Protocol=properties["Protocol"],
            Endpoint=properties["Endpoint"],
            Attributes=attributes,
            ReturnSubscriptionArn=True,
        )["SubscriptionArn"]
        return Created(ref=arn)

    def _queue(self, logical_id: str, resource: dict[str, Any]) -> Created:
        properties = self._properties(resource)
        name = properties.get("QueueName") or self._name(logical_id)
        attributes: dict[str, str] = {}
        for key, value in properties.items():
            if key in ("QueueName", "Tags"):
                continue
            attributes[key] = (
                json.dumps(value)
                if isinstance(value, dict)
                else str(value).lower()
                if isinstance(value, bool)
                else str(value)
            )
        sqs = self.client("sqs")
        url = sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        return Created(ref=url, attributes={"Arn": arn, "QueueName": name, "QueueUrl": url})

    def _log_group(self, logical_id: str, resource: dict[str, Any]) -> Created:
        properties = self._properties(resource)
        name = properties.get("LogGroupName") or f"/{self.template.stack_name}/{logical_id}"
        logs = self.client("logs")
        logs.create_log_group(logGroupName=name)
        if "RetentionInDays" in properties:
            logs.put_retention_policy(logGroupName=name, retentionInDays=int(properties["RetentionInDays"]))
        return Created(ref=name, attributes={"Arn": self._arn("logs", f"log-group:{name}:*")})

    def _user_pool(self, logical_id: str, resource: dict[str, Any]) -> Created:
        properties = self._properties(resource)
        request = {
            key: value
            for key, value in properties.items()
            if key
            in (
                "Policies",
                "AutoVerifiedAttributes",
                "UsernameAttributes",
                "MfaConfiguration",
                "AdminCreateUserConfig",
                "Schema",
            )
        }
        pool = self.client("cognito-idp").create_user_pool(
            PoolName=properties.get("UserPoolName") or self._name(logical_id), **request
        )["UserPool"]
        if "SOFTWARE_TOKEN_MFA" in properties.get("EnabledMfas", []):
            # CloudFormation's EnabledMfas is SetUserPoolMfaConfig's, not CreateUserPool's.
            self.client("cognito-idp").set_user_pool_mfa_config(
                UserPoolId=pool["Id"],
                SoftwareTokenMfaConfiguration={"Enabled": True},
                MfaConfiguration=properties.get("MfaConfiguration", "OFF"),
            )
        provider = f"cognito-idp.{REGION}.amazonaws.com/{pool['Id']}"
        return Created(
            ref=pool["Id"],
            attributes={
                "Arn": pool["Arn"],
                "ProviderName": provider,
                "ProviderURL": f"https://{provider}",
                "UserPoolId": pool["Id"],
            },
        )

    def _user_pool_client(self, logical_id: str, resource: dict[str, Any]) -> Created:
        properties = self._properties(resource)
        request = {
            key: value
            for key, value in properties.items()
            if key
            in (
                "ClientName",
                "GenerateSecret",
                "ExplicitAuthFlows",
                "PreventUserExistenceErrors",
                "IdTokenValidity",
                "AccessTokenValidity",
                "RefreshTokenValidity",
                "TokenValidityUnits",
            )
        }
        request.setdefault("ClientName", logical_id)
        client = self.client("cognito-idp").create_user_pool_client(UserPoolId=properties["UserPoolId"], **request)[
            "UserPoolClient"
        ]
        return Created(ref=client["ClientId"], attributes={"ClientId": client["ClientId"]})

    def _user_pool_group(self, logical_id: str, resource: dict[str, Any]) -> Created:
        properties = self._properties(resource)
        self.client("cognito-idp").create_group(
            GroupName=properties["GroupName"],
            UserPoolId=properties["UserPoolId"],
            Description=properties.get("Description", ""),
        )
        return Created(ref=properties["GroupName"])

    def _layer(self, logical_id: str, resource: dict[str, Any]) -> Created:
        # Python layers are on the in-process runtime's import path already.
        arn = self._arn("lambda", f"layer:{self._name(logical_id)}:1")
        if "BuildMethod" not in resource.get("Metadata", {}):
            self.content_layers[arn] = (self.template.root / self._properties(resource)["ContentUri"]).resolve()
        return Created(ref=arn)

    def _opt_folder(self, logical_id: str, layers: list[str]) -> Path | None:
        """Locally, the one folder a function's /opt stands for: its plain-files layer."""
        folders = [self.content_layers[arn] for arn in layers if arn in self.content_layers]
        if len(folders) > 1:
            raise NotImplementedError(f"{logical_id}: locally, /opt can stand for one plain-files layer, not several")
        return folders[0] if folders else None

    def _function(self, logical_id: str, resource: dict[str, Any]) -> Created:
        properties = self._properties(resource)
        name = properties.get("FunctionName") or self._name(logical_id)
        environment = {key: str(value) for key, value in properties.get("Environment", {}).get("Variables", {}).items()}
        opt = self._opt_folder(logical_id, [str(layer) for layer in properties.get("Layers", [])])
        if opt is not None:
            # Lambda extracts layers into /opt; in-process, a path there is in the layer's own folder.
            environment = {
                key: str(opt / value.removeprefix("/opt").lstrip("/")) if value.split("/")[:2] == ["", "opt"] else value
                for key, value in environment.items()
            }
        role_arn = self._role_arn(logical_id, resource)
        spec = FunctionSpec(
            logical_id=logical_id,
            name=name,
            code_dir=self.template.root / properties["CodeUri"],
            handler=properties["Handler"],
            environment=environment,
            timeout_seconds=int(properties.get("Timeout", 3)),
            memory_mb=int(properties.get("MemorySize", 128)),
            role_credentials=assume(role_arn, name),
        )
        self.runtime.register(spec)
        archive = io.BytesIO()
        with zipfile.ZipFile(archive, "w") as bundle:
            bundle.writestr("README.txt", "Runs in-process in the local stack; see local_stack/lambda_runtime.py")
        arn = self.client("lambda").create_function(
            FunctionName=name,
            Runtime=properties.get("Runtime", "python3.12"),
            Role=role_arn,
            Handler=properties["Handler"],
            Code={"ZipFile": archive.getvalue()},
            Timeout=spec.timeout_seconds,
            MemorySize=spec.memory_mb,
            Environment={"Variables": environment},
        )["FunctionArn"]
        for event_name, event in properties.get("Events", {}).items():
            self._function_event(logical_id, name, event_name, event)
        return Created(ref=name, attributes={"Arn": arn})

    def _function_event(self, logical_id: str, function_name: str, event_name: str, event: dict[str, Any]) -> None:
        if event["Type"] == "Api":
            event_properties = event["Properties"]
            auth = event_properties.get("Auth", {})
            authorizer = auth.get("Authorizer")
            self.routes.append(
                Route(
                    method=event_properties["Method"].upper(),
                    path=event_properties["Path"],
                    function_name=function_name,
                    authorizer=None if authorizer in (None, "NONE") else authorizer,
                    api_key_required=bool(auth.get("ApiKeyRequired", False)),
                )
            )
        elif event["Type"] in ("Schedule", "ScheduleV2"):
            expression = event["Properties"]["Schedule" if event["Type"] == "Schedule" else "ScheduleExpression"]
            every = rate_seconds(expression)
            if every is None:
                self.skipped[f"{logical_id}.{event_name}"] = f"schedule {expression}"
            else:
                self.schedules.append(Schedule(function_name, f"{logical_id}{event_name}", every))
        elif event["Type"] == "DynamoDB":
            self.streams.append(StreamSource.from_event(function_name, event["Properties"]))
        elif event["Type"] == "SQS":
            # moto's queue invokes the function (through the Lambda seam) as each message arrives.
            event_properties = event["Properties"]
            self.client("lambda").create_event_source_mapping(
                EventSourceArn=event_properties["Queue"],
                FunctionName=function_name,
                BatchSize=int(event_properties.get("BatchSize", 10)),
                MaximumBatchingWindowInSeconds=int(event_properties.get("MaximumBatchingWindowInSeconds", 0)),
                Enabled=bool(event_properties.get("Enabled", True)),
            )
        else:
            self.skipped[f"{logical_id}.{event_name}"] = f"event {event['Type']}"

    def _role_arn(self, logical_id: str, resource: dict[str, Any]) -> str:
        """The role a function or state machine runs under: the one the SAM transform makes, or its Role."""
        role_id = role_of(logical_id, resource.get("Properties", {}))
        if role_id is None:
            raise NotImplementedError(f"{logical_id}: locally, Role must be a role of the template")
        return self.attribute(role_id, "Arn")

    def _role(self, logical_id: str, resource: dict[str, Any]) -> Created:
        properties = self._properties(resource)
        # CloudFormation names a role stack-logicalId-suffix; IAM allows 64 characters.
        name = str(properties.get("RoleName") or self._name(logical_id))[:64]
        arn = create_role(self.client("iam"), name, properties)
        return Created(ref=name, attributes={"Arn": arn, "RoleId": name})

    def _state_machine(self, logical_id: str, resource: dict[str, Any]) -> Created:
        """SAM's state machine or CloudFormation's: a local ASL file (DefinitionUri / DefinitionS3Location)."""
        properties = self._properties(resource)
        local_file = properties.get("DefinitionUri") or properties.get("DefinitionS3Location")
        if isinstance(local_file, str):
            text = (self.template.root / local_file).read_text(encoding="utf-8")
        elif "DefinitionString" in properties:
            text = str(properties["DefinitionString"])
        else:
            text = json.dumps(properties["Definition"])
        for name, value in properties.get("DefinitionSubstitutions", {}).items():
            text = text.replace("${" + name + "}", str(value))
        json.loads(text)  # a substitution that breaks the JSON should fail here, not at execution time
        name = properties.get("StateMachineName") or properties.get("Name") or self._name(logical_id)
        role_arn = self._role_arn(logical_id, resource)
        role_name = role_arn.rsplit("/", 1)[-1]
        iam = self.client("iam")
        for policy_name in iam.list_role_policies(RoleName=role_name)["PolicyNames"]:
            document = iam.get_role_policy(RoleName=role_name, PolicyName=policy_name)["PolicyDocument"]
            self.state_machine_policies[f"{role_name}-{policy_name}"] = document
        request: dict[str, Any] = {
            "name": name,
            "definition": text,
            "roleArn": role_arn,
            "type": properties.get("StateMachineType") or properties.get("Type", "STANDARD"),
        }
        encryption = properties.get("EncryptionConfiguration")
        if encryption:
            request["encryptionConfiguration"] = self._state_machine_encryption(logical_id, encryption)
        arn = self.client("stepfunctions").create_state_machine(**request)["stateMachineArn"]
        return Created(ref=arn, attributes={"Arn": arn, "Name": name})

    def _state_machine_encryption(self, logical_id: str, encryption: dict[str, Any]) -> dict[str, Any]:
        """The encryption configuration, refused where Step Functions refuses it (moto takes anything)."""
        kind = encryption.get("Type")
        if kind not in ("AWS_OWNED_KEY", "CUSTOMER_MANAGED_KMS_KEY"):
            raise ValueError(f"{logical_id}: EncryptionConfiguration.Type {kind!r} is not a Step Functions type")
        configuration: dict[str, Any] = {"type": kind}
        if kind == "CUSTOMER_MANAGED_KMS_KEY":
            key = self.client("kms").describe_key(KeyId=str(encryption["KmsKeyId"]))["KeyMetadata"]
            # moto leaves KeyUsage out of the metadata; AWS's default, and a symmetric key's only usage, is this.
            if (
                key.get("KeySpec") != "SYMMETRIC_DEFAULT"
                or (key.get("KeyUsage") or "ENCRYPT_DECRYPT") != "ENCRYPT_DECRYPT"
            ):
                raise ValueError(f"{logical_id}: Step Functions encrypts only with a symmetric encryption key")
            policy = self.client("kms").get_key_policy(KeyId=key["KeyId"], PolicyName="default")["Policy"]
            if "states.amazonaws.com" not in policy:
                raise ValueError(f"{logical_id}: the key policy of {key['KeyId']} does not let Step Functions use it")
            reuse = int(encryption.get("KmsDataKeyReusePeriodSeconds", 300))
            if not 60 <= reuse <= 900:
                raise ValueError(f"{logical_id}: KmsDataKeyReusePeriodSeconds must be 60 to 900")
            configuration |= {"kmsKeyId": key["Arn"], "kmsDataKeyReusePeriodSeconds": reuse}
        return configuration

    def _api(self, logical_id: str, resource: dict[str, Any]) -> Created:
        properties = self._properties(resource)
        auth = properties.get("Auth", {})
        for name, spec in auth.get("Authorizers", {}).items():
            if "UserPoolArn" in spec:
                self.authorizers[name] = Authorizer(name=name, user_pool_id=str(spec["UserPoolArn"]).split("/")[-1])
        default = auth.get("DefaultAuthorizer")
        self.default_authorizer = None if default in (None, "NONE") else default
        self.throttles = Throttles.from_api(properties)
        self.api_properties = properties
        return Created(ref="local", attributes={"RootResourceId": "root", "Stage": str(properties["StageName"])})

    def _usage_plan(self, logical_id: str, resource: dict[str, Any]) -> Created:
        properties = self._properties(resource)
        request: dict[str, Any] = {
            "name": properties.get("UsagePlanName") or self._name(logical_id),
            "apiStages": [
                {"apiId": str(stage["ApiId"]), "stage": str(stage["Stage"])}
                for stage in properties.get("ApiStages", [])
            ],
        }
        if "Description" in properties:
            request["description"] = properties["Description"]
        throttle = properties.get("Throttle")
        if throttle:
            request["throttle"] = {
                "rateLimit": float(throttle.get("RateLimit", 10000)),
                "burstLimit": int(throttle.get("BurstLimit", 5000)),
            }
        quota = properties.get("Quota")
        if quota:
            if quota.get("Period") not in ("DAY", "WEEK", "MONTH"):
                raise ValueError(f"{logical_id}: Quota.Period must be DAY, WEEK or MONTH")
            request["quota"] = {
                "limit": int(quota["Limit"]),
                "period": quota["Period"],
                "offset": int(quota.get("Offset", 0)),
            }
        return Created(ref=str(self.client("apigateway").create_usage_plan(**request)["id"]))

    def _custom_resource(self, logical_id: str, resource: dict[str, Any]) -> Created:
        """Invoke the ServiceToken function with a Create request, as CloudFormation does, and read its answer."""
        properties = self._properties(resource)
        token = str(properties.get("ServiceToken", ""))
        if ":function:" not in token:
            raise CustomResourceFailed(
                f"{logical_id}: locally, ServiceToken must be a Lambda function ARN, got {token!r}"
            )
        stack_id = str(self.resolver.pseudo("AWS::StackId"))
        with ResponseReceiver() as receiver:
            request_id = new_request_id()
            event = create_event(
                logical_id, resource["Type"], properties, stack_id, receiver.url_for(request_id), request_id
            )
            result = self.runtime.invoke(token, event)
            # The invoke is synchronous, so an answer has normally arrived already; allow for a slow socket.
            answer = receiver.wait(request_id, timeout=2)
        if answer is None:
            detail = (
                f"; the function failed: {result.payload.decode('utf-8', 'replace')[:2000]}" if result.failed else ""
            )
            raise CustomResourceFailed(f"{logical_id} ({resource['Type']}) sent no response to its ResponseURL{detail}")
        if answer.get("Status") != "SUCCESS":
            raise CustomResourceFailed(f"{logical_id} ({resource['Type']}) FAILED: {answer.get('Reason')}")
        data = {name: str(value) for name, value in (answer.get("Data") or {}).items()}
        return Created(ref=str(answer.get("PhysicalResourceId") or self._name(logical_id)), attributes=data)

    def _dashboard(self, logical_id: str, resource: dict[str, Any]) -> Created:
        properties = self._properties(resource)
        name = properties.get("DashboardName") or self._name(logical_id)
        json.loads(properties["DashboardBody"])  # a substitution that breaks the JSON should fail here
        self.client("cloudwatch").put_dashboard(DashboardName=name, DashboardBody=properties["DashboardBody"])
        return Created(ref=name)

    def _alarm(self, logical_id: str, resource: dict[str, Any]) -> Created:
        properties = self._properties(resource)
        request = {key: value for key, value in properties.items() if key not in ("Tags",)}
        request.setdefault("AlarmName", self._name(logical_id))
        cloudwatch = self.client("cloudwatch")
        cloudwatch.put_metric_alarm(**request)
        # A new alarm starts without data, as in AWS (moto starts it OK); local_stack/alarms.py evaluates it.
        cloudwatch.set_alarm_state(
            AlarmName=request["AlarmName"],
            StateValue="INSUFFICIENT_DATA",
            StateReason="Unchecked: Initial alarm creation",
        )
        return Created(
            ref=request["AlarmName"], attributes={"Arn": self._arn("cloudwatch", f"alarm:{request['AlarmName']}")}
        )

    def _bucket(self, logical_id: str, resource: dict[str, Any]) -> Created:
        properties = self._properties(resource)
        # S3 bucket names are lower case; CloudFormation lowers the generated ones too.
        name = str(properties.get("BucketName") or self._name(logical_id).lower())
        s3 = self.client("s3")
        s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": REGION})
        if "VersioningConfiguration" in properties:
            s3.put_bucket_versioning(Bucket=name, VersioningConfiguration=properties["VersioningConfiguration"])
        if "BucketEncryption" in properties:
            # CloudFormation's ServerSideEncryptionByDefault is the API's ApplyServerSideEncryptionByDefault.
            renamed = {"ServerSideEncryptionByDefault": "ApplyServerSideEncryptionByDefault"}
            rules = [
                {renamed.get(name, name): value for name, value in rule.items()}
                for rule in properties["BucketEncryption"]["ServerSideEncryptionConfiguration"]
            ]
            s3.put_bucket_encryption(Bucket=name, ServerSideEncryptionConfiguration={"Rules": rules})
        if "PublicAccessBlockConfiguration" in properties:
            s3.put_public_access_block(
                Bucket=name, PublicAccessBlockConfiguration=properties["PublicAccessBlockConfiguration"]
            )
        return Created(
            ref=name,
            attributes={
                "Arn": f"arn:aws:s3:::{name}",
                "DomainName": f"{name}.s3.amazonaws.com",
                "RegionalDomainName": f"{name}.s3.{REGION}.amazonaws.com",
            },
        )

    def _response_headers_policy(self, logical_id: str, resource: dict[str, Any]) -> Created:
        config = self._properties(resource)["ResponseHeadersPolicyConfig"]
        policy_id = self._local_id(logical_id)
        self.header_policies[policy_id] = response_headers(config, self.endpoint_url)
        return Created(ref=policy_id, attributes={"Id": policy_id})

    def _cloudfront_function(self, logical_id: str, resource: dict[str, Any]) -> Created:
        # Not run locally (no JavaScript runtime): the gateway applies the folder-index rule itself.
        name = str(self._properties(resource)["Name"])
        arn = f"arn:aws:cloudfront::{ACCOUNT_ID}:function/{name}"
        return Created(ref=arn, attributes={"FunctionARN": arn, "FunctionMetadata.FunctionARN": arn})

    def _origin_access_control(self, logical_id: str, resource: dict[str, Any]) -> Created:
        self._properties(resource)
        access_id = self._local_id(logical_id)
        return Created(ref=access_id, attributes={"Id": access_id})

    def _distribution(self, logical_id: str, resource: dict[str, Any]) -> Created:
        """Nothing to create on the endpoint: the gateway serves what it would (local_stack/cloudfront.py)."""
        config = self._properties(resource)["DistributionConfig"]
        found = distribution(config, self.header_policies)
        if found is not None:
            self.web = found
        distribution_id = self._local_id(logical_id)
        return Created(ref=distribution_id, attributes={"Id": distribution_id, "DomainName": "127.0.0.1"})

    def _local_id(self, logical_id: str) -> str:
        return ("E" + logical_id.upper())[:14]

    def _place_index(self, logical_id: str, resource: dict[str, Any]) -> Created:
        properties = self._properties(resource)
        name = properties.get("IndexName") or self._name(logical_id)
        intended_use = properties.get("DataSourceConfiguration", {}).get("IntendedUse", "SingleUse")
        self.place_indexes.register(PlaceIndex(name, properties["DataSource"], intended_use))
        arn = self._arn("geo", f"place-index/{name}")
        created_at = datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
        return Created(
            ref=name,
            attributes={"Arn": arn, "IndexArn": arn, "CreateTime": created_at, "UpdateTime": created_at},
        )


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
