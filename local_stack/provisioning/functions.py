"""Provisions Lambda functions (with their layers and event sources) and runs custom resources through them."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from local_stack.custom_resources import CustomResourceFailed, ResponseReceiver, create_event, new_request_id
from local_stack.lambda_runtime import FunctionSpec
from local_stack.provisioning.identity import execution_role_arn
from local_stack.provisioning.records import Created, Route, Schedule, rate_seconds
from local_stack.roles import assume
from local_stack.streams import StreamSource

if TYPE_CHECKING:
    from local_stack.provisioning.provisioner import Provisioner


def layer(provisioner: Provisioner, logical_id: str, resource: dict[str, Any]) -> Created:
    # Python layers are on the in-process runtime's import path already.
    arn = provisioner.arn("lambda", f"layer:{provisioner.default_name(logical_id)}:1")
    if "BuildMethod" not in resource.get("Metadata", {}):
        provisioner.content_layers[arn] = (
            provisioner.template.root / provisioner.resolved_properties(resource)["ContentUri"]
        ).resolve()
    return Created(ref=arn)


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
    role_arn = execution_role_arn(provisioner, logical_id, resource)
    spec = FunctionSpec(
        logical_id=logical_id,
        name=name,
        code_dir=provisioner.template.root / properties["CodeUri"],
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
    for event_name, event in properties.get("Events", {}).items():
        _function_event(provisioner, logical_id, name, event_name, event)
    return Created(ref=name, attributes={"Arn": arn})


def _function_event(
    provisioner: Provisioner, logical_id: str, function_name: str, event_name: str, event: dict[str, Any]
) -> None:
    if event["Type"] == "Api":
        event_properties = event["Properties"]
        auth = event_properties.get("Auth", {})
        authorizer = auth.get("Authorizer")
        provisioner.routes.append(
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
            provisioner.skipped[f"{logical_id}.{event_name}"] = f"schedule {expression}"
        else:
            provisioner.schedules.append(Schedule(function_name, f"{logical_id}{event_name}", every))
    elif event["Type"] == "DynamoDB":
        provisioner.streams.append(StreamSource.from_event(function_name, event["Properties"]))
    elif event["Type"] == "SQS":
        # moto's queue invokes the function (through the Lambda seam) as each message arrives.
        event_properties = event["Properties"]
        provisioner.client("lambda").create_event_source_mapping(
            EventSourceArn=event_properties["Queue"],
            FunctionName=function_name,
            BatchSize=int(event_properties.get("BatchSize", 10)),
            MaximumBatchingWindowInSeconds=int(event_properties.get("MaximumBatchingWindowInSeconds", 0)),
            Enabled=bool(event_properties.get("Enabled", True)),
        )
    else:
        provisioner.skipped[f"{logical_id}.{event_name}"] = f"event {event['Type']}"


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
