"""Open a page in headless Chromium over the DevTools protocol and report what a person would
see: console errors, every request the page made, the text of its sections, and a screenshot.

Only the system Chromium is used (Debian `chromium`); nothing is downloaded. Test tooling, used only by
tests/test_report_browser.py, so it lives here and not in the package.
"""

from __future__ import annotations

import base64
import json
import shutil
import subprocess
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import websocket

CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
    "--remote-debugging-port=0",
    "--window-size=1280,1800",
]


def find_chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


@dataclass
class PageReport:
    url: str
    console_errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    evaluated: Any = None
    screenshot: Path | None = None


CALL_TIMEOUT_S = 30.0


class _Cdp:
    def __init__(self, ws_url: str) -> None:
        self.ws = websocket.create_connection(ws_url, timeout=CALL_TIMEOUT_S, suppress_origin=True)
        self.next_id = 0
        self.events: list[dict[str, Any]] = []

    def call(self, method: str, **params: Any) -> dict[str, Any]:
        self.next_id += 1
        my_id = self.next_id
        # wait_for and drain shorten the socket's timeout; a call (a screenshot on a busy machine) gets
        # the full one back, or it fails with a WebSocketTimeoutException under load.
        self.ws.settimeout(CALL_TIMEOUT_S)
        self.ws.send(json.dumps({"id": my_id, "method": method, "params": params}))
        while True:
            msg = json.loads(self.ws.recv())
            if msg.get("id") == my_id:
                if "error" in msg:
                    raise RuntimeError(f"{method}: {msg['error']}")
                return msg.get("result", {})  # type: ignore[no-any-return]
            self.events.append(msg)

    def wait_for(self, method: str, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while not any(e.get("method") == method for e in self.events):
            if time.monotonic() > deadline:
                raise TimeoutError(f"no {method} within {timeout} s")
            self.ws.settimeout(max(0.1, deadline - time.monotonic()))
            self.events.append(json.loads(self.ws.recv()))

    def drain(self, seconds: float) -> None:
        """Collect events for a while (late console errors, late requests)."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            self.ws.settimeout(max(0.05, deadline - time.monotonic()))
            try:
                self.events.append(json.loads(self.ws.recv()))
            except websocket.WebSocketTimeoutException:
                break


def open_page(
    page: Path,
    expression: str,
    screenshot: Path | None = None,
    chromium: str | None = None,
    settle_s: float = 1.0,
) -> PageReport:
    """Load `page`, evaluate `expression` (JSON-serialisable result), optionally save a full-page
    PNG; return console errors and every request the page made besides itself."""
    binary = chromium or find_chromium()
    if binary is None:
        raise FileNotFoundError("chromium not found")
    url = page.resolve().as_uri()
    with tempfile.TemporaryDirectory(prefix="pairbench-chromium-") as profile:
        proc = subprocess.Popen(
            [binary, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "about:blank"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            port_file = Path(profile) / "DevToolsActivePort"
            deadline = time.monotonic() + 30
            while not (port_file.is_file() and port_file.read_text().strip()):
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"chromium did not start (exit {proc.poll()})")
                time.sleep(0.1)
            port = port_file.read_text().split()[0]
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=10) as resp:
                targets = json.load(resp)
            target = next(t for t in targets if t.get("type") == "page")
            cdp = _Cdp(target["webSocketDebuggerUrl"])
            for domain in ("Page", "Runtime", "Log", "Network"):
                cdp.call(f"{domain}.enable")
            cdp.events.clear()
            cdp.call("Page.navigate", url=url)
            cdp.wait_for("Page.loadEventFired")
            cdp.drain(settle_s)
            result = cdp.call("Runtime.evaluate", expression=expression, returnByValue=True)
            report = PageReport(url=url, evaluated=result.get("result", {}).get("value"))
            if screenshot is not None:
                metrics = cdp.call("Page.getLayoutMetrics")
                size = metrics.get("cssContentSize") or metrics["contentSize"]
                shot = cdp.call(
                    "Page.captureScreenshot",
                    format="png",
                    captureBeyondViewport=True,
                    clip={
                        "x": 0,
                        "y": 0,
                        "width": size["width"],
                        "height": min(size["height"], 12000),
                        "scale": 1,
                    },
                )
                screenshot.parent.mkdir(parents=True, exist_ok=True)
                screenshot.write_bytes(base64.b64decode(shot["data"]))
                report.screenshot = screenshot
            cdp.ws.close()
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
    for e in cdp.events:
        method, params = e.get("method"), e.get("params", {})
        if method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
            report.console_errors.append(
                " ".join(str(a.get("value", a.get("description", ""))) for a in params.get("args", []))
            )
        elif method == "Runtime.exceptionThrown":
            details = params.get("exceptionDetails", {})
            report.console_errors.append(str(details.get("exception", {}).get("description") or details.get("text")))
        elif method == "Log.entryAdded" and params.get("entry", {}).get("level") == "error":
            report.console_errors.append(str(params["entry"].get("text")))
        elif method == "Network.requestWillBeSent":
            req_url = params.get("request", {}).get("url", "")
            if req_url != url:
                report.requests.append(req_url)
    return report
