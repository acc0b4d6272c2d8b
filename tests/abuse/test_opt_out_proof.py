"""Over HTTP, with every function held to its IAM role: only a number's owner can stop its texts through the API."""

from __future__ import annotations

import requests

from tests.abuse.support import new_client, post_request
from tests.integration.conftest import RunningStack


def opt_out(stack: RunningStack, api_key: str, token: str | None = None, **fields: str) -> requests.Response:
    headers = {"X-Request-Token": token} if token else {}
    return requests.post(
        f"{stack.api}/open311/v2/phone_opt_outs.json", data={"api_key": api_key} | fields, headers=headers, timeout=30
    )


def test_a_number_is_stopped_with_its_requests_secret_and_never_with_a_key_alone(abuse_stack: RunningStack) -> None:
    api_key = new_client(abuse_stack)
    posted = post_request(abuse_stack, api_key, phone="520-555-0177", notify="true")
    assert posted.status_code == 200, posted.text
    receipt = posted.json()[0]

    # A key of its own for each try: the suite's quota is three writes a minute.
    stranger = opt_out(abuse_stack, new_client(abuse_stack), phone="520-555-0177")
    wrong_token = opt_out(
        abuse_stack, new_client(abuse_stack), "not-the-secret", service_request_id=receipt["service_request_id"]
    )
    owner = opt_out(
        abuse_stack, new_client(abuse_stack), receipt["token"], service_request_id=receipt["service_request_id"]
    )

    assert stranger.status_code == 403
    assert "needs proof that it is yours" in stranger.json()[0]["description"]
    assert wrong_token.status_code == 403
    assert owner.status_code == 200, owner.text
    assert owner.json() == {"confirmed": False, "opted_out": True}
