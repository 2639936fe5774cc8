"""A headless Chromium driven over the DevTools protocol, for the HTML report's tests and benchmark.

Chromium's ``--remote-debugging-pipe`` reads protocol messages (JSON, each ended
by a NUL byte) from file descriptor 3 and writes its answers to descriptor 4: no
port is opened and no client library is needed. This client opens a page,
evaluates expressions in it and takes screenshots, which is all the tests need.
"""

from __future__ import annotations

import base64
import fcntl
import json
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "chrome")


def find_chromium() -> str | None:
    return next((found for name in CANDIDATES if (found := shutil.which(name)) is not None), None)


class BrowserError(RuntimeError):
    pass


class Browser:
    """One headless Chromium process and one page (``open`` loads a URL into it)."""

    def __init__(self, executable: str, width: int = 1400, height: int = 1000, timeout: float = 60.0) -> None:
        self.timeout = timeout
        self._profile = tempfile.mkdtemp(prefix="k8slint-chromium-")
        to_child_read, self._to_child = os.pipe()
        self._from_child, from_child_write = os.pipe()
        # above the numbers the child needs, so that placing them at 3 and 4 cannot clobber one another
        high_read, high_write = fcntl.fcntl(to_child_read, fcntl.F_DUPFD, 10), fcntl.fcntl(from_child_write, fcntl.F_DUPFD, 10)
        os.close(to_child_read)
        os.close(from_child_write)

        def place_pipes() -> None:
            os.dup2(high_read, 3)
            os.dup2(high_write, 4)

        arguments = [
            executable,
            "--headless",
            "--no-sandbox",  # the tests run as root in containers, where Chromium's sandbox cannot start
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--no-first-run",
            "--no-default-browser-check",
            "--remote-debugging-pipe",
            f"--user-data-dir={self._profile}",
            f"--window-size={width},{height}",
            "about:blank",
        ]
        self._process = subprocess.Popen(
            arguments,
            pass_fds=(3, 4),  # kept open in the child, where place_pipes put the pipes (it runs before the others are closed)
            preexec_fn=place_pipes,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        os.close(high_read)
        os.close(high_write)
        self._buffer = b""
        self._next_id = 0
        self._session: str | None = None
        try:
            target = self.call("Target.createTarget", {"url": "about:blank"})["targetId"]
            self._session = self.call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
            self.call("Page.enable")
            self.call("Runtime.enable")
        except BaseException:
            self.close()  # the process and the profile folder go too
            raise

    @staticmethod
    def version(executable: str) -> str:
        """``Chromium 120.0.6099.224`` (what ``--version`` prints, first line)."""
        found = subprocess.run([executable, "--version"], capture_output=True, text=True, timeout=60)
        return (found.stdout.strip().splitlines() or ["Chromium (version unknown)"])[0]

    def call(self, method: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        """Send one command (to the page once attached) and wait for its answer."""
        self._next_id += 1
        message: dict[str, Any] = {"id": self._next_id, "method": method, "params": params or {}}
        if self._session is not None and not method.startswith("Target."):
            message["sessionId"] = self._session
        try:
            os.write(self._to_child, json.dumps(message).encode("utf-8") + b"\0")
        except OSError as exc:
            raise BrowserError(f"Chromium exited ({exc.strerror})") from None
        deadline = time.monotonic() + self.timeout
        while True:
            answer = self._read(deadline)
            if answer.get("id") == self._next_id:
                if "error" in answer:
                    raise BrowserError(f"{method}: {answer['error']}")
                result: dict[str, Any] = answer.get("result", {})
                return result

    def _read(self, deadline: float) -> dict[str, Any]:
        import select

        while b"\0" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self._from_child], [], [], left)[0]:
                raise BrowserError("Chromium did not answer in time")
            chunk = os.read(self._from_child, 1 << 20)
            if not chunk:
                raise BrowserError("Chromium exited")
            self._buffer += chunk
        message, _, self._buffer = self._buffer.partition(b"\0")
        decoded: dict[str, Any] = json.loads(message)
        return decoded

    def open(self, url: str, ready: str = "document.readyState === 'complete'") -> None:
        """Load ``url`` and wait until the expression ``ready`` is true in it."""
        self.call("Page.navigate", {"url": url})
        self.wait_for(ready)

    def wait_for(self, expression: str) -> None:
        deadline = time.monotonic() + self.timeout
        while not self.evaluate(f"(() => {{ try {{ return Boolean({expression}); }} catch (e) {{ return false; }} }})()"):  # mid-navigation
            if time.monotonic() > deadline:
                raise BrowserError(f"timed out waiting for {expression}")
            time.sleep(0.05)

    def evaluate(self, expression: str) -> Any:
        """The value of a JavaScript expression in the page (a promise is awaited)."""
        answer = self.call("Runtime.evaluate", {"expression": expression, "returnByValue": True, "awaitPromise": True})
        if "exceptionDetails" in answer:
            raise BrowserError(f"{expression}: {answer['exceptionDetails'].get('text')} {answer['exceptionDetails'].get('exception', {})}")
        return answer["result"].get("value")

    def screenshot(self, path: Path, full_page: bool = True) -> Path:
        params: dict[str, Any] = {"format": "png"}
        if full_page:
            size = self.evaluate("[document.documentElement.scrollWidth, document.documentElement.scrollHeight]")
            params["clip"] = {"x": 0, "y": 0, "width": size[0], "height": min(size[1], 8000), "scale": 1}
            params["captureBeyondViewport"] = True
        data = self.call("Page.captureScreenshot", params)["data"]
        path.write_bytes(base64.b64decode(data))
        return path

    def close(self) -> None:
        self._session = None
        try:
            self.call("Browser.close")
        except BrowserError:
            pass
        try:
            self._process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        for fd in (self._to_child, self._from_child):
            try:
                os.close(fd)
            except OSError:
                pass
        shutil.rmtree(self._profile, ignore_errors=True)

    def __enter__(self) -> Browser:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
