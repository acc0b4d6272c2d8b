"""The local stack, started once for the integration tests as `make run` starts it (a separate process)."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config

from local_stack.stack import LOCAL_CREDENTIALS, LOCAL_SDK_SETTINGS
from tests.support import REPO

START_TIMEOUT = 90
ACK_TIMEOUT_SECONDS = 6
# A short review window, so an unreviewed report escalates itself within a test, yet long enough to click first.
REVIEW_WINDOW_SECONDS = 15


@dataclass
class RunningStack:
    """What a test needs to talk to the running stack."""

    info: dict[str, Any]
    process: subprocess.Popen[str]
    log_path: Path

    @property
    def api(self) -> str:
        return str(self.info["api_url"])

    @property
    def endpoint(self) -> str:
        return str(self.info["aws_endpoint"])

    @property
    def api_key(self) -> str:
        return str(self.info["open311_api_key"])

    def output(self, name: str) -> str:
        return str(self.info["outputs"][name])

    def client(self, service: str) -> Any:
        session: Any = boto3.session.Session(
            aws_access_key_id="local", aws_secret_access_key="local", region_name=self.info["region"]
        )
        # As the stack's own clients: no host prefix ("places.") in front of a local address.
        return session.client(service, endpoint_url=self.endpoint, config=Config(inject_host_prefix=False))

    def aws_cli(self, *arguments: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        """Run the AWS CLI against the stack's endpoint, with its JSON output."""
        command = [aws_cli(), "--endpoint-url", self.endpoint, "--region", self.info["region"], "--output", "json"]
        return subprocess.run(
            [*command, *arguments],
            capture_output=True,
            text=True,
            check=check,
            timeout=60,
            env={**LOCAL_CREDENTIALS, **LOCAL_SDK_SETTINGS, "PATH": "/usr/bin:/bin"},
        )

    def log(self) -> str:
        """What the stack printed: its summary, then a line per API call, workflow step and publish."""
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def function_log(self, function: str) -> str:
        """A function's JSON logs, which the stack writes to logs/<function folder>.log beside its outputs."""
        path = self.log_path.parent / "logs" / f"{function}.log"
        return path.read_text(encoding="utf-8", errors="replace") if path.exists() else ""


def aws_cli() -> str:
    """The AWS CLI from the tools virtualenv (requirements-tools.txt), else from PATH."""
    found = shutil.which("aws", path=str(REPO / ".venv-tools" / "bin")) or shutil.which("aws")
    if found is None:
        pytest.fail("the AWS CLI is part of the tools virtualenv (requirements-tools.txt); run make install")
    return found


# Suites that measure the system under load rather than its limits lift the per-key quotas and the route
# throttles (tests/abuse checks that they hold).
UNTHROTTLED = {
    "ApiKeyWritesPerMinute": "100000",
    "PublicWebWritesPerMinute": "100000",
    "Open311RatePerSecond": "10000",
    "TriageRatePerSecond": "10000",
    # The usage plans of keys sent in X-API-Key (the web page's, and partners' at /open311/keyed/v2/).
    "PublicWebRatePerSecond": "10000",
    "PartnerRatePerSecond": "10000",
    "PartnerRequestsPerDay": "2000000000",
}


@contextmanager
def launched_stack(
    folder: Path, parameters: dict[str, str], *options: str, stop_seconds: float = 20
) -> Iterator[RunningStack]:
    """`python -m local_stack` in a subprocess with these template parameters, stopped (and checked) after."""
    outputs = folder / "outputs.json"
    log_path = folder / "stack.log"
    # As a newcomer's `make run`: its own AWS settings, and the functions' logs in files.
    environment = {k: v for k, v in os.environ.items() if not k.startswith("AWS_") and k != "LOGS"}
    overrides = [argument for name, value in parameters.items() for argument in ("--parameter", f"{name}={value}")]
    with log_path.open("w", encoding="utf-8") as log:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "local_stack",
                "--port",
                "0",
                "--aws-port",
                "0",
                "--outputs",
                str(outputs),
                *overrides,
                *options,
            ],
            cwd=REPO,
            stdout=log,
            stderr=subprocess.STDOUT,
            text=True,
            env=environment,
        )
    deadline = time.monotonic() + START_TIMEOUT
    while not outputs.exists():
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"local stack did not start:\n{log_path.read_text(encoding='utf-8')[-5000:]}")
        time.sleep(0.2)
    stack = RunningStack(json.loads(outputs.read_text(encoding="utf-8")), process, log_path)
    yield stack
    process.send_signal(signal.SIGTERM)
    try:
        code = process.wait(timeout=stop_seconds)
    except subprocess.TimeoutExpired:
        process.send_signal(signal.SIGUSR1)  # every thread's stack into the log, to show what held it
        time.sleep(1)
        process.kill()
        pytest.fail(f"local stack did not stop on SIGTERM:\n{stack.log()[-8000:]}")
    assert code == 0, stack.log()[-3000:]
    assert "civic311 local stack stopped." in stack.log()


@pytest.fixture(scope="session")
def local_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningStack]:
    # Short acknowledgement and review windows, so the re-alert and self-escalation paths run within a test; many
    # tests share one demo key.
    parameters = {
        "DispatchAckTimeoutSeconds": str(ACK_TIMEOUT_SECONDS),
        "ReviewWindowSeconds": str(REVIEW_WINDOW_SECONDS),
    } | UNTHROTTLED
    with launched_stack(tmp_path_factory.mktemp("local-stack"), parameters) as stack:
        yield stack
