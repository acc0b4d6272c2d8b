"""A department that runs its own Open311 system: a second civic311 local stack plays it, a real GeoReport v2
server. A pothole reported to us appears in its list; its staff close it there; the status sync closes it here."""

from __future__ import annotations

import contextlib
import json
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from typing import Any

import boto3
import pytest
import requests
from botocore.exceptions import ClientError

from local_stack.stack import LOCAL_CREDENTIALS
from tests.integration.conftest import UNTHROTTLED, RunningStack, launched_stack
from tests.support import REPO

LAT, LONG = "32.2216", "-110.9262"


def wait_for(check: Callable[[], Any], timeout: float = 45.0, what: str = "condition") -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.3)
    raise AssertionError(f"{what} not met in {timeout} s")


def partner_key(stack: RunningStack) -> str:
    """A partner's Open311 key issued on the department's stack as its administrator does."""
    done = subprocess.run(
        [
            sys.executable, "-m", "civic311.store", "keys", "create", "--client-id", "city-311", "--name", "City 311",
            "--table", stack.output("ApiClientsTableName"), "--usage-plan", stack.output("PartnerUsagePlanId"),
            "--endpoint-url", stack.endpoint,
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
        cwd=REPO,
        env={**LOCAL_CREDENTIALS, "AWS_DEFAULT_REGION": stack.info["region"], "PYTHONPATH": "layers/domain"},
    )  # fmt: skip
    return done.stdout.strip()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def stacks(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[RunningStack, RunningStack]]:
    """The department's stack and ours, started side by side: ours is told the department's port up front."""
    port = free_port()
    starting = [
        launched_stack(tmp_path_factory.mktemp("department"), UNTHROTTLED, "--no-demo-requests", "--port", str(port)),
        launched_stack(
            tmp_path_factory.mktemp("city"),
            UNTHROTTLED | {"DepartmentEndpoints": f"dtm=http://127.0.0.1:{port}/open311/v2"},
            "--no-demo-requests",
        ),
    ]
    with ExitStack() as started, ThreadPoolExecutor(max_workers=2) as pool:
        futures = [pool.submit(stack.__enter__) for stack in starting]
        running: list[RunningStack] = []
        failures: list[BaseException] = []
        for stack, future in zip(starting, futures, strict=True):
            try:
                running.append(future.result())
            except BaseException as failure:
                failures.append(failure)  # raised once the one that started is set to stop
            else:
                started.push(stack.__exit__)
        if failures:
            raise failures[0]
        department, city = running
        city.client("secretsmanager").create_secret(
            Name=f"{city.output('DepartmentKeySecretPrefix')}dtm", SecretString=partner_key(department)
        )
        yield department, city


@pytest.fixture(scope="module")
def department(stacks: tuple[RunningStack, RunningStack]) -> RunningStack:
    return stacks[0]


@pytest.fixture(scope="module")
def city(stacks: tuple[RunningStack, RunningStack]) -> RunningStack:
    return stacks[1]


def their_copy(department: RunningStack, description: str) -> dict[str, Any] | None:
    answer = requests.get(f"{department.api}/open311/v2/requests.json", params={"service_code": "pothole"}, timeout=10)
    assert answer.status_code == 200, answer.text
    return next((item for item in answer.json() if item.get("description") == description), None)


def public(stack: RunningStack, request_id: str) -> dict[str, Any]:
    [request] = requests.get(f"{stack.api}/open311/v2/requests/{request_id}.json", timeout=10).json()
    return dict(request)


def sync(stack: RunningStack) -> dict[str, Any]:
    """Run the schedule's function now, as EventBridge Scheduler would (every five minutes)."""
    answer = stack.client("lambda").invoke(FunctionName=stack.output("DepartmentSyncFunctionArn"), Payload=b"{}")
    payload = answer["Payload"].read()
    assert "FunctionError" not in answer, payload
    return dict(json.loads(payload))


def test_a_pothole_goes_to_the_departments_own_system_and_its_closure_there_closes_it_here(
    city: RunningStack, department: RunningStack
) -> None:
    description = f"Pothole by the bus stop {uuid.uuid4().hex[:8]}"
    posted = requests.post(
        f"{city.api}/open311/v2/requests.json",
        data={
            "api_key": city.api_key, "service_code": "pothole", "lat": LAT, "long": LONG,
            "description": description, "attribute[size]": "large", "email": "resident@example.com",
        },
        timeout=30,
    )  # fmt: skip
    assert posted.status_code == 200, posted.text
    ours = posted.json()[0]["service_request_id"]

    theirs = wait_for(lambda: their_copy(department, description), what="the pothole in the department's list")
    assert theirs["service_code"] == "pothole"
    assert float(theirs["lat"]) == pytest.approx(float(LAT))
    assert "resident@example.com" not in str(theirs)

    def forwarded_note() -> str | None:
        notes = str(public(city, ours).get("status_notes") or "")
        return notes if theirs["service_request_id"] in notes else None

    assert "own request system" in wait_for(forwarded_note, what="their number in our status notes")

    staff = {"Authorization": f"Bearer {department.info['staff_token']}"}
    closing = {"note": "Patched with hot asphalt.", "resolve": True}

    def closed_there() -> bool:
        answer = requests.post(
            f"{department.api}/v1/requests/{theirs['service_request_id']}/updates", json=closing, headers=staff,
            timeout=30,
        )  # fmt: skip
        return answer.status_code == 202

    wait_for(closed_there, what="the department's staff closing it")
    wait_for(lambda: public(department, theirs["service_request_id"])["status"] == "closed", what="closed there")
    assert public(city, ours)["status"] == "open"

    def synced() -> bool:
        sync(city)
        return bool(public(city, ours)["status"] == "closed")

    wait_for(synced, what="closed here after the sync")
    assert public(city, ours)["status_notes"] == "Patched with hot asphalt."
    # Closed here, the forward is done: the next run asks the department about nothing.
    assert sync(city)["closed"] == 0


def test_a_streetlight_with_no_endpoint_for_its_department_on_this_stage_stays_with_us(
    department: RunningStack,
) -> None:
    # The department stack itself has no endpoint for dtm on the local stage, so it keeps its own requests.
    posted = requests.post(
        f"{department.api}/open311/v2/requests.json",
        data={
            "api_key": department.api_key,
            "service_code": "streetlight",
            "lat": LAT,
            "long": LONG,
            "attribute[light_issue]": "out",
        },
        timeout=30,
    )
    assert posted.status_code == 200, posted.text
    request_id = posted.json()[0]["service_request_id"]
    notes = wait_for(lambda: public(department, request_id).get("status_notes"), what="the assignment note")
    assert "own request system" not in notes


def signing_as(stack: RunningStack, function_output: str) -> Any:
    """A Secrets Manager client whose every call IAM checks against the function's role policies as the template
    gives them (the role itself trusts only Lambda): an IAM user holding the same inline policies."""
    iam = stack.client("iam")
    role = stack.client("lambda").get_function_configuration(FunctionName=stack.output(function_output))["Role"]
    role_name = role.rsplit("/", 1)[-1]
    user = f"as-{function_output.lower()}"
    iam.create_user(UserName=user)
    for name in iam.list_role_policies(RoleName=role_name)["PolicyNames"]:
        document = iam.get_role_policy(RoleName=role_name, PolicyName=name)["PolicyDocument"]
        iam.put_user_policy(UserName=user, PolicyName=name, PolicyDocument=json.dumps(document))
    key = iam.create_access_key(UserName=user)["AccessKey"]
    session = boto3.session.Session(
        aws_access_key_id=key["AccessKeyId"],
        aws_secret_access_key=key["SecretAccessKey"],
        region_name=stack.info["region"],
    )
    return session.client("secretsmanager", endpoint_url=stack.endpoint)


@pytest.mark.parametrize("function_output", ["WorkflowFunctionArn", "DepartmentSyncFunctionArn"])
def test_the_forwarding_functions_may_read_the_departments_keys_and_no_other_secret(
    department: RunningStack, function_output: str
) -> None:
    admin = department.client("secretsmanager")
    ours = f"{department.output('DepartmentKeySecretPrefix')}water"
    for name, value in ((ours, "a department's key"), ("payroll/database", "not for 311")):
        with contextlib.suppress(admin.exceptions.ResourceExistsException):
            admin.create_secret(Name=name, SecretString=value)
    secrets = signing_as(department, function_output)
    assert secrets.get_secret_value(SecretId=ours)["SecretString"] == "a department's key"
    with pytest.raises(ClientError) as denied:
        secrets.get_secret_value(SecretId="payroll/database")
    assert denied.value.response["Error"]["Code"] == "AccessDeniedException"
    assert "secretsmanager:GetSecretValue" in denied.value.response["Error"]["Message"]
