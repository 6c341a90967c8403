"""Reading the case page's forms: which steps a person is offered, and each field as the CLI reads the
same option (dates as `--on` takes them, times as `--time`, one attendee or action a line)."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, time
from pathlib import Path
from typing import Any

from starlette.datastructures import FormData, UploadFile

from rr_workflow.domain.dates import parse_day
from rr_workflow.domain.errors import BadInput
from rr_workflow.service.app import App
from rr_workflow.web.render import Ctx

# the CLI command the state machine allows -> the web's step (a form on the case page)
STEP_OF_COMMAND = {
    "sin notified": "sin",
    "scoping send": "scoping-send",
    "scoping returned": "scoping-returned",
    "records secured": "records-secured",
    "meeting schedule": "meeting-schedule",
    "meeting held": "meeting-held",
    "meeting inquorate": "meeting-inquorate",
    "decide": "decide",
    "endorse": "endorse",
    "submit": "submit",
    "outcome shared": "outcome-shared",
    "panel response": "panel-response",
    "panel answered": "panel-answered",
    "close": "close",
    "decline": "decline",
}
UPLOAD_LIMIT = 50 * 1024 * 1024
RECORDING_EXTRAS = ("doc-add", "extend", "waive")  # any unfinished case
PACK_STATES = ("meeting_scheduled", "inquorate")  # a meeting is set: its pack can be built and sent
CORRECTIONS = ("correct", "undo")
FINISHED = ("closed", "declined")


def offered(shown: dict[str, Any], ctx: Ctx) -> list[str]:
    """The steps to show as forms: what the procedure allows now, for the roles the person holds (the
    service checks the role again when the form is sent)."""
    steps: list[str] = []
    if ctx.can("coordinator"):
        steps += [STEP_OF_COMMAND[c] for c in shown["allowed"] if c in STEP_OF_COMMAND]
        if shown["state"] in PACK_STATES:
            steps.append("meeting-pack")
        if shown["state"] not in FINISHED:
            steps += RECORDING_EXTRAS
        steps += CORRECTIONS
    elif ctx.can("chair") and "endorse" in shown["allowed"]:
        steps.append("endorse")
    return steps


def agency_keys(app: App) -> list[dict[str, Any]]:
    from sqlalchemy import select

    from rr_workflow.adapters.db import tables as t

    a = t.agencies.c
    with app.reading() as connection:
        rows = connection.execute(select(a.key, a.name, a.partner, a.active).order_by(a.key)).mappings()
        return [dict(r) for r in rows]


def text(form: FormData, name: str) -> str | None:
    """A text field; None when it was left empty (an option not given)."""
    value = form.get(name)
    if not isinstance(value, str) or not value.strip():
        return None
    return value


def required(form: FormData, name: str, what: str) -> str:
    value = form.get(name)
    if not isinstance(value, str):
        raise BadInput(f"give {what}")
    return value


def day(form: FormData, name: str, today: date, what: str = "the date") -> date | None:
    """A date as the CLI's DATE takes it: YYYY-MM-DD or DD/MM/YYYY, today or yesterday."""
    raw = text(form, name)
    if raw is None:
        return None
    try:
        return parse_day(raw, today)
    except ValueError as error:
        raise BadInput(f"{what}: {error}") from None


def required_day(form: FormData, name: str, today: date, what: str) -> date:
    found = day(form, name, today, what)
    if found is None:
        raise BadInput(f"give {what} (YYYY-MM-DD or DD/MM/YYYY)")
    return found


def clock_time(form: FormData, name: str) -> time | None:
    """`--time HH:MM`."""
    raw = text(form, name)
    if raw is None:
        return None
    raw = raw.strip()
    try:
        if len(raw) != 5:
            raise ValueError
        return time.fromisoformat(raw)
    except ValueError:
        raise BadInput(f"{raw!r} is not a time (expected HH:MM)") from None


def lines(form: FormData, name: str) -> list[str]:
    """One entry a line (attendees `AGENCY:NAME`, actions `OWNER: TEXT`), blank lines left out."""
    raw = form.get(name)
    if not isinstance(raw, str):
        return []
    return [line.strip() for line in raw.splitlines() if line.strip()]


def version(form: FormData) -> int | None:
    raw = form.get("version")
    if not isinstance(raw, str) or not raw.isdigit():
        return None
    return int(raw)


def values(form: FormData) -> dict[str, Any]:
    """What was typed, to show again in the form after an error (files are not sent back)."""
    kept: dict[str, Any] = {}
    for key, value in form.multi_items():
        if key in ("csrf",) or not isinstance(value, str):
            continue
        if key in kept:
            kept[key] = [*([kept[key]] if isinstance(kept[key], str) else kept[key]), value]
        else:
            kept[key] = value
    return kept


@contextmanager
def uploaded(form: FormData, name: str, required: bool = True) -> Iterator[Path | None]:
    """A file sent with the form, saved under its own name in a folder of its own for the service
    function (which takes a path, as the CLI's `--file` gives it); None when none was chosen and it may
    be left out. The folder goes when the step is done."""
    upload = form.get(name)
    if not isinstance(upload, UploadFile) or not upload.filename:
        if required:
            raise BadInput("choose the file to attach")
        yield None
        return
    filename = Path(upload.filename.replace("\\", "/")).name
    if not filename or filename.startswith("."):
        raise BadInput("the file needs a name")
    content = upload.file.read(UPLOAD_LIMIT + 1)
    if len(content) > UPLOAD_LIMIT:
        raise BadInput(f"the file is larger than {UPLOAD_LIMIT // (1024 * 1024)} MB")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / filename
        path.write_bytes(content)
        yield path
