"""Sending e-mail: SMTP when configured, otherwise `.eml` files under RR_HOME/outbox/.

Settings (environment): RR_SMTP_HOST, RR_SMTP_PORT (default 587 with STARTTLS, else 25),
RR_SMTP_STARTTLS (1/0, default 1 unless the port is 25), RR_SMTP_USER, RR_SMTP_PASSWORD,
RR_MAIL_FROM (default rr-workflow@localhost).
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
    return os.environ.get("RR_MAIL_FROM") or "rr-workflow@localhost"


def mail_domain() -> str:
    return mail_from().rpartition("@")[2].strip(">") or "localhost"


def build_message(row: Mapping[str, Any], attachments: Sequence[tuple[str, str, bytes]] = ()) -> EmailMessage:
    """The e-mail for an outbox row; `attachments` are (filename, content type, content)."""
    message = EmailMessage()
    message["From"] = mail_from()
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
    for filename, content_type, content in attachments:
        maintype, _, rest = content_type.partition("/")
        subtype, *parameters = [part.strip() for part in rest.split(";")]
        params = dict(p.split("=", 1) for p in parameters if "=" in p)
        message.add_attachment(content, maintype=maintype, subtype=subtype, filename=filename, params=params)
    return message


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
                smtp.starttls()
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
    starttls_default = "0" if port == 25 else "1"
    starttls = (os.environ.get("RR_SMTP_STARTTLS") or starttls_default) not in ("0", "false", "no")
    return SmtpTransport(
        host, port, starttls, os.environ.get("RR_SMTP_USER"), os.environ.get("RR_SMTP_PASSWORD")
    )
