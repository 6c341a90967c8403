"""`rr daemon` as a real process, for the tests that start daemons (test_daemon, test_fencing): a `Daemon`
whose JSON log lines are collected by a thread, the environment a daemon runs in against a rig and an
SMTP sink, and `rr daemon --check`. The `daemons` fixture that kills every daemon a test started is in
conftest.py. Import explicitly: `from daemon_processes import Daemon, daemon_env, start`.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from typing import Any

from conftest_timers import SmtpSink, wait_until

POLL = "0.5"


class Daemon:
    """One `rr daemon` process; its JSON log lines (stderr) are collected by a thread."""

    def __init__(self, env: dict[str, str], *args: str) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "rr_workflow", "daemon", "--poll", POLL, *args],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.lines: list[str] = []
        self._lock = threading.Lock()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            with self._lock:
                self.lines.append(line.rstrip("\n"))

    @property
    def pid(self) -> int:
        return self.process.pid

    def events(self, name: str | None = None) -> list[dict[str, Any]]:
        with self._lock:
            lines = list(self.lines)
        parsed = []
        for line in lines:
            try:
                record = json.loads(line)
            except ValueError:
                record = {"event": "not-json", "line": line}
            if name is None or record.get("event") == name:
                parsed.append(record)
        return parsed

    def wait_for(self, event: str, timeout: float) -> bool:
        return wait_until(
            lambda: bool(self.events(event)) or self.process.poll() is not None, timeout
        ) and bool(self.events(event))

    def terminate(self, timeout: float = 10, how: signal.Signals = signal.SIGTERM) -> int:
        self.process.send_signal(how)
        return self.process.wait(timeout=timeout)

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(timeout=10)

    def finish(self) -> None:
        self.kill()
        self._reader.join(timeout=5)


def daemon_env(rig: Any, sink: SmtpSink) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "RR_NOW"}  # the real clock
    env.update(
        RR_HOME=str(rig.home),
        RR_USER="coord",
        RR_SMTP_HOST="127.0.0.1",
        RR_SMTP_PORT=str(sink.port),
        RR_SMTP_STARTTLS="0",
        RR_MAIL_FROM="rr-workflow@lscp.example",
    )
    if rig.url.startswith("postgresql"):
        env["RR_DATABASE_URL"] = rig.url
    else:
        env.pop("RR_DATABASE_URL", None)
    return env


def start(daemons: list[Daemon], env: dict[str, str]) -> Daemon:
    daemon = Daemon(env)
    daemons.append(daemon)
    return daemon


def check(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "rr_workflow", "daemon", "--check"],
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=30,
    )
