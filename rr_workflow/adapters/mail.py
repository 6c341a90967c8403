"""Sending e-mail: SMTP when configured, otherwise `.eml` files under RR_HOME/outbox/.

Settings (environment): RR_SMTP_HOST, RR_SMTP_PORT (default 587), RR_SMTP_STARTTLS (default 1, on any
port: mail to agencies goes over TLS, the server's certificate checked, unless RR_SMTP_STARTTLS=0 says
otherwise; a server that offers no STARTTLS gets nothing, and the mail is retried), RR_SMTP_CAFILE (a CA
bundle for a server with a private certificate), RR_SMTP_USER, RR_SMTP_PASSWORD. From and Reply-To come
from the partnership profile (`rr settings show`); RR_MAIL_FROM overrides its From.

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
from collections.abc import Mapping, Sequence
from email.message import EmailMessage
from email.utils import formatdate
from pathlib import Path
from typing import Any, Protocol


class Transport(Protocol):
    name: str

    def send(self, message: EmailMessage) -> dict[str, str]:
        """Hand the message over; return the recipients the server refused (address -> its reply)."""
        ...


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
    ) -> None:
        self.host, self.port, self.starttls = host, port, starttls
        self.user, self.password, self.timeout = user, password, timeout

    def send(self, message: EmailMessage) -> dict[str, str]:
        with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
            if self.starttls:
                import ssl

                smtp.starttls(context=ssl.create_default_context(cafile=os.environ.get("RR_SMTP_CAFILE")))
            if self.user:
                smtp.login(self.user, self.password or "")
            refused = smtp.send_message(message)  # raises if every recipient was refused
        return {
            address: f"{code} {reply.decode(errors='replace')}" for address, (code, reply) in refused.items()
        }


class FileTransport:
    """Writes each message as `<Message-ID>.eml`; a resend overwrites the same file."""

    name = "files"

    def __init__(self, folder: Path) -> None:
        self.folder = folder

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
        host, port, starttls, os.environ.get("RR_SMTP_USER"), os.environ.get("RR_SMTP_PASSWORD")
    )
