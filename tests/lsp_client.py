"""A minimal Language Server Protocol client for the tests: JSON-RPC over a child's stdio.

It frames messages with ``Content-Length`` headers as the specification requires, reads
the server's output on a thread, answers the server's own requests with ``null`` and
bounds every wait with a timeout, so a hung server fails a test instead of hanging it.
"""

from __future__ import annotations

import json
import subprocess
import threading
import time
from collections.abc import Callable
from typing import Any


class LspError(Exception):
    """The server answered a request with an error."""


class LspClient:
    """Speak LSP to ``command`` over its stdin and stdout."""

    def __init__(self, command: list[str], cwd: str) -> None:
        self.process = subprocess.Popen(
            command, cwd=cwd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        self._next_id = 0
        self._responses: dict[int, dict[str, Any]] = {}
        self.notifications: list[tuple[float, dict[str, Any]]] = []
        self._changed = threading.Condition()
        self._write = threading.Lock()  # the reader thread answers server requests too
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    # -- sending

    def _send(self, message: dict[str, Any]) -> None:
        body = json.dumps({"jsonrpc": "2.0", **message}).encode("utf-8")
        assert self.process.stdin is not None
        with self._write:
            self.process.stdin.write(f"Content-Length: {len(body)}\r\n\r\n".encode("ascii") + body)
            self.process.stdin.flush()

    def notify(self, method: str, params: Any) -> float:
        """Send a notification; returns the monotonic time it was sent."""
        self._send({"method": method, "params": params})
        return time.monotonic()

    def request(self, method: str, params: Any, timeout: float = 10.0) -> Any:
        """Send a request and wait for its result."""
        with self._changed:
            self._next_id += 1
            ident = self._next_id
        self._send({"id": ident, "method": method, "params": params})
        response = self._wait(lambda: self._responses.pop(ident, None), timeout, f"the answer to {method}")
        if "error" in response:
            raise LspError(response["error"].get("message", ""))
        return response.get("result")

    # -- receiving

    def wait_notification(
        self, method: str, where: Callable[[dict[str, Any]], bool] = lambda _: True, after: float = 0.0, timeout=5.0
    ) -> tuple[float, dict[str, Any]]:
        """The first ``method`` notification received after ``after`` whose params satisfy ``where``."""

        def find() -> tuple[float, dict[str, Any]] | None:
            for at, message in self.notifications:
                if at >= after and message["method"] == method and where(message["params"]):
                    return at, message["params"]
            return None

        return self._wait(find, timeout, f"a {method} notification")

    def _wait(self, find: Callable[[], Any], timeout: float, what: str) -> Any:
        deadline = time.monotonic() + timeout
        with self._changed:
            while (found := find()) is None:
                left = deadline - time.monotonic()
                if left <= 0 or self.process.poll() is not None:
                    raise TimeoutError(f"no {what} within {timeout} s")
                self._changed.wait(left)
            return found

    def _read(self) -> None:
        stream = self.process.stdout
        assert stream is not None
        while True:
            length = None
            while (line := stream.readline()) not in (b"\r\n", b""):
                name, _, value = line.decode("ascii").partition(":")
                if name.lower() == "content-length":
                    length = int(value)
            if not line or length is None:
                with self._changed:
                    self._changed.notify_all()
                return
            message = json.loads(stream.read(length))
            self._receive(message)

    def _receive(self, message: dict[str, Any]) -> None:
        if "method" in message and "id" in message:  # a request from the server
            self._send({"id": message["id"], "result": None})
            return
        with self._changed:
            if "method" in message:
                self.notifications.append((time.monotonic(), message))
            else:
                self._responses[message["id"]] = message
            self._changed.notify_all()

    # -- lifecycle

    def initialize(self, root_uri: str, timeout: float = 60.0) -> dict[str, Any]:
        """The initialize handshake; returns the server's capabilities.

        The timeout is generous: starting Python and importing the engines takes seconds
        on a loaded machine. Only the answers after start-up are held to tight limits.
        """
        params = {"processId": None, "rootUri": root_uri, "capabilities": {}}
        result = self.request("initialize", params, timeout)
        self.notify("initialized", {})
        return dict(result["capabilities"])

    def stop(self, timeout: float = 5.0) -> int:
        """``shutdown`` then ``exit``; returns the server's exit status."""
        try:
            self.request("shutdown", None, timeout)
            self.notify("exit", None)
            return self.process.wait(timeout)
        finally:
            if self.process.poll() is None:
                self.process.kill()
                self.process.wait(timeout)
