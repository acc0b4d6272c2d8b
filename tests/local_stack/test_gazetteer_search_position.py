"""Reverse geocoding: what a caller's position is called, shaped like SearchForPositionResult."""

import threading

from local_stack.gazetteer import search_position


def test_a_point_at_speedway_and_campbell_is_labelled_with_both_streets() -> None:
    results = search_position(-110.9443, 32.2365)
    assert len(results) == 1
    result = results[0]
    assert set(result) == {"Place", "Distance", "PlaceId"}
    assert "Speedway" in result["Place"]["Label"]
    assert "Campbell" in result["Place"]["Label"]
    assert result["Place"]["Categories"] == ["IntersectionType"]
    assert result["Distance"] < 300


def test_a_point_mid_block_gets_an_interpolated_address_on_the_nearest_street() -> None:
    place = search_position(-110.9500, 32.2364)[0]["Place"]
    assert place["Categories"] == ["AddressType"]
    assert place["Street"] == "E Speedway Blvd"
    assert place["Interpolated"] is True
    # Between Mountain Ave and Campbell Ave, whose grid numbers are near 1250 E and 1850 E.
    assert 1250 <= int(place["AddressNumber"]) <= 1850


def test_a_point_in_oro_valley_reports_oro_valley() -> None:
    place = search_position(-110.9700, 32.4000)[0]["Place"]
    assert place["Municipality"] == "Oro Valley"


def test_max_results_returns_nearby_alternatives_nearest_first() -> None:
    results = search_position(-110.9443, 32.2365, max_results=3)
    assert len(results) == 3
    assert len({r["PlaceId"] for r in results}) == 3


def test_a_point_far_from_any_known_road_gives_nothing() -> None:
    assert search_position(-112.0740, 33.4484) == []


def test_concurrent_searches_agree() -> None:
    labels: list[str] = []
    threads = [
        threading.Thread(target=lambda: labels.append(search_position(-110.9443, 32.2365)[0]["Place"]["Label"]))
        for _ in range(6)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(labels)) == 1
    assert len(labels) == 6
