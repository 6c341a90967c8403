"""Delivering the mail outbox through a real SMTP server (aiosmtpd on 127.0.0.1), docs/operators-guide.md.

Each notice is one message with a stable, unique Message-ID; To and Cc are the notice's recipients and
every one of them is an SMTP recipient; no message carries the child's name. An SMTP outage delays
mail and loses none (retries with backoff; failing after 8 attempts and listed by `rr outbox list`);
a crash between handing a message over and marking it sent resends it after STALE with the same
Message-ID. Without RR_SMTP_HOST, messages are .eml files.
"""

from __future__ import annotations

import email
import json
import stat
import threading
from datetime import date, datetime, timedelta
from email import policy
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from conftest_timers import (
    COORDINATORS,
    MANAGER,
    SmtpSink,
    addresses,
    drop_letter_mail,
    london,
    outbox_rows,
    smtp_fixture,  # noqa: F401 (the `smtp` fixture)
    staff,
)

from rr_workflow.adapters import mail
from rr_workflow.adapters.mail import FileTransport, SmtpTransport, transport_from_environment
from rr_workflow.cli.app import cli
from rr_workflow.service import commands, delivery, notices
from rr_workflow.service.app import open_app

CHILD = "Jessamine Quillfeather"
DOMAIN = "lscp.example"


@pytest.fixture(autouse=True)
def mail_from(monkeypatch: pytest.MonkeyPatch) -> str:
    for name in (
        "RR_SMTP_HOST",
        "RR_SMTP_PORT",
        "RR_SMTP_STARTTLS",
        "RR_SMTP_USER",
        "RR_SMTP_PASSWORD",
        "RR_SMTP_CONNECTIONS",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("RR_MAIL_FROM", f"rr-workflow@{DOMAIN}")
    return f"rr-workflow@{DOMAIN}"


def lines(text: str) -> list[str]:
    """Text lines, whatever the line ends (SMTP carries CRLF)."""
    return text.strip().splitlines()


def transport_to(sink: SmtpSink) -> SmtpTransport:
    return SmtpTransport("127.0.0.1", sink.port, starttls=False, user=None, password=None, timeout=5)


def queue_notices(rig: Any) -> list[dict[str, Any]]:
    """Two Christmas cases (one with the child's name given), ticked on Wed 30 Dec 2026 at 09:00."""
    staff(rig)
    rig.at(london(2026, 12, 21, 10))
    commands.case_open(
        rig.app,
        "RR-A",
        date(2026, 12, 21),
        date(2026, 12, 18),
        "police",
        summary="test",
        child_name=CHILD,
        child_dob=date(2015, 3, 4),
        child_address="1 Quillfeather Lane",
    )
    commands.case_open(rig.later().app, "RR-B", date(2026, 12, 21), date(2026, 12, 18), "school")
    commands.scoping_send(rig.at(london(2026, 12, 22, 10)).app, "RR-A", ["la", "police", "school"])
    drop_letter_mail(rig)
    counts = notices.tick(rig.at(london(2026, 12, 30)).app)
    rows = outbox_rows(rig)
    assert counts["mails"] == len(rows) >= 8 and {r["status"] for r in rows} == {"pending"}
    return rows


def test_delivery_through_smtp_one_message_per_notice_with_its_recipients(rig: Any, smtp: SmtpSink) -> None:
    rows = queue_notices(rig)
    counts = delivery.deliver(rig.app, transport_to(smtp), now=rig.clock.now())
    assert counts == {"sent": len(rows), "failed": 0, "dead": 0}
    assert smtp.wait_for(len(rows), timeout=5)
    received = {r.message_id: r for r in smtp.received}
    assert len(received) == len(smtp.received) == len(rows)  # one message each, no duplicates

    for row in rows:
        got = received[row["message_id"]]  # the Message-ID the outbox row was given, as sent
        message = got.message
        assert message["From"] == f"rr-workflow@{DOMAIN}" == got.mail_from
        assert row["message_id"].endswith(f"@{DOMAIN}>")
        assert addresses(message["To"]) == addresses(row["to_addrs"]) and message["To"]
        assert addresses(message.get("Cc", "")) == addresses(row["cc_addrs"])
        # Every address in To and Cc is an SMTP recipient (nobody in copy is silently dropped).
        assert set(got.rcpt_tos) == addresses(row["to_addrs"]) | addresses(row["cc_addrs"])
        assert got.subject == row["subject"] and message["X-RR-Case"] == row["case_ref"]
        assert message["Date"]
        assert lines(message.get_body(("plain",)).get_content()) == lines(row["body"])

    # Recipients by audience: escalations to the manager with coordinators in copy.
    escalations = [r for r in rows if "ESCALATION" in r["subject"]]
    assert escalations and all(addresses(r["to_addrs"]) == {MANAGER} for r in escalations)
    assert all(addresses(r["cc_addrs"]) >= COORDINATORS for r in escalations)
    school = [r for r in rows if "school@agency.example" in addresses(r["to_addrs"])]
    assert school and all("Reminder" in r["subject"] for r in school)

    # No personal data of the child anywhere in any message, subject, header or body.
    for got in smtp.received:
        text = got.raw.decode("utf-8", "replace")
        for fragment in (CHILD, "Jessamine", "Quillfeather", "2015-03-04"):
            assert fragment not in text, got.subject
        assert got.subject.startswith(
            f"[TRAINING] OFFICIAL-SENSITIVE: Rapid Review {got.message['X-RR-Case']}: "
        )

    # Marked sent: a second run sends nothing, and the Message-IDs are unique across notices.
    after = outbox_rows(rig)
    assert {r["status"] for r in after} == {"sent"} and all(r["sent_at"] for r in after)
    assert delivery.deliver(rig.app, transport_to(smtp), now=rig.clock.now()) == {
        "sent": 0,
        "failed": 0,
        "dead": 0,
    }
    assert len(smtp.received) == len(rows)
    assert len({r["notice_id"] for r in after}) == len(after)


def test_message_ids_are_stable_per_notice_and_distinct_between_notices(rig: Any) -> None:
    rows = queue_notices(rig)
    ids = [r["message_id"] for r in rows]
    assert len(set(ids)) == len(ids)
    for row in rows:
        built = mail.build_message(row)
        assert built["Message-ID"] == row["message_id"] == mail.build_message(row)["Message-ID"]
    # A later tick does not re-issue the same notices with new Message-IDs.
    notices.tick(rig.later(minutes=5).app)
    assert [r["message_id"] for r in outbox_rows(rig)][: len(ids)] == ids


def test_an_smtp_outage_delays_mail_with_backoff_and_loses_none(rig: Any, smtp: SmtpSink) -> None:
    rows = queue_notices(rig)
    n = len(rows)
    smtp.stop()
    start = rig.clock.now()

    assert delivery.deliver(rig.app, transport_to(smtp), now=rig.clock.now()) == {
        "sent": 0,
        "failed": n,
        "dead": 0,
    }
    first = outbox_rows(rig)
    assert {(r["status"], r["attempts"]) for r in first} == {("pending", 1)}
    assert all(r["last_error"] for r in first)
    retry_at = {datetime.fromisoformat(r["next_attempt_at"]) for r in first}
    assert retry_at == {start + timedelta(seconds=30)}

    # Not yet due again: nothing is tried.
    rig.at(start + timedelta(seconds=29))
    assert delivery.deliver(rig.app, transport_to(smtp), now=rig.clock.now()) == {
        "sent": 0,
        "failed": 0,
        "dead": 0,
    }
    assert {r["attempts"] for r in outbox_rows(rig)} == {1}

    # Due again, still down: the wait doubles.
    second_try = rig.at(start + timedelta(seconds=30)).clock.now()
    assert delivery.deliver(rig.app, transport_to(smtp), now=rig.clock.now()) == {
        "sent": 0,
        "failed": n,
        "dead": 0,
    }
    assert {(r["status"], r["attempts"]) for r in outbox_rows(rig)} == {("pending", 2)}
    assert {datetime.fromisoformat(r["next_attempt_at"]) for r in outbox_rows(rig)} == {
        second_try + timedelta(seconds=60)
    }

    # The server is back, but the backoff still holds until next_attempt_at.
    smtp.start()
    rig.at(second_try + timedelta(seconds=59))
    assert delivery.deliver(rig.app, transport_to(smtp), now=rig.clock.now()) == {
        "sent": 0,
        "failed": 0,
        "dead": 0,
    }
    assert smtp.received == []
    rig.at(second_try + timedelta(seconds=60))
    assert delivery.deliver(rig.app, transport_to(smtp), now=rig.clock.now()) == {
        "sent": n,
        "failed": 0,
        "dead": 0,
    }
    assert smtp.wait_for(n, timeout=5)
    assert sorted(smtp.message_ids()) == sorted(r["message_id"] for r in rows)  # once each
    assert {(r["status"], r["attempts"]) for r in outbox_rows(rig)} == {("sent", 2)}


def rr(*args: str) -> Any:
    return CliRunner().invoke(cli, list(args), prog_name="rr")


# The waits after each failed attempt (30 s doubling, never more than an hour) and the attempt that makes a
# message "failing" (the 8th, about an hour of failures, as the operator's guide says): shown, still retried.
WAITS_AFTER_FAILURE = [30, 60, 120, 240, 480, 960, 1920]
FAILING_AFTER = 8


def test_backoff_doubles_from_thirty_seconds_up_to_an_hour() -> None:
    """Planted bug caught: the first retry after 60 s, or no ceiling on the wait."""
    assert [delivery.backoff(n).total_seconds() for n in range(1, 10)] == [
        30, 60, 120, 240, 480, 960, 1920, 3600, 3600,
    ]  # fmt: skip
    assert delivery.backoff(20) == timedelta(hours=1)


def test_after_eight_failures_messages_are_failing_listed_and_still_retried(rig: Any, smtp: SmtpSink) -> None:
    """Planted bugs caught: mail given up after 8 failures (it was dead for good), or after 3."""
    rows = queue_notices(rig)
    n = len(rows)
    smtp.stop()
    for attempt, wait in enumerate(WAITS_AFTER_FAILURE, start=1):  # bounded: 7 failures, then the 8th
        counts = delivery.deliver(rig.app, transport_to(smtp), now=rig.clock.now())
        assert counts == {"sent": 0, "failed": n, "dead": 0}, attempt
        assert {(r["status"], r["attempts"]) for r in outbox_rows(rig)} == {("pending", attempt)}
        rig.later(seconds=wait - 1)
        assert delivery.deliver(rig.app, transport_to(smtp), now=rig.clock.now()) == {
            "sent": 0,
            "failed": 0,
            "dead": 0,
        }
        rig.later(seconds=1)
    assert delivery.deliver(rig.app, transport_to(smtp), now=rig.clock.now()) == {
        "sent": 0,
        "failed": n,
        "dead": 0,
    }
    assert {(r["status"], r["attempts"]) for r in outbox_rows(rig)} == {("pending", FAILING_AFTER)}

    listed = rr("outbox", "list", "--json")
    assert listed.exit_code == 0, listed.output
    entries = json.loads(listed.stdout)
    notices = {r["message_id"] for r in rows}
    mine = [e for e in entries if e["message_id"] in notices]
    assert sorted(e["message_id"] for e in mine) == sorted(notices)
    assert {(e["status"], e["attempts"]) for e in mine} == {("failing", FAILING_AFTER)}
    assert all(e["last_error"] for e in mine)
    table = rr("outbox", "list")
    assert table.exit_code == 0 and table.stdout.count("failing") >= n
    assert "RR-A" in table.stdout and "RR-B" in table.stdout

    # Failing mail is still retried (hourly): when the server returns, it goes.
    smtp.start()
    rig.later(hours=2)
    assert delivery.deliver(rig.app, transport_to(smtp), now=rig.clock.now())["sent"] >= n
    assert set(smtp.message_ids()) >= notices


class Crash(BaseException):
    """The process dies: not an Exception, so nothing in the product catches it."""


class CrashingTransport:
    """Sends the first message for real, then dies before the sender can mark it (or dies before it)."""

    name = "crashing"

    def __init__(self, inner: SmtpTransport, send_first: bool) -> None:
        self.inner, self.send_first, self.crashed = inner, send_first, False

    def send(self, message: Any) -> dict[str, str]:
        if not self.crashed:
            self.crashed = True
            if self.send_first:
                self.inner.send(message)
            raise Crash
        return self.inner.send(message)


@pytest.mark.parametrize("sent_before_crash", [True, False], ids=["after-send", "before-send"])
def test_a_crash_between_send_and_mark_resends_after_stale_with_the_same_message_id(
    rig: Any, smtp: SmtpSink, sent_before_crash: bool
) -> None:
    rows = queue_notices(rig)
    crashing = CrashingTransport(transport_to(smtp), sent_before_crash)
    with pytest.raises(Crash):
        delivery.deliver(rig.app, crashing, now=rig.clock.now())
    victim = outbox_rows(rig)[0]
    assert victim["status"] == "sending" and victim["claimed_at"]
    assert len(smtp.received) == (1 if sent_before_crash else 0)

    # The restarted sender delivers the rest, but leaves the message in flight alone until STALE.
    crashed_at = rig.clock.now()
    assert delivery.deliver(rig.later().app, crashing, now=rig.clock.now())["sent"] == len(rows) - 1
    rig.at(crashed_at + delivery.STALE - timedelta(seconds=1))
    assert delivery.deliver(rig.app, crashing, now=rig.clock.now())["sent"] == 0
    assert outbox_rows(rig)[0]["status"] == "sending"

    rig.at(crashed_at + delivery.STALE)
    assert delivery.deliver(rig.app, crashing, now=rig.clock.now())["sent"] == 1
    assert {r["status"] for r in outbox_rows(rig)} == {"sent"}
    ids = smtp.message_ids()
    assert sorted(set(ids)) == sorted(r["message_id"] for r in rows)  # never lost
    assert ids.count(victim["message_id"]) == (2 if sent_before_crash else 1)  # same ID when resent
    assert len(ids) == len(rows) + (1 if sent_before_crash else 0)


def test_smtp_login_from_the_environment(rig: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    rows = queue_notices(rig)
    sink = SmtpSink(credentials=("rr-service", "s3cret"))
    sink.start()
    try:
        monkeypatch.setenv("RR_SMTP_HOST", "127.0.0.1")
        monkeypatch.setenv("RR_SMTP_PORT", str(sink.port))
        monkeypatch.setenv("RR_SMTP_STARTTLS", "0")
        monkeypatch.setenv("RR_SMTP_USER", "rr-service")
        monkeypatch.setenv("RR_SMTP_PASSWORD", "wrong")
        transport = transport_from_environment(rig.home)
        assert isinstance(transport, SmtpTransport)
        assert delivery.deliver(rig.app, transport, now=rig.clock.now())["failed"] == len(
            rows
        )  # refused login: retried later
        assert sink.received == []
        monkeypatch.setenv("RR_SMTP_PASSWORD", "s3cret")
        rig.later(hours=1)
        assert delivery.deliver(rig.app, transport_from_environment(rig.home), now=rig.clock.now())[
            "sent"
        ] == len(rows)
        assert sink.wait_for(len(rows), timeout=5)
        assert {r.login for r in sink.received} == {"rr-service"}
    finally:
        sink.stop()


def test_starttls_against_a_server_without_it_fails_and_keeps_the_mail(rig: Any, smtp: SmtpSink) -> None:
    rows = queue_notices(rig)
    transport = SmtpTransport("127.0.0.1", smtp.port, starttls=True, user=None, password=None, timeout=5)
    assert delivery.deliver(rig.app, transport, now=rig.clock.now())["failed"] == len(rows)
    assert smtp.received == []
    after = outbox_rows(rig)
    assert {r["status"] for r in after} == {"pending"}
    assert all("STARTTLS" in r["last_error"] or "starttls" in r["last_error"].lower() for r in after)


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, None),
        ({"RR_SMTP_HOST": "127.0.0.1"}, ("127.0.0.1", 587, True, None, None)),
        # TLS unless configured otherwise, on port 25 too (planted bug: plain text on port 25).
        ({"RR_SMTP_HOST": "127.0.0.1", "RR_SMTP_PORT": "25"}, ("127.0.0.1", 25, True, None, None)),
        (
            {"RR_SMTP_HOST": "127.0.0.1", "RR_SMTP_PORT": "2525", "RR_SMTP_STARTTLS": "0"},
            ("127.0.0.1", 2525, False, None, None),
        ),
        (
            {"RR_SMTP_HOST": "127.0.0.1", "RR_SMTP_PORT": "25", "RR_SMTP_STARTTLS": "1"},
            ("127.0.0.1", 25, True, None, None),
        ),
        (
            {"RR_SMTP_HOST": "127.0.0.1", "RR_SMTP_USER": "u", "RR_SMTP_PASSWORD": "p"},
            ("127.0.0.1", 587, True, "u", "p"),
        ),
    ],
)
def test_transport_settings_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, env: dict[str, str], expected: tuple[Any, ...] | None
) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    transport = transport_from_environment(tmp_path)
    if expected is None:
        assert isinstance(transport, FileTransport) and transport.folder == tmp_path / "outbox"
        return
    assert isinstance(transport, SmtpTransport)
    got = (transport.host, transport.port, transport.starttls, transport.user, transport.password)
    assert got == expected


@pytest.mark.parametrize(("value", "expected"), [(None, 3), ("1", 1), ("5", 5), ("10", 10)])
def test_smtp_connections_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, value: str | None, expected: int
) -> None:
    """Three messages handed over at once unless RR_SMTP_CONNECTIONS says otherwise."""
    monkeypatch.setenv("RR_SMTP_HOST", "127.0.0.1")
    if value is not None:
        monkeypatch.setenv("RR_SMTP_CONNECTIONS", value)
    transport = transport_from_environment(tmp_path)
    assert isinstance(transport, SmtpTransport) and transport.connections == expected


@pytest.mark.parametrize("value", ["0", "11", "-1", "two", "nan", "1.5"])
def test_bad_smtp_connections_is_one_line_and_sends_nothing(
    rig: Any, smtp: SmtpSink, monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    rows = queue_notices(rig)
    monkeypatch.setenv("RR_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("RR_SMTP_PORT", str(smtp.port))
    monkeypatch.setenv("RR_SMTP_STARTTLS", "0")
    monkeypatch.setenv("RR_SMTP_CONNECTIONS", value)
    result = rr("outbox", "send")
    assert result.exit_code == 2, result.output
    assert lines(result.output) == [
        f"rr: error: RR_SMTP_CONNECTIONS is a whole number from 1 to 10, not {value!r}"
    ], result.output
    assert smtp.received == [] and outbox_rows(rig) == rows


def test_a_sender_keeps_its_connection_and_opens_a_new_one_when_the_server_closes_it(
    rig: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A server that takes three messages per connection and answers the fourth MAIL FROM with 421 (and
    closes): every message is delivered once, over one connection per three messages, none waits for a
    retry. Planted bugs caught: a new connection per message (one per message); the message that meets
    the 421 counted as failed instead of sent over a new connection (1 failed, retried 30 s later)."""
    rows = queue_notices(rig)
    server = SmtpSink(messages_per_connection=3)
    server.start()
    try:
        transport = SmtpTransport(
            "127.0.0.1", server.port, starttls=False, user=None, password=None, timeout=5
        )
        assert delivery.deliver(rig.app, transport, now=rig.clock.now()) == {
            "sent": len(rows),
            "failed": 0,
            "dead": 0,
        }
        assert sorted(server.message_ids()) == sorted(r["message_id"] for r in rows)  # once each
        assert len(set(server.connections)) == -(-len(rows) // 3)  # ceil(messages / 3)
        assert {(r["status"], r["attempts"]) for r in outbox_rows(rig)} == {("sent", 0)}
    finally:
        server.stop()


def test_without_smtp_messages_are_eml_files_readable_by_the_email_package(rig: Any) -> None:
    rows = queue_notices(rig)
    transport = transport_from_environment(rig.home)
    assert isinstance(transport, FileTransport)
    assert delivery.deliver(rig.app, transport, now=rig.clock.now())["sent"] == len(rows)
    folder = rig.home / "outbox"
    files = sorted(folder.glob("*.eml"))
    assert len(files) == len(rows) and not list(folder.glob("*.part"))
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    by_id = {r["message_id"]: r for r in rows}
    for path in files:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        message = email.message_from_bytes(path.read_bytes(), policy=policy.default)
        row = by_id[message["Message-ID"]]
        assert str(message["Subject"]).strip() == row["subject"]
        assert addresses(message["To"]) == addresses(row["to_addrs"])
        assert addresses(message.get("Cc", "")) == addresses(row["cc_addrs"])
        assert lines(message.get_body(("plain",)).get_content()) == lines(row["body"])
        assert CHILD.encode() not in path.read_bytes()
    # A resend after a crash overwrites the same file: still one file per notice.
    transport.send(mail.build_message(rows[0]))
    assert len(list(folder.glob("*.eml"))) == len(rows)


def test_rr_tick_delivers_through_smtp_from_the_environment(
    rig: Any, smtp: SmtpSink, monkeypatch: pytest.MonkeyPatch
) -> None:
    staff(rig)
    commands.case_open(
        rig.at(london(2026, 12, 21, 10)).app, "RR-C", date(2026, 12, 21), date(2026, 12, 18), "la"
    )
    monkeypatch.setenv("RR_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("RR_SMTP_PORT", str(smtp.port))
    monkeypatch.setenv("RR_SMTP_STARTTLS", "0")
    monkeypatch.setenv("RR_NOW", "2026-12-24T09:05")
    result = rr("tick", "--json")
    assert result.exit_code == 0, result.output
    counts = json.loads(result.stdout)
    assert counts["claimed"] == counts["mails"] == counts["sent"] == 2 and counts["failed"] == 0
    assert smtp.wait_for(2, timeout=5)
    assert sorted(smtp.message_ids()) == sorted(r["message_id"] for r in outbox_rows(rig))
    again = json.loads(rr("tick", "--json").stdout)
    assert again["claimed"] == again["sent"] == 0 and len(smtp.received) == 2


def deliver_in_thread(
    rig: Any, sink: SmtpSink, barrier: threading.Barrier, results: list[Any], errors: list[BaseException]
) -> None:
    """`rr outbox send` beside the daemon: another sender with its own engine, at the same moment."""
    app = open_app(home=rig.home, clock=rig.clock, actor="coord")
    try:
        barrier.wait()
        results.append(delivery.deliver(app, transport_to(sink)))
    except BaseException as error:  # reported by the test
        errors.append(error)
    finally:
        app.engine.dispose()


def test_concurrent_senders_deliver_each_message_once(rig: Any, smtp: SmtpSink) -> None:
    rows = queue_notices(rig)
    barrier = threading.Barrier(4, timeout=30)
    results: list[dict[str, int]] = []
    errors: list[BaseException] = []
    threads = [
        threading.Thread(target=deliver_in_thread, args=(rig, smtp, barrier, results, errors))
        for _ in range(4)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads) and errors == []
    assert sum(r["sent"] for r in results) == len(rows)
    assert smtp.wait_for(len(rows), timeout=5)
    assert sorted(smtp.message_ids()) == sorted(r["message_id"] for r in rows)  # each exactly once
    assert {r["status"] for r in outbox_rows(rig)} == {"sent"}


def test_a_recipient_refused_by_the_server_is_recorded_not_silently_dropped(rig: Any, smtp: SmtpSink) -> None:
    rows = queue_notices(rig)
    refused = "coord@localhost"  # the address `rr init` gives its login: the kind a relay refuses
    smtp.refuse = {refused}
    assert delivery.deliver(rig.app, transport_to(smtp), now=rig.clock.now())["sent"] == len(rows)
    after = {r["message_id"]: r for r in outbox_rows(rig)}
    for got in smtp.received:  # the others have it, once
        row = after[got.message_id]
        assert set(got.rcpt_tos) == (addresses(row["to_addrs"]) | addresses(row["cc_addrs"])) - {refused}
    assert sorted(smtp.message_ids()) == sorted(after)
    affected = [r for r in after.values() if refused in addresses(r["to_addrs"]) | addresses(r["cc_addrs"])]
    assert affected
    for row in after.values():
        assert row["status"] == "sent"
        if row in affected:
            assert refused in (row["last_error"] or "") and "550" in row["last_error"], row
        else:
            assert row["last_error"] is None, row
    # `rr outbox list --all` shows what was refused.
    listed = json.loads(rr("outbox", "list", "--all", "--json").stdout)
    assert sum(refused in (e["last_error"] or "") for e in listed) == len(affected)


def test_a_message_every_recipient_refuses_is_retried_not_marked_sent(rig: Any, smtp: SmtpSink) -> None:
    rows = queue_notices(rig)
    smtp.refuse = {a for r in rows for a in addresses(r["to_addrs"]) | addresses(r["cc_addrs"])}
    assert delivery.deliver(rig.app, transport_to(smtp), now=rig.clock.now()) == {
        "sent": 0,
        "failed": len(rows),
        "dead": 0,
    }
    assert smtp.received == []
    assert {(r["status"], r["attempts"]) for r in outbox_rows(rig)} == {("pending", 1)}
