"""The partnership profile: who the letters come from and where the replies go, in one TOML file.

Which file applies, first found wins: $RR_PARTNERSHIP, then $RR_HOME/partnership.toml, then the shipped
schedules/partnership.toml (example values: `rr settings check` says so). Every letter, invitation and
notice takes the partnership's name, address, phone, secure mailbox, From and Reply-To, signatory,
letterhead logo and the National Panel's address from here. RR_MAIL_FROM, where set, overrides
`mail.from` (a trial deployment's mail catcher may need another sender); nothing else does.

A bad file is refused with one line naming the file, the setting and what is wrong (ConfigError).
"""

from __future__ import annotations

import functools
import os
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from email.utils import formataddr, parseaddr
from pathlib import Path
from typing import Any

from rr_workflow.adapters.config import read_toml, rr_home, shipped_dir
from rr_workflow.domain.errors import ConfigError

PROFILE_FILE = "partnership.toml"
PDF_CHOICES = ("auto", "always", "never")
EXAMPLE_DOMAIN = ".example"
DEFAULT_MARKING = "OFFICIAL-SENSITIVE"


@dataclass(frozen=True)
class Profile:
    name: str
    area: str  # the local authority area the partnership covers
    address: tuple[str, ...]
    phone: str
    secure_mailbox: str
    mail_from: str  # 'Name <address>'
    reply_to: str
    signatory_name: str
    signatory_title: str
    panel_name: str
    panel_email: str | None  # None: not set yet, and `rr submit` sends nothing until it is
    panel_address: tuple[str, ...]
    logo: Path | None
    pdf: str  # never (the default) | auto | always
    marking: str
    meeting_minutes: int
    source: str

    @functools.cached_property  # a step's letters ask many times; the profile never changes
    def from_address(self) -> str:
        return parseaddr(self.mail_from)[1]

    @functools.cached_property
    def mail_domain(self) -> str:
        return self.from_address.rpartition("@")[2] or "localhost"

    @functools.cached_property
    def organiser(self) -> str:
        """The meeting organiser for invitations: the business unit's mailbox with the partnership's name."""
        return formataddr((self.name, parseaddr(self.reply_to)[1] or self.from_address))

    def example_values(self) -> list[str]:
        """Settings still holding the shipped example values ('...example' addresses)."""
        return [
            label
            for label, value in (
                ("partnership.secure_mailbox", self.secure_mailbox),
                ("mail.from", self.mail_from),
                ("panel.email", self.panel_email or ""),
            )
            if parseaddr(value)[1].endswith(EXAMPLE_DOMAIN)
        ]

    def as_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "partnership": {
                "name": self.name,
                "area": self.area,
                "address": list(self.address),
                "phone": self.phone,
                "secure_mailbox": self.secure_mailbox,
                "logo": str(self.logo) if self.logo else None,
            },
            "mail": {"from": self.mail_from, "reply_to": self.reply_to},
            "signatory": {"name": self.signatory_name, "title": self.signatory_title},
            "panel": {
                "name": self.panel_name,
                "email": self.panel_email,
                "address": list(self.panel_address),
            },
            "letters": {"pdf": self.pdf, "marking": self.marking, "meeting_minutes": self.meeting_minutes},
        }


def profile_path() -> Path:
    configured = os.environ.get("RR_PARTNERSHIP")
    if configured:
        return Path(configured).expanduser()
    in_home = rr_home() / PROFILE_FILE
    return in_home if in_home.is_file() else shipped_dir("schedules") / PROFILE_FILE


def load_profile(path: Path | None = None) -> Profile:
    """The partnership profile, read from its file every time; parsed again only when the file's text
    (or RR_MAIL_FROM) differs from the last time, or its logo is gone (a step asks for it several
    times: parsing and checking it was a tenth of a step's letters)."""
    path = path or profile_path()
    override = os.environ.get("RR_MAIL_FROM")
    try:
        text = path.read_bytes()
    except OSError:
        return _load_profile(path, override)  # says what is wrong with the file
    key = (str(path), text, override)
    with _profiles_lock:
        kept = _profiles.get(key)
    if kept is not None and (kept.logo is None or kept.logo.is_file()):
        return kept
    profile = _load_profile(path, override)
    with _profiles_lock:
        _profiles.clear()  # one profile in use at a time, usually
        _profiles[key] = profile
    return profile


_profiles_lock = threading.Lock()
_profiles: dict[tuple[str, bytes, str | None], Profile] = {}


def _load_profile(path: Path, override: str | None) -> Profile:
    profile = parse_profile(read_toml(path), path)
    if override:
        from dataclasses import replace

        profile = replace(profile, mail_from=_address(override, "RR_MAIL_FROM", str(path), allow_name=True))
    return profile


class _Reader:
    def __init__(self, data: Mapping[str, Any], source: str) -> None:
        self.data, self.source = data, source

    def fail(self, setting: str, problem: str) -> ConfigError:
        return ConfigError(f"{self.source}: {setting}: {problem}")

    def table(self, name: str) -> Mapping[str, Any]:
        value = self.data.get(name, {})
        if not isinstance(value, Mapping):
            raise self.fail(name, "must be a table ([" + name + "])")
        return value

    def text(self, table: str, key: str, *, required: bool = True, default: str = "") -> str:
        value = self.table(table).get(key)
        if value is None:
            if required:
                raise self.fail(f"{table}.{key}", "missing")
            return default
        if not isinstance(value, str):
            raise self.fail(f"{table}.{key}", "must be text in quotes")
        value = value.strip()
        if required and not value:
            raise self.fail(f"{table}.{key}", "is empty")
        if "\n" in value or "\r" in value:
            raise self.fail(f"{table}.{key}", "must be one line")
        return value

    def lines(self, table: str, key: str) -> tuple[str, ...]:
        value = self.table(table).get(key, [])
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            raise self.fail(f"{table}.{key}", 'must be a list of lines, e.g. ["County Hall", "NS1 1AA"]')
        return tuple(v.strip() for v in value)


def _address(value: str, setting: str, source: str, allow_name: bool = False) -> str:
    name, address = parseaddr(value)
    local, at, domain = address.partition("@")
    bad = (
        not (local and at and "." in domain)
        or any(c.isspace() or c in ",;<>" for c in address)
        or (name and not allow_name)
    )
    if bad:
        raise ConfigError(f"{source}: {setting}: not an e-mail address: {value!r}")
    return formataddr((name, address)) if name else address


def _optional_address(value: str | None, setting: str, source: str) -> str | None:
    """An address a partnership may not have set yet (missing or empty: None)."""
    return _address(value.strip(), setting, source) if value and value.strip() else None


def parse_profile(data: Mapping[str, Any], path: Path) -> Profile:
    source = str(path)
    r = _Reader(data, source)
    for unknown in sorted(set(data) - {"partnership", "mail", "signatory", "panel", "letters"}):
        raise r.fail(unknown, "unknown table (expected partnership, mail, signatory, panel, letters)")
    name = r.text("partnership", "name")
    secure = _address(r.text("partnership", "secure_mailbox"), "partnership.secure_mailbox", source)
    mail_from = _address(r.text("mail", "from"), "mail.from", source, allow_name=True)
    if not parseaddr(mail_from)[0]:
        mail_from = formataddr((name, mail_from))
    reply_to = r.text("mail", "reply_to", required=False) or secure
    reply_to = _address(reply_to, "mail.reply_to", source, allow_name=True)
    logo_text = r.text("partnership", "logo", required=False)
    logo = None
    if logo_text:
        logo = (
            (path.parent / logo_text).expanduser() if not Path(logo_text).is_absolute() else Path(logo_text)
        )
        if not logo.is_file():
            raise r.fail("partnership.logo", f"no such file: {logo}")
        if logo.suffix.lower() not in (".png", ".jpg", ".jpeg", ".gif"):
            raise r.fail("partnership.logo", "must be a PNG, JPEG or GIF picture")
    pdf = r.text("letters", "pdf", required=False, default="never")
    if pdf not in PDF_CHOICES:
        raise r.fail("letters.pdf", f"must be one of {', '.join(PDF_CHOICES)}, not {pdf!r}")
    minutes = r.table("letters").get("meeting_minutes", 120)
    if isinstance(minutes, bool) or not isinstance(minutes, int) or not 15 <= minutes <= 600:
        raise r.fail("letters.meeting_minutes", "must be a whole number of minutes from 15 to 600")
    return Profile(
        name=name,
        area=r.text("partnership", "area"),
        address=r.lines("partnership", "address"),
        phone=r.text("partnership", "phone"),
        secure_mailbox=secure,
        mail_from=mail_from,
        reply_to=reply_to,
        signatory_name=r.text("signatory", "name"),
        signatory_title=r.text("signatory", "title"),
        panel_name=r.text(
            "panel", "name", required=False, default="The Child Safeguarding Practice Review Panel"
        ),
        panel_email=_optional_address(r.text("panel", "email", required=False), "panel.email", source),
        panel_address=r.lines("panel", "address"),
        logo=logo,
        pdf=pdf,
        marking=r.text("letters", "marking", required=False, default=DEFAULT_MARKING),
        meeting_minutes=minutes,
        source=source,
    )
