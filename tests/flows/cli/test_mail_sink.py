"""`ladder mail sink` as a person runs it: a real process, a real SMTP client, Ctrl-C."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from email.message import EmailMessage
from pathlib import Path

import pytest

from notifications.transport import SmtpConfig, SmtpTransport

pytestmark = pytest.mark.integration

LADDER = [sys.executable, "-c", "from flows.cli import main; main()"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _start(port: int, folder: Path) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[3])}
    return subprocess.Popen(
        [*LADDER, "mail", "sink", "--port", str(port), "--folder", str(folder)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


def _wait_listening(port: int, process: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert process.poll() is None, process.communicate()
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise AssertionError("the sink never listened")


def test_the_sink_keeps_a_message_and_stops_cleanly_on_ctrl_c(tmp_path: Path) -> None:
    port, folder = _free_port(), tmp_path / "mail"
    process = _start(port, folder)
    try:
        _wait_listening(port, process)
        message = EmailMessage()
        message["From"], message["To"], message["Subject"] = "a@example.org", "b@example.org", "hi"
        message.set_content("hello")
        # Sent the way Ladder sends: through its yagmail transport.
        config = SmtpConfig(host="127.0.0.1", port=port)
        with SmtpTransport(config, envelope_from="a@example.org") as transport:
            transport.send(message)
        # A second sink on the same port is refused with one clear line, not a traceback.
        second = _start(port, tmp_path / "other")
        out, err = second.communicate(timeout=60)
        assert second.returncode == 1
        assert "cannot listen on 127.0.0.1:" in err and "try --port" in err
        assert "Traceback" not in err
    finally:
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=60)
    assert process.returncode == 0, err
    assert "Traceback" not in err
    assert f"SMTP sink on 127.0.0.1:{port}" in out
    stored = list(folder.glob("*.eml"))
    assert len(stored) == 1 and b"Subject: hi" in stored[0].read_bytes()
    # Mail holds names and addresses: the folder the sink made and each message are private.
    assert folder.stat().st_mode & 0o777 == 0o700
    assert stored[0].stat().st_mode & 0o777 == 0o600
