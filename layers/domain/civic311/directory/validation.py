"""Reading and checking a directory package folder against HSDS 3.1 and civic311's profile of it.

Usage: python -m civic311.channels.directory_cli validate <folder>
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from civic311.catalog import Catalog, load_catalog
from civic311.directory.hsds.services import Organization, Service, ServiceAtLocation
from civic311.directory.hsds.taxonomy import TaxonomyTerm
from civic311.directory.issues import DirectoryValidationError, IssueCollector, PathParts
from civic311.directory.package import MANIFEST_FILE, SLUG, DirectoryPackage, PackageManifest, TaxonomyFile
from civic311.models.vocabulary import (
    AGENCY_LINK,
    DEPARTMENT_TAXONOMY,
    ELIGIBILITY_LINK,
    ELIGIBILITY_TAXONOMY,
    SERVICE_CODE_TAXONOMY,
    SHELTER_CODE,
)

__all__ = ["load_package"]

_EXPECTED_LINK = {DEPARTMENT_TAXONOMY: AGENCY_LINK, ELIGIBILITY_TAXONOMY: ELIGIBILITY_LINK}


class _Checker(IssueCollector):
    """Collects every issue in one pass over a package instead of stopping at the first."""

    def __init__(self, root: Path, catalog: Catalog) -> None:
        super().__init__(root)
        self.catalog = catalog

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
        self.check_ids()
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
            if parent.name == SERVICE_CODE_TAXONOMY and self.catalog.find(term.code or "") is None:
                self.add_at(relative, (*at, "code"), f"unknown service code {term.code!r}: not in the service catalog")
            if parent.name == DEPARTMENT_TAXONOMY and term.code not in self.catalog.departments:
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
            if path.suffix != ".json" or not SLUG.match(path.stem):
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
        listed_service = self.catalog.find(code)
        group = listed_service.group if listed_service else None
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
            expected = listed_service.department if listed_service else None
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
            if term.taxonomy == SERVICE_CODE_TAXONOMY and self.catalog.find(term.code or "") is None:
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


def load_package(path: str | Path, *, catalog: Catalog | None = None) -> DirectoryPackage:
    """Read and validate a package folder; raise DirectoryValidationError listing every problem."""
    checker = _Checker(Path(path), catalog or load_catalog())
    package = checker.run()
    if package is None or checker.issues:
        order = {file: index for index, file in enumerate(checker.files)}
        issues = sorted(checker.issues, key=lambda issue: order.get(issue.file, -1))
        raise DirectoryValidationError(issues)
    return package
