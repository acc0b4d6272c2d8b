"""Provisions Lambda functions, their layers and what invokes them (event source mappings, schedules), and runs
custom resources through them."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from local_stack.custom_resources import CustomResourceFailed, ResponseReceiver, create_event, new_request_id
from local_stack.lambda_runtime import FunctionSpec
from local_stack.provisioning.records import Created, Schedule, rate_seconds
from local_stack.roles import assume
from local_stack.sam_transform import local_path
from local_stack.streams import StreamSource

if TYPE_CHECKING:
    from local_stack.provisioning.provisioner import Provisioner


def layer(provisioner: Provisioner, logical_id: str, resource: dict[str, Any]) -> Created:
    properties = provisioner.resolved_properties(resource)
    arn = provisioner.arn("lambda", f"layer:{properties.get('LayerName') or provisioner.default_name(logical_id)}:1")
    folder = local_path(provisioner.template.root, properties["Content"])
    # Python layers are on the in-process runtime's import path already (LocalStack._add_layers_to_path).
    if provisioner.template.build_method(folder) is None:
        provisioner.content_layers[arn] = folder
    return Created(ref=arn, attributes={"LayerVersionArn": arn})


def _opt_folder(provisioner: Provisioner, logical_id: str, layers: list[str]) -> Path | None:
    """Locally, the one folder a function's /opt stands for: its plain-files layer."""
    folders = [provisioner.content_layers[arn] for arn in layers if arn in provisioner.content_layers]
    if len(folders) > 1:
        raise NotImplementedError(f"{logical_id}: locally, /opt can stand for one plain-files layer, not several")
    return folders[0] if folders else None


def function(provisioner: Provisioner, logical_id: str, resource: dict[str, Any]) -> Created:
    properties = provisioner.resolved_properties(resource)
    name = properties.get("FunctionName") or provisioner.default_name(logical_id)
    environment = {key: str(value) for key, value in properties.get("Environment", {}).get("Variables", {}).items()}
    opt = _opt_folder(provisioner, logical_id, [str(layer) for layer in properties.get("Layers", [])])
    if opt is not None:
        # Lambda extracts layers into /opt; in-process, a path there is in the layer's own folder.
        environment = {
            key: str(opt / value.removeprefix("/opt").lstrip("/")) if value.split("/")[:2] == ["", "opt"] else value
            for key, value in environment.items()
        }
    role_arn = str(properties["Role"])
    spec = FunctionSpec(
        logical_id=logical_id,
        name=name,
        code_dir=local_path(provisioner.template.root, properties["Code"]),
        handler=properties["Handler"],
        environment=environment,
        timeout_seconds=int(properties.get("Timeout", 3)),
        memory_mb=int(properties.get("MemorySize", 128)),
        role_credentials=assume(role_arn, name),
    )
    provisioner.runtime.register(spec)
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as bundle:
        bundle.writestr("README.txt", "Runs in-process in the local stack; see local_stack/lambda_runtime.py")
    arn = provisioner.client("lambda").create_function(
        FunctionName=name,
        Runtime=properties.get("Runtime", "python3.12"),
        Role=role_arn,
        Handler=properties["Handler"],
        Code={"ZipFile": archive.getvalue()},
        Timeout=spec.timeout_seconds,
        MemorySize=spec.memory_mb,
        Environment={"Variables": environment},
    )["FunctionArn"]
    return Created(ref=name, attributes={"Arn": arn})


def permission(provisioner: Provisioner, logical_id: str, resource: dict[str, Any]) -> Created:
    """A statement of the function's resource policy. The gateway invokes functions in-process and does not read
    it: locally, a route works without its permission."""
    properties = provisioner.resolved_properties(resource)
    request = {
        "FunctionName": _function_name(str(properties["FunctionName"])),
        "StatementId": logical_id,
        "Action": properties["Action"],
        "Principal": properties["Principal"],
    }
    for key in ("SourceArn", "SourceAccount"):
        if key in properties:
            request[key] = str(properties[key])
    provisioner.client("lambda").add_permission(**request)
    return Created(ref=logical_id)


def event_source_mapping(provisioner: Provisioner, logical_id: str, resource: dict[str, Any]) -> Created:
    """A DynamoDB stream is polled by the local stack (local_stack/streams.py); moto's SQS queue invokes the
    function itself (through the Lambda seam) as each message arrives."""
    properties = provisioner.resolved_properties(resource)
    function_name = _function_name(str(properties["FunctionName"]))
    source = str(properties["EventSourceArn"])
    if ":dynamodb:" in source:
        if properties.get("Enabled", True) is False:
            return Created(ref=provisioner.default_name(logical_id))
        provisioner.streams.append(StreamSource.from_mapping(function_name, properties))
        return Created(ref=provisioner.default_name(logical_id))
    if ":sqs:" not in source:
        raise NotImplementedError(f"{logical_id}: locally, event sources are DynamoDB streams and SQS queues")
    mapping = provisioner.client("lambda").create_event_source_mapping(
        EventSourceArn=source,
        FunctionName=function_name,
        BatchSize=int(properties.get("BatchSize", 10)),
        MaximumBatchingWindowInSeconds=int(properties.get("MaximumBatchingWindowInSeconds", 0)),
        Enabled=bool(properties.get("Enabled", True)),
    )
    return Created(ref=str(mapping["UUID"]))


def schedule(provisioner: Provisioner, logical_id: str, resource: dict[str, Any]) -> Created:
    """An EventBridge Scheduler schedule that invokes a function; rate() schedules run locally, cron() do not."""
    properties = provisioner.resolved_properties(resource)
    if properties.get("State", "ENABLED") == "ENABLED":
        _run_on_schedule(provisioner, logical_id, str(properties["ScheduleExpression"]), [properties["Target"]])
    name = str(properties.get("Name") or provisioner.default_name(logical_id))
    return Created(ref=name, attributes={"Arn": provisioner.arn("scheduler", f"schedule/default/{name}")})


def rule(provisioner: Provisioner, logical_id: str, resource: dict[str, Any]) -> Created:
    """An EventBridge rule: only a scheduled one that invokes functions runs locally."""
    properties = provisioner.resolved_properties(resource)
    name = str(properties.get("Name") or provisioner.default_name(logical_id))
    if "ScheduleExpression" not in properties:
        provisioner.skipped[logical_id] = "event pattern rule"
    elif properties.get("State", "ENABLED") == "ENABLED":
        _run_on_schedule(provisioner, logical_id, str(properties["ScheduleExpression"]), properties.get("Targets", []))
    return Created(ref=name, attributes={"Arn": provisioner.arn("events", f"rule/{name}")})


def _run_on_schedule(provisioner: Provisioner, logical_id: str, expression: str, targets: list[Any]) -> None:
    every = rate_seconds(expression)
    for target in targets:
        arn = str(target["Arn"])
        if ":function:" not in arn:
            provisioner.skipped[logical_id] = f"schedule target {arn}"
        elif every is None:
            provisioner.skipped[logical_id] = f"schedule {expression}"
        else:
            provisioner.schedules.append(Schedule(_function_name(arn), logical_id, every))


def _function_name(name_or_arn: str) -> str:
    # A Lambda FunctionName may be a name or an ARN (arn:aws:lambda:region:account:function:name[:qualifier]).
    return name_or_arn.split(":function:", 1)[1].split(":", 1)[0] if ":function:" in name_or_arn else name_or_arn


def custom_resource(provisioner: Provisioner, logical_id: str, resource: dict[str, Any]) -> Created:
    """Invoke the ServiceToken function with a Create request, as CloudFormation does, and read its answer."""
    properties = provisioner.resolved_properties(resource)
    token = str(properties.get("ServiceToken", ""))
    if ":function:" not in token:
        raise CustomResourceFailed(f"{logical_id}: locally, ServiceToken must be a Lambda function ARN, got {token!r}")
    stack_id = str(provisioner.resolver.pseudo("AWS::StackId"))
    with ResponseReceiver() as receiver:
        request_id = new_request_id()
        event = create_event(
            logical_id, resource["Type"], properties, stack_id, receiver.url_for(request_id), request_id
        )
        result = provisioner.runtime.invoke(token, event)
        # The invoke is synchronous, so an answer has normally arrived already; allow for a slow socket.
        answer = receiver.wait(request_id, timeout=2)
    if answer is None:
        detail = f"; the function failed: {result.payload.decode('utf-8', 'replace')[:2000]}" if result.failed else ""
        raise CustomResourceFailed(f"{logical_id} ({resource['Type']}) sent no response to its ResponseURL{detail}")
    if answer.get("Status") != "SUCCESS":
        raise CustomResourceFailed(f"{logical_id} ({resource['Type']}) FAILED: {answer.get('Reason')}")
    data = {name: str(value) for name, value in (answer.get("Data") or {}).items()}
    return Created(ref=str(answer.get("PhysicalResourceId") or provisioner.default_name(logical_id)), attributes=data)
