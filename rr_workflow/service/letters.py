"""Letters from domain events (docs/letters.md): each step's documents, written with the step.

A handler per event kind renders the letters the step needs, stores each as a file under
RR_HOME/documents/<ref>/generated (mode 0600) with a `documents` row (kind, hash, recipients), and queues
an e-mail to each recipient with its documents attached. Child details go only into the letters that
agencies need to search their records; never into subjects, e-mail bodies, logs or audit details.

Settings (environment): RR_PARTNERSHIP_NAME, RR_PANEL_EMAIL (the National Panel's address; without it the
covering letter is stored but not e-mailed).
"""

from __future__ import annotations

import hashlib
import io
import os
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import insert, select

from rr_workflow.adapters import documents, templates
from rr_workflow.adapters.db import lookup
from rr_workflow.adapters.db import tables as t
from rr_workflow.adapters.db.unit_of_work import UnitOfWork
from rr_workflow.domain import events as ev
from rr_workflow.domain.case import Case, Meeting
from rr_workflow.domain.deadlines import Deadline, meeting_window
from rr_workflow.domain.errors import BadInput
from rr_workflow.domain.schedule import Schedule
from rr_workflow.service.app import App

OUTCOME_WORDS = {
    "national_cspr": "recommend a national Child Safeguarding Practice Review",
    "local_cspr": "undertake a local Child Safeguarding Practice Review",
    "alternative_review": "undertake an alternative learning review",
    "no_review": "no further review",
}
HTML = "text/html; charset=utf-8"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@dataclass
class Letter:
    kind: str
    filename: str
    content: bytes
    content_type: str


@dataclass
class Mail:
    to: list[str]
    subject: str
    body: str
    letters: list[Letter] = field(default_factory=list)


@dataclass
class Context:
    app: App
    uow: UnitOfWork
    case: Case
    schedule: Schedule
    deadlines: Sequence[Deadline]
    agencies: Mapping[str, Mapping[str, Any]]

    def partner_emails(self) -> list[str]:
        """The addresses of the active safeguarding partners' agencies (a deactivated one gets no letters)."""
        return [str(a["email"]) for a in self.agencies.values() if a["partner"] and a["active"]]

    def due(self, key: str) -> date | None:
        return next((d.due for d in self.deadlines if d.key == key), None)

    def common(self, addressee: str, title: str, on: date) -> dict[str, Any]:
        signatory = self.uow.session.execute(
            select(t.people.c.name).where(t.people.c.login == self.app.actor)
        ).scalar()
        return {
            "ref": self.case.ref,
            "title": title,
            "addressee": addressee,
            "letter_date": on.strftime("%A %d %B %Y"),
            "partnership": os.environ.get("RR_PARTNERSHIP_NAME")
            or "the Local Safeguarding Children Partnership",
            "signatory": signatory or self.app.actor,
            "training": self.app.training,
        }


def _html(name: str, **values: Any) -> bytes:
    return templates.render(f"letters/{name}.html.j2", **values).encode("utf-8")


def _day(value: date | None) -> str:
    return value.strftime("%A %d %B %Y") if value else "not yet known"


# -- one handler per event kind ----------------------------------------------------------------------


def _scoping_sent(ctx: Context, event: ev.DomainEvent) -> list[Mail]:
    agency = ctx.agencies[event.data["agency"]]
    window = meeting_window(ctx.deadlines)
    child = ctx.case.child
    values = ctx.common(
        str(agency["name"]), "Rapid Review: initial scoping and information sharing", event.on
    )
    values.update(
        return_due=_day(ctx.due(f"scoping_returned:{agency['key']}")),
        return_days=ctx.schedule.rule("scoping_returned").working_days,
        secure_due=_day(ctx.due(f"records_secured:{agency['key']}")),
        window_earliest=_day(window[0]) if window else "not yet known",
        window_latest=_day(window[1]) if window else "not yet known",
        child_name=child.name if child else None,
        child_address=child.address if child else None,
        child_initials=ctx.case.child_initials,
        child_dob=ctx.case.child_dob.isoformat() if ctx.case.child_dob else None,
    )
    request = Letter("scoping_request", "scoping-request.html", _html("scoping_request", **values), HTML)
    values["title"] = "Rapid Review: instruction to secure records"
    securing = Letter(
        "records_securing", "records-securing-instruction.html", _html("records_securing", **values), HTML
    )
    form = Letter(
        "scoping_template",
        "scoping-template.docx",
        documents.scoping_template_docx(
            {
                "ref": ctx.case.ref,
                "received": ctx.case.received,
                "aware": ctx.case.aware,
                "agency": agency["name"],
                "due": ctx.due(f"scoping_returned:{agency['key']}"),
                "child_initials": ctx.case.child_initials,
                "child_dob": ctx.case.child_dob,
                "child_name": child.name if child else None,
                "child_address": child.address if child else None,
                "partnership": values["partnership"],
                "training": ctx.app.training,
            }
        ),
        DOCX,
    )
    body = (
        f"Rapid Review {ctx.case.ref}: please find attached the scoping request and the instruction to "
        f"secure your records. The completed template is due by {values['return_due']}.\n"
    )
    return [
        Mail(
            [str(agency["email"])],
            f"[{ctx.case.ref}] Rapid Review scoping request",
            body,
            [request, form, securing],
        )
    ]


def _meeting_scheduled(ctx: Context, event: ev.DomainEvent) -> list[Mail]:
    meeting = ctx.case.current_meeting
    if meeting is None:
        return []
    partners = ctx.partner_emails()
    sequence = len(ctx.case.meetings) - 1
    values = ctx.common("the safeguarding partners", "Rapid Review meeting", event.on)
    values.update(
        meeting_date=_day(meeting.on),
        meeting_time=meeting.at.strftime("%H:%M") if meeting.at else None,
        mode=meeting.mode,
        mode_reason=meeting.mode_reason,
        sequence=sequence,
        partners=", ".join(ctx.schedule.partners.values()),
    )
    letter = Letter(
        "meeting_invitation",
        f"meeting-invitation-{meeting.number}.html",
        _html("meeting_invitation", **values),
        HTML,
    )
    invitation = _invitation(ctx, meeting, partners, "REQUEST", event.on)
    when = values["meeting_date"]
    moved_from = event.data.get("moved_from")
    if moved_from:  # a corrected date: the old and the new date, in the subject and the body
        old = _day(date.fromisoformat(moved_from))
        subject = f"[{ctx.case.ref}] Rapid Review meeting moved from {old} to {when}"
        body = (
            f"Rapid Review {ctx.case.ref}: the meeting is now on {when}, not {old}; "
            "the updated invitation is attached.\n"
        )
    else:
        subject = f"[{ctx.case.ref}] Rapid Review meeting invitation"
        body = f"Rapid Review {ctx.case.ref}: the meeting is on {when}; the invitation is attached.\n"
    return [Mail(partners, subject, body, [letter, invitation])]


def _meeting_withdrawn(ctx: Context, event: ev.DomainEvent) -> list[Mail]:
    """A meeting date set by mistake was undone: the earlier date is back in force (an updated
    invitation), or there is none (a cancellation)."""
    withdrawn = next(m for m in ctx.case.meetings if m.number == event.data["number"])
    partners = ctx.partner_emails()
    was = _day(withdrawn.on)
    restored = ctx.case.current_meeting
    if event.data.get("restored") and restored is not None:
        now = _day(restored.on)
        update = _invitation(ctx, restored, partners, "REQUEST", event.on)
        body = (
            f"Rapid Review {ctx.case.ref}: the meeting is on {now} as first arranged, not {was}; "
            "the updated invitation is attached.\n"
        )
        subject = f"[{ctx.case.ref}] Rapid Review meeting moved from {was} to {now}"
        return [Mail(partners, subject, body, [update])]
    cancel = _invitation(ctx, withdrawn, partners, "CANCEL", event.on)
    body = f"Rapid Review {ctx.case.ref}: the meeting on {was} is cancelled; a new date will follow.\n"
    return [Mail(partners, f"[{ctx.case.ref}] Rapid Review meeting on {was} cancelled", body, [cancel])]


def _decision_values(ctx: Context, on: date, addressee: str, title: str) -> dict[str, Any]:
    held = ctx.case.held_meeting
    values = ctx.common(addressee, title, on)
    values.update(
        received=ctx.case.received.isoformat(),
        aware=ctx.case.aware.isoformat(),
        sin_notified_on=ctx.case.sin_notified_on.isoformat() if ctx.case.sin_notified_on else None,
        meeting_date=_day(held.held_on) if held else "not held",
        outcome_text=OUTCOME_WORDS.get(ctx.case.outcome or "", "not decided"),
        rationale=ctx.case.rationale or "",
        actions=[{"owner": a.owner, "text": a.text} for a in ctx.case.actions],
        endorsed_on=ctx.case.endorsed_on.isoformat() if ctx.case.endorsed_on else None,
        endorsed_by=ctx.case.endorsed_by,
        review_due=_day(ctx.due("review_complete")),
    )
    return values


def _report_submitted(ctx: Context, event: ev.DomainEvent) -> list[Mail]:
    values = _decision_values(
        ctx, event.on, "The Child Safeguarding Practice Review Panel", "Rapid Review report: covering letter"
    )
    letter = Letter(
        "panel_covering_letter", "panel-covering-letter.html", _html("panel_covering_letter", **values), HTML
    )
    panel = os.environ.get("RR_PANEL_EMAIL")
    body = f"Rapid Review {ctx.case.ref}: the covering letter for the Rapid Review report is attached.\n"
    return [
        Mail(
            [panel] if panel else [],
            f"[{ctx.case.ref}] Rapid Review report",
            body,
            [letter, _report_letter(ctx)],
        )
    ]


def _outcome_shared(ctx: Context, event: ev.DomainEvent) -> list[Mail]:
    involved = [i.agency for i in ctx.case.involvements]
    keys = list(dict.fromkeys([*involved, ctx.case.referrer]))
    mails = []
    for key in keys:
        agency = ctx.agencies[key]
        if not agency["active"]:
            continue  # deactivated: no new letters
        values = _decision_values(ctx, event.on, str(agency["name"]), "Rapid Review: outcome")
        letter = Letter(
            "outcome_notification", f"outcome-{key}.html", _html("outcome_notification", **values), HTML
        )
        body = f"Rapid Review {ctx.case.ref}: the outcome of the Rapid Review is attached.\n"
        mails.append(Mail([str(agency["email"])], f"[{ctx.case.ref}] Rapid Review outcome", body, [letter]))
    return mails


def _series(case: Case, meeting: Meeting) -> tuple[int, int]:
    """(which meeting, how many times it changed): the UID stays while a date is only moved, and the
    sequence rises with every date set after the first and every date withdrawn (an undone schedule)."""
    series, number_of = 1, {}
    for m in sorted(case.meetings, key=lambda m: m.number):
        number_of[m.number] = series
        if m.status == Meeting.INQUORATE:
            series += 1
    own = [m for m in case.meetings if number_of[m.number] == number_of[meeting.number]]
    sent = [m for m in own if m.number <= meeting.number or m.status == Meeting.WITHDRAWN]
    withdrawn = sum(1 for m in sent if m.status == Meeting.WITHDRAWN)  # each also sent a cancellation
    return number_of[meeting.number], len(sent) - 1 + withdrawn


def _invitation(ctx: Context, meeting: Meeting, attendees: list[str], method: str, on: date) -> Letter:
    from rr_workflow.adapters.mail import mail_domain, mail_from

    series, sequence = _series(ctx.case, meeting)
    digest = hashlib.sha256(ctx.case.ref.encode()).hexdigest()[:16]
    start = datetime.combine(meeting.on, meeting.at or time(10), ZoneInfo(ctx.app.calendar.settings.timezone))
    content = documents.meeting_invitation_ics(
        uid=f"rr-{digest}-meeting-{series}@{mail_domain()}",
        sequence=sequence + (1 if method == "CANCEL" and meeting.status != Meeting.WITHDRAWN else 0),
        start=start,
        minutes=120,
        summary=f"{'[TRAINING] ' if ctx.app.training else ''}Rapid Review meeting {ctx.case.ref}",
        description=f"Rapid Review meeting for case {ctx.case.ref}"
        + (f" by video or telephone conference ({meeting.mode_reason})" if meeting.mode == "remote" else ""),
        organizer=mail_from(),
        attendees=attendees,
        method=method,
        now=ctx.app.clock.now(),
    )
    kind = "meeting_cancellation" if method == "CANCEL" else "meeting_calendar"
    return Letter(
        kind,
        f"meeting-{meeting.number}-{method.lower()}.ics",
        content,
        f"text/calendar; method={method}; charset=utf-8",
    )


def _case_declined(ctx: Context, event: ev.DomainEvent) -> list[Mail]:
    """A meeting set for a referral now declined is cancelled in the partners' calendars."""
    meeting = ctx.case.current_meeting
    if meeting is None or meeting.status != Meeting.SCHEDULED:
        return []
    partners = ctx.partner_emails()
    cancel = _invitation(ctx, meeting, partners, "CANCEL", event.on)
    body = f"Rapid Review {ctx.case.ref}: the referral was declined and the meeting is cancelled.\n"
    return [Mail(partners, f"[{ctx.case.ref}] Rapid Review meeting cancelled", body, [cancel])]


def _report_draft(ctx: Context, event: ev.DomainEvent) -> list[Mail]:
    """The Rapid Review report draft, refreshed at the decision and at the endorsement (stored, not sent)."""
    return [Mail([], "", "", [_report_letter(ctx)])]


def _report_letter(ctx: Context) -> Letter:
    held = ctx.case.held_meeting
    content = documents.report_draft_docx(
        {
            "ref": ctx.case.ref,
            "received": ctx.case.received,
            "aware": ctx.case.aware,
            "referrer": ctx.agencies[ctx.case.referrer]["name"],
            "sin_notified": ctx.case.sin_notified_on,
            "child_initials": ctx.case.child_initials,
            "child_dob": ctx.case.child_dob,
            "summary": ctx.case.summary,
            "partnership": os.environ.get("RR_PARTNERSHIP_NAME")
            or "the Local Safeguarding Children Partnership",
            "training": ctx.app.training,
            "agencies": [
                {
                    "name": ctx.agencies[i.agency]["name"],
                    "sent_on": i.sent_on,
                    "returned_on": i.returned_on,
                    "secured_on": i.secured_on,
                }
                for i in ctx.case.involvements
            ],
            "meeting_date": held.held_on if held else None,
            "meeting_mode": held.mode if held else None,
            "meeting_reason": held.mode_reason if held else None,
            "decision": ctx.case.outcome,
            "rationale": ctx.case.rationale,
            "actions": [{"owner": a.owner, "text": a.text} for a in ctx.case.actions],
            "endorsed_on": ctx.case.endorsed_on,
            "endorsed_by": ctx.case.endorsed_by,
        }
    )
    return Letter("report_draft", "rapid-review-report.docx", content, DOCX)


HANDLERS: Mapping[str, Callable[[Context, ev.DomainEvent], list[Mail]]] = {
    ev.SCOPING_SENT: _scoping_sent,
    ev.MEETING_SCHEDULED: _meeting_scheduled,
    ev.MEETING_WITHDRAWN: _meeting_withdrawn,
    ev.REPORT_SUBMITTED: _report_submitted,
    ev.OUTCOME_SHARED: _outcome_shared,
    ev.DECISION_MADE: _report_draft,
    ev.ENDORSED: _report_draft,
    ev.CASE_DECLINED: _case_declined,
}


# -- storing and queuing ------------------------------------------------------------------------------


def write(
    app: App,
    uow: UnitOfWork,
    case: Case,
    schedule: Schedule,
    deadlines: Sequence[Deadline],
    events: Sequence[ev.DomainEvent],
) -> int:
    """Render, store and queue the letters for `events`; returns how many documents were written."""
    relevant = [e for e in events if e.kind in HANDLERS]
    if not relevant:
        return 0
    agencies = {r["key"]: r for r in uow.rows(t.agencies)}
    ctx = Context(app, uow, case, schedule, deadlines, agencies)
    written = 0
    for event in relevant:
        for mail in HANDLERS[event.kind](ctx, event):
            stored = [(_store(app, uow, case, letter, mail.to), letter) for letter in mail.letters]
            written += len(stored)
            if mail.to:
                _queue(app, uow, case.ref, mail, stored)
    return written


def _store(app: App, uow: UnitOfWork, case: Case, letter: Letter, recipients: Sequence[str]) -> int:
    folder = app.documents_folder(case.ref, "generated")
    digest = hashlib.sha256(letter.content).hexdigest()
    path = folder / f"{digest[:12]}-{letter.filename}"
    uow.write_file(path, letter.content)
    result = uow.session.execute(
        insert(t.documents).values(
            case_id=case.id,  # type: ignore[attr-defined]
            kind=letter.kind,
            filename=letter.filename,
            path=str(path),
            sha256=digest,
            size=len(letter.content),
            added_by=app.actor,
            added_at=app.moment(),
            generated=1,
            recipients=",".join(recipients),
        )
    )
    return int(result.inserted_primary_key[0])


def _queue(app: App, uow: UnitOfWork, ref: str, mail: Mail, stored: Sequence[tuple[int, Letter]]) -> None:
    from rr_workflow.adapters.mail import mail_domain

    subject = f"[TRAINING] {mail.subject}" if app.training else mail.subject
    created = app.moment()
    result = uow.session.execute(
        insert(t.mail_outbox).values(
            notice_id=None,
            case_ref=ref,
            message_id=f"<rr.letter.{uuid.uuid4().hex}@{mail_domain()}>",
            to_addrs=",".join(mail.to),
            cc_addrs="",
            subject=subject,
            body=mail.body,
            status="pending",
            attempts=0,
            next_attempt_at=created,
            created_at=created,
        )
    )
    mail_id = int(result.inserted_primary_key[0])
    for document_id, letter in stored:
        uow.session.execute(
            insert(t.mail_attachments).values(
                mail_id=mail_id, document_id=document_id, content_type=letter.content_type
            )
        )


def attachments(connection: Any, mail_id: int) -> list[tuple[str, str, bytes]]:
    """(filename, content type, content) of each document attached to a queued e-mail."""
    a, d = t.mail_attachments, t.documents
    rows = connection.execute(
        select(d.c.filename, d.c.path, a.c.content_type)
        .join(d, d.c.id == a.c.document_id)
        .where(a.c.mail_id == mail_id)
        .order_by(a.c.id)
    )
    return [(filename, content_type, Path(path).read_bytes()) for filename, path, content_type in rows]


# -- the meeting pack ---------------------------------------------------------------------------------

PACK_KINDS = {"referral_form": "Serious incident referral form", "sin": "Serious Incident Notification"}


def meeting_pack(app: App, ref: str) -> dict[str, Any]:
    """The meeting pack: an index of the documents (what is missing), the agenda, and a zip of the files."""
    import zipfile

    from rr_workflow.service import commands, permissions

    with app.uow() as uow:
        permissions.require(uow, app.actor, "record")
        case = uow.cases.get(ref)
        ref = case.ref  # as stored, however it was typed
        meeting = case.current_meeting
        if meeting is None:
            raise BadInput(f"{ref} has no meeting date yet: set one with `rr meeting schedule`")
        schedule = commands.case_schedule(uow, case)
        deadlines = commands.deadlines_of(app, uow, case, schedule)
        agencies = {r["key"]: r for r in uow.rows(t.agencies)}
        attached = [
            d
            for d in uow.rows(t.documents, order_by=t.documents.c.id, case_id=case.id)  # type: ignore[attr-defined]
            if not d["generated"]
        ]
        items: list[dict[str, Any]] = []
        missing: list[str] = []
        for kind, what in PACK_KINDS.items():
            found = [d for d in attached if d["kind"] == kind]
            items += [{"what": what, "source": "", "file": d["filename"], "doc": d} for d in found]
            if not found:
                items.append({"what": what, "source": "", "file": None, "doc": None})
                missing.append(what)
        returns = [d for d in attached if d["kind"] == "scoping_return"]
        for involvement in case.involvements:
            name = str(agencies[involvement.agency]["name"])
            own = [d for d in returns if involvement.agency in d["filename"].lower()]
            if involvement.returned_on is None:
                missing.append(f"scoping return from {name}")
                items.append({"what": "Scoping return", "source": name, "file": None, "doc": None})
            else:
                items += [
                    {"what": "Scoping return", "source": name, "file": d["filename"], "doc": d} for d in own
                ]
                if not own:
                    items.append(
                        {
                            "what": "Scoping return (recorded, file not attached)",
                            "source": name,
                            "file": None,
                            "doc": None,
                        }
                    )
        for d in attached:
            if d["kind"] in ("other",) or (
                d["kind"] == "scoping_return" and not any(i["doc"] is d for i in items)
            ):
                items.append({"what": "Other document", "source": "", "file": d["filename"], "doc": d})
        ctx = Context(app, uow, case, schedule, deadlines, agencies)
        values = ctx.common("Members of the Rapid Review meeting", "Rapid Review meeting pack", app.today())
        values.update(
            meeting_date=_day(meeting.on),
            meeting_time=meeting.at.strftime("%H:%M") if meeting.at else None,
            mode_text="by video or telephone conference" if meeting.mode == "remote" else "in person",
            items=items,
            missing=missing,
            partners=", ".join(schedule.partners.values()),
            panel_days=schedule.rule("panel_submission").working_days,
        )
        index = _html("meeting_pack_index", **values)
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as pack:
            pack.writestr("00-index.html", index)
            for n, item in enumerate((i for i in items if i["doc"]), start=1):
                pack.writestr(f"{n:02d}-{item['doc']['filename']}", Path(item["doc"]["path"]).read_bytes())
        uow.touch(case, app.moment())  # the case row first: the same lock order as every step
        stored_index = _store(
            app, uow, case, Letter("meeting_pack_index", "meeting-pack-index.html", index, HTML), []
        )
        stored_zip = _store(
            app,
            uow,
            case,
            Letter("meeting_pack", "meeting-pack.zip", buffer.getvalue(), "application/zip"),
            [],
        )
        uow.audit(
            actor=app.actor,
            recorded_at=app.moment(),
            action="meeting_pack",
            case_ref=ref,
            effective_on=app.today(),
            from_state=case.state,
            to_state=case.state,
            details={"documents": sum(1 for i in items if i["doc"]), "missing": len(missing)},
        )
        paths = {r["id"]: r["path"] for r in uow.rows(t.documents, case_id=case.id)}  # type: ignore[attr-defined]
        uow.commit()
    return {
        "ref": ref,
        "index": paths[stored_index],
        "zip": paths[stored_zip],
        "missing": missing,
        "documents": sum(1 for i in items if i["doc"]),
    }


def document_list(app: App, ref: str) -> list[dict[str, Any]]:
    from rr_workflow.service import permissions

    with app.engine.connect() as connection:
        permissions.require(connection, app.actor, "case_show")
        stored = lookup.case_ref(connection, ref)
        case_id = connection.execute(select(t.cases.c.id).where(t.cases.c.ref == stored)).scalar()
        d = t.documents
        rows = connection.execute(
            select(
                d.c.id,
                d.c.kind,
                d.c.filename,
                d.c.sha256,
                d.c.size,
                d.c.generated,
                d.c.recipients,
                d.c.added_at,
                d.c.path,
            )
            .where(d.c.case_id == case_id)
            .order_by(d.c.id)
        ).mappings()
        return [dict(r) for r in rows]
