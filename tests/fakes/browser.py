"""A real headless browser for web-page tests: Debian's chromium, driven over the DevTools protocol.

``chromium_binary()`` installs the ``chromium`` package with apt-get when it is missing (tests run
as root in CI, like nginx for the ALB stand-in). ``Chromium`` starts one headless browser with a
fresh profile and talks CDP to its first page over the ``websockets`` client.
"""

from __future__ import annotations

import base64
import contextlib
import itertools
import json
import os
import re
import shutil
import subprocess
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

from websockets.sync.client import connect

from tests.fakes.server_process import stop_process

# Debian's package first; a Chrome already on the machine (CI runners) speaks the same protocol.
CANDIDATES = ("chromium", "chromium-browser", "/usr/bin/chromium", "google-chrome", "google-chrome-stable")


def chromium_binary() -> str:
    for candidate in CANDIDATES:
        found = shutil.which(candidate)
        if found:
            return found
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        raise RuntimeError("chromium is not installed (apt-get install -y chromium chromium-driver)")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    install = ["apt-get", "install", "-y", "--no-install-recommends", "chromium", "chromium-driver"]
    if subprocess.run(install, env=env, capture_output=True).returncode != 0:
        subprocess.run(["apt-get", "update"], env=env, capture_output=True, check=True)
        subprocess.run(install, env=env, capture_output=True, check=True)
    return chromium_binary()


class Chromium:
    def __init__(self, ws_url: str):
        self._ws = connect(ws_url, max_size=None, open_timeout=30).__enter__()
        self._ids = itertools.count(1)
        self.events: list[dict] = []
        self.send("Page.enable")
        self.send("Runtime.enable")

    def send(self, method: str, **params) -> dict:
        message_id = next(self._ids)
        self._ws.send(json.dumps({"id": message_id, "method": method, "params": params}))
        while True:
            message = json.loads(self._ws.recv(timeout=30))
            if message.get("id") == message_id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message.get("result", {})
            self.events.append(message)

    def _wait_event(self, method: str, timeout: float = 20) -> dict:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for index, event in enumerate(self.events):
                if event.get("method") == method:
                    return self.events.pop(index)
            with contextlib.suppress(TimeoutError):
                self.events.append(json.loads(self._ws.recv(timeout=max(0.1, deadline - time.monotonic()))))
        raise TimeoutError(f"no {method} within {timeout}s")

    def navigate(self, url: str) -> None:
        self.events.clear()
        self.send("Page.navigate", url=url)
        self._wait_event("Page.loadEventFired")

    def evaluate(self, expression: str):
        result = self.send("Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in result:
            raise RuntimeError(result["exceptionDetails"])
        return result["result"].get("value")

    def click_and_wait(self, selector: str) -> None:
        """Click an element that submits a form, and wait until the next document has loaded."""
        self.events.clear()
        self.evaluate(f"document.querySelector({json.dumps(selector)}).click()")
        self._wait_event("Page.loadEventFired")

    def wait_for_load(self) -> None:
        self._wait_event("Page.loadEventFired")

    def url(self) -> str:
        return self.evaluate("location.href")

    def frames(self) -> list[dict]:
        """The child frames of the page: their URL and, for an error page, the URL that failed."""
        tree = self.send("Page.getFrameTree")["frameTree"]
        return [child["frame"] for child in tree.get("childFrames", [])]

    def screenshot(self, path: Path) -> Path:
        path.write_bytes(base64.b64decode(self.send("Page.captureScreenshot", format="png")["data"]))
        return path

    def close(self) -> None:
        self._ws.close()


@contextlib.contextmanager
def run_chromium(window: str = "1000,1200") -> Iterator[Chromium]:
    profile = tempfile.mkdtemp(prefix="chromium-profile-")
    process = subprocess.Popen(
        [
            chromium_binary(),
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-dev-shm-usage",
            "--remote-debugging-address=127.0.0.1",
            "--remote-debugging-port=0",
            # Every frame in the page's own process, so Page.getFrameTree shows cross-site frames too.
            "--disable-site-isolation-trials",
            "--disable-features=IsolateOrigins,site-per-process",
            f"--user-data-dir={profile}",
            f"--window-size={window}",
            "about:blank",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    browser = None
    try:
        port = None
        deadline = time.monotonic() + 60
        while port is None and time.monotonic() < deadline:
            line = process.stderr.readline()
            if not line and process.poll() is not None:
                raise RuntimeError(f"chromium exited with {process.returncode}")
            match = re.search(r"DevTools listening on ws://127\.0\.0\.1:(\d+)/", line)
            if match:
                port = int(match.group(1))
        if port is None:
            raise TimeoutError("chromium did not open its DevTools port")
        pages = json.load(urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=10))
        page = next(p for p in pages if p.get("type") == "page")
        browser = Chromium(page["webSocketDebuggerUrl"])
        yield browser
    finally:
        if browser is not None:
            with contextlib.suppress(Exception):
                browser.close()
        stop_process(process, timeout=10)
        shutil.rmtree(profile, ignore_errors=True)
