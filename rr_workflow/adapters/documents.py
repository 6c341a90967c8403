"""Documents: the Word forms (docxtpl) and the meeting invitations (icalendar). Values in, bytes out.

Nothing here touches the database or the service layer; docxtpl and icalendar are imported by the
functions that use them (they cost ~170 ms and ~120 ms to import).

Word forms are docxtpl templates, `docx/<name>.docx`, looked up on `templates.search_path()`: a
partnership's own folder ($RR_TEMPLATES, else $RR_HOME/templates) wins over the shipped `templates/`.
tools/make_docx_templates.py builds the shipped ones. They are rendered in a sandboxed Jinja environment
(partnerships edit them), with StrictUndefined and XML escaping of every value: a value is text, never
markup or template code (`&`, `<`, `{{ 7*7 }}` all come out as typed). Dates are written out in English
("Monday 21 December 2026"); `None` means "not known": the form shows a line to fill in.

Values of `scoping_template_docx` (the Initial Scoping and Information Sharing template, docs/procedure.md):
    ref, received, aware, agency (the agency it is sent to), due (its return date): required
    child_initials, child_dob, child_name, child_address: optional (pass only what is needed)
    partnership (its name), return_to (where to send the template back), training: optional

Values of `report_draft_docx` (the Rapid Review report, docs/procedure.md steps 5-7):
    ref, received, aware: required
    referrer, sin_notified, sin_reference, child_initials, child_dob, summary, partnership, area (the
    local authority area), training: optional
    attendees: [{name, agency}] (who attended the meeting)
    agencies: [{name (or key), sent_on, returned_on, secured_on}], dates or None
    meeting_date (a date, or an aware datetime to show the time), meeting_mode ('in_person' | 'remote'),
    meeting_reason (why remote)
    decision ('national_cspr' | 'local_cspr' | 'alternative_review' | 'no_review', or None: not yet),
    rationale, actions: [{owner, text}] or [(owner, text)], endorsed_on, endorsed_by

`training` true (a training database) puts "TRAINING — NOT A REAL CASE" at the top of the first
page and in the page header.

`meeting_invitation_ics` builds an Outlook-friendly iTIP invitation or cancellation (RFC 5545/5546) and
`ics_mime_part` the `text/calendar; method=...` part to attach it to an e-mail.
"""

from __future__ import annotations

import contextlib
import functools
import io
import re
import threading
from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rr_workflow.adapters import templates
from rr_workflow.domain import wording
from rr_workflow.domain.errors import ConfigError

if TYPE_CHECKING:
    from email.message import MIMEPart

SCOPING_TEMPLATE = "docx/scoping_template.docx"
REPORT_TEMPLATE = "docx/rapid_review_report.docx"
TRAINING_MARK = "TRAINING — NOT A REAL CASE"

BLANK = "_" * 32  # a line to write on
NOT_YET = "not yet"
DEFAULT_PARTNERSHIP = "Local Safeguarding Children Partnership"
DEFAULT_RETURN_TO = "the partnership's business unit"

DECISIONS = {
    "national_cspr": "Recommend a national Child Safeguarding Practice Review",
    "local_cspr": "Undertake a local Child Safeguarding Practice Review",
    "alternative_review": "Undertake an alternative learning review",
    "no_review": "No further review",
}
NOT_DECIDED = "Not yet decided"
MEETING_MODES = {
    "in_person": "In person",
    "remote": "By telephone or video conference",
}

TZID = "Europe/London"
METHODS = ("REQUEST", "CANCEL")
PRODID = "-//rr-workflow//Rapid Review//EN"


# Characters XML 1.0 cannot hold, plus \f and \a, which docxtpl would turn into page and paragraph breaks.
_NOT_XML_CHARACTERS = "\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff"
_NOT_XML = re.compile(f"[{_NOT_XML_CHARACTERS}]")
# Text that clean_text, escaping and the braces' references leave as it is: none of _NOT_XML's characters,
# no carriage return, none of the five characters escaped, no brace.
_UNCHANGED = re.compile(f"[^{_NOT_XML_CHARACTERS}\r&<>\"'{{}}]*")
# Text that clean_text and lxml's escaping of text leave as it is.
_AS_XML_TEXT = re.compile(f"[^{_NOT_XML_CHARACTERS}\r&<>]*")


# -- values to text ----------------------------------------------------------------------------------------


def clean_text(value: str) -> str:
    """One newline convention (\\n) and no character a document cannot hold."""
    return _NOT_XML.sub("", value.replace("\r\n", "\n").replace("\r", "\n"))


def day_text(day: date) -> str:
    """'Monday 21 December 2026' (English whatever the locale)."""
    return wording.long_date(day)


# Values that are dates: also accepted as ISO text ('2026-12-21').
DATE_KEYS = frozenset(
    {"received", "aware", "due", "child_dob", "sin_notified", "meeting_date", "endorsed_on"}
    | {"sent_on", "returned_on", "secured_on"}
)


def _value(values: Mapping[str, Any], key: str) -> str | None:
    value = values.get(key)
    if key in DATE_KEYS and isinstance(value, str):
        with contextlib.suppress(ValueError):  # otherwise shown as given
            value = date.fromisoformat(value.strip())
    if key == "child_dob" and isinstance(value, date) and not isinstance(value, datetime):
        return wording.birth_date(value)  # a date of birth has no weekday
    return _text(value)


def _text(value: Any) -> str | None:
    """What a form shows for a value: dates written out; None, '' and blanks as None (not known)."""
    if value is None:
        return None
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            from zoneinfo import ZoneInfo

            value = value.astimezone(ZoneInfo(TZID))
        return f"{day_text(value.date())}, {value:%H:%M}"
    if isinstance(value, date):
        return day_text(value)
    text = str(value)
    return text if text.strip() else None


def _required(values: Mapping[str, Any], document: str, *keys: str) -> dict[str, str]:
    found = {key: _value(values, key) for key in keys}
    missing = [key for key, text in found.items() if text is None]
    if missing:
        raise ValueError(f"{document}: missing value(s): {', '.join(missing)}")
    return {key: str(text) for key, text in found.items()}


def _optional(values: Mapping[str, Any], *keys: str) -> dict[str, str | None]:
    return {key: _value(values, key) for key in keys}


def _common(values: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "training": bool(values.get("training")),
        "training_mark": TRAINING_MARK,
        "partnership": _text(values.get("partnership")) or DEFAULT_PARTNERSHIP,
        "blank": BLANK,
        "not_yet": NOT_YET,
    }


# -- Word forms --------------------------------------------------------------------------------------------


def scoping_template_docx(values: Mapping[str, Any]) -> bytes:
    """The Initial Scoping and Information Sharing template for one agency, pre-filled with the case facts
    (see the module's docstring for the values)."""
    context = {
        **_common(values),
        **_required(values, "scoping template", "ref", "received", "aware", "agency", "due"),
        **_optional(values, "child_initials", "child_dob", "child_name", "child_address"),
        "return_to": _text(values.get("return_to")) or DEFAULT_RETURN_TO,
    }
    return render_docx(SCOPING_TEMPLATE, context)


def report_draft_docx(values: Mapping[str, Any]) -> bytes:
    """The Rapid Review report as it stands (see the module's docstring for the values)."""
    decision = values.get("decision")
    if decision is not None and decision not in DECISIONS:
        raise ValueError(f"report: unknown decision {decision!r} (one of {', '.join(DECISIONS)})")
    mode = values.get("meeting_mode")
    if mode is not None and mode not in MEETING_MODES:
        raise ValueError(f"report: unknown meeting mode {mode!r} (one of {', '.join(MEETING_MODES)})")
    context = {
        **_common(values),
        **_required(values, "report", "ref", "received", "aware"),
        **_optional(
            values,
            "referrer",
            "sin_notified",
            "sin_reference",
            "area",
            "child_initials",
            "child_dob",
            "summary",
            "meeting_date",
            "meeting_reason",
            "rationale",
            "endorsed_on",
            "endorsed_by",
        ),
        "meeting_mode": MEETING_MODES[mode] if mode else None,
        "decision": DECISIONS[decision] if decision else NOT_DECIDED,
        "agencies": [_agency_row(agency) for agency in values.get("agencies") or ()],
        "actions": [_action_row(action) for action in values.get("actions") or ()],
        "attendees": [
            {"name": _text(a.get("name")) or BLANK, "agency": _text(a.get("agency")) or BLANK}
            for a in values.get("attendees") or ()
        ],
    }
    return render_docx(REPORT_TEMPLATE, context)


def _agency_row(agency: Mapping[str, Any]) -> dict[str, str]:
    return {
        "name": _text(agency.get("name")) or _text(agency.get("key")) or BLANK,
        "sent": _value(agency, "sent_on") or NOT_YET,
        "returned": _value(agency, "returned_on") or NOT_YET,
        "secured": _value(agency, "secured_on") or NOT_YET,
    }


def _action_row(action: Mapping[str, Any] | tuple[Any, Any]) -> dict[str, str]:
    owner, text = (action.get("owner"), action.get("text")) if isinstance(action, Mapping) else action
    return {"owner": _text(owner) or BLANK, "text": _text(text) or BLANK}


def docx_template(name: str) -> Path:
    """The template file `name` (e.g. 'docx/scoping_template.docx'): the first found on the search path."""
    for folder in templates.search_path():
        path = folder / name
        if path.is_file():
            return path
    raise ConfigError(f"{name}: no such template in {', '.join(map(str, templates.search_path()))}")


def render_docx(name: str, context: Mapping[str, Any]) -> bytes:
    """Fill in the Word template `name` with `context` (escaped, sandboxed, strict); the .docx bytes.

    Each template file is parsed and compiled once per process (again when it changes: the key is its
    path, modification time and size) and each document rendered from that (adapters/compiled_docx.py:
    docxtpl's own steps, the same document; docxtpl re-read, re-parsed and re-saved the whole file for
    every document)."""
    path = docx_template(name)
    stat = path.stat()
    form = _compiled_form(path, stat.st_mtime_ns, stat.st_size)
    if form.fallback:
        return render_docxtpl(path, context)
    return form.render(context)


def render_docxtpl(path: Path, context: Mapping[str, Any]) -> bytes:
    """The document as docxtpl renders it from the file, every step done again (the reference the
    compiled forms are tested against, and what a template with template tags in footnotes uses)."""
    import zipfile

    from docx.opc.exceptions import PackageNotFoundError
    from docxtpl import DocxTemplate
    from jinja2 import TemplateError

    document = DocxTemplate(path)
    try:
        document.render(dict(context), _docx_environment(), autoescape=True)
    except TemplateError as error:
        raise ConfigError(f"{path}: {error.message or type(error).__name__}") from None
    except (zipfile.BadZipFile, PackageNotFoundError, KeyError):
        raise ConfigError(f"{path}: not a Word .docx file") from None
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


_forms_lock = threading.Lock()
_forms: dict[Path, tuple[int, int, Any]] = {}


def _compiled_form(path: Path, mtime_ns: int, size: int) -> Any:
    from rr_workflow.adapters.compiled_docx import CompiledForm

    with _forms_lock:
        kept = _forms.get(path)
    if kept is None or kept[:2] != (mtime_ns, size):
        kept = (mtime_ns, size, CompiledForm(path, _docx_environment(), _docx_text_environment()))
        with _forms_lock:
            _forms[path] = kept
    return kept[2]


@functools.lru_cache(maxsize=1)
def _docx_environment() -> Any:
    from jinja2 import StrictUndefined
    from jinja2.sandbox import SandboxedEnvironment

    class Compiled(SandboxedEnvironment):
        """docxtpl compiles a form's XML with `from_string` for every document: the same text gives the
        same template, so each text is compiled once per process (a Jinja template renders any number
        of times, from any thread)."""

        @functools.lru_cache(maxsize=32)  # noqa: B019  one environment per process, never freed anyway
        def _compiled(self, source: str) -> Any:
            return super().from_string(source)

        def from_string(self, source: Any, globals: Any = None, template_class: Any = None) -> Any:
            if globals is None and template_class is None and isinstance(source, str):
                return self._compiled(source)
            return super().from_string(source, globals, template_class)

    return Compiled(undefined=StrictUndefined, autoescape=True, finalize=_as_docx_text)


def _as_docx_text(value: Any) -> Any:
    """Every `{{ value }}` as text for the document's XML: escaped, and with its braces as character
    references, so docxtpl's clean-up of its own tag syntax ('{_{' -> '{{' ...) never touches a value."""
    from markupsafe import Markup, escape

    if value is None:
        return ""
    if hasattr(value, "__html__"):  # already markup: docxtpl's RichText/Listing, or Markup
        return value
    text = str(value)
    if _UNCHANGED.fullmatch(text):  # nothing below would change it (most values)
        return Markup(text)
    escaped = str(escape(clean_text(text)))
    return Markup(escaped.replace("{", "&#123;").replace("}", "&#125;"))


@functools.lru_cache(maxsize=1)
def _docx_text_environment() -> Any:
    """The same environment with each value written as lxml writes text (`_as_xml_text`): for the form
    bodies compiled_docx renders straight to the document's text (adapters/text_ready.py)."""
    return _docx_environment().overlay(finalize=_as_xml_text)


def _as_xml_text(value: Any) -> Any:
    """Every `{{ value }}` as lxml writes the text `_as_docx_text` gives once parsed: clean_text, then
    only `&`, `<` and `>` escaped (quotes and braces as they are). A value already markup (docxtpl's
    RichText/Listing, or Markup) becomes NUL, which no other value or template holds (clean_text takes
    it out): compiled_docx then renders that document the regular way."""
    from markupsafe import Markup

    if value is None:
        return Markup("")
    if hasattr(value, "__html__"):
        return Markup("\x00")
    text = str(value)
    if _AS_XML_TEXT.fullmatch(text):  # nothing below would change it (most values)
        return Markup(text)
    return Markup(clean_text(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;"))


# -- meeting invitations -----------------------------------------------------------------------------------


def meeting_invitation_ics(
    uid: str,
    sequence: int,
    start: datetime,
    minutes: int,
    summary: str,
    description: str,
    organizer: str,
    attendees: Iterable[str],
    method: str,
    *,
    location: str | None = None,
    url: str | None = None,
    now: datetime | None = None,
) -> bytes:
    """An iCalendar invitation (method 'REQUEST') or cancellation ('CANCEL') of one meeting.

    Keep `uid` for the meeting's life and raise `sequence` on every change (a new time, a cancellation).
    `start` is aware (shown in Europe/London whatever its zone); `organizer` and `attendees` are e-mail
    addresses, 'Name <address>' or bare. `now` is the DTSTAMP (default: the real time; a training
    database passes its own clock).
    """
    from datetime import UTC
    from zoneinfo import ZoneInfo

    from icalendar import Calendar, Event

    method = method.upper()
    if method not in METHODS:
        raise ValueError(f"method must be one of {', '.join(METHODS)}")
    if start.tzinfo is None or start.utcoffset() is None:
        raise ValueError("start must be an aware datetime")
    if isinstance(sequence, bool) or not isinstance(sequence, int) or sequence < 0:
        raise ValueError("sequence must be a whole number, 0 or more")
    if isinstance(minutes, bool) or not isinstance(minutes, int) or minutes <= 0:
        raise ValueError("minutes must be a whole number above 0")
    uid = clean_text(uid).strip()
    if not uid or "\n" in uid:
        raise ValueError("uid must be one non-empty line")

    london = ZoneInfo(TZID)
    begin = start.astimezone(london)
    end = (begin.astimezone(UTC) + timedelta(minutes=minutes)).astimezone(london)
    stamp = (now or datetime.now(UTC)).astimezone(UTC)

    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", method)

    event = Event()
    event.add("uid", uid)
    event.add("sequence", sequence)
    event.add("dtstamp", stamp)
    event.add("dtstart", begin)
    event.add("dtend", end)
    event.add("summary", clean_text(summary))
    event.add("description", clean_text(description))
    if location:
        event.add("location", clean_text(location))
    if url:
        event.add("url", clean_text(url))
    event.add("status", "CANCELLED" if method == "CANCEL" else "CONFIRMED")
    event.add("transp", "OPAQUE")
    event.add("organizer", _calendar_address(organizer, "organizer"))
    seen: set[str] = set()
    for attendee in attendees:
        address = _calendar_address(attendee, "attendee")
        if str(address).lower() in seen:
            continue
        seen.add(str(address).lower())
        address.params["CUTYPE"] = "INDIVIDUAL"
        address.params["ROLE"] = "REQ-PARTICIPANT"
        if method == "REQUEST":
            address.params["PARTSTAT"] = "NEEDS-ACTION"
            address.params["RSVP"] = "TRUE"
        event.add("attendee", address, encode=False)
    calendar.add_component(event)
    text = bytes(calendar.to_ical())
    where = text.index(b"\r\nBEGIN:VEVENT\r\n") + 2  # the calendar's own lines come first
    return text[:where] + _london_timezone(begin.year, end.year + 1) + text[where:]


@functools.lru_cache(maxsize=16)
def _london_timezone(first_year: int, last_year: int) -> bytes:
    """The VTIMEZONE component of an invitation from `first_year` to `last_year` (1 January each), as
    its lines: the same for every meeting in those years, so made once (it is half an invitation's
    lines, and the slower half to make)."""
    from zoneinfo import ZoneInfo

    from icalendar import Timezone

    timezone = Timezone.from_tzinfo(
        ZoneInfo(TZID), TZID, first_date=date(first_year, 1, 1), last_date=date(last_year, 1, 1)
    )
    return bytes(timezone.to_ical())


def _calendar_address(text: str, role: str) -> Any:
    from email.utils import parseaddr

    from icalendar import vCalAddress

    name, address = parseaddr(clean_text(text))
    address = address.strip().removeprefix("mailto:").removeprefix("MAILTO:")
    local, at, domain = address.partition("@")
    if not (local and at and domain) or any(c.isspace() for c in address):
        raise ValueError(f"{role}: not an e-mail address")  # the value itself is personal data: not shown
    calendar_address = vCalAddress(f"mailto:{address}")
    if name.strip():
        calendar_address.params["CN"] = name.strip()
    return calendar_address


def ics_mime_part(ics_bytes: bytes, method: str, filename: str | None = "invitation.ics") -> MIMEPart:
    """The e-mail part carrying an invitation: `text/calendar; method=REQUEST; charset=utf-8` (the email
    package writes the values quoted, `method="REQUEST"`, which MIME reads as the same), base64 so the
    iCalendar bytes, CRLF line ends included, arrive unchanged. With a `filename` it is an attachment.
    Add it to an EmailMessage with `message.make_mixed(); message.attach(part)`.
    """
    from email.message import MIMEPart

    method = method.upper()
    if method not in METHODS:
        raise ValueError(f"method must be one of {', '.join(METHODS)}")
    part = MIMEPart()
    part.set_content(
        bytes(ics_bytes),
        maintype="text",
        subtype="calendar",
        cte="base64",
        params={"method": method, "charset": "utf-8"},
        filename=filename,
    )
    return part
