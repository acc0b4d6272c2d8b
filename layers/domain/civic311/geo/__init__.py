"""Where a report is: which jurisdiction serves a point, and distances between points."""

from civic311.geo.distance import distance_km
from civic311.geo.jurisdiction import Jurisdiction, JurisdictionKind, locate_jurisdiction

__all__ = ["Jurisdiction", "JurisdictionKind", "distance_km", "locate_jurisdiction"]
