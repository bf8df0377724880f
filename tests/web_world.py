"""The web app served for real on a free loopback port, and a headless Chromium to use it
as a person would."""

from __future__ import annotations

import shutil
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import uvicorn
from selenium import webdriver
from selenium.webdriver.chrome.service import Service


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def serve(app: Any) -> Iterator[str]:
    """The app on uvicorn in a thread; yields its base URL."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started, "the web app did not start"
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)


@contextmanager
def chromium(width: int = 1280) -> Iterator[webdriver.Chrome]:
    binary, driver = shutil.which("chromium"), shutil.which("chromedriver")
    if not (binary and driver):
        pytest.fail(
            "the browser test needs Debian's chromium and chromium-driver: "
            "`apt-get install chromium chromium-driver` (make test does this)"
        )
    options = webdriver.ChromeOptions()
    options.binary_location = binary
    for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"):
        options.add_argument(flag)
    options.add_argument(f"--window-size={width},900")
    browser = webdriver.Chrome(service=Service(driver), options=options)
    browser.set_page_load_timeout(30)
    try:
        yield browser
    finally:
        browser.quit()


WCAG_22_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


def _axe_source() -> str:
    import os
    import sys
    from pathlib import Path

    given = os.environ.get("LADDER_AXE")
    found = [Path(given)] if given else sorted(Path(sys.prefix).glob("axe-core-*.min.js"))
    if not found or not found[0].exists():
        pytest.fail(
            "the accessibility tests need axe-core from the npm registry: `make test` fetches "
            "it into .venv (or set LADDER_AXE to an axe.min.js)"
        )
    return found[0].read_text(encoding="utf-8")


def accessibility_problems(browser: webdriver.Chrome) -> list[str]:
    """What axe-core finds against WCAG 2.2 AA on the page open now, at its width and at
    390 px (a phone), and whether the page scrolls sideways there. Empty: none."""
    problems: list[str] = []
    width = browser.get_window_size()["width"]
    for size in (width, 390):
        browser.set_window_size(size, 900)
        browser.execute_script(_axe_source())
        result = browser.execute_async_script(
            "const done = arguments[arguments.length - 1];"
            "axe.run(document, {runOnly: {type: 'tag', values: arguments[0]}})"
            ".then(r => done(r.violations.map(v => v.id + ': ' + v.help + ' ('"
            " + v.nodes.map(n => n.target.join(' ')).join(', ') + ')')))"
            ".catch(e => done(['axe failed: ' + e]));",
            WCAG_22_AA,
        )
        problems += [f"at {size} px: {v}" for v in result]
        overflow = browser.execute_script(
            "return document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        if overflow > 0:
            problems.append(f"at {size} px the page scrolls sideways by {overflow} px")
    browser.set_window_size(width, 900)
    return problems
