"""Mail is never given up on silently (docs/security.md): a message that keeps failing is retried
for about a week, shown on the board, in `rr case show` and `rr outbox list` as failing, the admins are
told once, and `rr outbox retry` sends it at once; backoff and staleness run on the wall clock, so a
training database held at a fixed RR_NOW still recovers. Real aiosmtpd on 127.0.0.1; a closed port is a
real SMTP outage.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from click.testing import CliRunner
from conftest_timers import SmtpSink, free_port

from rr_workflow.adapters.mail import SmtpTransport
from rr_workflow.cli.app import cli
from rr_workflow.service import delivery

T0 = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)  # the wall clock the test hands delivery


def rr(rig: Any, *args: str, **extra: str) -> Any:
    env: dict[str, str | None] = {
        "RR_HOME": str(rig.home),
        "RR_USER": "coord",
        "RR_NOW": rig.clock.now().isoformat(),
        "RR_DATABASE_URL": rig.url if rig.url.startswith("postgresql") else None,
        **extra,
    }
    return CliRunner().invoke(cli, list(args), env=env)


def down() -> SmtpTransport:
    """An SMTP server that is not there: nothing listens on the port."""
    return SmtpTransport("127.0.0.1", free_port(), starttls=False, user=None, password=None, timeout=2)


def up(sink: SmtpSink) -> SmtpTransport:
    return SmtpTransport("127.0.0.1", sink.port, starttls=False, user=None, password=None, timeout=5)


def one_mail(rig: Any) -> int:
    """A case at scoping and one message about it in the outbox, as a reminder would queue it."""
    rig.to_scoping()
    rig.execute("DELETE FROM mail_attachments")
    rig.execute("DELETE FROM mail_outbox")
    rig.execute(
        "INSERT INTO mail_outbox (case_ref, message_id, to_addrs, cc_addrs, subject, body, status, attempts,"
        " next_attempt_at, created_at) VALUES ('RR-1', '<rr.test.1@lscp.example>', 'la@agency.example', '',"
        " '[RR-1] Reminder: scoping return due today', 'Please return the scoping template.', 'pending', 0,"
        " '2026-11-03T10:00:00.000000Z', '2026-11-03T10:00:00.000000Z')"
    )
    return int(rig.scalar("SELECT id FROM mail_outbox"))


def fail_times(rig: Any, times: int, start: datetime = T0) -> datetime:
    """Let delivery fail `times` times, each once its backoff has passed; the wall moment after."""
    moment = start
    transport = down()
    for _ in range(times):
        moment += timedelta(hours=1, seconds=1)
        delivery.deliver(rig.app, transport, now=moment)
    return moment


def outbox_rows(rig: Any) -> list[dict[str, Any]]:
    return rig.rows("SELECT * FROM mail_outbox ORDER BY id")


def row(rig: Any, mail_id: int) -> dict[str, Any]:
    return next(r for r in outbox_rows(rig) if r["id"] == mail_id)


def test_failing_mail_is_retried_for_days_shown_escalated_and_sent_when_the_server_returns(rig: Any) -> None:
    """Planted bug: the old dead-letter rule (dead after 8 failures): the mail is never sent."""
    rig.execute("UPDATE people SET email = 'admin@lscp.example' WHERE login = 'coord'")
    mail_id = one_mail(rig)
    moment = fail_times(rig, 7)
    assert (row(rig, mail_id)["status"], row(rig, mail_id)["attempts"]) == ("pending", 7)
    assert [r["about_mail_id"] for r in outbox_rows(rig)] == [None]

    moment = fail_times(rig, 1, moment)  # the eighth failure: about an hour of them
    rows = outbox_rows(rig)
    assert len(rows) == 2
    warning = rows[1]
    assert (warning["about_mail_id"], warning["to_addrs"]) == (mail_id, "admin@lscp.example")
    assert warning["subject"] == (f"[TRAINING] [RR-1] Mail failing: message {mail_id} has not been delivered")
    assert f"rr outbox retry {mail_id}" in warning["body"]
    listed = json.loads(rr(rig, "outbox", "list", "--json").stdout)
    assert [(r["id"], r["status"]) for r in listed] == [(mail_id, "failing"), (warning["id"], "pending")]
    assert json.loads(rr(rig, "case", "list", "--json").stdout)[0]["mail_failing"] == 1
    assert json.loads(rr(rig, "case", "show", "RR-1", "--json").stdout)["mail_failing"] == 1
    board = rr(rig, "case", "list").stdout
    assert "mail failing: RR-1 (1 message; rr outbox list)" in board

    moment = fail_times(rig, 40, moment)  # two more days of hourly retries: still not given up
    assert row(rig, mail_id)["status"] == "pending"
    assert len(outbox_rows(rig)) == 2  # the admins were told once

    sink = SmtpSink()
    sink.start()
    try:
        delivery.deliver(rig.app, up(sink), now=moment + timedelta(hours=1, seconds=1))
    finally:
        sink.stop()
    assert row(rig, mail_id)["status"] == "sent"
    assert sorted(r.message_id for r in sink.received) == sorted(r["message_id"] for r in outbox_rows(rig))


def test_dead_mail_is_sent_again_by_outbox_retry(rig: Any) -> None:
    mail_id = one_mail(rig)
    fail_times(rig, delivery.GIVE_UP_AFTER)
    assert row(rig, mail_id)["status"] == "dead"
    delivery.deliver(rig.app, down(), now=T0 + timedelta(days=30))  # dead mail is left alone
    assert (row(rig, mail_id)["status"], row(rig, mail_id)["attempts"]) == ("dead", delivery.GIVE_UP_AFTER)

    result = rr(rig, "outbox", "retry", "--all-dead")
    assert result.exit_code == 0, result.output
    assert result.stdout == f"1 message(s) will be sent at the next delivery: {mail_id}\n"
    assert (row(rig, mail_id)["status"], row(rig, mail_id)["attempts"]) == ("pending", 0)
    trail = rig.rows("SELECT actor, action, details FROM audit_events WHERE action = 'mail_retried'")
    assert [(r["actor"], json.loads(r["details"])) for r in trail] == [("coord", {"mail": [mail_id]})]

    sink = SmtpSink()
    sink.start()
    try:
        assert delivery.deliver(rig.app, up(sink))["sent"] >= 1
    finally:
        sink.stop()
    assert row(rig, mail_id)["status"] == "sent"


def test_outbox_retry_refuses_unknown_and_sent_messages(rig: Any) -> None:
    mail_id = one_mail(rig)
    unknown = rr(rig, "outbox", "retry", "99999")
    assert (unknown.exit_code, unknown.stderr) == (
        2,
        "rr: error: no message 99999 in the outbox (rr outbox list --all)\n",
    )
    rig.execute("UPDATE mail_outbox SET status = 'sent' WHERE id = :id", id=mail_id)
    sent = rr(rig, "outbox", "retry", str(mail_id))
    assert (sent.exit_code, sent.stderr) == (
        3,
        f"rr: error: message {mail_id} was sent already: nothing to retry\n",
    )


def test_a_crashed_send_is_retried_on_a_training_database_whose_clock_stands_still(rig: Any) -> None:
    """A row left `sending` by a crash is sent again once STALE has passed on the wall clock, though RR_NOW
    (the rig's fixed clock) never moves. Planted bug: staleness measured on the case clock."""
    mail_id = one_mail(rig)
    wall = datetime.now(UTC)
    crashed = delivery._claim(rig.app, mail_id, wall - delivery.STALE - timedelta(seconds=5), None)
    assert crashed is not None and row(rig, mail_id)["status"] == "sending"
    sink = SmtpSink()
    sink.start()
    try:
        smtp = {"RR_SMTP_HOST": "127.0.0.1", "RR_SMTP_PORT": str(sink.port), "RR_SMTP_STARTTLS": "0"}
        result = rr(rig, "outbox", "send", **smtp)  # a real command: RR_NOW fixed, the wall clock real
    finally:
        sink.stop()
    assert result.exit_code == 0, result.output
    assert row(rig, mail_id)["status"] == "sent"


def test_mail_goes_over_tls_unless_configured_otherwise(rig: Any) -> None:
    """A server on a plain port that offers no STARTTLS gets nothing unless RR_SMTP_STARTTLS=0 says
    so; the message waits for a retry. Planted bug: STARTTLS off by default on port 25."""
    mail_id = one_mail(rig)
    sink = SmtpSink()
    sink.start()
    try:
        plain = {"RR_SMTP_HOST": "127.0.0.1", "RR_SMTP_PORT": str(sink.port)}
        refused = rr(rig, "outbox", "send", **plain)
        assert refused.exit_code == 0 and refused.stdout.startswith("0 delivered, 1 to retry"), refused.output
        assert sink.received == [] and "STARTTLS" in row(rig, mail_id)["last_error"]
        rig.execute("UPDATE mail_outbox SET next_attempt_at = '2000-01-01T00:00:00Z'")
        allowed = rr(rig, "outbox", "send", **plain, RR_SMTP_STARTTLS="0")
        assert allowed.stdout.startswith("1 delivered"), allowed.output
    finally:
        sink.stop()
    assert [r.message_id for r in sink.received] == ["<rr.test.1@lscp.example>"]
