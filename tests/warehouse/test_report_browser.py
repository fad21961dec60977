"""The report in a real headless Chromium: every chart renders, the page logs no error, fetches nothing.

Chromium is driven over the DevTools protocol (a websocket; ``websockets`` comes with Prefect).
The test saves a full-page screenshot; set ``JOURNEYS_REPORT_SCREENSHOT=docs/report.png`` to
refresh the one the docs show.
"""

from __future__ import annotations

import base64
import itertools
import json
import os
import shutil
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from report_factories import CHARTS, evaluation, sample_warehouse

from warehouse.db import connect
from warehouse.report import build_report
from warehouse.report.cli_support import open_read_only

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="Chromium is not installed (apt-get install chromium; .ci/run installs it)"
)

# What every chart must show once rendered: its SVGs, their marks and their on-screen size.
_INSPECT = """
(() => Array.from(document.querySelectorAll('[data-chart]')).map(f => {
  const svgs = Array.from(f.querySelectorAll('svg'));
  const boxes = svgs.map(s => s.getBoundingClientRect());
  return {
    name: f.dataset.chart,
    empty: f.dataset.empty === 'true',
    message: (f.querySelector('.empty') || {}).textContent || null,
    svgs: svgs.length,
    marks: f.querySelectorAll('svg .mark').length,
    visibleMarks: Array.from(f.querySelectorAll('svg .mark')).filter(m => {
      const r = m.getBoundingClientRect(); return r.width > 0 && r.height > 0; }).length,
    minWidth: Math.min(...boxes.map(b => b.width)),
    minHeight: Math.min(...boxes.map(b => b.height)),
  };
}))()
"""


class DevTools:
    """A headless Chromium and one page, spoken to over the DevTools protocol."""

    def __init__(self, executable: str, profile: Path) -> None:
        from websockets.sync.client import connect as ws_connect

        profile.mkdir(parents=True, exist_ok=True)
        port_file = profile / "DevToolsActivePort"
        port_file.unlink(missing_ok=True)  # a reused profile keeps the last run's port
        self.process = subprocess.Popen(
            [
                executable,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--hide-scrollbars",
                "--remote-debugging-port=0",
                f"--user-data-dir={profile}",
                "about:blank",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            self.socket = self._connect(port_file, ws_connect)
        except BaseException:
            self.close()
            raise
        self.events: list[dict[str, Any]] = []
        self._ids = itertools.count(1)

    def _connect(self, port_file: Path, ws_connect: Any) -> Any:
        deadline = time.monotonic() + 60
        while not port_file.exists() or not port_file.read_text().strip():
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"Chromium did not start (exit code {self.process.poll()})")
            time.sleep(0.05)
        port = port_file.read_text().split()[0]
        direct = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # never via an http_proxy
        with direct.open(f"http://127.0.0.1:{port}/json/list", timeout=10) as answer:
            page = next(t for t in json.load(answer) if t["type"] == "page")
        return ws_connect(page["webSocketDebuggerUrl"], max_size=None, open_timeout=10)

    def call(self, method: str, **params: Any) -> dict[str, Any]:
        call_id = next(self._ids)
        self.socket.send(json.dumps({"id": call_id, "method": method, "params": params}))
        while True:
            message = json.loads(self.socket.recv(timeout=60))
            if message.get("id") == call_id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return dict(message.get("result", {}))
            self.events.append(message)

    def wait_for(self, event: str) -> None:
        while not any(e.get("method") == event for e in self.events):
            self.events.append(json.loads(self.socket.recv(timeout=60)))

    def open(self, url: str) -> None:
        self.events.clear()
        for domain in ("Page", "Runtime", "Log", "Network"):
            self.call(f"{domain}.enable")
        self.call("Emulation.setDeviceMetricsOverride", width=1400, height=1000, deviceScaleFactor=1, mobile=False)
        self.call("Page.navigate", url=url)
        self.wait_for("Page.loadEventFired")

    def evaluate(self, expression: str) -> Any:
        result = self.call("Runtime.evaluate", expression=expression, returnByValue=True)
        return result["result"].get("value")

    def errors(self) -> list[str]:
        found = []
        for event in self.events:
            method, params = event.get("method"), event.get("params", {})
            if method == "Runtime.exceptionThrown":
                found.append(json.dumps(params["exceptionDetails"])[:300])
            elif method == "Runtime.consoleAPICalled" and params.get("type") in {"error", "assert", "warning"}:
                found.append(json.dumps(params.get("args"))[:300])
            elif method == "Log.entryAdded" and params["entry"].get("level") in {"error", "warning"}:
                found.append(params["entry"].get("text", "")[:300])
            elif method == "Network.loadingFailed":
                found.append(f"failed to load: {params}")
        return found

    def requests(self) -> list[str]:
        return [e["params"]["request"]["url"] for e in self.events if e.get("method") == "Network.requestWillBeSent"]

    def screenshot(self, path: Path) -> Path:
        size = self.call("Page.getLayoutMetrics")["cssContentSize"]
        clip = {"x": 0, "y": 0, "width": 1400, "height": size["height"], "scale": 1}
        shot = self.call("Page.captureScreenshot", format="png", clip=clip, captureBeyondViewport=True)
        path.write_bytes(base64.b64decode(shot["data"]))
        return path

    def close(self) -> None:
        if getattr(self, "socket", None) is not None:
            self.socket.close()
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DevTools]:
    assert CHROMIUM is not None
    devtools = DevTools(CHROMIUM, tmp_path_factory.mktemp("chromium-profile"))
    yield devtools
    devtools.close()


def _build(warehouse: Path, out: Path, *, with_evaluation: bool) -> Path:
    con = open_read_only(warehouse)
    try:
        return build_report(con, evaluation=evaluation() if with_evaluation else None, out=out)
    finally:
        con.close()


def test_every_chart_renders_in_chromium_without_errors(browser: DevTools, tmp_path: Path) -> None:
    warehouse = sample_warehouse(tmp_path / "journeys.duckdb", journeys=300, seed=11)
    out = _build(warehouse, tmp_path / "report.html", with_evaluation=True)
    browser.open(out.as_uri())
    charts = browser.evaluate(_INSPECT)
    assert {c["name"] for c in charts} == CHARTS
    for chart in charts:
        assert not chart["empty"], chart
        assert chart["svgs"] >= 1, chart
        assert chart["visibleMarks"] == chart["marks"] > 0, chart
        assert chart["minWidth"] > 200 and chart["minHeight"] > 40, chart
    assert browser.errors() == []
    assert [u for u in browser.requests() if not u.startswith(("file:", "data:"))] == []
    shot = browser.screenshot(tmp_path / "report.png")
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    target = os.environ.get("JOURNEYS_REPORT_SCREENSHOT")
    if target:
        shutil.copyfile(shot, target)


def test_an_empty_warehouse_renders_no_data_messages_without_errors(browser: DevTools, tmp_path: Path) -> None:
    path = tmp_path / "empty.duckdb"
    connect(path).close()
    out = _build(path, tmp_path / "empty.html", with_evaluation=False)
    browser.open(out.as_uri())
    charts = {c["name"]: c for c in browser.evaluate(_INSPECT)}
    assert set(charts) == CHARTS
    for name, chart in charts.items():
        if name != "channel-preference":  # the shipped preference table renders even without journeys
            assert chart["empty"] and chart["message"], chart
    assert browser.errors() == []
