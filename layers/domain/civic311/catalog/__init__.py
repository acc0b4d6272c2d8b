"""The service catalog: what 311 can take, as data deployed with the stack."""

from civic311.catalog.models import Catalog, Language, ServiceAttribute, ServiceType, load_catalog

__all__ = ["Catalog", "Language", "ServiceAttribute", "ServiceType", "load_catalog"]
