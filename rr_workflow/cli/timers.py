"""`rr tick`, `rr daemon`, `rr outbox ...`: timers, notices and the mail they send."""

from __future__ import annotations

import click

from rr_workflow.cli.params import echo_json, echo_table, json_option, open_app


def _finite(value: float) -> float:
    import math

    if not math.isfinite(value):  # NaN passes a range check (every comparison with it is false)
        raise click.BadParameter(f"{value} is not a number of seconds between 0.5 and 300")
    return value


def _moment(_ctx: click.Context, _param: click.Parameter, value: str | None):  # -> datetime | None
    if value is None:
        return None
    from rr_workflow.service.clock import parse_moment

    try:
        return parse_moment(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not an ISO date-time (e.g. 2027-01-05T09:00)") from None


@click.command()
@click.option(
    "--now",
    "now",
    callback=_moment,
    metavar="ISO",
    help="Process timers due up to this moment (Europe/London unless it has an offset). "
    "A live database accepts a past moment (catch-up), never a future one.",
)
@click.option("--no-send", is_flag=True, help="Queue the notices but do not deliver the outbox.")
@json_option
def tick(now, no_send: bool, as_json: bool) -> None:
    """Fire every reminder and escalation due up to now, once each, then deliver the mail outbox.

    Cron-friendly: run it every few minutes, or run `rr daemon` instead.

    \b
    Example:
      $ rr tick
      $ rr tick --now 2027-01-05T09:00
    """
    from rr_workflow.service import delivery, follow_up, notices

    app = open_app()
    fired = notices.tick(app, now)
    follow_up.finish(app)  # the letters of steps a crash interrupted
    sent = {"sent": 0, "failed": 0, "dead": 0}
    if not no_send and delivery.waiting(app):  # the mail transport is set up only when needed
        from rr_workflow.adapters.mail import transport_from_environment

        sent = delivery.deliver(app, transport_from_environment(app.home))
    if as_json:
        echo_json({**fired, **sent})
    else:
        click.echo(
            f"{fired['claimed']} notice(s) fired, {fired['mails']} e-mail(s) queued; "
            f"{sent['sent']} delivered, {sent['failed']} to retry, {sent['dead']} dead-lettered"
        )


@click.command()
@click.option(
    "--check", is_flag=True, help="Say whether a daemon is active and when it last ticked; exit 1 if none."
)
@click.option(
    "--poll",
    default=5.0,
    show_default=True,
    type=click.FloatRange(0.5, 300),
    callback=lambda _ctx, _param, value: _finite(value),
    help="Seconds between checks for changes and mail retries.",
)
@click.option(
    "--json", "as_json", is_flag=True, help="With --check: print JSON (active, pid, host, last tick)."
)
def daemon(check: bool, poll: float, as_json: bool) -> None:
    """Run the scheduler in the foreground until SIGTERM or SIGINT.

    Fires every reminder and escalation at its local time, delivers the mail outbox (SMTP when
    RR_SMTP_HOST is set, otherwise .eml files in RR_HOME/outbox), and catches up on start. A second
    daemon on the same database waits as a hot standby.

    \b
    Example:
      $ rr daemon
      $ rr daemon --check
      $ rr daemon --check --json
    """
    from rr_workflow import daemon as service_daemon

    app = open_app()
    if as_json and not check:
        raise click.UsageError("--json goes with --check")
    if check:
        active, beat = service_daemon.check(app)
        last = (beat or {}).get("last_tick_at")
        if as_json:
            beat = beat if active else {}
            echo_json(
                {
                    "active": active,
                    "pid": (beat or {}).get("pid"),
                    "host": (beat or {}).get("host"),
                    "last_tick_at": last,
                }
            )
            raise SystemExit(0 if active else 1)
        if active:
            click.echo(
                f"a daemon is active (pid {(beat or {}).get('pid')} on {(beat or {}).get('host')}); "
                f"last tick {last}"
            )
            return
        click.echo(f"no daemon is active; last tick {last or 'never'}", err=True)
        raise SystemExit(1)
    import signal
    import threading

    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    raise SystemExit(service_daemon.Daemon(app, stop, poll_seconds=poll).run())


@click.group()
def outbox() -> None:
    """Outgoing e-mail: what is waiting, what failed, send now."""


@outbox.command("list")
@click.option("--all", "include_sent", is_flag=True, help="Include messages already sent.")
@json_option
def outbox_list(include_sent: bool, as_json: bool) -> None:
    """Messages not yet sent: pending, failing (retried hourly, the admins told) or dead (after a week).

    \b
    Example:
      $ rr outbox list
    """
    from rr_workflow.service import delivery

    rows = delivery.outbox(open_app(), include_sent)
    if as_json:
        echo_json(rows)
    else:
        echo_table(
            ("ID", "CASE", "STATUS", "TRIES", "SUBJECT", "LAST ERROR"),
            [
                (
                    r["id"],
                    r["case_ref"],
                    r["status"],
                    r["attempts"],
                    r["subject"][:60],
                    (r["last_error"] or "")[:40],
                )
                for r in rows
            ],
        )


@outbox.command("send")
def outbox_send() -> None:
    """Deliver what is due in the outbox now.

    \b
    Example:
      $ RR_SMTP_HOST=127.0.0.1 RR_SMTP_PORT=1025 rr outbox send
    """
    from rr_workflow.adapters.mail import transport_from_environment
    from rr_workflow.service import delivery

    app = open_app()
    sent = delivery.deliver(app, transport_from_environment(app.home))
    click.echo(f"{sent['sent']} delivered, {sent['failed']} to retry, {sent['dead']} dead-lettered")


@outbox.command("retry")
@click.argument("ids", nargs=-1, type=int, metavar="[ID]...")
@click.option("--all-dead", is_flag=True, help="Every dead message (given up after a week of failures).")
@click.option("--all-failing", is_flag=True, help="Every failing or dead message.")
def outbox_retry(ids: tuple[int, ...], all_dead: bool, all_failing: bool) -> None:
    """Send failing or dead messages at the next delivery, their retries started afresh (audited).

    Once the mail server or an address is put right; `rr outbox list` shows the IDs.

    \b
    Examples:
      $ rr outbox retry 42 43
      $ rr outbox retry --all-dead
    """
    from rr_workflow.service import delivery

    chosen = delivery.retry(open_app(), list(ids), all_dead=all_dead, all_failing=all_failing)
    if chosen:
        click.echo(
            f"{len(chosen)} message(s) will be sent at the next delivery: {', '.join(map(str, chosen))}"
        )
    else:
        click.echo("no message to retry")
