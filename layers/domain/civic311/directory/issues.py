"""Problems found in a directory package, collected in one pass: where each is and what is wrong.

IssueCollector reads a package's JSON files and validates them against pydantic models, turning every failure
into an Issue that names the file, the nearest named record and the field, so a publisher can fix them all at once.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError

from civic311.directory.hsds.fields import RuleError
from civic311.models.vocabulary import UTC_OFFSET_CONTEXT

__all__ = ["DirectoryValidationError", "Issue", "IssueCollector", "PathParts"]


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


class IssueCollector:
    """Collects every issue in one pass over a package instead of stopping at the first."""

    def __init__(self, root: Path) -> None:
        self.root = root
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

    def check_ids(self) -> None:
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
