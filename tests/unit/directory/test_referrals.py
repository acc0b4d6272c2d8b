"""Referrals on the loaded sample: open now, eligible, nearest, in the caller's language, and gaps."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest

from civic311 import aws, clock
from civic311.cases.gaps import GapLog
from civic311.cases.referrals import refer
from civic311.directory.household import Household
from civic311.directory.referral_models import ReferralAnswer, ReferralQuery
from civic311.directory.referral_notes import referral_note
from civic311.errors import InvalidInput
from civic311.geo.distance import distance_km
from civic311.store.directory import DirectoryStore
from civic311.store.directory_reads import forget_active_versions
from civic311.store.gaps import GapStore
from tests.support import InProcessStack

BROADWAY = {"lat": 32.2217, "long": -110.9262}  # E Broadway Blvd & S Country Club Rd
DOWNTOWN = {"lat": 32.2217, "long": -110.9700}
ORO_VALLEY = {"lat": 32.40, "long": -110.97}
WEDNESDAY_NOON = datetime(2026, 12, 2, 12, 0, tzinfo=clock.CITY_TZ)
SUNDAY_0230 = datetime(2026, 11, 29, 2, 30, tzinfo=clock.CITY_TZ)
MONDAY_1500 = datetime(2026, 11, 30, 15, 0, tzinfo=clock.CITY_TZ)


@pytest.fixture
def directory(stack: InProcessStack) -> Iterator[DirectoryStore]:
    forget_active_versions()
    yield DirectoryStore(stack.output("DirectoryTableName"))
    forget_active_versions()


@pytest.fixture
def gaps(stack: InProcessStack) -> GapLog:
    return GapLog(GapStore(stack.output("ServiceRequestsTableName")), stack.output("GapsQueueUrl"))


def ask(
    directory: DirectoryStore, code: str, at: datetime, where: dict[str, float] = DOWNTOWN, **extra: object
) -> ReferralAnswer:
    return refer(ReferralQuery.model_validate({"service_code": code, **where, "at": at, **extra}), directory)


def test_food_near_broadway_at_noon_on_a_wednesday_gives_open_food_banks_nearest_first(
    directory: DirectoryStore,
) -> None:
    answer = ask(directory, "food", WEDNESDAY_NOON, BROADWAY)
    assert answer.jurisdiction == "City of Tucson"
    assert not answer.gap
    open_now = [r for r in answer.referrals if r.open_now]
    assert len(open_now) >= 2
    assert answer.referrals[: len(open_now)] == open_now
    distances = [r.distance_km or 0 for r in open_now]
    assert distances == sorted(distances)
    assert all(r.opens_at is None for r in open_now)
    for closed in answer.referrals[len(open_now) :]:
        assert closed.opens_at is not None
        assert closed.opens_at.endswith("-07:00")
        assert datetime.fromisoformat(closed.opens_at) > WEDNESDAY_NOON


def test_a_shelter_at_half_past_two_on_a_sunday_morning_is_an_open_one_with_room(directory: DirectoryStore) -> None:
    answer = ask(directory, "shelter", SUNDAY_0230)
    first = answer.referrals[0]
    assert first.open_now
    assert (first.beds_available or 0) > 0
    assert not answer.gap


def test_full_shelters_are_not_referred_while_others_have_room(directory: DirectoryStore) -> None:
    answer = ask(directory, "shelter", SUNDAY_0230)
    assert all(r.beds_available != 0 for r in answer.referrals)
    assert "Confidential shelter for women" not in [r.name for r in answer.referrals]  # 0 beds in the sample


def test_when_every_shelter_is_full_they_are_listed_and_the_gap_is_recorded(
    stack: InProcessStack, directory: DirectoryStore, gaps: GapLog
) -> None:
    store = DirectoryStore(stack.output("DirectoryTableName"), cache_seconds=0)
    gap_store = GapStore(stack.output("ServiceRequestsTableName"))
    window = (clock.now() - timedelta(hours=1), clock.now() + timedelta(hours=1))
    everything = ask(directory, "shelter", SUNDAY_0230, age=30)
    ids = {r.id for r in everything.referrals}
    saved = store.capacities(sorted(ids))
    try:
        for shelter_id in ids:
            store.set_capacity(shelter_id, 0, None, "test", clock.now())
        before = len(gap_store.between(*window))
        full = refer(ReferralQuery(service_code="shelter", **DOWNTOWN, at=SUNDAY_0230, age=30), directory, gaps=gaps)
        assert full.gap
        assert full.gap_reason == "no-capacity"
        assert full.referrals
        assert all(r.beds_available == 0 for r in full.referrals)
        after = gap_store.between(*window)
        assert len(after) == before + 1
        assert after[-1].reason == "no-capacity"
    finally:
        for shelter_id, capacity in saved.items():
            store.set_capacity(shelter_id, capacity.beds_available, capacity.beds_total, "test", clock.now())


def test_a_caller_of_thirty_is_not_sent_to_the_youth_shelter_and_a_teenager_not_to_adult_ones(
    directory: DirectoryStore,
) -> None:
    adult = ask(directory, "shelter", SUNDAY_0230, age=30)
    assert "Youth emergency shelter" not in [r.name for r in adult.referrals]
    teen = ask(directory, "shelter", SUNDAY_0230, age=15)
    names = [r.name for r in teen.referrals]
    assert "Youth emergency shelter" in names
    assert all((r.eligibility.minimum_age or 0) <= 15 for r in teen.referrals)


def test_a_family_with_children_goes_to_places_that_take_children(directory: DirectoryStore) -> None:
    family = ask(directory, "shelter", SUNDAY_0230, household={"adults": 1, "children": 2})
    assert family.referrals
    assert family.referrals[0].name == "Family emergency shelter"
    assert all((r.eligibility.minimum_age or 0) < 18 for r in family.referrals)
    alone = ask(directory, "shelter", SUNDAY_0230, household={"adults": 1, "children": 0})
    assert "Family emergency shelter" not in [r.name for r in alone.referrals]


def names(answer: ReferralAnswer) -> list[str]:
    return [referral.name for referral in answer.referrals]


def test_a_parent_with_a_child_is_never_sent_to_a_youth_or_adults_only_shelter(directory: DirectoryStore) -> None:
    answer = ask(directory, "shelter", SUNDAY_0230, household={"adults": 1, "children": 1, "children_ages": [6]})
    assert names(answer)[0] == "Family emergency shelter"
    for referral in answer.referrals:
        assert (referral.eligibility.maximum_age or 99) >= 18, referral.name
        assert (referral.eligibility.minimum_age or 0) < 18, referral.name


def test_a_young_person_alone_is_sent_to_the_youth_shelter_not_a_family_or_adult_one(
    directory: DirectoryStore,
) -> None:
    answer = ask(directory, "shelter", SUNDAY_0230, age=17, household={"adults": 0, "children": 1})
    assert names(answer)[0] == "Youth emergency shelter"
    assert "Family emergency shelter" not in names(answer)
    assert all((r.eligibility.minimum_age or 0) <= 17 for r in answer.referrals)


def test_an_adult_alone_is_sent_to_an_adult_shelter_not_a_family_or_youth_one(directory: DirectoryStore) -> None:
    answer = ask(directory, "shelter", SUNDAY_0230, age=40, household={"adults": 1, "children": 0})
    assert answer.referrals
    assert "Family emergency shelter" not in names(answer)
    assert "Youth emergency shelter" not in names(answer)
    assert all(not r.eligibility.families_only for r in answer.referrals)


def test_a_child_under_the_youth_shelters_age_is_not_sent_there_alone(directory: DirectoryStore) -> None:
    answer = ask(directory, "shelter", SUNDAY_0230, household={"adults": 0, "children": 2, "children_ages": [15, 9]})
    assert "Youth emergency shelter" not in names(answer)


def test_facts_the_caller_did_not_give_never_exclude_a_place(directory: DirectoryStore) -> None:
    unknown = {r.name for r in ask(directory, "shelter", SUNDAY_0230).referrals}
    assert "Family emergency shelter" in unknown


def test_a_place_speaking_the_callers_language_comes_first_among_open_ones(directory: DirectoryStore) -> None:
    monday_noon = MONDAY_1500 - timedelta(hours=3)
    plain = ask(directory, "vouchers", monday_noon, BROADWAY)
    vietnamese = ask(directory, "vouchers", monday_noon, BROADWAY, language="vi")
    first = vietnamese.referrals[0]
    assert first.open_now
    assert "vi" in first.languages
    assert "vi" not in plain.referrals[0].languages  # nearer, but not in the caller's language
    assert (plain.referrals[0].distance_km or 0) < (first.distance_km or 0)


def test_a_pothole_in_oro_valley_names_oro_valley_and_reads_nothing(
    directory: DirectoryStore, count_calls: list[str]
) -> None:
    answer = ask(directory, "pothole", WEDNESDAY_NOON, ORO_VALLEY)
    assert answer.jurisdiction == "Town of Oro Valley"
    assert answer.referrals == []
    assert not answer.gap
    assert answer.responsible.url == "https://www.orovalleyaz.gov"
    assert answer.notice is not None
    assert "Oro Valley" in answer.notice
    assert "Tucson" in answer.notice
    assert "520-555" not in answer.notice  # a placeholder number is not read out as real
    assert count_calls == []


def test_a_pothole_in_the_city_goes_to_the_department_desk(directory: DirectoryStore) -> None:
    answer = ask(directory, "pothole", WEDNESDAY_NOON)
    [desk] = answer.referrals
    assert desk.agency_responsible == "dtm"
    assert desk.url
    assert desk.distance_km is None
    assert desk.open_now


def test_other_is_a_gap_recorded_once_per_request(
    stack: InProcessStack, directory: DirectoryStore, gaps: GapLog
) -> None:
    query = ReferralQuery(service_code="other", **DOWNTOWN)
    first = refer(query, directory, gaps=gaps, service_request_id="5203318842", description="Bees in the library")
    again = refer(query, directory, gaps=gaps, service_request_id="5203318842", description="Bees in the library")
    assert first.gap
    assert first.gap_reason == "no-workflow"
    assert again.gap
    recorded = [
        g
        for g in GapStore(stack.output("ServiceRequestsTableName")).between(
            clock.now() - timedelta(hours=1), clock.now() + timedelta(hours=1)
        )
        if g.service_request_id == "5203318842"
    ]
    assert len(recorded) == 1
    [gap] = recorded
    assert gap.id == "req-5203318842"
    assert gap.area.jurisdiction == "City of Tucson"
    assert gap.area.label.startswith("City of Tucson, ")
    assert gap.description == "Bees in the library"


def test_an_unknown_code_is_bad_input(directory: DirectoryStore) -> None:
    with pytest.raises(InvalidInput, match="not in the catalog"):
        ask(directory, "unicorns", WEDNESDAY_NOON)


def test_a_time_without_an_offset_is_tucson_time(directory: DirectoryStore) -> None:
    answer = ask(directory, "food", datetime(2026, 12, 2, 12, 0))
    assert answer.at == "2026-12-02T12:00:00-07:00"


def test_the_household_needs_at_least_one_person() -> None:
    with pytest.raises(ValueError, match="at least one person"):
        Household(adults=0, children=0)


def test_the_household_lists_one_age_under_18_per_child() -> None:
    with pytest.raises(ValueError, match="2 ages for 1 children"):
        Household(adults=1, children=1, children_ages=[3, 4])
    with pytest.raises(ValueError, match="from 0 to 17"):
        Household(adults=1, children=1, children_ages=[18])


@pytest.fixture
def count_calls() -> Iterator[list[str]]:
    calls: list[str] = []

    def count(event_name: str, **_: object) -> None:
        calls.append(event_name.rsplit(".", 1)[-1])

    events = aws.dynamodb().meta.events
    events.register("before-call.dynamodb", count)
    yield calls
    events.unregister("before-call.dynamodb", count)


def test_a_referral_reads_one_item_and_a_shelter_referral_adds_one_batch_of_bed_counts(
    directory: DirectoryStore, count_calls: list[str]
) -> None:
    ask(directory, "food", WEDNESDAY_NOON)  # warms the pointer cache
    count_calls.clear()
    ask(directory, "food", WEDNESDAY_NOON, BROADWAY)
    assert count_calls == ["GetItem"]
    count_calls.clear()
    ask(directory, "shelter", SUNDAY_0230)
    assert count_calls == ["GetItem", "BatchGetItem"]


def test_distances_are_great_circle_kilometres(directory: DirectoryStore) -> None:
    answer = ask(directory, "food", WEDNESDAY_NOON, BROADWAY)
    first = answer.referrals[0]
    assert first.lat is not None
    assert first.long is not None
    assert first.distance_km == round(distance_km(BROADWAY["lat"], BROADWAY["long"], first.lat, first.long), 2)


def test_the_status_note_names_the_place_its_phone_and_hours_in_spanish(directory: DirectoryStore) -> None:
    answer = ask(directory, "food", WEDNESDAY_NOON, BROADWAY, language="es")
    note = referral_note(answer, "es")
    first = answer.referrals[0]
    assert note.startswith(f"Referencia: {first.organization} – {first.name}")
    assert first.phone is not None
    assert first.phone in note
    assert "Horario:" in note
    assert "abierto ahora" in note
    assert len(note) <= 800


def test_the_status_note_for_a_gap_says_staff_will_follow_up(directory: DirectoryStore) -> None:
    note = referral_note(ask(directory, "other", WEDNESDAY_NOON), "en")
    assert "311 staff have been told" in note


def test_the_status_note_outside_the_city_names_who_serves_it(directory: DirectoryStore) -> None:
    note = referral_note(ask(directory, "pothole", WEDNESDAY_NOON, ORO_VALLEY, language="es"), "es")
    assert "Oro Valley" in note
    assert note.startswith("Este lugar corresponde")
