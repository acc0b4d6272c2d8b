"""Load and validate a directory package (HSDS 3.1 JSON kept in the repo); flatten it into referral resources.

Usage: python -m civic311.directory.package validate <folder>
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any, Literal, Self, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from civic311.directory.hsds import (
    Number,
    Organization,
    RuleError,
    Schedule,
    Service,
    ServiceAtLocation,
    Taxonomy,
    TaxonomyTerm,
    parse_byday,
    time_of_day,
)
from civic311.directory.resource import (
    MINUTES_PER_DAY,
    Capacity,
    Eligibility,
    Resource,
    Window,
    is_around_the_clock,
)
from civic311.directory.vocabulary import (
    DEPARTMENT_TAXONOMY,
    ELIGIBILITY_TAXONOMY,
    SERVICE_CODE_TAXONOMY,
    SHELTER_CODE,
    UTC_OFFSET_CONTEXT,
    WEEKDAYS,
)

__all__ = [
    "DirectoryPackage",
    "DirectoryValidationError",
    "Issue",
    "PackageManifest",
    "Resource",
    "iter_resources",
    "load_package",
]

CATALOG_PATH = Path(__file__).resolve().parents[1] / "catalog" / "catalog.json"
MANIFEST_FILE = "package.json"

# link_type values that give a term its meaning; HSDS leaves the codelist open.
AGENCY_LINK = "agency_responsible"
ELIGIBILITY_LINK = "eligibility"
_EXPECTED_LINK = {DEPARTMENT_TAXONOMY: AGENCY_LINK, ELIGIBILITY_TAXONOMY: ELIGIBILITY_LINK}

# Eligibility term codes the referral engine acts on; other codes are carried through as plain terms.
REQUIRES_CHILDREN_TERM = "families-with-children"
GENDER_TERMS: dict[str, Literal["women", "men"]] = {"women-only": "women", "men-only": "men"}

_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


class Issue(BaseModel):
    """One problem in a package: where it is and what is wrong."""

    model_config = ConfigDict(frozen=True)

    file: str
    record: str
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}: {self.record}: {self.field}: {self.message}"


class DirectoryValidationError(Exception):
    """A package was refused; `issues` lists every problem found."""

    def __init__(self, issues: Sequence[Issue]) -> None:
        self.issues = tuple(issues)
        lines = "\n".join(str(issue) for issue in self.issues)
        super().__init__(f"directory package has {len(self.issues)} problem(s):\n{lines}")


class Bounds(BaseModel):
    """A box every physical location must fall in; catches swapped or mistyped coordinates."""

    model_config = ConfigDict(extra="forbid", strict=True)

    south: float
    west: float
    north: float
    east: float

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.south >= self.north:
            raise RuleError("north", "must be greater than south")
        if self.west >= self.east:
            raise RuleError("east", "must be greater than west")
        return self

    def contains(self, latitude: float, longitude: float) -> bool:
        """Whether a point lies inside the box."""
        return self.south <= latitude <= self.north and self.west <= longitude <= self.east


class PackageManifest(BaseModel):
    """package.json: what the package is and where its files are (see README.md)."""

    model_config = ConfigDict(extra="forbid", strict=True)

    name: str
    title: str = Field(min_length=1)
    description: str = Field(min_length=1)
    hsds_version: Literal["3.1"]
    sample: bool
    notice: str | None = None
    timezone: Number
    bounds: Bounds | None = None
    taxonomy_file: str
    organizations_dir: str

    @field_validator("name")
    @classmethod
    def _slug(cls, value: str) -> str:
        if not _SLUG.match(value):
            raise ValueError(f"must be a lower-case slug such as 'tucson-sample', got {value!r}")
        return value

    @field_validator("taxonomy_file", "organizations_dir")
    @classmethod
    def _inside(cls, value: str) -> str:
        # Deploy tooling copies the folder as a unit, so nothing may point outside it.
        path = PurePosixPath(value)
        if not value or path.is_absolute() or ".." in path.parts or "\\" in value:
            raise ValueError(f"must be a relative path inside the package folder, got {value!r}")
        return value

    @model_validator(mode="after")
    def _rules(self) -> Self:
        if self.sample and not (self.notice and self.notice.strip()):
            raise RuleError("notice", "a sample package must carry a notice saying it is not real data")
        if not -12 <= self.timezone <= 14:
            raise RuleError("timezone", "must be a UTC offset in hours between -12 and 14")
        return self


class TaxonomyFile(BaseModel):
    """The taxonomy file: HSDS taxonomies and their terms as two flat lists."""

    model_config = ConfigDict(extra="forbid", strict=True)

    taxonomies: list[Taxonomy]
    taxonomy_terms: list[TaxonomyTerm]


@dataclass(frozen=True)
class Catalog:
    """What the directory needs from the service catalog: codes, their groups and departments."""

    groups: dict[str, str]
    departments: dict[str, str]
    department_ids: frozenset[str]


def load_catalog(path: Path = CATALOG_PATH) -> Catalog:
    """Read the service catalog JSON."""
    data = json.loads(path.read_text(encoding="utf-8"))
    services = data["services"]
    return Catalog(
        groups={s["service_code"]: s["group"] for s in services},
        departments={s["service_code"]: s["department"] for s in services},
        department_ids=frozenset(data["departments"]),
    )


class DirectoryPackage(BaseModel):
    """A validated package: its manifest, taxonomies and compiled organizations."""

    root: Path
    manifest: PackageManifest
    taxonomies: list[Taxonomy]
    taxonomy_terms: list[TaxonomyTerm]
    organizations: list[Organization]

    @property
    def service_count(self) -> int:
        """Number of services across all organizations."""
        return sum(len(org.services) for org in self.organizations)


# --- validation ---------------------------------------------------------------------------------------------

PathParts = tuple[str | int, ...]
M = TypeVar("M", bound=BaseModel)

# Key under which an HSDS object is embedded -> the object's name, for messages and the id check.
_KIND_BY_KEY = {
    "services": "service",
    "service_at_locations": "service_at_location",
    "location": "location",
    "locations": "location",
    "addresses": "address",
    "phones": "phone",
    "schedules": "schedule",
    "languages": "language",
    "attributes": "attribute",
    "taxonomy_term": "taxonomy_term",
    "taxonomy_terms": "taxonomy_term",
    "taxonomy_detail": "taxonomy",
    "taxonomies": "taxonomy",
    "capacities": "service_capacity",
    "unit": "unit",
    "contacts": "contact",
}
_NAMED_KINDS = {"organization", "service", "location", "taxonomy", "taxonomy_term"}
# Objects that several parents embed by design (one location serving several services, one unit, one term):
# their copies must agree instead of having distinct ids.
_SHARED_KINDS = {"location", "unit"}
# Attributes embed a copy of a term defined in the taxonomy file; the copy is checked against it elsewhere.
_REFERENCE_KEYS = {"taxonomy_term", "taxonomy_detail"}
_PYDANTIC_TAG = re.compile(r"^[\w-]+\[.*\]$")


def _json_path(parts: PathParts) -> str:
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text or "-"


def _describe(node: Any, kind: str) -> str:
    record_id = node.get("id") if isinstance(node.get("id"), str) else "(no id)"
    name = node.get("name")
    return f'{kind} {record_id} "{name}"' if isinstance(name, str) and name else f"{kind} {record_id}"


def _record_at(doc: Any, root_kind: str | None, parts: PathParts) -> str:
    """The nearest named record (organization, service, location, taxonomy, term) enclosing a path."""
    best = _describe(doc, root_kind) if root_kind and isinstance(doc, dict) else "-"
    node, key = doc, ""
    for part in parts:
        if isinstance(part, str):
            if not isinstance(node, dict) or part not in node:
                break
            node, key = node[part], part
        else:
            if not isinstance(node, list) or not 0 <= part < len(node):
                break
            node = node[part]
        kind = _KIND_BY_KEY.get(key)
        # An embedded term copy is not the record being edited; the service holding it is.
        if kind in _NAMED_KINDS and key not in _REFERENCE_KEYS and isinstance(node, dict):
            best = _describe(node, kind)
    return best


@dataclass(frozen=True)
class _Seen:
    kind: str
    file: str
    parts: PathParts
    content: str


class _Checker:
    """Collects every issue in one pass over a package instead of stopping at the first."""

    def __init__(self, root: Path, catalog: Catalog) -> None:
        self.root = root
        self.catalog = catalog
        self.issues: list[Issue] = []
        self.files: list[str] = []
        self.docs: dict[str, tuple[Any, str | None]] = {}
        self.offset: float | None = None

    def add(self, file: str, record: str, parts: PathParts | str, message: str) -> None:
        field = parts if isinstance(parts, str) else _json_path(parts)
        self.issues.append(Issue(file=file, record=record, field=field, message=message))

    def add_at(self, file: str, parts: PathParts, message: str) -> None:
        doc, root_kind = self.docs[file]
        self.add(file, _record_at(doc, root_kind, parts), parts, message)

    def read_json(self, relative: str, root_kind: str | None) -> Any:
        self.files.append(relative)
        path = self.root / relative
        duplicates: list[str] = []

        def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
            seen: dict[str, Any] = {}
            for key, value in items:
                if key in seen:
                    duplicates.append(key)
                seen[key] = value
            return seen

        def constant(name: str) -> Any:
            raise ValueError(f"{name} is not allowed in JSON")

        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            self.add(relative, "-", "-", "file not found")
            return None
        except (OSError, UnicodeDecodeError) as error:
            self.add(relative, "-", "-", f"cannot read the file: {error}")
            return None
        try:
            doc = json.loads(text, object_pairs_hook=pairs, parse_constant=constant)
        except json.JSONDecodeError as error:
            self.add(relative, "-", "-", f"invalid JSON at line {error.lineno}, column {error.colno}: {error.msg}")
            return None
        except ValueError as error:
            self.add(relative, "-", "-", f"invalid JSON: {error}")
            return None
        for key in duplicates:
            # json keeps the last copy silently, so an edit to the first would be lost without a trace.
            self.add(relative, "-", "-", f"key {key!r} appears twice in one object")
        self.docs[relative] = (doc, root_kind)
        return doc

    def validate(
        self, model: type[M], data: Any, file: str, prefix: PathParts = (), offset: float | None = None
    ) -> M | None:
        try:
            return model.model_validate(data, context={UTC_OFFSET_CONTEXT: offset})
        except ValidationError as error:
            for detail in error.errors():
                parts: list[str | int] = [*prefix]
                parts += [p for p in detail["loc"] if not (isinstance(p, str) and _PYDANTIC_TAG.match(p))]
                cause = detail.get("ctx", {}).get("error")
                if isinstance(cause, RuleError):
                    parts.append(cause.field)
                    message = str(cause)
                elif isinstance(cause, ValueError):
                    message = str(cause)
                elif detail["type"] == "missing":
                    message = "is required"
                elif detail["type"] == "extra_forbidden":
                    message = "is not a field of this file format"
                else:
                    message = detail["msg"]
                self.add_at(file, tuple(parts), message)
            return None

    def run(self) -> DirectoryPackage | None:
        if not self.root.is_dir():
            self.add(str(self.root), "-", "-", "is not a directory")
            return None
        raw = self.read_json(MANIFEST_FILE, None)
        manifest = None if raw is None else self.validate(PackageManifest, raw, MANIFEST_FILE)
        if manifest is None:
            return None

        self.offset = manifest.timezone
        taxonomy = self._load_taxonomy(manifest.taxonomy_file)
        organizations = self._load_organizations(manifest)
        self._check_ids()
        terms = {term.id: term for term in taxonomy.taxonomy_terms} if taxonomy else None
        for file, org, services in organizations:
            for index, service in services:
                if service is not None:
                    self._check_service(file, org, index, service, terms, manifest)

        if self.issues or taxonomy is None:
            return None
        complete = [
            org.model_copy(update={"services": [service for _, service in services]})
            for _, org, services in organizations
            if org is not None
        ]
        return DirectoryPackage(
            root=self.root,
            manifest=manifest,
            taxonomies=taxonomy.taxonomies,
            taxonomy_terms=taxonomy.taxonomy_terms,
            organizations=complete,
        )

    def _load_taxonomy(self, relative: str) -> TaxonomyFile | None:
        raw = self.read_json(relative, None)
        taxonomy = None if raw is None else self.validate(TaxonomyFile, raw, relative)
        if taxonomy is None:
            return None
        by_id = {t.id: t for t in taxonomy.taxonomies}
        names = [t.name for t in taxonomy.taxonomies]
        for index, name in enumerate(names):
            if names.index(name) != index:
                self.add_at(relative, ("taxonomies", index, "name"), f"taxonomy name {name!r} is used twice")
        if SERVICE_CODE_TAXONOMY not in names:
            self.add(relative, "-", "taxonomies", f"needs a taxonomy named {SERVICE_CODE_TAXONOMY!r}")
        seen_codes: set[tuple[str, str]] = set()
        for index, term in enumerate(taxonomy.taxonomy_terms):
            at = ("taxonomy_terms", index)
            parent = by_id.get(term.taxonomy_id or "")
            if parent is None:
                self.add_at(relative, (*at, "taxonomy_id"), "must name one of the taxonomies in this file")
                continue
            if term.taxonomy != parent.name:
                self.add_at(
                    relative,
                    (*at, "taxonomy"),
                    f"must be {parent.name!r}, the name of taxonomy_id's taxonomy",
                )
            if parent.name in (SERVICE_CODE_TAXONOMY, DEPARTMENT_TAXONOMY, ELIGIBILITY_TAXONOMY):
                if not term.code:
                    self.add_at(relative, (*at, "code"), "is required for civic311 taxonomies")
                    continue
                if (parent.name, term.code) in seen_codes:
                    self.add_at(relative, (*at, "code"), f"code {term.code!r} is used twice in {parent.name!r}")
                seen_codes.add((parent.name, term.code))
            if parent.name == SERVICE_CODE_TAXONOMY and term.code not in self.catalog.groups:
                self.add_at(relative, (*at, "code"), f"unknown service code {term.code!r}: not in the service catalog")
            if parent.name == DEPARTMENT_TAXONOMY and term.code not in self.catalog.department_ids:
                self.add_at(relative, (*at, "code"), f"unknown department {term.code!r}: not in the service catalog")
        return taxonomy

    def _load_organizations(
        self, manifest: PackageManifest
    ) -> list[tuple[str, Organization | None, list[tuple[int, Service | None]]]]:
        folder = self.root / manifest.organizations_dir
        if not folder.is_dir():
            self.add(manifest.organizations_dir, "-", "-", "organizations_dir is not a folder")
            return []
        loaded = []
        paths = sorted(p for p in folder.iterdir() if not p.name.startswith("."))
        for path in paths:
            relative = path.relative_to(self.root).as_posix()
            if path.suffix != ".json" or not _SLUG.match(path.stem):
                self.add(relative, "-", "-", "organization files must be named <slug>.json (lower-case, hyphens)")
                continue
            raw = self.read_json(relative, "organization")
            if raw is not None:
                org = self._validate_organization(relative, raw)
                if org is not None:
                    loaded.append((relative, *org))
        if not paths:
            self.add(manifest.organizations_dir, "-", "-", "has no organization files")
        return loaded

    def _validate_organization(
        self, file: str, raw: Any
    ) -> tuple[Organization | None, list[tuple[int, Service | None]]] | None:
        if not isinstance(raw, dict):
            self.add(file, "-", "-", "must be a JSON object holding one compiled HSDS organization")
            return None
        # Services are validated one by one so a broken service does not hide the checks on its siblings.
        shell = {k: v for k, v in raw.items() if k != "services"}
        org = self.validate(Organization, shell, file, offset=self.offset)
        services_raw = raw.get("services")
        if not isinstance(services_raw, list) or not services_raw:
            self.add_at(file, ("services",), "must be a non-empty list of the organization's services")
            return None
        services = [
            (index, self.validate(Service, item, file, ("services", index), self.offset))
            for index, item in enumerate(services_raw)
        ]
        return org, services

    def _check_ids(self) -> None:
        seen: dict[str, _Seen] = {}
        for file in self.files:
            if file in self.docs:
                doc, root_kind = self.docs[file]
                self._walk_ids(file, doc, root_kind, (), seen, reference=False)

    def _walk_ids(
        self,
        file: str,
        node: Any,
        kind: str | None,
        parts: PathParts,
        seen: dict[str, _Seen],
        *,
        reference: bool,
    ) -> None:
        if isinstance(node, list):
            for index, item in enumerate(node):
                self._walk_ids(file, item, kind, (*parts, index), seen, reference=reference)
            return
        if not isinstance(node, dict):
            return
        record_id = node.get("id")
        if kind is not None and isinstance(record_id, str):
            content = json.dumps(node, sort_keys=True)
            first = seen.get(record_id)
            if first is None:
                seen[record_id] = _Seen(kind, file, parts, content)
            else:
                where = f"{first.file} at {_json_path(first.parts)}"
                if first.kind != kind:
                    self.add_at(file, (*parts, "id"), f"duplicate id: already used by a {first.kind} in {where}")
                elif kind in _SHARED_KINDS:
                    if content != first.content:
                        self.add_at(
                            file,
                            (*parts, "id"),
                            f"this {kind} is also embedded in {where} with different content; copies must be identical",
                        )
                elif not reference:
                    self.add_at(file, (*parts, "id"), f"duplicate id: already used by another {kind} in {where}")
                # Everything inside a repeated copy was met in the first copy already.
                return
        for key, value in node.items():
            if isinstance(value, dict | list):
                kind_inside = _KIND_BY_KEY.get(key, key)
                self._walk_ids(file, value, kind_inside, (*parts, key), seen, reference=key in _REFERENCE_KEYS)

    def _check_service(
        self,
        file: str,
        org: Organization | None,
        index: int,
        service: Service,
        terms: dict[str, TaxonomyTerm] | None,
        manifest: PackageManifest,
    ) -> None:
        at: PathParts = ("services", index)
        if org is not None and service.organization_id not in (None, org.id):
            self.add_at(file, (*at, "organization_id"), "differs from the id of the organization it is embedded in")
        self._check_terms(file, at, service, terms)
        code = service.service_code
        group = self.catalog.groups.get(code)
        departments = service.terms(DEPARTMENT_TAXONOMY)
        if group is not None and group != "social" and not departments:
            self.add_at(
                file,
                (*at, "attributes"),
                f"a {group!r} service is a department desk and needs a {DEPARTMENT_TAXONOMY!r} term"
                f" with link_type {AGENCY_LINK!r}",
            )
        if len(departments) > 1:
            self.add_at(file, (*at, "attributes"), "names more than one department")
        for term in departments:
            expected = self.catalog.departments.get(code)
            if expected is not None and term.code != expected:
                self.add_at(
                    file,
                    (*at, "attributes"),
                    f"department {term.code!r} does not handle {code!r}; the catalog assigns it to {expected!r}",
                )
        if code == SHELTER_CODE and len(service.service_at_locations) > 1:
            # Capacity is reported per service: one service over several sites would share one count.
            self.add_at(
                file,
                (*at, "service_at_locations"),
                "a shelter reports beds per service; give each site its own service",
            )
        for sal_index, sal in enumerate(service.service_at_locations):
            self._check_site(file, (*at, "service_at_locations", sal_index), service, sal, manifest)

    def _check_terms(self, file: str, at: PathParts, service: Service, terms: dict[str, TaxonomyTerm] | None) -> None:
        for index, attribute in enumerate(service.attributes):
            term = attribute.taxonomy_term
            term_at = (*at, "attributes", index, "taxonomy_term")
            expected_link = _EXPECTED_LINK.get(term.taxonomy or "")
            if expected_link is not None and attribute.link_type != expected_link:
                self.add_at(
                    file,
                    (*at, "attributes", index, "link_type"),
                    f"must be {expected_link!r} for {term.taxonomy!r} terms",
                )
            code_known = True
            if term.taxonomy == SERVICE_CODE_TAXONOMY and term.code not in self.catalog.groups:
                self.add_at(
                    file,
                    (*term_at, "code"),
                    f"unknown service code {term.code!r}: not in the service catalog",
                )
                code_known = False
            if terms is None:
                continue
            listed = terms.get(term.id)
            if listed is None:
                self.add_at(file, (*term_at, "id"), f"term {term.id} is not in the taxonomy file")
                continue
            for name in ("code", "name", "taxonomy", "taxonomy_id"):
                if name == "code" and not code_known:
                    continue
                if getattr(term, name) != getattr(listed, name):
                    self.add_at(
                        file,
                        (*term_at, name),
                        f"is {getattr(term, name)!r} but the taxonomy file says {getattr(listed, name)!r}",
                    )

    def _check_site(
        self, file: str, at: PathParts, service: Service, sal: ServiceAtLocation, manifest: PackageManifest
    ) -> None:
        if sal.service_id is not None and sal.service_id != service.id:
            self.add_at(file, (*at, "service_id"), "differs from the id of the service it is embedded in")
        location = sal.location
        bounds = manifest.bounds
        latitude, longitude = location.latitude, location.longitude
        if bounds and latitude is not None and longitude is not None and not bounds.contains(latitude, longitude):
            self.add_at(
                file,
                (*at, "location", "latitude"),
                f"({latitude}, {longitude}) is outside the package bounds; swapped or mistyped?",
            )


def load_package(path: str | Path, *, catalog_path: Path = CATALOG_PATH) -> DirectoryPackage:
    """Read and validate a package folder; raise DirectoryValidationError listing every problem."""
    checker = _Checker(Path(path), load_catalog(catalog_path))
    package = checker.run()
    if package is None or checker.issues:
        order = {file: index for index, file in enumerate(checker.files)}
        issues = sorted(checker.issues, key=lambda issue: order.get(issue.file, -1))
        raise DirectoryValidationError(issues)
    return package


# --- flattening ---------------------------------------------------------------------------------------------


def iter_resources(package: DirectoryPackage) -> Iterator[Resource]:
    """One flat Resource per service_at_location, in package order."""
    for org in package.organizations:
        for service in org.services:
            for sal in service.service_at_locations:
                yield _resource(org, service, sal, package.manifest.timezone)


def schedule_windows(schedule: Schedule) -> list[Window]:
    """Simplify one validated HSDS schedule into opening windows."""
    opens = time_of_day(schedule.opens_at)[0] // 60
    closes = time_of_day(schedule.closes_at)[0] // 60
    # HSDS writes "until midnight" as 23:59 (and some publishers as 00:00); both mean the end of the day.
    if closes in (0, MINUTES_PER_DAY - 1):
        closes = MINUTES_PER_DAY
    starts = [d for d in (schedule.dtstart, schedule.valid_from) if d]
    ends = [d for d in (schedule.until, schedule.valid_to) if d]
    weeks_by_day: dict[str, set[int]] = {}
    every_week: set[str] = set()
    for ordinal, day in parse_byday(schedule.byday):
        if schedule.freq == "WEEKLY" or ordinal is None:
            every_week.add(day)
        else:
            weeks_by_day.setdefault(day, set()).add(ordinal)
    groups: dict[tuple[int, ...], list[str]] = {}
    for day in WEEKDAYS:
        if day in every_week:
            groups.setdefault((), []).append(day)
        elif day in weeks_by_day:
            groups.setdefault(tuple(sorted(weeks_by_day[day])), []).append(day)
    return [
        Window.model_validate(
            {
                "days": days,
                "opens": opens,
                "closes": closes,
                "overnight": closes < opens,
                "weeks_of_month": weeks,
                "starts_on": max(starts) if starts else None,
                "ends_on": min(ends) if ends else None,
            }
        )
        for weeks, days in groups.items()
    ]


def _resource(org: Organization, service: Service, sal: ServiceAtLocation, offset: float) -> Resource:
    location = sal.location
    address = location.physical_address()
    phones = [*sal.phones, *location.phones, *service.phones, *org.phones]
    phone = next((p.number for p in phones if p.type in (None, "voice")), None)
    languages = location.languages or service.languages
    # Hours belong to the service, since one building can host services with different hours; a location's
    # own schedules are the fallback for services that list hours per site. Phones and languages belong to
    # the place first.
    schedules = sal.schedules or service.schedules or location.schedules
    windows = tuple(window for schedule in schedules for window in schedule_windows(schedule))
    return Resource(
        id=sal.id,
        service_code=service.service_code,
        service_id=service.id,
        organization_id=org.id,
        status=service.status,
        name=service.name,
        description=service.description,
        organization_name=org.name,
        location_name=location.name,
        phone=phone,
        url=location.url if location.location_type == "virtual" else service.url,
        address=address.one_line() if address else None,
        postal_code=address.postal_code if address else None,
        latitude=location.latitude,
        longitude=location.longitude,
        virtual=location.location_type == "virtual",
        languages=tuple(dict.fromkeys(language.code for language in languages)),
        eligibility=_eligibility(service),
        schedules=windows,
        open_24_7=is_around_the_clock(windows),
        utc_offset_hours=offset,
        capacity=_capacity(service),
        department_id=next((t.code for t in service.terms(DEPARTMENT_TAXONOMY, AGENCY_LINK)), None),
    )


def _eligibility(service: Service) -> Eligibility:
    codes = tuple(t.code for t in service.terms(ELIGIBILITY_TAXONOMY, ELIGIBILITY_LINK) if t.code)
    gender = next((GENDER_TERMS[code] for code in codes if code in GENDER_TERMS), None)
    return Eligibility(
        description=service.eligibility_description,
        minimum_age=service.minimum_age,
        maximum_age=service.maximum_age,
        requires_children=REQUIRES_CHILDREN_TERM in codes,
        gender=gender,
        terms=codes,
    )


def _capacity(service: Service) -> Capacity | None:
    chosen = service.bed_capacity() or next(iter(service.capacities), None)
    if chosen is None:
        return None
    return Capacity.model_validate(
        {
            "unit": chosen.unit.name,
            "available": chosen.available,
            "maximum": chosen.maximum,
            "updated": chosen.updated,
        }
    )


# --- command line -------------------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    """Validate a package folder and report; exit status 1 when it is refused."""
    import argparse  # the command line only

    parser = argparse.ArgumentParser(prog="python -m civic311.directory.package", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    validate = commands.add_parser("validate", help="check a package folder and count what it holds")
    validate.add_argument("folder", type=Path)
    args = parser.parse_args(argv)

    try:
        package = load_package(args.folder)
    except DirectoryValidationError as error:
        for issue in error.issues:
            print(issue)
        print(f"refused: {len(error.issues)} problem(s)", file=sys.stderr)
        return 1
    resources = sum(1 for _ in iter_resources(package))
    print(f"OK: {len(package.organizations)} organizations, {package.service_count} services, {resources} resources")
    if package.manifest.sample:
        print(f"NOTICE: {package.manifest.notice}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
