"""Drive Debian's headless Chromium over the DevTools protocol, with no package beyond the stdlib.

Chromium is started with ``--remote-debugging-pipe``: it reads protocol commands on file
descriptor 3 and writes replies and events on descriptor 4, each message JSON ended by a NUL
byte. So no port is opened, no websocket library is needed and no browser is downloaded: the
tests use ``/usr/bin/chromium`` (``apt-get install -y chromium``, as ``.ci/run`` does) or skip.

Also a script, to save screenshots of a report for the docs::

    python tests/chromium.py runs/campaigns/RUN/report/index.html docs/images
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import json
import os
import select
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-extensions",
    "--remote-debugging-pipe",
)

#: Per plot div of the page: id, drawn by plotly, and how many points, traces and lines it has.
PLOTS_JS = """JSON.stringify([...document.querySelectorAll('.plotly-graph-div')].map(d => ({
  id: d.id,
  drawn: d.classList.contains('js-plotly-plot') && !!d.querySelector('svg.main-svg'),
  points: d.querySelectorAll('.scatterlayer .point').length,
  traces: d.querySelectorAll('.scatterlayer .trace').length,
  lines: d.querySelectorAll('.scatterlayer .js-line').length,
})))"""


class ChromiumError(RuntimeError):
    """The browser did not answer, or answered with an error."""


class Chromium:
    """One headless Chromium with one page; use as a context manager."""

    def __init__(self, binary: Path = CHROMIUM, width: int = 1400, height: int = 1000) -> None:
        self._profile = tempfile.TemporaryDirectory(prefix="anionscreen-chromium-")
        to_browser_r, self._to_browser = os.pipe()
        self._from_browser, from_browser_w = os.pipe()
        # Raise both ends above 9 first, so dup2 onto 3 and 4 cannot overwrite either.
        high = [fcntl.fcntl(fd, fcntl.F_DUPFD, 10) for fd in (to_browser_r, from_browser_w)]

        def wire() -> None:  # runs in the child, before exec
            os.dup2(high[0], 3)
            os.dup2(high[1], 4)

        self._proc = subprocess.Popen(
            [str(binary), *FLAGS, f"--user-data-dir={self._profile.name}",
             f"--window-size={width},{height}", "about:blank"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            pass_fds=(3, 4, *high), preexec_fn=wire,
        )  # fmt: skip
        for fd in (to_browser_r, from_browser_w, *high):
            os.close(fd)
        self._buffer = b""
        self._next_id = 0
        self.events: list[dict[str, Any]] = []
        target = self.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        attached = self.send("Target.attachToTarget", {"targetId": target, "flatten": True})
        self.session = attached["sessionId"]
        for domain in ("Page", "Runtime", "Log", "Network"):
            self.send(f"{domain}.enable", session=True)
        self.send("Emulation.setDeviceMetricsOverride", {"width": width, "height": height,
                  "deviceScaleFactor": 1, "mobile": False}, session=True)  # fmt: skip

    def __enter__(self) -> Chromium:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Stop the browser and remove its profile."""
        with contextlib.suppress(ChromiumError, OSError):
            self.send("Browser.close", timeout=5)
        try:
            self._proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            self._proc.wait()
        for fd in (self._to_browser, self._from_browser):
            with contextlib.suppress(OSError):
                os.close(fd)
        self._profile.cleanup()

    def _read_message(self, deadline: float) -> dict[str, Any]:
        while b"\0" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self._from_browser], [], [], left)[0]:
                raise ChromiumError("no message from chromium before the timeout")
            chunk = os.read(self._from_browser, 1 << 20)
            if not chunk:
                raise ChromiumError(f"chromium closed the pipe (exit code {self._proc.poll()})")
            self._buffer += chunk
        raw, self._buffer = self._buffer.split(b"\0", 1)
        message: dict[str, Any] = json.loads(raw)
        return message

    def send(
        self, method: str, params: dict[str, Any] | None = None, *, session: bool = False,
        timeout: float = 60.0,
    ) -> dict[str, Any]:  # fmt: skip
        """Send one command and return its result; events that arrive meanwhile are kept."""
        self._next_id += 1
        message: dict[str, Any] = {"id": self._next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = self.session
        os.write(self._to_browser, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + timeout
        while True:
            reply = self._read_message(deadline)
            if reply.get("id") == self._next_id:
                if "error" in reply:
                    raise ChromiumError(f"{method}: {reply['error']}")
                result: dict[str, Any] = reply.get("result", {})
                return result
            if "method" in reply:
                self.events.append(reply)

    def wait_for(self, method: str, timeout: float = 60.0) -> dict[str, Any]:
        """Wait for the next event ``method`` (one that already arrived counts)."""
        deadline = time.monotonic() + timeout
        seen = len(self.events)
        for event in self.events:
            if event["method"] == method:
                return event
        while True:
            event = self._read_message(deadline)
            if "method" in event:
                self.events.append(event)
                if event["method"] == method:
                    return event
            seen += 1

    def evaluate(self, expression: str) -> Any:
        """The value of a JavaScript expression in the page."""
        result = self.send("Runtime.evaluate", {"expression": expression, "returnByValue": True,
                                                "awaitPromise": True}, session=True)  # fmt: skip
        if "exceptionDetails" in result:
            raise ChromiumError(f"{expression[:60]}...: {result['exceptionDetails']}")
        return result["result"].get("value")

    def open(self, url: str, timeout: float = 120.0) -> None:
        """Load ``url`` and wait for its load event."""
        self.send("Page.navigate", {"url": url}, session=True)
        self.wait_for("Page.loadEventFired", timeout=timeout)

    def plots(self, timeout: float = 60.0) -> list[dict[str, Any]]:
        """The page's plotly plots once every one is drawn (or as they are at the timeout)."""
        deadline = time.monotonic() + timeout
        while True:
            found: list[dict[str, Any]] = json.loads(self.evaluate(PLOTS_JS))
            if (found and all(p["drawn"] for p in found)) or time.monotonic() > deadline:
                return found
            time.sleep(0.2)

    def problems(self) -> list[str]:
        """Console errors and warnings, uncaught exceptions, and requests that left the page."""
        out = []
        for event in self.events:
            method, params = event["method"], event.get("params", {})
            if method == "Runtime.consoleAPICalled" and params["type"] in (
                "error",
                "warning",
                "assert",
            ):
                args = " ".join(
                    str(a.get("value", a.get("description", ""))) for a in params["args"]
                )
                out.append(f"console.{params['type']}: {args}")
            elif method == "Runtime.exceptionThrown":
                out.append(f"exception: {params['exceptionDetails']}")
            elif method == "Log.entryAdded" and params["entry"]["level"] in ("error", "warning"):
                out.append(f"log {params['entry']['level']}: {params['entry']['text']}")
            elif method == "Network.requestWillBeSent":
                url = params["request"]["url"]
                if not url.startswith(("file://", "data:", "about:")):
                    out.append(f"network request: {url}")
        return out

    def screenshot(
        self, path: Path, selector: str | None = None, height: int | None = None
    ) -> Path:
        """A PNG of the element ``selector`` (its first ``height`` pixels), or of the viewport."""
        params: dict[str, Any] = {"format": "png"}
        if selector is not None:
            box = self.evaluate(
                f"JSON.stringify(document.querySelector({json.dumps(selector)})"
                ".getBoundingClientRect().toJSON())"
            )
            rect = json.loads(box)
            scroll = self.evaluate("window.scrollY")
            params["clip"] = {"x": rect["x"], "y": rect["y"] + scroll, "width": rect["width"],
                              "height": min(rect["height"], height or rect["height"]), "scale": 1}  # fmt: skip
            params["captureBeyondViewport"] = True
        data = self.send("Page.captureScreenshot", params, session=True)["data"]
        path.write_bytes(base64.b64decode(data))
        return path


def _main(page: str, folder: str) -> None:
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    with Chromium() as browser:
        browser.open(Path(page).resolve().as_uri())
        browser.plots()
        for problem in browser.problems():
            print("problem:", problem)
        shots = {
            "report_header.png": ("body", 1100),
            "report_objectives.png": ("#plot-sigma-modulus", None),
            "report_families.png": ("#plot-family-0", None),
            "report_model_sigma.png": (".panel", None),
        }
        for name, (selector, height) in shots.items():
            print(browser.screenshot(out / name, selector, height))


if __name__ == "__main__":
    _main(*sys.argv[1:3])
