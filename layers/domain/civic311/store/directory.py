"""The directory table: versioned referral lists, an active-version pointer, and live shelter capacity.

DirectoryStore is one object for the callers; each part of what it does lives in its own module:
  directory_items.py     the keys, the records stored and the packing of referral lists (the table's layout is there)
  directory_reads.py     the version in force (cached), a code's referral list, and a version's loaded records
  shelter_capacity.py    shelters' beds now: read, set by providers and staff, seeded by loads
  directory_versions.py  loads: writing a version, flipping the pointer to it, and deleting old ones
"""

from __future__ import annotations

from civic311.store.directory_reads import DirectoryReads
from civic311.store.directory_versions import DirectoryVersions
from civic311.store.shelter_capacity import ShelterCapacities


class DirectoryStore(DirectoryReads, ShelterCapacities, DirectoryVersions):
    """Reads referral lists and capacity; writes versions and flips the pointer."""

    def __init__(self, table_name: str, cache_seconds: float = 30.0) -> None:
        self.table_name = table_name
        self.cache_seconds = cache_seconds
