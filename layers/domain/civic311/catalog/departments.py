"""Departments that run their own Open311 system: data deployed beside the catalog (departments.json).

A request for a service listed here is forwarded to the department's GeoReport v2 endpoint, and its status is
brought back. Only city services may be listed: they are public as made, so the department's system (and
whoever reads it) gets nothing the public could not read already.
"""

from __future__ import annotations

import ipaddress
import json
from functools import cache
from importlib import resources
from typing import Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from civic311.catalog.models import Catalog, load_catalog

Stage = Literal["local", "dev", "prod"]
_CODE = r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,99}$"
DATA_FILE = "departments.json"


class DepartmentsInvalid(ValueError):
    """departments.json does not hold together (or a deploy's endpoint override is not allowed)."""


class ForwardedService(BaseModel):
    """One of our services as the department's system knows it: its code there and its attributes' codes."""

    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    service_code: str = Field(pattern=_CODE)
    # Our attribute code -> theirs. Only these are sent: a GeoReport server refuses questions it does not ask.
    attributes: dict[str, str] = {}


class ExternalDepartment(BaseModel):
    """A department's own Open311 endpoint, per stage, and the services it takes."""

    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    department: str = Field(pattern=r"^[a-z0-9-]{1,40}$")
    jurisdiction_id: str | None = Field(default=None, max_length=200)
    endpoints: dict[Stage, str] = {}
    # The key's secret, under the stack's name: <stack name>/departments/<id>; only that prefix is readable.
    api_key_secret: str = Field(pattern=r"^departments/[a-z0-9-]{1,40}$")
    services: dict[str, ForwardedService] = Field(min_length=1)

    def endpoint(self, stage: str, override: str | None = None) -> str | None:
        """The base URL requests go to on this stage (a deploy's override first); None: not forwarded here."""
        url = override or self.endpoints.get(stage)  # type: ignore[call-overload]
        return check_endpoint(url, stage) if url else None


class ExternalDepartments(BaseModel):
    """Every external department, checked against the catalog."""

    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    comment: str = ""
    departments: tuple[ExternalDepartment, ...] = ()

    def get(self, department: str) -> ExternalDepartment | None:
        return next((known for known in self.departments if known.department == department), None)

    def for_service(self, service_code: str) -> ExternalDepartment | None:
        """The external department that takes this service, if any."""
        return next((known for known in self.departments if service_code in known.services), None)

    def check_against(self, catalog: Catalog) -> ExternalDepartments:
        """Every department and service must be the catalog's, and every service a city service of it."""
        problems: list[str] = []
        seen: set[str] = set()
        for known in self.departments:
            if known.department in seen:
                problems.append(f"department '{known.department}' is listed twice")
            seen.add(known.department)
            if known.department not in catalog.departments:
                problems.append(f"department '{known.department}' is not a department of the catalog")
            for stage, url in known.endpoints.items():
                try:
                    check_endpoint(url, "data")
                except DepartmentsInvalid as error:
                    problems.append(f"department '{known.department}' endpoint for {stage}: {error}")
            for code, forwarded in known.services.items():
                service = catalog.find(code)
                if service is None:
                    problems.append(f"service '{code}' of department '{known.department}' is not in the catalog")
                    continue
                if service.department != known.department:
                    problems.append(f"service '{code}' belongs to department '{service.department}' in the catalog")
                if service.group != "city":
                    problems.append(f"service '{code}' is not a city service: only those are public as made")
                asked = {attribute.code for attribute in service.attributes}
                problems.extend(
                    f"service '{code}' has no attribute '{ours}'" for ours in forwarded.attributes if ours not in asked
                )
        if problems:
            raise DepartmentsInvalid(f"{DATA_FILE}: " + "; ".join(problems))
        return self

    def forwarded(self, service_code: str, stage: str, overrides: str) -> ExternalDepartment | None:
        """The department whose own system takes this service on this deployment; None: we keep it."""
        department = self.for_service(service_code)
        if department is None:
            return None
        endpoint = department.endpoint(stage, self.overrides(overrides, stage).get(department.department))
        return department if endpoint else None

    def overrides(self, text: str, stage: str) -> dict[str, str]:
        """A deploy's DepartmentEndpoints ("dtm=https://…,water=https://…"), each checked; {} for none."""
        found: dict[str, str] = {}
        for part in filter(None, (piece.strip() for piece in text.split(","))):
            name, _, url = part.partition("=")
            if self.get(name.strip()) is None:
                raise DepartmentsInvalid(f"DepartmentEndpoints names '{name.strip()[:40]}', not in {DATA_FILE}")
            found[name.strip()] = check_endpoint(url.strip(), stage)
        return found


def check_endpoint(url: str, stage: str) -> str:
    """The base URL without a trailing slash; DepartmentsInvalid unless it is https (http only to this machine
    on the local stage), with a host, and no credentials, query or fragment."""
    parts = urlsplit(url)
    loopback = _is_loopback(parts.hostname or "")
    if parts.scheme != "https" and not (parts.scheme == "http" and stage == "local" and loopback):
        raise DepartmentsInvalid(f"'{url[:80]}' is not https (http is for the local stack's own machine only)")
    if not parts.hostname or parts.username or parts.password or parts.query or parts.fragment:
        raise DepartmentsInvalid(f"'{url[:80]}' must be a base URL: a host, no credentials, query or fragment")
    return url.rstrip("/")


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def parse_departments(text: str, catalog: Catalog) -> ExternalDepartments:
    """Departments from their JSON text, checked; DepartmentsInvalid says what is wrong in one message."""
    try:
        departments = ExternalDepartments.model_validate(json.loads(text))
    except (ValueError, ValidationError) as error:
        if isinstance(error, ValidationError):
            where = "; ".join(
                f"{'.'.join(str(step) for step in problem['loc'])}: {problem['msg']}" for problem in error.errors()
            )
            raise DepartmentsInvalid(f"{DATA_FILE}: {where}") from None
        raise DepartmentsInvalid(f"{DATA_FILE} is not JSON: {error}") from None
    return departments.check_against(catalog)


@cache
def load_departments() -> ExternalDepartments:
    """The deployed external departments, parsed and checked once per process."""
    text = resources.files("civic311.catalog").joinpath(DATA_FILE).read_text(encoding="utf-8")
    return parse_departments(text, load_catalog())
