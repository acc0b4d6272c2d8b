"""HSDS taxonomies, their terms, and the attributes that attach a term to a service or place."""

from __future__ import annotations

from typing import Self

from pydantic import model_validator

from civic311.directory.hsds.fields import HsdsModel, Id, NonEmpty, RuleError, Uri


class Taxonomy(HsdsModel):
    id: Id
    name: NonEmpty
    description: NonEmpty
    uri: Uri | None = None
    version: str | None = None


class TaxonomyTerm(HsdsModel):
    id: Id
    code: str | None = None
    name: NonEmpty
    description: NonEmpty
    parent_id: Id | None = None
    taxonomy: str | None = None
    taxonomy_id: Id | None = None
    taxonomy_detail: Taxonomy | None = None
    language: str | None = None
    term_uri: Uri | None = None


class Attribute(HsdsModel):
    id: Id
    link_id: Id | None = None
    taxonomy_term_id: Id | None = None
    link_type: str | None = None
    link_entity: str | None = None
    value: str | None = None
    label: str | None = None
    # HSDS lets JSON carry only taxonomy_term_id; civic311 embeds the term so each file reads on its own.
    taxonomy_term: TaxonomyTerm

    @model_validator(mode="after")
    def _term_id_agrees(self) -> Self:
        if self.taxonomy_term_id is not None and self.taxonomy_term_id != self.taxonomy_term.id:
            raise RuleError("taxonomy_term_id", "differs from taxonomy_term.id")
        return self
