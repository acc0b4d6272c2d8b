"""The directory as a CloudFormation custom resource (Custom::Directory): load the packaged directory on deploy.

Properties: TableName (where to load), Package (a folder under civic311/directory/data/) and DataVersion
(any value that changes with the data, e.g. the domain layer's version ARN, so a data change is an Update).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from importlib import resources
from pathlib import Path

from civic311.cases.directory_loads import load_folder
from civic311.channels.cloudformation import CustomResourceRequest, Outcome
from civic311.errors import InvalidInput
from civic311.store.directory import DirectoryStore

_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


def packaged_folder(name: str) -> Path:
    """The folder of a package shipped in the domain layer (civic311/directory/data/<name>)."""
    if not _SLUG.match(name):
        raise InvalidInput(f"Package must be a folder name under civic311/directory/data/, got {name!r}")
    folder = Path(str(resources.files("civic311.directory").joinpath("data", name)))
    if not folder.is_dir():
        raise InvalidInput(f"no directory package named {name!r} ships in the domain layer")
    return folder


def directory_resource(
    request: CustomResourceRequest, default_table: str, time_left: Callable[[], float] | None = None
) -> Outcome:
    """Create or Update: validate and load the package; a refused or failed load leaves the old one active."""
    properties = request.resource_properties
    table = str(properties.get("TableName") or default_table)
    package = str(properties.get("Package") or "")
    report = load_folder(packaged_folder(package), DirectoryStore(table), time_left=time_left)
    return Outcome(
        # Stable per table: CloudFormation deletes the old physical resource when this id changes.
        physical_resource_id=f"directory:{table}",
        data={"Version": report.version, "Resources": str(report.resources), "Package": report.package},
    )
