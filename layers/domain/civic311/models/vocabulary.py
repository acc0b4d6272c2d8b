"""The directory's vocabulary: HSDS's enums and civic311's profile names, without the HSDS models.

The referral side (flat resources, hours, the index, shelters) needs these names on every cold start;
the HSDS models in hsds/ are needed only where a directory package is read.
"""

from __future__ import annotations

from typing import Literal

SERVICE_CODE_TAXONOMY = "civic311 service codes"
DEPARTMENT_TAXONOMY = "civic311 departments"
ELIGIBILITY_TAXONOMY = "civic311 eligibility"
SHELTER_CODE = "shelter"
# link_type values that give a term its meaning; HSDS leaves the codelist open.
AGENCY_LINK = "agency_responsible"
ELIGIBILITY_LINK = "eligibility"
# Validation context key: the UTC offset (hours) every schedule must be written in, when the caller knows it.
UTC_OFFSET_CONTEXT = "utc_offset_hours"
BED_UNIT = "bed"

WEEKDAYS: tuple[str, ...] = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")

ServiceStatus = Literal["active", "inactive", "defunct", "temporarily closed"]
LocationType = Literal["physical", "postal", "virtual"]
AddressType = Literal["physical", "postal", "virtual"]
Frequency = Literal["WEEKLY", "MONTHLY"]
Weekday = Literal["MO", "TU", "WE", "TH", "FR", "SA", "SU"]

# Why a need went unmet (cases/gap_recording.py records them; a referral answer names the reason).
GapReason = Literal["no-workflow", "no-resource", "no-capacity"]
