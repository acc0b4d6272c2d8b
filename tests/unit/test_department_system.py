"""The Open311 client that talks to a department's own system, against a real HTTP server on this machine."""

from __future__ import annotations

import socket
import threading
import time

import pytest

from civic311.errors import DependencyUnavailable
from civic311.store.departments import DepartmentRefused, DepartmentSystem
from tests.department_server import Answer, Department, department, json_answer

__all__ = ["department"]  # the fixture


def system(department: Department, timeout: float = 2.0) -> DepartmentSystem:
    return DepartmentSystem("dtm", department.url, "their-key", "tucsonaz.gov", timeout=timeout)


FIELDS = [("service_code", "PH-1"), ("lat", "32.2216"), ("long", "-110.9262"), ("attribute[hole_size]", "large")]


def test_a_new_request_is_posted_as_a_georeport_form_with_the_key_jurisdiction_and_idempotency_key(
    department: Department,
) -> None:
    department.answer = json_answer(200, [{"service_request_id": "638344", "service_notice": ""}])
    forwarded = system(department).create(FIELDS, idempotency_key="civic311-1234567890")
    assert (forwarded.service_request_id, forwarded.token) == ("638344", None)
    [sent] = department.seen
    assert (sent["method"], sent["path"]) == ("POST", "/open311/v2/requests.json")
    assert sent["form"] == {
        "api_key": ["their-key"],
        "jurisdiction_id": ["tucsonaz.gov"],
        "service_code": ["PH-1"],
        "lat": ["32.2216"],
        "long": ["-110.9262"],
        "attribute[hole_size]": ["large"],
    }
    assert sent["headers"]["Idempotency-Key"] == "civic311-1234567890"


def test_a_department_that_gives_a_token_first_is_asked_for_the_id_later(department: Department) -> None:
    department.answer = json_answer(200, [{"token": "abc-123"}])
    forwarded = system(department).create(FIELDS, idempotency_key="k")
    assert (forwarded.service_request_id, forwarded.token) == (None, "abc-123")
    department.answer = json_answer(200, [{"service_request_id": "638345", "token": "abc-123"}])
    assert system(department).id_for_token("abc-123") == "638345"
    assert department.seen[-1]["path"] == "/open311/v2/tokens/abc-123.json"
    department.answer = json_answer(404, [{"code": 404, "description": "not yet"}])
    assert system(department).id_for_token("abc-123") is None


def test_a_refusal_with_georeports_error_list_is_final_and_says_what_the_department_said(
    department: Department,
) -> None:
    department.answer = json_answer(400, [{"code": 400, "description": "service_code PH-1 is not known"}])
    with pytest.raises(DepartmentRefused, match=r"\(400\): service_code PH-1 is not known"):
        system(department).create(FIELDS, idempotency_key="k")


@pytest.mark.parametrize("status", [500, 502, 503, 429])
def test_a_department_that_is_down_or_busy_is_worth_retrying(department: Department, status: int) -> None:
    department.answer = json_answer(status, [{"code": status, "description": "try later"}])
    with pytest.raises(DependencyUnavailable, match=f"answered {status}: try later"):
        system(department).create(FIELDS, idempotency_key="k")


def test_malformed_json_from_the_department_is_retried_not_trusted(department: Department) -> None:
    department.answer = lambda: (200, {"Content-Type": "application/json"}, b"[{'service_request_id': 1")
    with pytest.raises(DependencyUnavailable, match="malformed JSON"):
        system(department).create(FIELDS, idempotency_key="k")


def test_an_answer_with_neither_id_nor_token_is_not_taken_as_forwarded(department: Department) -> None:
    department.answer = json_answer(200, [{"service_notice": "thanks"}])
    with pytest.raises(DependencyUnavailable, match="without a service_request_id or token"):
        system(department).create(FIELDS, idempotency_key="k")


def test_a_department_that_hangs_costs_the_deadline_not_the_invocation(department: Department) -> None:
    def hang() -> Answer:
        time.sleep(5)
        return 200, {}, b"[]"

    department.answer = hang
    started = time.monotonic()
    with pytest.raises(DependencyUnavailable, match="did not answer"):
        system(department, timeout=0.5).create(FIELDS, idempotency_key="k")
    assert time.monotonic() - started < 3


def test_an_answer_over_a_megabyte_is_refused(department: Department) -> None:
    department.answer = lambda: (200, {}, b"[" + b" " * 1_100_000 + b"]")
    with pytest.raises(DependencyUnavailable, match="over 1 MB"):
        system(department).statuses(["1"])


def test_a_redirect_is_not_followed_to_wherever_it_points(department: Department) -> None:
    department.answer = lambda: (302, {"Location": "http://169.254.169.254/latest/meta-data/"}, b"")
    with pytest.raises(DepartmentRefused, match=r"\(302\)"):
        system(department).create(FIELDS, idempotency_key="k")
    assert len(department.seen) == 1


def test_a_department_that_is_not_listening_is_worth_retrying() -> None:
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    closed = Department(url=f"http://127.0.0.1:{port}/open311/v2")
    with pytest.raises(DependencyUnavailable, match="did not answer"):
        system(closed).create(FIELDS, idempotency_key="k")


def test_statuses_are_asked_for_many_ids_at_once_and_read_leniently(department: Department) -> None:
    department.answer = json_answer(
        200,
        [
            {"service_request_id": "1", "status": "Closed", "status_notes": "Patched."},
            {"service_request_id": 2, "status": "open"},
            {"status": "closed"},
            "not an object",
        ],
    )
    found = system(department).statuses(["1", "2"])
    assert [(s.service_request_id, s.status, s.status_notes) for s in found] == [
        ("1", "closed", "Patched."),
        ("2", "open", None),
    ]
    assert department.seen[0]["query"] == {"jurisdiction_id": ["tucsonaz.gov"], "service_request_id": ["1,2"]}


def test_an_answer_that_is_not_http_is_worth_retrying() -> None:
    with socket.socket() as listening:
        listening.bind(("127.0.0.1", 0))
        listening.listen(1)
        port = listening.getsockname()[1]

        def babble() -> None:
            connection, _ = listening.accept()
            with connection:
                connection.recv(65536)
                connection.sendall(b"SSH-2.0-OpenSSH_9.6\r\n")

        thread = threading.Thread(target=babble, daemon=True)
        thread.start()
        with pytest.raises(DependencyUnavailable, match="did not answer"):
            system(Department(url=f"http://127.0.0.1:{port}/open311/v2")).create(FIELDS, idempotency_key="k")
        thread.join(timeout=5)
