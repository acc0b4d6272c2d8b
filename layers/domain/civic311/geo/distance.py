"""Great-circle distance between two points given in degrees."""

import math

# Mean Earth radius (IUGG); the spherical model is off by under 0.5 % at Tucson's latitude.
EARTH_RADIUS_KM = 6371.0088


def distance_km(a_lat: float, a_long: float, b_lat: float, b_long: float) -> float:
    """Haversine distance in kilometres between (a_lat, a_long) and (b_lat, b_long)."""
    phi1 = math.radians(a_lat)
    phi2 = math.radians(b_lat)
    dphi = phi2 - phi1
    dlambda = math.radians(b_long - a_long)
    h = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlambda / 2) ** 2
    # min() guards asin against rounding that pushes h a hair above 1 for antipodal points.
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))
