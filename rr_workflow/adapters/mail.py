"""Sending e-mail: SMTP when configured, otherwise `.eml` files under RR_HOME/outbox/.

Settings (environment): RR_SMTP_HOST, RR_SMTP_PORT (default 587), RR_SMTP_STARTTLS (default 1, on any
port: mail to agencies goes over TLS, the server's certificate checked, unless RR_SMTP_STARTTLS=0 says
otherwise; a server that offers no STARTTLS gets nothing, and the mail is retried), RR_SMTP_CAFILE (a CA
bundle for a server with a private certificate), RR_SMTP_USER, RR_SMTP_PASSWORD, RR_SMTP_CONNECTIONS
(default 3: how many messages are handed over at once). From and Reply-To come from the partnership
profile (`rr settings show`); RR_MAIL_FROM overrides its From.

A sender keeps its SMTP connection open from one message to the next (`SmtpTransport.session`), up to
`MESSAGES_PER_CONNECTION`: a message costs the server's answer, not a new connection, TLS handshake and
login. A connection the server closed meanwhile (idle timeout, "421 too many messages") is opened again
once for the message that found it closed.

A meeting invitation (an attachment of type `text/calendar; method=...`) becomes the iMIP structure
Outlook answers with Accept/Decline (RFC 6047):

    multipart/mixed
      multipart/alternative
        text/plain                                 the short message
        text/calendar; method=REQUEST; charset=utf-8   the iTIP request itself
      application/vnd...wordprocessingml.document  the letter (and its PDF)
      application/ics; name=invite.ics             the same request as a file, for other mail clients
"""

from __future__ import annotations

import os
import smtplib
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from email.message import EmailMessage
from email.utils import formatdate
from pathlib import Path
from typing import Any, Protocol

from rr_workflow.domain.errors import BadInput

MESSAGES_PER_CONNECTION = 20  # then a new connection: some servers refuse more in one (421)
MOST_CONNECTIONS = 10


class Sender(Protocol):
    def send(self, message: EmailMessage) -> dict[str, str]:
        """Hand the message over; return the recipients the server refused (address -> its reply)."""
        ...


class Transport(Sender, Protocol):
    name: str


def mail_from() -> str:
    from rr_workflow.adapters.profile import load_profile

    return load_profile().mail_from


def mail_domain() -> str:
    return mail_from().rpartition("@")[2].strip(">") or "localhost"


def build_message(
    row: Mapping[str, Any],
    attachments: Sequence[tuple[str, str, bytes]] = (),
    sender: str | None = None,
    reply_to: str | None = None,
) -> EmailMessage:
    """The e-mail for an outbox row; `attachments` are (filename, content type, content); `sender` and
    `reply_to` default to the partnership profile's."""
    if sender is None or reply_to is None:
        from rr_workflow.adapters.profile import load_profile

        profile = load_profile()
        sender, reply_to = sender or profile.mail_from, reply_to or profile.reply_to
    message = EmailMessage()
    message["From"] = sender
    message["Reply-To"] = reply_to
    message["To"] = row["to_addrs"]
    if row["cc_addrs"]:
        message["Cc"] = row["cc_addrs"]
    message["Subject"] = row["subject"]
    message["Message-ID"] = row["message_id"]  # stable: a resend after a crash is the same message
    message["Date"] = formatdate(localtime=False)
    message["X-RR-Case"] = row["case_ref"]
    message.set_content(row["body"])
    if row.get("body_html"):
        message.add_alternative(row["body_html"], subtype="html")
    parsed = [
        (filename, *_content_type(content_type), content) for filename, content_type, content in attachments
    ]
    for _, maintype, subtype, params, content in parsed:
        if (maintype, subtype) == ("text", "calendar") and "method" in params:
            message.add_alternative(
                content,
                maintype="text",
                subtype="calendar",
                cte="base64",
                params={"method": params["method"].upper(), "charset": "utf-8"},
            )
    for filename, maintype, subtype, params, content in parsed:
        if (maintype, subtype) == ("text", "calendar"):
            maintype, subtype, params = "application", "ics", {}
        message.add_attachment(content, maintype=maintype, subtype=subtype, filename=filename, params=params)
    return message


def _content_type(text: str) -> tuple[str, str, dict[str, str]]:
    maintype, _, rest = text.partition("/")
    subtype, *parameters = [part.strip() for part in rest.split(";")]
    params = dict(p.split("=", 1) for p in parameters if "=" in p)
    return (
        maintype.strip().lower(),
        subtype.lower(),
        {k.strip().lower(): v.strip() for k, v in params.items()},
    )


class SmtpTransport:
    name = "smtp"

    def __init__(
        self,
        host: str,
        port: int,
        starttls: bool,
        user: str | None,
        password: str | None,
        timeout: float = 30,
        connections: int = 1,
    ) -> None:
        self.host, self.port, self.starttls = host, port, starttls
        self.user, self.password, self.timeout = user, password, timeout
        self.connections = connections  # how many senders `delivery.deliver` runs at once

    def send(self, message: EmailMessage) -> dict[str, str]:
        """One message over a connection of its own."""
        with self.session() as sender:
            return sender.send(message)

    @contextmanager
    def session(self) -> Iterator[SmtpSession]:
        """A sender that keeps its connection for the messages that follow; closed at the end."""
        sender = SmtpSession(self)
        try:
            yield sender
        finally:
            sender.close()

    def connect(self) -> smtplib.SMTP:
        smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        try:
            if self.starttls:
                import ssl

                smtp.starttls(context=ssl.create_default_context(cafile=os.environ.get("RR_SMTP_CAFILE")))
            if self.user:
                smtp.login(self.user, self.password or "")
        except BaseException:
            smtp.close()
            raise
        return smtp


class SmtpSession:
    """One SMTP connection used for message after message (see the module's text)."""

    def __init__(self, transport: SmtpTransport) -> None:
        self.transport = transport
        self._smtp: smtplib.SMTP | None = None
        self._sent = 0

    def send(self, message: EmailMessage) -> dict[str, str]:
        if self._sent >= MESSAGES_PER_CONNECTION:
            self.close()
        reused = self._smtp is not None
        try:
            return self._send(message)
        except (smtplib.SMTPServerDisconnected, smtplib.SMTPResponseException) as error:
            self.close()
            closed = isinstance(error, smtplib.SMTPServerDisconnected) or error.smtp_code == 421
            if not (reused and closed):
                raise
            # The server closed a connection it had kept for us (idle, or enough messages on it): the
            # message goes over a new one. Should it have taken the message before closing, the
            # recipient gets it twice under the same Message-ID.
            return self._send(message)
        except BaseException:
            self.close()  # in an unknown state: the next message opens a new connection
            raise

    def _send(self, message: EmailMessage) -> dict[str, str]:
        if self._smtp is None:
            self._smtp = self.transport.connect()
            self._sent = 0
        refused = self._smtp.send_message(message)  # raises if every recipient was refused
        self._sent += 1
        return {
            address: f"{code} {reply.decode(errors='replace')}" for address, (code, reply) in refused.items()
        }

    def close(self) -> None:
        smtp, self._smtp = self._smtp, None
        if smtp is None:
            return
        try:
            smtp.quit()
        except (smtplib.SMTPException, OSError):
            smtp.close()


class FileTransport:
    """Writes each message as `<Message-ID>.eml`; a resend overwrites the same file."""

    name = "files"

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    @contextmanager
    def session(self) -> Iterator[FileTransport]:
        yield self

    def send(self, message: EmailMessage) -> dict[str, str]:
        self.folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        stem = "".join(
            c if c.isalnum() or c in ".-_" else "_" for c in str(message["Message-ID"]).strip("<>")
        )
        target = self.folder / f"{stem}.eml"
        partial = target.with_suffix(".eml.part")
        partial.write_bytes(bytes(message))
        partial.chmod(0o600)
        partial.replace(target)
        return {}


def transport_from_environment(home: Path) -> Transport:
    host = os.environ.get("RR_SMTP_HOST")
    if not host:
        return FileTransport(home / "outbox")
    port = int(os.environ.get("RR_SMTP_PORT") or 587)
    starttls = (os.environ.get("RR_SMTP_STARTTLS") or "1").strip().lower() not in ("0", "false", "no")
    return SmtpTransport(
        host,
        port,
        starttls,
        os.environ.get("RR_SMTP_USER"),
        os.environ.get("RR_SMTP_PASSWORD"),
        connections=connections_from_environment(),
    )


def connections_from_environment() -> int:
    """RR_SMTP_CONNECTIONS: how many messages are handed over at once (1 to 10, default 3)."""
    value = (os.environ.get("RR_SMTP_CONNECTIONS") or "3").strip()
    if not value.isdigit() or not 1 <= int(value) <= MOST_CONNECTIONS:
        raise BadInput(
            f"RR_SMTP_CONNECTIONS is a whole number from 1 to {MOST_CONNECTIONS}, not {value[:20]!r}"
        )
    return int(value)
