"""Demo requests posted through the Open311 API itself, so a new stack shows real data end to end."""

from __future__ import annotations

import requests

DEMO_REQUESTS = [
    {
        "service_code": "pothole",
        "lat": "32.2216",
        "long": "-110.9262",
        "address_string": "E Broadway Blvd & S Country Club Rd",
        "description": "Deep pothole in the eastbound lane, cars swerving around it.",
        "attribute[size]": "large",
    },
    {
        "service_code": "streetlight",
        "lat": "32.2363",
        "long": "-110.9441",
        "address_string": "E Speedway Blvd & N Campbell Ave",
        "description": "Streetlight on the northeast corner has been out for a week.",
        "attribute[light_issue]": "out",
    },
    {
        "service_code": "graffiti",
        "lat": "32.2069",
        "long": "-110.9611",
        "address_string": "E 22nd St & S Park Ave",
        "description": "Tagging on the bus shelter.",
        "attribute[surface]": "public",
    },
    {
        "service_code": "water-leak",
        "lat": "32.2505",
        "long": "-110.9090",
        "address_string": "E Grant Rd & N Alvernon Way",
        "description": "Water bubbling up through the sidewalk.",
        "attribute[leak_source]": "street",
    },
    {
        "service_code": "illegal-dumping",
        "address_string": "S 12th Ave & W Valencia Rd",
        "description": "Mattresses and tires dumped in the alley behind the shops.",
        "attribute[items][]": "tires",
    },
]


def post_demo_requests(api_url: str, api_key: str) -> list[str]:
    """Create the demo requests; returns their ids."""
    ids = []
    for number, fields in enumerate(DEMO_REQUESTS):
        response = requests.post(
            f"{api_url}/open311/v2/requests.json",
            data={**fields, "api_key": api_key},
            headers={"Idempotency-Key": f"demo-seed-{number}"},
            timeout=30,
        )
        response.raise_for_status()
        ids.append(response.json()[0]["service_request_id"])
    return ids
