"""Runs our Lambda handlers in-process, each with its own environment, as the Lambda service would.

A function's module is imported (its cold start) with the function's environment variables in place, so
settings read at import see their own values; warm invokes then call the handler directly. As in Lambda, an
instance runs one invocation at a time: invocations that overlap get instances of their own (each its own
import of the handler module, so nothing a module keeps between calls is shared by two calls at once).
During an invocation the function's variables are read through os.environ too, as in its own Lambda, though
functions run side by side in one process: os.environ becomes a mapping that, in the invoking thread (a
context variable), answers the function's variables before the process's own. powertools reads
POWERTOOLS_SERVICE_NAME as each metric is written, for instance, and alarms match on that `service` dimension.
"""

from __future__ import annotations

import importlib.util
import json
import os
import sys
import threading
import time
import traceback
import uuid
from collections.abc import Callable, Iterator, MutableMapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

from local_stack import router_isolation
from local_stack.function_logs import route_stdout, running
from local_stack.lambda_limits import lambda_request_problem, lambda_response_error
from local_stack.template import ACCOUNT_ID, REGION

# Told of every invocation: the function's name, its event, the error type if it failed, and its seconds.
InvokeObserver = Callable[[str, Any, "str | None", float], None]


@dataclass
class FunctionSpec:
    """What the template says about one function."""

    logical_id: str
    name: str
    code_dir: Path
    handler: str
    environment: dict[str, str]
    timeout_seconds: int = 3
    memory_mb: int = 128
    # The function role's temporary credentials (access key, secret, session token); None: the process's own.
    role_credentials: tuple[str, str, str] | None = None

    @property
    def arn(self) -> str:
        return f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:{self.name}"


class LambdaContext:
    """The context object handed to handlers (the attributes powertools and our code read)."""

    def __init__(self, spec: FunctionSpec) -> None:
        self.function_name = spec.name
        self.function_version = "$LATEST"
        self.invoked_function_arn = spec.arn
        self.memory_limit_in_mb = spec.memory_mb
        self.aws_request_id = str(uuid.uuid4())
        self.log_group_name = f"/aws/lambda/{spec.name}"
        self.log_stream_name = f"local/{self.aws_request_id}"
        self._deadline = time.monotonic() + spec.timeout_seconds

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


class RequestTooLarge(Exception):
    """Lambda refused the invocation's payload before running anything (RequestEntityTooLargeException, 413)."""


@dataclass
class InvokeResult:
    payload: bytes
    error_type: str | None = None

    @property
    def failed(self) -> bool:
        return self.error_type is not None


@dataclass
class _Loaded:
    module: ModuleType
    handler: Callable[[Any, Any], Any]


@dataclass
class LambdaRuntime:
    """The in-process Lambda service for the functions of one template."""

    functions: dict[str, FunctionSpec] = field(default_factory=dict)
    # Each function's instances not running an invocation now; how many each has started.
    _idle: dict[str, list[_Loaded]] = field(default_factory=dict)
    _started: dict[str, int] = field(default_factory=dict)
    _pool_lock: threading.Lock = field(default_factory=threading.Lock)
    _import_lock: threading.Lock = field(default_factory=threading.Lock)
    invocations: list[tuple[str, float]] = field(default_factory=list)
    observer: InvokeObserver | None = None

    def register(self, spec: FunctionSpec) -> None:
        self.functions[spec.name] = spec

    def spec_for(self, name_or_arn: str) -> FunctionSpec:
        name = name_or_arn.split(":function:")[-1].split(":")[0]
        try:
            return self.functions[name]
        except KeyError:
            raise KeyError(f"no function named {name} in the template") from None

    def invoke(self, name_or_arn: str, event: Any) -> InvokeResult:
        """Invoke synchronously; a handler exception becomes a Lambda-style error payload.

        Lambda's payload limits hold: a request over 6 MB raises RequestTooLarge, a response over it
        becomes Lambda's Function.ResponseSizeTooLarge error.
        """
        spec = self.spec_for(name_or_arn)
        problem = lambda_request_problem(len(json.dumps(event, default=str).encode("utf-8")), asynchronous=False)
        if problem:
            raise RequestTooLarge(problem)
        route_stdout()
        with running(spec.code_dir.name):
            loaded = self._take(spec)
            try:
                started = time.perf_counter()
                with invocation_environment(spec.environment):
                    result = self._call(loaded, spec, event)
                seconds = time.perf_counter() - started
            finally:
                self._give_back(spec, loaded)
        self.invocations.append((spec.name, seconds))
        if self.observer is not None:
            self.observer(spec.name, event, result.error_type, seconds)
        return result

    @staticmethod
    def _call(loaded: _Loaded, spec: FunctionSpec, event: Any) -> InvokeResult:
        try:
            with acting_as_role(spec):
                result = loaded.handler(event, LambdaContext(spec))
            payload = json.dumps(result, default=str).encode("utf-8")
            too_large = lambda_response_error(payload)
            if too_large:
                return InvokeResult(json.dumps(too_large).encode("utf-8"), error_type=too_large["errorType"])
            return InvokeResult(payload=payload)
        except Exception as error:
            body = {
                "errorMessage": str(error),
                "errorType": type(error).__name__,
                "stackTrace": traceback.format_exception(error)[-5:],
            }
            return InvokeResult(payload=json.dumps(body).encode("utf-8"), error_type=type(error).__name__)

    def cold_start(self, name: str) -> float:
        """Start an instance of a function now (if none is idle) and return how long its import took, in seconds."""
        spec = self.spec_for(name)
        started = time.perf_counter()
        with running(spec.code_dir.name):
            self._give_back(spec, self._take(spec))
        return time.perf_counter() - started

    def _take(self, spec: FunctionSpec) -> _Loaded:
        """An idle instance of the function, or a new one (a cold start) when every instance is busy."""
        with self._pool_lock:
            idle = self._idle.setdefault(spec.name, [])
            if idle:
                return idle.pop()
            number = self._started.get(spec.name, 0)
            self._started[spec.name] = number + 1
        with self._import_lock:
            return _import_handler(spec, number)

    def _give_back(self, spec: FunctionSpec, loaded: _Loaded) -> None:
        with self._pool_lock:
            self._idle.setdefault(spec.name, []).append(loaded)

    def instances(self, name: str) -> int:
        """How many instances of a function have started (one per invocation that overlapped the others)."""
        with self._pool_lock:
            return self._started.get(self.spec_for(name).name, 0)


@contextmanager
def acting_as_role(spec: FunctionSpec) -> Iterator[None]:
    """The function's AWS calls sign with its role's credentials and keep to its SDK budget, as in its own Lambda."""
    # Imported here: the domain layer is on the import path once the stack has read the template.
    from civic311 import aws

    credentials = None if spec.role_credentials is None else aws.Credentials(*spec.role_credentials)
    with aws.acting_for(credentials, spec.environment.get("SDK_BUDGET")):
        yield


_invoking: ContextVar[dict[str, str] | None] = ContextVar("invoking_function_environment", default=None)
_environ_lock = threading.Lock()


class _InvocationEnviron(MutableMapping[str, str]):
    """os.environ with the invoking function's variables in front of the process's, for reading; writes go to the
    process's environment, as before."""

    def __init__(self, process: MutableMapping[str, str]) -> None:
        self.process = process

    def __getitem__(self, name: str) -> str:
        variables = _invoking.get()
        if variables is not None and name in variables:
            return variables[name]
        return self.process[name]

    def __setitem__(self, name: str, value: str) -> None:
        self.process[name] = value

    def __delitem__(self, name: str) -> None:
        del self.process[name]

    def __iter__(self) -> Iterator[str]:
        variables = _invoking.get() or {}
        yield from variables
        yield from (name for name in self.process if name not in variables)

    def __len__(self) -> int:
        return sum(1 for _ in self)

    def copy(self) -> dict[str, str]:
        return dict(self)


@contextmanager
def invocation_environment(variables: dict[str, str]) -> Iterator[None]:
    """Within the block, this thread reads `variables` through os.environ before the process's own."""
    if not isinstance(os.environ, _InvocationEnviron):
        with _environ_lock:
            if not isinstance(os.environ, _InvocationEnviron):
                # Wrapped, not replaced: the process keeps every variable it has.
                os.environ = _InvocationEnviron(os.environ)  # type: ignore[assignment]  # noqa: B003
    token = _invoking.set(variables)
    try:
        yield
    finally:
        _invoking.reset(token)


@contextmanager
def environment(variables: dict[str, str]) -> Iterator[None]:
    """Set these environment variables for the block, then put back what was there."""
    saved = {name: os.environ.get(name) for name in variables}
    os.environ.update(variables)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def _import_handler(spec: FunctionSpec, instance: int = 0) -> _Loaded:
    # API functions resolve their events with powertools, which keeps the event on a class: per thread here.
    router_isolation.install()
    module_name, _, attribute = spec.handler.rpartition(".")
    path = spec.code_dir / (module_name.replace(".", "/") + ".py")
    # Every function has an app.py, and a function several instances: each its own module name, none shadowed.
    unique = f"civic311_function_{spec.logical_id}" + (f"_{instance}" if instance else "")
    module_spec = importlib.util.spec_from_file_location(unique, path)
    if module_spec is None or module_spec.loader is None:
        raise ImportError(f"cannot load {path}")
    module = importlib.util.module_from_spec(module_spec)
    lambda_variables = {
        "AWS_LAMBDA_FUNCTION_NAME": spec.name,
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(spec.memory_mb),
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
    }
    with environment(spec.environment | lambda_variables), acting_as_role(spec):
        sys.modules[unique] = module
        module_spec.loader.exec_module(module)
    return _Loaded(module=module, handler=getattr(module, attribute))
