"""Fault injection: kill -9 the daemon again and again while it fires notices and delivers mail to a
real SMTP server (aiosmtpd on 127.0.0.1), then let one daemon finish, and count what the recipients got.

Each round opens new overdue cases (so every round has fresh notices to claim and mail to send),
starts `rr daemon`, waits a random 0.5-3.0 s and sends SIGKILL. The SMTP server answers slowly, so
many kills land between a message being handed over and the outbox row being marked sent. After the
last round one daemon drains the outbox and stops with SIGTERM.

It prints:
  last daemon's drain               seconds the last daemon took to send what the others left (at most
                                    DRAIN_SECONDS; each daemon's JSON log goes to --log FILE if given)
  lost                              messages in the outbox the server never received         (must be 0)
  duplicated with a new Message-ID  one notice received under two or more Message-IDs        (must be 0)
  repeated with the same Message-ID receipts beyond the first of a Message-ID: a resend after a crash
                                    between hand-over and marking sent, at most one per sender
                                    (RR_SMTP_CONNECTIONS) a kill; mail clients fold them
  not sent when the drain ended     should anything be lost: its status and attempts (a stalled claim,
                                    a backoff, or a drain that was too slow)

    python benchmarks/kill_daemon.py                 # SQLite, 50 rounds
    python benchmarks/kill_daemon.py --rounds 10 --postgres postgresql+psycopg://postgres@127.0.0.1/test

Exit status 1 if anything was lost or duplicated under a new Message-ID. Every wait is bounded; every
process it starts is killed before it ends.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from contextlib import ExitStack
from datetime import datetime, timedelta
from email import message_from_bytes, policy
from pathlib import Path
from typing import Any

from sqlalchemy import select

from rr_workflow.adapters.db import tables as t
from rr_workflow.service import commands, setup
from rr_workflow.service.app import environment, open_app
from rr_workflow.service.clock import LONDON, FixedClock

AGENCIES = (("la", "la"), ("police", "police"), ("health", "health"))
DRAIN_SECONDS = 180


class Sink:
    """aiosmtpd on 127.0.0.1 that keeps every message it accepts and answers each after `delay`."""

    def __init__(self, delay: float) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.delay = delay
        self.received: list[tuple[str, str, str, str]] = []  # message-id, case, subject, recipients
        self._lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = message_from_bytes(bytes(envelope.content), policy=policy.default)
        with self._lock:
            self.received.append(
                (
                    str(message["Message-ID"]),
                    str(message["X-RR-Case"]),
                    str(message["Subject"]),
                    ",".join(sorted(envelope.rcpt_tos)),
                )
            )
        await asyncio.sleep(self.delay)  # accepted; the sender still waits for the reply
        return "250 OK"

    def __enter__(self) -> Sink:
        from aiosmtpd.controller import Controller

        self.controller = Controller(self, hostname="127.0.0.1", port=self.port, ready_timeout=10)
        self.controller.start()
        return self

    def __exit__(self, *_: Any) -> None:
        self.controller.stop()


def open_overdue_cases(home: Path, first: int, count: int) -> None:
    """Cases received 45 days ago with nothing done: escalations of several deadlines are due now."""
    now = datetime.now(LONDON)
    app = open_app(home=home, clock=FixedClock(now), actor="bench")
    received = now.date() - timedelta(days=45)
    for n in range(first, first + count):
        commands.case_open(app, f"RR-K{n}", received, received, "police", summary="fault injection")
    app.engine.dispose()


def daemon(env: dict[str, str], log: Path | None = None) -> subprocess.Popen[bytes]:
    """`rr daemon`, its JSON-lines log appended to `log` (or thrown away)."""
    with open(log, "ab") if log else open(os.devnull, "wb") as stream:
        return subprocess.Popen(
            [sys.executable, "-m", "rr_workflow", "daemon", "--poll", "0.5"],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=stream,
        )


def outbox(home: Path) -> list[dict[str, Any]]:
    app = open_app(home=home, actor="bench")
    try:
        with app.engine.connect() as connection:
            m = t.mail_outbox
            return [dict(r) for r in connection.execute(select(m).order_by(m.c.id)).mappings()]
    finally:
        app.engine.dispose()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=50)
    parser.add_argument("--cases-per-round", type=int, default=2)
    parser.add_argument("--delay", type=float, default=0.15, help="seconds the SMTP server takes per message")
    parser.add_argument("--seed", type=int, default=20261126)
    parser.add_argument("--postgres", metavar="URL", help="a PostgreSQL server to make a scratch database on")
    parser.add_argument("--log", type=Path, help="append every daemon's JSON-lines log to this file")
    args = parser.parse_args()
    rounds = max(1, min(args.rounds, 500))
    chance = random.Random(args.seed)

    with ExitStack() as stack:
        home = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="rr-kill-"))) / "home"
        if args.postgres:
            sys.path.insert(0, str(Path(__file__).parent))
            from _scratch import scratch_postgres

            stack.enter_context(scratch_postgres(args.postgres))
        sink = stack.enter_context(Sink(args.delay))
        stack.enter_context(environment(RR_HOME=str(home), RR_USER="bench", RR_NOW=None))
        setup.init(home=home, training=True)
        app = open_app(home=home, actor="bench")
        for key, partner in AGENCIES:
            setup.agency_add(app, key, key.title(), f"{key}@agency.example", partner)
        setup.person_add(app, "manager", "Manager", "manager@lscp.example", ["manager"])
        app.engine.dispose()
        env = {**os.environ, "RR_SMTP_HOST": "127.0.0.1", "RR_SMTP_PORT": str(sink.port)}
        env.update(RR_SMTP_STARTTLS="0", RR_MAIL_FROM="rr-workflow@lscp.example", RR_HOME=str(home))
        env.pop("RR_NOW", None)

        started = time.monotonic()
        for number in range(rounds):
            open_overdue_cases(home, number * args.cases_per_round, args.cases_per_round)
            process = daemon(env, args.log)
            try:
                time.sleep(chance.uniform(0.5, 3.0))
            finally:
                process.send_signal(signal.SIGKILL)
                process.wait(timeout=30)
        killed_for = time.monotonic() - started

        final = daemon(env, args.log)
        try:
            deadline = time.monotonic() + DRAIN_SECONDS
            while time.monotonic() < deadline:
                rows = outbox(home)
                if rows and all(r["status"] == "sent" for r in rows):
                    break
                time.sleep(1)
            drained_for = time.monotonic() - (deadline - DRAIN_SECONDS)
        finally:
            final.send_signal(signal.SIGTERM)
            try:
                final.wait(timeout=30)
            except subprocess.TimeoutExpired:
                final.kill()
                final.wait(timeout=10)

        rows = outbox(home)
        expected = {r["message_id"] for r in rows}
        received = list(sink.received)
        got = [r[0] for r in received]
        lost = expected - set(got)
        by_notice: dict[tuple[str, str, str], set[str]] = defaultdict(set)
        for message_id, case, subject, recipients in received:
            by_notice[(case, subject, recipients)].add(message_id)
        new_ids = sum(len(ids) - 1 for ids in by_notice.values())
        repeated = len(got) - len(set(got))
        unknown = set(got) - expected

    print(f"backend                            {'postgresql' if args.postgres else 'sqlite'}")
    print(f"rounds of kill -9                  {rounds} ({killed_for:.0f} s)")
    print(
        f"messages in the outbox             {len(rows)} (sent: {sum(r['status'] == 'sent' for r in rows)})"
    )
    print(f"receipts at the SMTP server        {len(got)}")
    print(f"last daemon's drain                {drained_for:.0f} s (at most {DRAIN_SECONDS} s)")
    print(f"lost                               {len(lost)}")
    print(f"duplicated with a new Message-ID   {new_ids}")
    print(f"repeated with the same Message-ID  {repeated}")
    if unknown:
        print(f"received but not in the outbox     {len(unknown)}")
    unsent: dict[str, int] = defaultdict(int)  # what a lost message was waiting for
    for r in rows:
        if r["status"] != "sent":
            unsent[f"{r['status']}, {r['attempts']} attempt(s)"] += 1
    if unsent:
        print("not sent when the drain ended     " + "; ".join(f"{n} {k}" for k, n in sorted(unsent.items())))
    print(f"messages that failed at least once {sum(r['attempts'] > 0 for r in rows)}")
    return 1 if lost or new_ids or unknown else 0


if __name__ == "__main__":
    sys.exit(main())
