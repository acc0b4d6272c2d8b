"""A department's own Open311 GeoReport v2 system, and the key it gave us (in Secrets Manager).

The one place civic311 calls out to a server that is not AWS. The base URL comes from deployed data
(catalog/departments.json, or the deploy's DepartmentEndpoints), never from a request, and was checked there:
https only (http to this machine on the local stack). Redirects are not followed, so an answer cannot send us
elsewhere; no proxy from the environment is used; every call has a deadline and a size limit, so a department
that hangs or floods costs us seconds, not the invocation.
"""

from __future__ import annotations

import http.client
import json
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode

from civic311 import aws
from civic311.errors import Civic311Error, DependencyUnavailable
from civic311.store import failures

# The whole call, connection to last byte: a Step Functions retry is cheaper than a stuck invocation.
TIMEOUT_SECONDS = 5.0
MAX_ANSWER_BYTES = 1_000_000
_CHUNK = 65_536
# A rotated key is read again within this time.
KEY_CACHE_SECONDS = 300.0


class DepartmentRefused(Civic311Error):
    """The department answered with a refusal (a 4xx other than 429): sending the same again will not help."""


@dataclass(frozen=True)
class Forwarded:
    """What the department answered to a new request: its id, or (if it assigns ids later) a token."""

    service_request_id: str | None
    token: str | None


@dataclass(frozen=True)
class TheirStatus:
    """A request's status in the department's system."""

    service_request_id: str
    status: str
    status_notes: str | None


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None  # the 3xx is then an HTTPError, answered as a refusal


_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirects())


class DepartmentSystem:
    """One department's GeoReport v2 endpoint, called with its key."""

    def __init__(
        self, name: str, base_url: str, api_key: str, jurisdiction_id: str | None, timeout: float = TIMEOUT_SECONDS
    ) -> None:
        self.name = name
        self.base_url = base_url
        self.api_key = api_key
        self.jurisdiction_id = jurisdiction_id
        self.timeout = timeout

    def create(self, fields: list[tuple[str, str]], idempotency_key: str) -> Forwarded:
        """POST requests.json; the department's id (or token). Servers that honour Idempotency-Key make a
        retried post harmless; the rest may see it twice, as any Open311 client's retry."""
        form = [("api_key", self.api_key), *self._jurisdiction(), *fields]
        answer = self._call(
            "POST",
            f"{self.base_url}/requests.json",
            urlencode(form).encode(),
            {"Content-Type": "application/x-www-form-urlencoded", "Idempotency-Key": idempotency_key},
        )
        first = _first(answer)
        their_id, token = _text(first.get("service_request_id")), _text(first.get("token"))
        if their_id is None and token is None:
            raise DependencyUnavailable(f"department {self.name} answered without a service_request_id or token")
        return Forwarded(their_id, token)

    def statuses(self, their_ids: list[str]) -> list[TheirStatus]:
        """GET requests.json for these ids (comma-separated, as GeoReport v2 allows)."""
        query = urlencode([*self._jurisdiction(), ("service_request_id", ",".join(their_ids))])
        answer = self._call("GET", f"{self.base_url}/requests.json?{query}", None, {})
        if not isinstance(answer, list):
            raise DependencyUnavailable(f"department {self.name} answered requests.json with no list")
        found: list[TheirStatus] = []
        for item in answer:
            their_id = _text(item.get("service_request_id")) if isinstance(item, dict) else None
            status = _text(item.get("status")) if isinstance(item, dict) else None
            if their_id and status:
                found.append(TheirStatus(their_id, status.lower(), _text(item.get("status_notes"))))
        return found

    def id_for_token(self, token: str) -> str | None:
        """GET tokens/{token}.json: the id the department has given the request since, if any yet."""
        url = f"{self.base_url}/tokens/{quote(token, safe='')}.json"
        try:
            answer = self._call("GET", f"{url}?{urlencode(self._jurisdiction())}", None, {})
        except DepartmentRefused:
            return None  # not assigned yet: a 404 until the department's system has made the request
        return _text(_first(answer).get("service_request_id"))

    def _jurisdiction(self) -> list[tuple[str, str]]:
        return [("jurisdiction_id", self.jurisdiction_id)] if self.jurisdiction_id else []

    def _call(self, method: str, url: str, body: bytes | None, headers: dict[str, str]) -> Any:
        request = urllib.request.Request(  # noqa: S310 - the URL is deployed data, checked to be https
            url, data=body, method=method, headers={"Accept": "application/json", **headers}
        )
        deadline = time.monotonic() + self.timeout
        try:
            with _OPENER.open(request, timeout=self.timeout) as response:
                raw = _read(response, deadline)
        except urllib.error.HTTPError as error:
            raise self._answer_error(error.code, _read(error, deadline, quiet=True)) from None
        except (OSError, http.client.HTTPException) as error:  # timeouts, refusals, answers that are not HTTP
            reason = getattr(error, "reason", error)
            raise DependencyUnavailable(f"department {self.name} did not answer: {type(reason).__name__}") from None
        try:
            return json.loads(raw)
        except ValueError:
            raise DependencyUnavailable(f"department {self.name} answered with malformed JSON") from None

    def _answer_error(self, status: int, raw: bytes) -> Civic311Error:
        said = _open311_errors(raw)
        if status == 429 or status >= 500:
            return DependencyUnavailable(f"department {self.name} answered {status}{said}")
        return DepartmentRefused(f"department {self.name} refused the request ({status}){said}")


def _read(response: Any, deadline: float, quiet: bool = False) -> bytes:
    chunks: list[bytes] = []
    size = 0
    try:
        while chunk := response.read(_CHUNK):
            size += len(chunk)
            if size > MAX_ANSWER_BYTES:
                raise DependencyUnavailable("a department's answer is over 1 MB")
            if time.monotonic() > deadline:
                raise DependencyUnavailable("a department's answer took longer than its deadline")
            chunks.append(chunk)
    except (OSError, http.client.HTTPException):
        if not quiet:
            raise
    return b"".join(chunks)


def _open311_errors(raw: bytes) -> str:
    """': ' and the descriptions of GeoReport's error list [{code, description}], shortened; '' if none."""
    try:
        errors = json.loads(raw)
    except ValueError:
        return ""
    if not isinstance(errors, list):
        return ""
    said = [str(error.get("description", ""))[:200] for error in errors[:3] if isinstance(error, dict)]
    return f": {'; '.join(said)}" if any(said) else ""


def _first(answer: Any) -> dict[str, Any]:
    # GeoReport answers a list of one; some servers answer the object alone.
    first = answer[0] if isinstance(answer, list) and answer else answer
    return first if isinstance(first, dict) else {}


def _text(value: Any) -> str | None:
    if isinstance(value, str | int) and not isinstance(value, bool) and str(value).strip():
        return str(value).strip()[:200]
    return None


_keys: dict[str, tuple[float, str]] = {}
_keys_lock = threading.Lock()


def api_key(secret_id: str) -> str:
    """The department's Open311 key from Secrets Manager, cached a few minutes per process."""
    now = time.monotonic()
    with _keys_lock:
        cached = _keys.get(secret_id)
    if cached and now - cached[0] < KEY_CACHE_SECONDS:
        return cached[1]
    try:
        value = aws.secretsmanager().get_secret_value(SecretId=secret_id).get("SecretString") or ""
    except failures.AwsError as error:
        raise DependencyUnavailable(
            f"the key of secret {secret_id} could not be read: {failures.code(error) or 'no answer'}"
        ) from None
    if not value.strip():
        raise DependencyUnavailable(f"secret {secret_id} holds no key")
    with _keys_lock:
        _keys[secret_id] = (now, value.strip())
    return value.strip()
