"""Every failure of the environment is one line and a non-zero exit, and leaves nothing half-written
(docs/security.md): a full disk during `rr scoping send` and `rr tick`, a file name too long, a database
URL that is not one, another account running `rr`, `rr daemon --poll nan`. Real processes; the full disk
is a real file-size limit (RLIMIT_FSIZE) on the process.
"""

from __future__ import annotations

import os
import resource
import secrets
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest


def env_of(rr: Any, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RR_")}
    env.update({k: v for k, v in rr.env().items() if v is not None})
    env.update(extra)
    return env


def run(
    rr: Any, args: str, limit_bytes: int | None = None, user: str | None = None, **extra: str
) -> subprocess.CompletedProcess[str]:
    def limit() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG instead
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit_bytes, limit_bytes))

    return subprocess.run(
        [sys.executable, "-m", "rr_workflow", *shlex.split(args)],
        env=env_of(rr, **extra),
        capture_output=True,
        text=True,
        timeout=120,
        preexec_fn=limit if limit_bytes is not None else None,
        user=user,
        cwd="/",
    )


def assert_one_line(done: subprocess.CompletedProcess[str], code: int | None = None) -> None:
    assert done.returncode != 0 and (code is None or done.returncode == code), done
    assert "Traceback" not in done.stderr, done.stderr
    assert len(done.stderr.splitlines()) == 1 and done.stderr.startswith("rr: error: "), done.stderr


def partnership(rr: Any) -> None:
    rr.now = "2026-12-21T09:00"
    rr.ok("init", "--training")
    for key in ("la", "police", "health"):
        rr.ok(
            "agency", "add", key, "--name", key.title(), "--email", f"{key}@agency.example", "--partner", key
        )
    rr.ok("case", "open", "RR-1", "--received", "2026-12-21", "--aware", "2026-12-18", "--referrer", "police")


def test_a_full_disk_during_scoping_send_is_one_line_and_half_writes_nothing(rr: Any) -> None:
    """Planted bug: no last-resort handler (an OSError traceback). SQLite: the database's own file cannot
    grow, so nothing of the step is kept. PostgreSQL: the step commits, and its letters (written after the
    commit) cannot be: one line says so, no half-written file is left, and `rr tick` writes them once there
    is room."""
    partnership(rr)
    before = rr.snapshot()
    files_before = sorted(p for p in rr.home.rglob("*") if p.is_file() and "rr.sqlite3" not in p.name)
    done = run(rr, "scoping send RR-1 la police health", limit_bytes=4096)
    assert_one_line(done, 1)
    files_after = sorted(p for p in rr.home.rglob("*") if p.is_file() and "rr.sqlite3" not in p.name)
    assert [p for p in files_after if p not in files_before and not p.name.endswith(".part")] == []
    if rr.backend == "sqlite":
        assert "nothing was saved" in done.stderr
        assert rr.snapshot() == before
        return
    assert "the step is saved, but its letters are not written yet" in done.stderr
    assert rr.json("case", "show", "RR-1")["state"] == "scoping"
    assert rr.json("doc", "list", "RR-1") == []
    rr.ok("tick")
    kinds = sorted(d["kind"] for d in rr.json("doc", "list", "RR-1"))
    assert kinds.count("scoping_request") == 3, kinds


def test_a_full_disk_during_tick_is_one_line_and_leaves_no_mail_sending(rr: Any) -> None:
    partnership(rr)
    rr.ok("scoping", "send", "RR-1", "la", "police", "health")
    rr.now = "2027-02-01T09:00"
    done = run(rr, "tick", limit_bytes=4096, RR_NOW="2027-02-01T09:00")
    # SQLite: the database's own file cannot grow, the tick fails in one line. PostgreSQL: the notices
    # are saved, and the .eml files that could not be written are mail to retry.
    if done.returncode != 0:
        assert_one_line(done)
    else:
        assert "Traceback" not in done.stderr and "to retry" in done.stdout
    assert all(row["status"] != "sending" for row in rr.json("outbox", "list"))


def test_a_file_name_too_long_is_one_line(rr: Any, tmp_path: Path) -> None:
    partnership(rr)
    source = tmp_path / ("r" * 240 + ".pdf")
    source.write_bytes(b"%PDF-1.4 report")
    before = rr.snapshot()
    done = run(rr, f"doc add RR-1 other {shlex.quote(str(source))}")
    if done.returncode == 0:  # stored under a shortened name: fine too
        return
    assert_one_line(done)
    assert rr.snapshot() == before


@pytest.mark.parametrize(
    "url", ["notaurl://", "postgresql+nosuchdriver://x@127.0.0.1/rr", "sqlite:////nonexistent/dir/rr.db"]
)
def test_a_database_url_that_is_not_one_is_one_line(rr: Any, url: str) -> None:
    done = run(rr, "case list", RR_DATABASE_URL=url)
    assert_one_line(done)


def test_poll_nan_is_refused_before_anything(rr: Any) -> None:
    partnership(rr)
    for value in ("nan", "inf", "-inf"):
        done = run(rr, f"daemon --poll {value}")
        assert_one_line(done, 2)
    assert not (rr.home / "daemon.lock").exists()


@pytest.fixture
def other_account() -> Iterator[str]:
    """A real account that is not root, made for the test (useradd) and removed after it."""
    if os.geteuid() != 0:
        pytest.skip("needs root to make another account")
    if not all(shutil.which(tool) for tool in ("useradd", "userdel", "runuser")):
        pytest.skip("no useradd, userdel or runuser on this machine")
    name = f"rrt{secrets.token_hex(4)}"
    subprocess.run(
        ["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", name],
        check=True,
        capture_output=True,
    )
    try:
        yield name
    finally:
        subprocess.run(["userdel", name], check=False, capture_output=True)


def interpreter_for(user: str) -> str | None:
    """A Python of this version that `user` may run: this one, unless it lives in a folder closed to
    others (e.g. under /root), else the system's."""
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    for candidate in (os.path.realpath(sys.executable), f"/usr/bin/{version}", f"/usr/local/bin/{version}"):
        if not os.path.exists(candidate):
            continue
        probe = subprocess.run(
            [str(shutil.which("runuser")), "-u", user, "--", candidate, "-c", "pass"],
            capture_output=True,
            timeout=60,
        )
        if probe.returncode == 0:
            return candidate
    return None


def test_another_account_running_rr_is_one_line(rr: Any, other_account: str, tmp_path: Path) -> None:
    """`rr case list` run by an account that is not the owner of RR_HOME (0700, as `rr init` makes it):
    one line and a non-zero exit, no traceback. On PostgreSQL the database decides who may connect (the
    login role, not the OS account), so this is the embedded database's case.
    Planted bug caught: the sqlite3 error escaping as a traceback."""
    if rr.url.startswith("postgresql"):
        pytest.skip("on PostgreSQL, who may read is the database's login roles, not RR_HOME's owner")
    python = interpreter_for(other_account)
    if python is None:
        pytest.skip("no Python of this version that another account may run")
    shared = Path(tempfile.mkdtemp(prefix="rr-other-", dir="/tmp"))  # /tmp/pytest-of-root is closed
    try:
        shared.chmod(0o711)  # others may pass through to RR_HOME, as to a home folder
        home = shared / "rr_home"
        setup = run(rr, "init --training", RR_HOME=str(home), RR_NOW="2026-12-21T09:00")
        assert setup.returncode == 0, setup.stderr
        assert home.stat().st_mode & 0o777 == 0o700
        packages = [p for p in sys.path if p.endswith("site-packages")]
        repository = str(Path(__file__).resolve().parents[2])
        done = subprocess.run(
            [
                str(shutil.which("runuser")),
                "-u",
                other_account,
                "--",
                python,
                "-m",
                "rr_workflow",
                "case",
                "list",
            ],
            env={
                "PATH": "/usr/bin:/bin",
                "RR_HOME": str(home),
                "PYTHONPATH": os.pathsep.join([repository, *packages]),
                "PYTHONNOUSERSITE": "1",
            },
            capture_output=True,
            text=True,
            timeout=120,
            cwd="/",
        )
        assert_one_line(done)
        assert done.stderr == f"rr: error: permission denied (in {home}): nothing was saved\n"
    finally:
        shutil.rmtree(shared, ignore_errors=True)
