"""The referral index: a cell's short list ranks exactly as the whole directory would, for any point in it."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import shapely

from civic311.clock import CITY_TZ
from civic311.directory.flatten import iter_resources
from civic311.directory.index import MAX_CANDIDATES, MAX_REFERRALS, DirectoryIndex, build_index
from civic311.directory.package import DirectoryPackage
from civic311.directory.ranking import rank
from civic311.directory.referral_models import ReferralQuery
from civic311.directory.validation import load_package
from civic311.geo.cells import cell_of
from civic311.geo.jurisdiction import our_area
from civic311.models.resource import Resource
from tests.bench.synthetic import write_package

MONDAY = datetime(2026, 11, 30, tzinfo=CITY_TZ)


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory: pytest.TempPathFactory) -> list[Resource]:
    folder = write_package(tmp_path_factory.mktemp("synthetic") / "package", 1200, seed=7)
    return list(iter_resources(load_package(folder)))


@pytest.fixture(scope="module")
def synthetic_index(synthetic: list[Resource]) -> DirectoryIndex:
    return build_index(synthetic)


def points_in_the_city(count: int, seed: int) -> list[tuple[float, float]]:
    area = our_area()
    west, south, east, north = area.bounds
    rng = random.Random(seed)
    points: list[tuple[float, float]] = []
    while len(points) < count:
        lat, long = rng.uniform(south, north), rng.uniform(west, east)
        if shapely.intersects_xy(area, long, lat):
            points.append((lat, long))
    return points


def top_ids(candidates: tuple[Resource, ...], query: ReferralQuery, at: datetime) -> list[str]:
    ranked, _ = rank(candidates, query, at, {})
    return [scored.resource.id for scored in ranked[:MAX_REFERRALS]]


@pytest.mark.parametrize("code", ["food", "vouchers", "mental-health"])
@pytest.mark.parametrize("language", [None, "es", "vi"])
def test_a_cells_list_gives_the_same_top_referrals_as_the_whole_directory(
    synthetic: list[Resource], synthetic_index: DirectoryIndex, code: str, language: str | None
) -> None:
    everything = tuple(r for r in synthetic if r.service_code == code)
    layout = synthetic_index.codes[code]
    assert layout.resolution is not None
    moments = [MONDAY + timedelta(hours=h) for h in (2.5, 7.5, 12, 18.25, 24 * 2 + 14, 24 * 5 + 10, 24 * 6 + 20)]
    for lat, long in points_in_the_city(25, seed=hash((code, language)) % 1000):
        listed = layout.lists[cell_of(lat, long, layout.resolution)]
        for at in moments:
            query = ReferralQuery(service_code=code, lat=lat, long=long, language=language)
            assert top_ids(listed, query, at) == top_ids(everything, query, at), (lat, long, at)


def test_dense_codes_get_finer_cells_and_no_list_is_cut(synthetic_index: DirectoryIndex) -> None:
    food = synthetic_index.codes["food"]
    assert food.mode == "cells"
    assert food.resolution is not None
    assert food.resolution >= 7
    assert all(len(listed) <= MAX_CANDIDATES for listed in food.lists.values())
    assert synthetic_index.trimmed_lists == 0


def test_sparse_sample_codes_use_the_coarsest_cells(sample: DirectoryPackage) -> None:
    index = build_index(iter_resources(sample))
    assert {layout.resolution for layout in index.codes.values() if layout.mode == "cells"} == {6}


def test_codes_served_only_by_phone_or_online_desks_have_one_citywide_list(sample: DirectoryPackage) -> None:
    index = build_index(iter_resources(sample))
    pothole = index.codes["pothole"]
    assert pothole.mode == "citywide"
    assert list(pothole.lists) == ["CITY"]
    assert all(resource.virtual for resource in pothole.lists["CITY"])


def test_phone_lines_join_every_list_of_their_code(sample: DirectoryPackage) -> None:
    index = build_index(iter_resources(sample))
    crisis_lines = {r.id for r in iter_resources(sample) if r.service_code == "mental-health" and r.virtual}
    assert crisis_lines
    for listed in index.codes["mental-health"].lists.values():
        assert crisis_lines <= {r.id for r in listed}


def test_inactive_resources_are_never_listed(sample: DirectoryPackage) -> None:
    index = build_index(iter_resources(sample))
    listed = {r.status for layout in index.codes.values() for lst in layout.lists.values() for r in lst}
    assert listed == {"active"}


def test_synthetic_packages_are_deterministic(tmp_path: Path) -> None:
    first = write_package(tmp_path / "a", 40, seed=3)
    second = write_package(tmp_path / "b", 40, seed=3)
    assert [p.read_bytes() for p in sorted((first / "organizations").iterdir())] == [
        p.read_bytes() for p in sorted((second / "organizations").iterdir())
    ]
