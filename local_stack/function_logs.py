"""Each function's own output (powertools' JSON logs, EMF metrics) in a file of its own, as CloudWatch keeps a log
group per function: `.local/logs/<function>.log`, named after the function's folder under functions/.

Functions run in-process, so they share one sys.stdout. `FunctionOutput` stands in for it: the runtime marks the
thread that is running a function (`running`), and what that thread writes goes to the function's file; anything
else (the stack's own messages) goes to the terminal as before. It must be in place before any function is
imported, since powertools' Logger keeps the stream it found at import.

Listeners (`listen`) read every line a function writes, as CloudWatch Logs reads a log group: that is how the
embedded-metric-format lines become metric data (local_stack/emf.py). They hear the lines whether those go to files
or to the terminal.
"""

from __future__ import annotations

import io
import sys
import threading
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO

_current = threading.local()

# Told of each complete line a function writes: the function's folder name and the line (without its newline).
LineListener = Callable[[str, str], None]
_listeners: list[LineListener] = []
_install_lock = threading.Lock()


@contextmanager
def running(function: str) -> Iterator[None]:
    """Attribute what this thread writes to `function` for the block (nested blocks restore the outer one)."""
    outer = getattr(_current, "function", None)
    _current.function = function
    try:
        yield
    finally:
        _current.function = outer


def clear(folder: Path) -> None:
    """Remove the last stack's logs: state is in memory, so a new stack starts with new logs."""
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.log"):
        old.unlink()


def listen(listener: LineListener) -> Callable[[], None]:
    """Hand every line a function writes to `listener` until the returned function is called."""
    _listeners.append(listener)
    route_stdout()

    def stop() -> None:
        if listener in _listeners:
            _listeners.remove(listener)

    return stop


def route_stdout() -> None:
    """Put a FunctionOutput in front of sys.stdout when someone listens and none is there (a test runner swaps
    sys.stdout between a test's phases, so the runtime calls this before every invocation)."""
    if not _listeners or isinstance(sys.stdout, FunctionOutput):
        return
    with _install_lock:
        if not isinstance(sys.stdout, FunctionOutput):
            sys.stdout = FunctionOutput(sys.stdout, None)


def _tell_listeners(function: str, lines: str) -> None:
    for listener in list(_listeners):
        for line in lines.split("\n"):
            try:
                listener(function, line)
            except Exception:
                # A listener's failure must not become the function's: CloudWatch Logs' never is.
                print(f"local stack: reading {function}'s output failed:\n{traceback.format_exc()}", file=sys.stderr)


class FunctionOutput(io.TextIOBase):
    """A stdout that sends each running function's lines to its log file (or, with no folder, on to the terminal)
    and the rest to the terminal."""

    def __init__(self, terminal: TextIO, folder: Path | None) -> None:
        self.terminal = terminal
        self.folder = folder
        if folder is not None:
            clear(folder)
        self._files: dict[str, TextIO] = {}
        self._lock = threading.Lock()
        self._partial = threading.local()

    def write(self, text: str) -> int:
        function = getattr(_current, "function", None)
        if function is None:
            return self.terminal.write(text)
        # print() writes a line and its newline separately: hold a thread's partial line so lines never interleave.
        partial: dict[str, str] = self._partial.__dict__.setdefault("by_function", {})
        complete, _, partial[function] = (partial.get(function, "") + text).rpartition("\n")
        if not complete:
            return len(text)
        if self.folder is None:
            self.terminal.write(complete + "\n")
        else:
            with self._lock:
                log = self._files.get(function)
                if log is None:
                    log = self._files[function] = (self.folder / f"{function}.log").open("a", encoding="utf-8")
                log.write(complete + "\n")
                log.flush()
        _tell_listeners(function, complete)
        return len(text)

    def flush(self) -> None:
        if getattr(_current, "function", None) is None:
            self.terminal.flush()

    def isatty(self) -> bool:
        return self.terminal.isatty()

    def fileno(self) -> int:
        return self.terminal.fileno()

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return self.terminal.encoding

    def close_files(self) -> None:
        with self._lock:
            for log in self._files.values():
                log.close()
            self._files.clear()
