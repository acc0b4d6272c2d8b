"""What a directory package is: HSDS 3.1 JSON kept in the repo, described by its manifest (see README.md).

validation.py reads and checks a package folder into a DirectoryPackage; flatten.py turns one into referral
resources.
"""

from __future__ import annotations

import re
from pathlib import Path, PurePosixPath
from typing import Literal, Self

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from civic311.directory.hsds.fields import Number, RuleError
from civic311.directory.hsds.services import Organization
from civic311.directory.hsds.taxonomy import Taxonomy, TaxonomyTerm

__all__ = ["MANIFEST_FILE", "SLUG", "Bounds", "DirectoryPackage", "PackageManifest", "TaxonomyFile"]

MANIFEST_FILE = "package.json"
SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


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
        if not SLUG.match(value):
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
