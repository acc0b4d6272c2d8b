"""Where a caller says they are: text or a point, turned into a place and the jurisdiction serving it.

Searches the stack's Amazon Location place index. Locally the same calls reach the embedded AWS
endpoint, which answers them from the offline Tucson gazetteer.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from aws_lambda_powertools import Logger
from botocore.exceptions import BotoCoreError, ClientError
from pydantic import BaseModel, ConfigDict, Field

from civic311 import aws
from civic311.errors import DependencyUnavailable, InvalidInput
from civic311.geo.jurisdiction import Jurisdiction, locate_jurisdiction

if TYPE_CHECKING:
    from mypy_boto3_location.type_defs import PlaceTypeDef, SearchForTextResultTypeDef

    from civic311.catalog import Language

logger = Logger(child=True)

TUCSON = (-110.9747, 32.2226)  # (long, lat) of downtown: the bias when the caller gives none
COUNTRIES = ["USA"]
MAX_TEXT = 200  # the longest Text SearchPlaceIndexForText accepts
CANDIDATES = 5
# Esri scores a match that agrees in every part 1 and less for each part it had to guess; below
# this the answer is usually another place with a similar name, and the caller should be asked.
MIN_RELEVANCE = 0.8
# A whole street, ZIP code or town is no place to send a crew, and a long street can run through
# two jurisdictions; an answer that is only one of these means the caller has to say more.
TOO_BROAD = frozenset(
    {
        "StreetType",
        "PostalCodeType",
        "NeighborhoodType",
        "MunicipalityType",
        "SubRegionType",
        "RegionType",
        "CountryType",
    }
)
# Beyond this, the nearest known address describes somewhere else, not the caller's point.
DESCRIBE_WITHIN_METERS = 300.0


class Located(BaseModel):
    """A place the geocoder found, and the jurisdiction that serves it."""

    model_config = ConfigDict(frozen=True)

    lat: float = Field(ge=-90, le=90)
    long: float = Field(ge=-180, le=180)
    label: str | None = Field(default=None, description="The place as the provider writes it, e.g. for read-back.")
    street: str | None = None
    address_number: str | None = None
    # The provider's town name, which follows mailing addresses ("Tucson" is also used outside the
    # city limits); `jurisdiction` comes from our boundaries and decides who serves the place.
    municipality: str | None = None
    postal_code: str | None = None
    relevance: float | None = Field(default=None, ge=0, le=1, description="Provider's match score; None if unscored.")
    interpolated: bool = Field(default=False, description="The address is estimated between known ones.")
    jurisdiction: Jurisdiction


class Geocoder:
    """Text and points to places, through one Amazon Location place index."""

    def __init__(self, index_name: str) -> None:
        self.index_name = index_name

    def locate_text(self, text: str, language: Language, bias: tuple[float, float] | None = None) -> Located | None:
        """The best place for what the caller said, or None if nothing matches well enough.

        `bias` is (long, lat), the order Amazon Location uses; results near it rank first.
        """
        query = _search_text(text)
        bias_long, bias_lat = bias if bias is not None else TUCSON
        _check_point(bias_lat, bias_long, "bias")
        try:
            response = aws.location().search_place_index_for_text(
                IndexName=self.index_name,
                Text=query,
                BiasPosition=[bias_long, bias_lat],
                FilterCountries=COUNTRIES,
                MaxResults=CANDIDATES,
                Language=language,
            )
        except ClientError as error:
            if error.response["Error"]["Code"] == "ValidationException":
                raise InvalidInput("the location text could not be searched as given; say it another way") from None
            raise self._unavailable(error) from error
        except BotoCoreError as error:
            raise self._unavailable(error) from error
        for result in response["Results"]:
            located = _usable(result)
            if located is not None:
                return located
        return None

    def locate_point(self, lat: float, long: float) -> Located:
        """The jurisdiction serving (lat, long), from our boundary files alone: no search, nothing to pay.

        A point needs no place index to be placed and routed; describe_point adds the nearest address when a
        person has to read one.
        """
        _check_point(lat, long, "location")
        return Located(lat=lat, long=long, jurisdiction=locate_jurisdiction(lat, long))

    def describe_point(self, lat: float, long: float) -> Located:
        """locate_point, described by the nearest known address when one is close: one paid reverse geocode."""
        located = self.locate_point(lat, long)
        try:
            response = aws.location().search_place_index_for_position(
                IndexName=self.index_name, Position=[long, lat], MaxResults=1
            )
        except (ClientError, BotoCoreError) as error:
            # The point and its jurisdiction are known without the index; only the description is lost.
            logger.warning("reverse geocoding failed; the point is kept undescribed", extra=_error_fields(error))
            return located
        nearby = [r["Place"] for r in response["Results"] if r["Distance"] <= DESCRIBE_WITHIN_METERS]
        if not nearby:
            return located
        return _located(nearby[0], lat, long, relevance=None, jurisdiction=located.jurisdiction)

    def _unavailable(self, error: Exception) -> DependencyUnavailable:
        logger.warning("place search failed", extra=_error_fields(error) | {"place_index": self.index_name})
        return DependencyUnavailable("place search is unavailable right now; please retry")


def _search_text(text: str) -> str:
    query = " ".join(text.split())
    if not query:
        raise InvalidInput("the location text is empty: say a street address, an intersection or a landmark")
    if len(query) > MAX_TEXT:
        # The place is said first; the rest of a long description only adds noise to the search.
        query = query[:MAX_TEXT].rsplit(" ", 1)[0]
    return query


def _check_point(lat: float, long: float, name: str) -> None:
    if not -90 <= lat <= 90 or not -180 <= long <= 180:
        raise InvalidInput(f"{name} must have a latitude between -90 and 90 and a longitude between -180 and 180")


def _usable(result: SearchForTextResultTypeDef) -> Located | None:
    """A search result as a Located, or None if it is blank, too weak or too broad."""
    place = result["Place"]
    point = place["Geometry"].get("Point")
    if not point or not (place.get("Label") or "").strip():
        return None
    relevance = result.get("Relevance")
    if relevance is not None and relevance < MIN_RELEVANCE:
        return None
    categories = set(place.get("Categories", ()))
    if categories and categories <= TOO_BROAD:
        return None
    long, lat = point
    return _located(place, lat, long, relevance=relevance, jurisdiction=locate_jurisdiction(lat, long))


def _located(
    place: PlaceTypeDef, lat: float, long: float, *, relevance: float | None, jurisdiction: Jurisdiction
) -> Located:
    return Located(
        lat=lat,
        long=long,
        label=(place.get("Label") or "").strip() or None,
        street=place.get("Street"),
        address_number=place.get("AddressNumber"),
        municipality=place.get("Municipality"),
        postal_code=place.get("PostalCode"),
        relevance=relevance,
        interpolated=place.get("Interpolated", False),
        jurisdiction=jurisdiction,
    )


def _error_fields(error: Exception) -> dict[str, str]:
    # The error code and type only: messages can echo the searched text, which a caller said.
    if isinstance(error, ClientError):
        return {"error_code": error.response["Error"]["Code"]}
    return {"error_type": type(error).__name__}
