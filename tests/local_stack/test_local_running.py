"""The commands that need `make run`'s stack say in one line that none answers, instead of an SDK traceback."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from local_stack import call_scripts, running
from local_stack.running import NoStackAnswers, running_stack


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class _Answer(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(404)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        return


@pytest.fixture
def listening() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Answer)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def outputs_file(folder: Path, api_url: str, aws_endpoint: str) -> Path:
    path = folder / "outputs.json"
    info = {"api_url": api_url, "aws_endpoint": aws_endpoint, "region": "us-west-2"}
    path.write_text(json.dumps({**info, "outputs": {"DirectoryTableName": "civic311-local-DirectoryTable"}}))
    return path


def stale_advice(url: str, outputs: Path) -> str:
    left = f"({outputs} is stale, left by a stack that has stopped)"
    return f"no local stack answers at {url}: start it with `make run` {left}"


def test_with_no_outputs_file_the_advice_names_the_default_address(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("PORT", raising=False)
    with pytest.raises(NoStackAnswers) as raised:
        running_stack(tmp_path / "outputs.json")
    assert str(raised.value) == "no local stack answers at http://127.0.0.1:3000: start it with `make run`"


def test_an_outputs_file_left_by_a_stopped_stack_is_called_stale(tmp_path: Path, listening: str) -> None:
    gone = f"http://127.0.0.1:{free_port()}"
    outputs = outputs_file(tmp_path, listening, gone)
    with pytest.raises(NoStackAnswers) as raised:
        running_stack(outputs)
    assert str(raised.value) == stale_advice(gone, outputs)


def test_a_stack_that_answers_is_found_and_its_values_printed(
    tmp_path: Path, listening: str, capsys: pytest.CaptureFixture[str]
) -> None:
    outputs = outputs_file(tmp_path, listening, listening)
    assert running_stack(outputs)["api_url"] == listening
    assert running.main(["--outputs", str(outputs), "--print", "DirectoryTableName", "region"]) == 0
    assert capsys.readouterr().out == "civic311-local-DirectoryTable us-west-2\n"


@pytest.mark.parametrize("command", [running.main, call_scripts.main])
def test_a_command_with_no_stack_prints_one_line_and_exits_non_zero(
    command: object, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    gone = f"http://127.0.0.1:{free_port()}"
    outputs = outputs_file(tmp_path, gone, gone)
    assert command(["--outputs", str(outputs)]) == 2  # type: ignore[operator]
    said = capsys.readouterr()
    assert said.out == ""
    assert said.err.splitlines() == [stale_advice(gone, outputs)]
