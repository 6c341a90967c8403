"""Letters from domain events (docs/letters.md): each step's documents, written for their readers.

A handler per event kind renders the letters the step needs (HTML templates, templates/letters/*.html.j2,
turned into Word documents with the protective marking on every page, and a PDF copy where LibreOffice
is installed), stores each under RR_HOME/documents/<ref>/generated (mode 0600) with a `documents` row
(kind, hash, recipients), and queues an e-mail to each recipient: a short readable message with the
documents attached, From and Reply-To the partnership's (the profile, `rr settings show`), the marking in
its subject. Meeting invitations travel as iTIP requests (a text/calendar part Outlook answers).

Agencies and the Panel read names, never keys; dates in one style (domain/wording.py); no `rr`
commands. Child details go only into the letters agencies need to search their records: never into
subjects, e-mail bodies, logs or audit details.
"""

from __future__ import annotations

import functools
import hashlib
import re
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from email.utils import formataddr
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, func, insert, select

from rr_workflow.adapters import documents, durable_files, templates
from rr_workflow.adapters.db import lookup
from rr_workflow.adapters.db import tables as t
from rr_workflow.adapters.db.prepared import Prepared
from rr_workflow.adapters.db.unit_of_work import UnitOfWork, agency_rows
from rr_workflow.adapters.profile import Profile, load_profile
from rr_workflow.domain import events as ev
from rr_workflow.domain import wording
from rr_workflow.domain.case import Case, Meeting
from rr_workflow.domain.deadlines import Deadline, meeting_window
from rr_workflow.domain.review_record import RAPID_REVIEW
from rr_workflow.domain.schedule import Schedule
from rr_workflow.service.app import App
from rr_workflow.service.review_letters import HANDLERS as REVIEW_HANDLERS

OUTCOME_WORDS = {
    "national_cspr": "to recommend a national Child Safeguarding Practice Review",
    "local_cspr": "to undertake a local Child Safeguarding Practice Review",
    "alternative_review": "to undertake an alternative learning review",
    "no_review": "that no further review is needed",
}
EMAIL_BODY = "email/letter.txt.j2"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PDF = "application/pdf"


@dataclass
class Letter:
    kind: str
    filename: str
    content: bytes
    content_type: str
    pdf: bool = False  # a PDF copy is made where LibreOffice is installed


@dataclass
class Mail:
    to: list[str]
    subject: str
    body: str
    letters: list[Letter] = field(default_factory=list)
    documents: list[int] = field(default_factory=list)  # stored documents to attach as they are
    # the profile the mail was written with (its subject's marking and its Message-ID's domain come from
    # it too); None: the profile as it is when the mail is queued
    profile: Profile | None = field(default=None, repr=False, compare=False)


@dataclass(frozen=True)
class Directory:
    """Who the letters of a step write to and name: every agency (by key, in the order stored) and the
    active people with each role (by name)."""

    agencies: Mapping[str, Mapping[str, Any]]
    people: Mapping[str, list[Mapping[str, Any]]]


def read_directory(connection: Connection) -> Directory:
    """The directory as `connection` sees it: two queries, whatever the letters need."""
    agencies = {r["key"]: r for r in agency_rows(connection)}
    people: dict[str, list[Mapping[str, Any]]] = {}
    for row in _active_people_roles().run(connection).rows:
        people.setdefault(row.role, []).append({"name": row.name, "email": row.email})
    return Directory(agencies, people)


@dataclass
class Context:
    app: App
    db: Any  # a session or connection the letters read what else they need from (a review's letters)
    case: Case
    schedule: Schedule
    deadlines: Sequence[Deadline]
    agencies: Mapping[str, Mapping[str, Any]]
    profile: Profile
    _people: Mapping[str, list[Mapping[str, Any]]] = field(default_factory=dict, repr=False)
    _templates: dict[str, Any] = field(default_factory=dict, repr=False)

    def due(self, key: str) -> date | None:
        return next((d.due for d in self.deadlines if d.key == key), None)

    def agency_name(self, key: str) -> str:
        """An agency's name; text that is not an agency key (an action owner typed freely) as it is."""
        row = self.agencies.get(key) or self.agencies.get(key.lower())
        return str(row["name"]) if row else key

    def people(self, role: str) -> list[Mapping[str, Any]]:
        """The active people with `role`, by name."""
        return self._people.get(role, [])

    def template(self, name: str) -> Any:
        """The compiled template `name`, looked up once per step's letters (the letters of a step, and
        its mails' bodies, use the same few templates again and again)."""
        found = self._templates.get(name)
        if found is None:
            found = self._templates[name] = templates.template(name)
        return found

    def values(
        self, addressee: str, title: str, on: date, dated: date | None = None, **more: Any
    ) -> dict[str, Any]:
        """What every letter template receives: the case reference, the letterhead and the signature.
        A letter is dated the day it is written (`dated`, default today); a step recorded after the fact
        (`on` earlier) is named beside the date, so the reader sees both."""
        profile = self.profile
        day = max(on, dated or self.app.today())
        return {
            "ref": self.case.ref,
            "title": title,
            "addressee": addressee,
            "salutation": "Dear Colleague",
            "letter_date": wording.long_date(day),
            "recorded_on": wording.long_date(on) if on != day else None,
            "partnership": profile.name,
            "area": profile.area,
            "address_lines": list(profile.address),
            "phone": profile.phone,
            "secure_mailbox": profile.secure_mailbox,
            "reply_to": profile.reply_to,
            "signatory": profile.signatory_name,
            "signatory_title": profile.signatory_title,
            "marking": profile.marking,
            "logo": profile.logo is not None,
            "training": self.app.training,
            **more,
        }

    def letter(
        self,
        kind: str,
        template: str,
        title: str,
        values: Mapping[str, Any],
        pdf: bool = True,
        procedure: str = RAPID_REVIEW,
    ) -> Letter:
        """A letter as a Word document; `procedure` is what its page footer says it is about (the Rapid
        Review, or the review that follows it by its kind)."""
        html = str(self.template(f"letters/{template}.html.j2").render(**values))
        content = render_letter(html, title, self.case.ref, self.profile, self.app.training, procedure)
        return Letter(kind, file_name(self.case.ref, title, ".docx"), content, DOCX, pdf=pdf)

    def mail(self, to: list[str], what: str, paragraphs: Sequence[str], letters: Sequence[Letter]) -> Mail:
        return self.mail_about(f"Rapid Review {self.case.ref}: {what}", to, paragraphs, letters)

    def mail_about(
        self, subject: str, to: list[str], paragraphs: Sequence[str], letters: Sequence[Letter]
    ) -> Mail:
        """A mail with `subject` (the marking is put before it when it is queued)."""
        body = email_body(self.profile, paragraphs, self.template(EMAIL_BODY))
        return Mail(to, subject, body, list(letters), profile=self.profile)


def render_letter(
    html: str, title: str, ref: str, profile: Profile, training: bool, procedure: str = RAPID_REVIEW
) -> bytes:
    from rr_workflow.adapters.letter_docx import html_to_docx

    return html_to_docx(
        html,
        title=title,
        marking=profile.marking,
        footer=f"{profile.name} · {procedure} {ref}",
        training=training,
        logo=profile.logo,
    )


def file_name(ref: str, title: str, suffix: str) -> str:
    """'RR-2026-014 Scoping request.docx': the case and what it is, safe on every file system."""
    return re.sub(r"[^A-Za-z0-9 ._()-]+", "-", f"{ref} {title}").strip(" .-") + suffix


def email_body(profile: Profile, paragraphs: Sequence[str], template: Any = None) -> str:
    """A mail's readable text; `template`: the body's template already looked up."""
    return str(
        (template or templates.template(EMAIL_BODY)).render(
            paragraphs=list(paragraphs),
            partnership=profile.name,
            signatory=profile.signatory_name,
            signatory_title=profile.signatory_title,
            secure_mailbox=profile.secure_mailbox,
            phone=profile.phone,
            marking=profile.marking,
        )
    )


# -- one handler per event kind ----------------------------------------------------------------------


def _scoping_sent(ctx: Context, event: ev.DomainEvent) -> list[Mail]:
    agency = ctx.agencies[event.data["agency"]]
    window = meeting_window(ctx.deadlines)
    child = ctx.case.child
    # Its return and records are due counted from the day the letter is dated (the case's deadlines,
    # from the one deadline rule): the day it was recorded, when that is later than the step's date.
    return_due = ctx.due(f"scoping_returned:{agency['key']}")
    involvement = ctx.case.involvement(str(agency["key"]))
    values = ctx.values(
        str(agency["name"]),
        "Rapid Review: initial scoping and information sharing",
        event.on,
        dated=involvement.asked_on if involvement else None,
        return_due=wording.date_or(return_due),
        return_days=wording.working_days(ctx.schedule.rule("scoping_returned").working_days),
        secure_due=wording.date_or(ctx.due(f"records_secured:{agency['key']}")),
        window_earliest=wording.date_or(window[0] if window else None),
        window_latest=wording.date_or(window[1] if window else None),
        child_name=child.name if child else None,
        child_address=child.address if child else None,
        child_initials=ctx.case.child_initials,
        child_dob=wording.birth_date(ctx.case.child_dob) if ctx.case.child_dob else None,
    )
    request = ctx.letter("scoping_request", "scoping_request", "Scoping request", values)
    values["title"] = "Rapid Review: instruction to secure records"
    securing = ctx.letter("records_securing", "records_securing", "Instruction to secure records", values)
    form = Letter(
        "scoping_template",
        file_name(ctx.case.ref, "Scoping template", ".docx"),
        documents.scoping_template_docx(
            {
                "ref": ctx.case.ref,
                "received": ctx.case.received,
                "aware": ctx.case.aware,
                "agency": agency["name"],
                "due": return_due,
                "child_initials": ctx.case.child_initials,
                "child_dob": ctx.case.child_dob,
                "child_name": child.name if child else None,
                "child_address": child.address if child else None,
                "partnership": ctx.profile.name,
                "return_to": f"{ctx.profile.secure_mailbox} (secure e-mail)",
                "training": ctx.app.training,
            }
        ),
        DOCX,
    )
    paragraphs = [
        f"{ctx.profile.name} is holding a Rapid Review (our reference {ctx.case.ref}) and your agency has "
        "been identified as involved with the child or family.",
        f"Please secure your agency's records today and complete the attached scoping template by "
        f"{values['return_due']}. The letters attached explain what is needed.",
        f"Please send the completed template, and your confirmation that the records are secured, by "
        f"secure e-mail to {ctx.profile.secure_mailbox}.",
    ]
    return [ctx.mail([str(agency["email"])], "scoping request", paragraphs, [request, form, securing])]


def invited(ctx: Context) -> list[tuple[str, str]]:
    """(name, address) of everyone invited to the meeting: each safeguarding partner, every agency asked
    for information, and the independent chair."""
    involved = {i.agency for i in ctx.case.involvements}
    found: dict[str, str] = {}
    for agency in ctx.agencies.values():
        if not agency["active"]:
            continue  # deactivated: no new letters or invitations
        if agency["partner"] or agency["key"] in involved:
            found.setdefault(str(agency["email"]).lower(), str(agency["name"]))
    for person in ctx.people("chair"):
        found.setdefault(str(person["email"]).lower(), str(person["name"]))
    addresses = {str(a["email"]).lower(): str(a["email"]) for a in ctx.agencies.values()}
    addresses.update({str(p["email"]).lower(): str(p["email"]) for p in ctx.people("chair")})
    return [(name, addresses[key]) for key, name in found.items()]


def when_text(meeting: Meeting) -> str:
    day = wording.long_date(meeting.on)
    return f"{day} at {wording.clock_time(meeting.at)}" if meeting.at else day


def _meeting_scheduled(ctx: Context, event: ev.DomainEvent) -> list[Mail]:
    """The invitation to the meeting the event set (its `number`), not the case's meeting now: letters
    a crash left are written later, from the case as it then stands, when a later date may be set."""
    number = event.data.get("number")
    if number is None:  # an event stored before events named their meeting
        meeting = ctx.case.current_meeting
    else:
        meeting = next((m for m in ctx.case.meetings if m.number == number), None)
    if meeting is None:
        return []
    moved_from = event.data.get("moved_from")
    earlier = wording.long_date(date.fromisoformat(moved_from)) if moved_from else None
    invitees = invited(ctx)
    values = ctx.values(
        "Members of the Rapid Review meeting",
        "Rapid Review meeting",
        event.on,
        when=when_text(meeting),
        moved_from=earlier,
        remote=meeting.mode == "remote",
        mode_reason=meeting.mode_reason,
        location=meeting.location,
        join_url=meeting.join_url,
        partners=wording.joined(list(ctx.schedule.partners.values())),
        invited=[name for name, _ in invitees],
    )
    letter = ctx.letter("meeting_invitation", "meeting_invitation", "Meeting invitation", values)
    invitation = _invitation(ctx, meeting, invitees, "REQUEST", moved_from=earlier)
    if earlier:
        what = f"meeting moved from {earlier} to {values['when']}"
        opening = (
            f"The Rapid Review meeting for case {ctx.case.ref} has moved from {earlier} to {values['when']}."
        )
    else:
        what = f"meeting on {values['when']}"
        opening = f"You are invited to the Rapid Review meeting for case {ctx.case.ref} on {values['when']}."
    paragraphs = [
        opening,
        place_text(meeting),
        "Please accept or decline the calendar invitation, and tell us who will attend for your agency by "
        f"replying to {ctx.profile.secure_mailbox}. The letter attached explains the meeting.",
    ]
    return [ctx.mail([a for _, a in invitees], what, paragraphs, [letter, invitation])]


def _meeting_withdrawn(ctx: Context, event: ev.DomainEvent) -> list[Mail]:
    """A meeting date set by mistake was undone: the earlier date is back in force (an updated
    invitation, saying both dates), or there is none (a cancellation)."""
    withdrawn = next(m for m in ctx.case.meetings if m.number == event.data["number"])
    invitees = invited(ctx)
    was = when_text(withdrawn)
    restored = ctx.case.current_meeting
    if event.data.get("restored") and restored is not None:
        now = when_text(restored)
        update = _invitation(ctx, restored, invitees, "REQUEST", moved_from=was)
        paragraphs = [
            f"The Rapid Review meeting for case {ctx.case.ref} is on {now} as first arranged, not {was}.",
            place_text(restored),
            "The updated calendar invitation is attached.",
        ]
        return [
            ctx.mail([a for _, a in invitees], f"meeting moved from {was} to {now}", paragraphs, [update])
        ]
    cancel = _invitation(ctx, withdrawn, invitees, "CANCEL")
    paragraphs = [
        f"The Rapid Review meeting for case {ctx.case.ref} on {was} is cancelled; a new date will follow."
    ]
    return [ctx.mail([a for _, a in invitees], f"meeting on {was} cancelled", paragraphs, [cancel])]


def place_text(meeting: Meeting) -> str:
    parts = []
    if meeting.location:
        parts.append(f"It will be held at {meeting.location}.")
    if meeting.join_url:
        parts.append(f"Join by video: {meeting.join_url}")
    if not parts:
        parts.append(
            "It will be held by video or telephone conference; the joining details will follow."
            if meeting.mode == "remote"
            else "The venue will follow."
        )
    return " ".join(parts)


def _series(case: Case, meeting: Meeting) -> int:
    """The invitation's SEQUENCE: it rises with every date set after the first for the same meeting (the
    dates since the last inquorate one) and every date withdrawn (an undone schedule, which also sent a
    cancellation)."""
    series, number_of = 1, {}
    for m in sorted(case.meetings, key=lambda m: m.number):
        number_of[m.number] = series
        if m.status == Meeting.INQUORATE:
            series += 1
    own = [m for m in case.meetings if number_of[m.number] == number_of[meeting.number]]
    sent = [m for m in own if m.number <= meeting.number or m.status == Meeting.WITHDRAWN]
    withdrawn = sum(1 for m in sent if m.status == Meeting.WITHDRAWN)
    return len(sent) - 1 + withdrawn


def _invitation(
    ctx: Context,
    meeting: Meeting,
    invitees: Sequence[tuple[str, str]],
    method: str,
    moved_from: str | None = None,
) -> Letter:
    zone = ZoneInfo(ctx.app.calendar.settings.timezone)
    start = datetime.combine(meeting.on, meeting.at or time(10), zone)
    title = f"Rapid Review meeting {ctx.case.ref}"
    description = [
        f"Rapid Review meeting for case {ctx.case.ref}, called by {ctx.profile.name}.",
        place_text(meeting),
        f"Questions: {ctx.profile.secure_mailbox} or {ctx.profile.phone}.",
        f"This invitation is {ctx.profile.marking}: do not forward it outside your agency.",
    ]
    if moved_from:
        description.insert(0, f"MOVED from {moved_from} to {when_text(meeting)}.")
    cancelling = method == "CANCEL" and meeting.status != Meeting.WITHDRAWN  # a withdrawn one is counted
    sequence = _series(ctx.case, meeting) + (1 if cancelling else 0)
    content = documents.meeting_invitation_ics(
        uid=meeting.uid or f"rr-meeting-{ctx.case.ref}-{meeting.number}@rr-workflow",
        sequence=sequence,
        start=start,
        minutes=ctx.profile.meeting_minutes,
        summary=f"{'[TRAINING] ' if ctx.app.training else ''}{title}",
        description="\n".join(description),
        organizer=formataddr((ctx.profile.name, ctx.profile.from_address)),
        attendees=[formataddr(pair) for pair in invitees],
        method=method,
        location=meeting.location or meeting.join_url,
        url=meeting.join_url,
        now=ctx.app.clock.now(),
    )
    kind = "meeting_cancellation" if method == "CANCEL" else "meeting_calendar"
    return Letter(kind, "invite.ics", content, f"text/calendar; method={method}; charset=utf-8")


def _decision_values(ctx: Context, on: date, addressee: str, title: str) -> dict[str, Any]:
    held = ctx.case.held_meeting
    return ctx.values(
        addressee,
        title,
        on,
        received=wording.long_date(ctx.case.received),
        aware=wording.long_date(ctx.case.aware),
        sin_notified_on=wording.date_or(ctx.case.sin_notified_on, "not recorded"),
        sin_reference=ctx.case.sin_reference,
        meeting_date=wording.long_date(held.held_on) if held and held.held_on else "not held",
        outcome_text=OUTCOME_WORDS.get(ctx.case.outcome or "", "not yet decided"),
        rationale=ctx.case.rationale or "",
        actions=[{"owner": ctx.agency_name(a.owner), "text": a.text} for a in ctx.case.actions],
        endorsed_on=wording.date_or(ctx.case.endorsed_on, "not endorsed"),
        endorsed_by=ctx.case.endorsed_by,
        submission_due=wording.date_or(ctx.due("panel_submission")),
        review_due=wording.date_or(ctx.due("review_complete")),
        submission_days=wording.working_days(ctx.schedule.rule("panel_submission").working_days),
        review_days=wording.working_days(ctx.schedule.rule("review_complete").working_days),
        panel_name=ctx.profile.panel_name,
        panel_address=list(ctx.profile.panel_address),
        referrer=ctx.agency_name(ctx.case.referrer),
        coordinators=[p["name"] for p in ctx.people("coordinator")],
        attendees=_attendees(ctx),
    )


def _attendees(ctx: Context) -> list[dict[str, str]]:
    held = ctx.case.held_meeting
    if held is None:
        return []
    return [{"name": a.name, "agency": ctx.agency_name(a.agency)} for a in held.attendees]


def _report_submitted(ctx: Context, event: ev.DomainEvent) -> list[Mail]:
    values = _decision_values(ctx, event.on, ctx.profile.panel_name, "Rapid Review report: covering letter")
    values["salutation"] = "Dear Panel colleagues"
    values["draft"] = bool(event.data.get("draft"))
    letter = ctx.letter(
        "panel_covering_letter", "panel_covering_letter", "Covering letter to the Panel", values
    )
    paragraphs = [
        f"Please find attached the Rapid Review report of {ctx.profile.name} ({ctx.profile.area}), our "
        f"reference {ctx.case.ref}, with its covering letter.",
        "Please send any questions about the review to "
        f"{ctx.profile.secure_mailbox} or call {ctx.profile.phone}.",
    ]
    to = [ctx.profile.panel_email] if ctx.profile.panel_email else []  # (submit refuses without one)
    mail = ctx.mail(to, "Rapid Review report", paragraphs, [letter])
    report_id = event.data.get("report_document")
    if report_id:
        mail.documents.append(int(report_id))
    else:
        mail.letters.append(_report_letter(ctx))
    return [mail]


def _outcome_shared(ctx: Context, event: ev.DomainEvent) -> list[Mail]:
    mails = []
    for key in _written_to(ctx):
        agency = ctx.agencies[key]
        values = _decision_values(ctx, event.on, str(agency["name"]), "Rapid Review: outcome")
        letter = ctx.letter("outcome_notification", "outcome_notification", "Outcome", values)
        paragraphs = [
            f"The Rapid Review of case {ctx.case.ref} has reached its decision; the letter attached gives "
            "the decision, its reasons and the immediate actions agreed.",
            "Thank you for your agency's contribution.",
        ]
        mails.append(ctx.mail([str(agency["email"])], "outcome", paragraphs, [letter]))
    return mails


def _written_to(ctx: Context) -> list[str]:
    """The agencies the partnership wrote to on the case (each asked for information), and the referrer;
    not those deactivated since (they get no new letters)."""
    involved = [i.agency for i in ctx.case.involvements]
    keys = dict.fromkeys([*involved, ctx.case.referrer])
    return [k for k in keys if k in ctx.agencies and ctx.agencies[k]["active"]]


def _release(ctx: Context, event: ev.DomainEvent, kind: str, title: str) -> list[Mail]:
    """The decline or closure letter to the referrer and every agency written to: the records instruction
    is released (or, where a review follows, what happens to it)."""
    review_follows = kind == "closure_letter" and ctx.case.outcome in (
        "national_cspr",
        "local_cspr",
        "alternative_review",
    )
    involved = {i.agency for i in ctx.case.involvements}
    mails = []
    for key in _written_to(ctx):
        agency = ctx.agencies[key]
        values = _decision_values(ctx, event.on, str(agency["name"]), title)
        values.update(
            declined=kind == "decline_letter",
            reason=ctx.case.decline_reason,
            was_asked=key in involved,
            is_referrer=key == ctx.case.referrer,
            review_follows=review_follows,
        )
        letter = ctx.letter(kind, kind, title.removeprefix("Rapid Review: "), values)
        if kind == "decline_letter":
            opening = f"The referral for case {ctx.case.ref} does not meet the criteria for a Rapid Review."
        else:
            opening = f"The Rapid Review of case {ctx.case.ref} has ended."
        records = (
            "The instruction to keep your records secured for this Rapid Review is released."
            if not review_follows
            else "Please keep your records secured for the review that follows, as the letter explains."
        )
        paragraphs = [opening, records if key in involved else "The letter attached explains."]
        mails.append(
            ctx.mail([str(agency["email"])], title.removeprefix("Rapid Review: "), paragraphs, [letter])
        )
    return mails


def _case_declined(ctx: Context, event: ev.DomainEvent) -> list[Mail]:
    mails = _release(ctx, event, "decline_letter", "Rapid Review: referral declined")
    meeting = ctx.case.current_meeting
    if meeting is not None and meeting.status == Meeting.SCHEDULED:
        invitees = invited(ctx)
        cancel = _invitation(ctx, meeting, invitees, "CANCEL")
        paragraphs = [
            f"The referral for case {ctx.case.ref} was declined, so the Rapid Review meeting on "
            f"{when_text(meeting)} is cancelled.",
        ]
        mails.append(
            ctx.mail(
                [a for _, a in invitees], f"meeting on {when_text(meeting)} cancelled", paragraphs, [cancel]
            )
        )
    return mails


def _case_closed(ctx: Context, event: ev.DomainEvent) -> list[Mail]:
    return _release(ctx, event, "closure_letter", "Rapid Review: case closed")


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
            "referrer": ctx.agency_name(ctx.case.referrer),
            "sin_notified": ctx.case.sin_notified_on,
            "sin_reference": ctx.case.sin_reference,
            "child_initials": ctx.case.child_initials,
            "child_dob": ctx.case.child_dob,
            "summary": ctx.case.summary,
            "partnership": ctx.profile.name,
            "area": ctx.profile.area,
            "training": ctx.app.training,
            "agencies": [
                {
                    "name": ctx.agency_name(i.agency),
                    "sent_on": i.sent_on,
                    "returned_on": i.returned_on,
                    "secured_on": i.secured_on,
                }
                for i in ctx.case.involvements
            ],
            "meeting_date": held.held_on if held else None,
            "meeting_mode": held.mode if held else None,
            "meeting_reason": held.mode_reason if held else None,
            "attendees": _attendees(ctx),
            "decision": ctx.case.outcome,
            "rationale": ctx.case.rationale,
            "actions": [{"owner": ctx.agency_name(a.owner), "text": a.text} for a in ctx.case.actions],
            "endorsed_on": ctx.case.endorsed_on,
            "endorsed_by": ctx.case.endorsed_by,
        }
    )
    return Letter(
        "report_draft", file_name(ctx.case.ref, "Rapid Review report (draft)", ".docx"), content, DOCX
    )


HANDLERS: Mapping[str, Callable[[Context, ev.DomainEvent], list[Mail]]] = {
    ev.SCOPING_SENT: _scoping_sent,
    ev.MEETING_SCHEDULED: _meeting_scheduled,
    ev.REPORT_SUBMITTED: _report_submitted,
    ev.OUTCOME_SHARED: _outcome_shared,
    ev.DECISION_MADE: _report_draft,
    ev.ENDORSED: _report_draft,
    ev.CASE_DECLINED: _case_declined,
    ev.CASE_CLOSED: _case_closed,
    ev.MEETING_WITHDRAWN: _meeting_withdrawn,
    **REVIEW_HANDLERS,  # the review that follows: its terms of reference, the notice before publication
}

# The events whose letters name the child (the child's details, kept apart, are read only for them).
NAMING_THE_CHILD = frozenset({ev.SCOPING_SENT})


# -- storing and queuing ------------------------------------------------------------------------------


def context(
    app: App,
    source: Any,
    case: Case,
    schedule: Schedule,
    deadlines: Sequence[Deadline],
    profile: Profile | None = None,
    directory: Directory | None = None,
) -> Context:
    """What the handlers need; `source`: a unit of work or a connection to read from; `profile`:
    the partnership profile already read (default: read now); `directory`: the agencies and people
    already read (default: read now, through `source`)."""
    db = getattr(source, "session", source)
    found = directory or read_directory(source.connection if isinstance(source, UnitOfWork) else source)
    return Context(
        app, db, case, schedule, deadlines, found.agencies, profile or load_profile(), found.people
    )


@functools.cache
def _active_people_roles() -> Prepared:
    """Each active person's roles (a row a role), by name (a deactivated person gets nothing)."""
    p, r = t.people, t.person_roles
    return Prepared(
        select(r.c.role, p.c.name, p.c.email)
        .join(r, r.c.login == p.c.login)
        .where(p.c.active == 1)
        .order_by(p.c.name)
    )


def check_ready() -> Profile:
    """Refuse a step whose letters could not be written, before it is saved (PDF copies `always`
    without LibreOffice); the profile read, for the step's letters."""
    from rr_workflow.adapters import pdf

    profile = load_profile()
    pdf.wanted(profile.pdf)
    return profile


def render(
    app: App,
    db: Any,
    case: Case,
    schedule: Schedule,
    deadlines: Sequence[Deadline],
    events: Sequence[ev.DomainEvent],
    profile: Profile | None = None,
    directory: Directory | None = None,
) -> list[Mail]:
    """The letters and mail for `events` (with their PDF copies), read through `db`; nothing stored.
    `profile` and `directory`: the partnership profile and the directory as the step read them (default:
    read now)."""
    relevant = [e for e in events if e.kind in HANDLERS]
    if not relevant:
        return []
    ctx = context(app, db, case, schedule, deadlines, profile, directory)
    mails = [mail for event in relevant for mail in HANDLERS[event.kind](ctx, event)]
    _add_pdf_copies(ctx.profile, [(mail, letter) for mail in mails if mail.to for letter in mail.letters])
    return mails


def write_files(app: App, case: Case, mails: Sequence[Mail]) -> list[tuple[Path, str]]:
    """Write each mail's letters' files (in the case's generated documents' folder, made where missing)
    before the transaction that stores their rows begins. Each is a copy for the documents folder: the
    letter's content is stored in the database with its row (`_store_many`), committed with it, and read
    from there, so its file is not waited for on the disk. A file no row names (the transaction failed,
    or another process stored the same letters) is harmless: it holds what its letter holds. Each file's
    path and its content's SHA-256, in the mails' letters' order."""
    letters = [letter for mail in mails for letter in mail.letters]
    if not letters:
        return []
    folder = app.documents_folder(case.ref, "generated")
    written = [_letter_path(folder, letter) for letter in letters]
    for (path, _), letter in zip(written, letters, strict=True):
        durable_files.write_copy(path, letter.content)
    return written


def store_mails(
    app: App,
    uow: UnitOfWork,
    case: Case,
    mails: Sequence[Mail],
    written: Sequence[tuple[Path, str]],
) -> int:
    """Store each mail's letters (`documents` rows and their content) and queue the mail; returns how many
    documents were stored. `written`: their files as `write_files` wrote them. Each table's rows go to one
    INSERT, compiled once per process (PostgreSQL writes them in one round trip, SQLite in one
    executemany: `_inserted_ids`)."""
    letters = [(letter, mail.to) for mail in mails for letter in mail.letters]
    ids = iter(_store_many(app, uow, case, letters, written))
    queued = []
    for mail in mails:
        stored = [(next(ids), letter.content_type) for letter in mail.letters]
        stored += [(document_id, content_type_of(uow, document_id)) for document_id in mail.documents]
        if mail.to:
            queued.append((mail, stored))
    _queue_many(app, uow, case.ref, queued)
    return len(letters)


def _add_pdf_copies(profile: Profile, letters: Sequence[tuple[Mail, Letter]]) -> None:
    """A PDF beside each Word letter that is sent, where LibreOffice is installed (one conversion run)."""
    from rr_workflow.adapters import pdf

    wanted = [(mail, letter) for mail, letter in letters if letter.pdf and letter.content_type == DOCX]
    if not wanted or not pdf.wanted(profile.pdf):
        return
    converted = pdf.convert([letter.content for _, letter in wanted])
    for (mail, letter), content in zip(wanted, converted, strict=True):
        copy = Letter(letter.kind + "_pdf", letter.filename.removesuffix(".docx") + ".pdf", content, PDF)
        mail.letters.insert(mail.letters.index(letter) + 1, copy)


def content_type_of(uow: UnitOfWork, document_id: int) -> str:
    import mimetypes

    filename = uow.session.execute(
        select(t.documents.c.filename).where(t.documents.c.id == document_id)
    ).scalar()
    return mimetypes.guess_type(str(filename))[0] or "application/octet-stream"


def store(app: App, uow: UnitOfWork, case: Case, letter: Letter, recipients: Sequence[str]) -> int:
    """Write the letter's file and its `documents` row; the row's id."""
    return _store_many(app, uow, case, [(letter, recipients)])[0]


def _letter_path(folder: Path, letter: Letter) -> tuple[Path, str]:
    """Where a letter's file goes, and its content's SHA-256 (the name begins with it)."""
    digest = hashlib.sha256(letter.content).hexdigest()
    return folder / f"{digest[:12]}-{letter.filename}", digest


def _store_many(
    app: App,
    uow: UnitOfWork,
    case: Case,
    letters: Sequence[tuple[Letter, Sequence[str]]],
    written: Sequence[tuple[Path, str]] | None = None,
) -> list[int]:
    """Write each letter's file (in the case's generated documents' folder, made where missing), its
    `documents` row, with its recipients, and its content (`document_contents`, what is read when it is
    sent or handed out); the rows' ids, in the order of `letters`. `written`: the files as `write_files`
    wrote them (path, SHA-256), in the same order: not written again."""
    if not letters:
        return []
    if written is None:
        folder = app.documents_folder(case.ref, "generated")
        written = [_letter_path(folder, letter) for letter, _ in letters]
        for (path, _), (letter, _) in zip(written, letters, strict=True):
            uow.write_file(path, letter.content)
    added_at = app.moment()
    rows = []
    for (path, digest), (letter, recipients) in zip(written, letters, strict=True):
        rows.append(
            {
                "case_id": case.id,  # type: ignore[attr-defined]
                "kind": letter.kind,
                "filename": letter.filename,
                "path": str(path),
                "sha256": digest,
                "size": len(letter.content),
                "added_by": app.actor,
                "added_at": added_at,
                "generated": 1,
                "recipients": ",".join(recipients),
            }
        )
    ids = _inserted_ids(uow.connection, t.documents, rows)  # Core: the unit of work's transaction
    _storing_contents().run_many(
        uow.connection,
        [{"document_id": i, "content": letter.content} for i, (letter, _) in zip(ids, letters, strict=True)],
    )
    return ids


@functools.cache
def _storing_contents() -> Prepared:
    return Prepared(insert(t.document_contents))


def queue(app: App, uow: UnitOfWork, ref: str, mail: Mail, stored: Sequence[tuple[int, str]]) -> None:
    """Queue `mail` with the stored documents (id, content type) attached; its subject gets the marking."""
    _queue_many(app, uow, ref, [(mail, stored)])


def _queue_many(
    app: App, uow: UnitOfWork, ref: str, mails: Sequence[tuple[Mail, Sequence[tuple[int, str]]]]
) -> None:
    """Queue each mail with its stored documents (id, content type) attached, in order."""
    if not mails:
        return
    created = app.moment()
    rows = []
    now_in_force = None  # read once, for mails written without a profile
    for mail, _ in mails:
        profile = mail.profile
        if profile is None:
            profile = now_in_force = now_in_force or load_profile()
        subject = f"{profile.marking}: {mail.subject}"
        rows.append(
            {
                "notice_id": None,
                "case_ref": ref,
                "message_id": f"<rr.letter.{uuid.uuid4().hex}@{profile.mail_domain}>",
                "to_addrs": ",".join(dict.fromkeys(mail.to)),
                "cc_addrs": "",
                "subject": f"[TRAINING] {subject}" if app.training else subject,
                "body": mail.body,
                "status": "pending",
                "attempts": 0,
                "next_attempt_at": created,
                "created_at": created,
            }
        )
    connection = uow.connection
    attached = [
        {"mail_id": mail_id, "document_id": document_id, "content_type": content_type}
        for mail_id, (_, stored) in zip(_inserted_ids(connection, t.mail_outbox, rows), mails, strict=True)
        for document_id, content_type in stored
    ]
    if attached:
        _inserting(t.mail_attachments).run_many(connection, attached)


def _inserted_ids(connection: Any, table: t.Table, rows: Sequence[Mapping[str, Any]]) -> list[int]:
    """INSERT `rows` into `table` (its `id` an integer key the database gives); their ids, in the order
    of `rows`. PostgreSQL: one INSERT .. RETURNING, in the rows' order (SQLAlchemy's insertmanyvalues).
    SQLite, whose RETURNING does not keep the rows' order (SQLAlchemy then sends one INSERT per row):
    one executemany, then last_insert_rowid(). The ids are the last one and those just before it, as
    - the unit of work began with BEGIN IMMEDIATE (adapters/db/engine.py): it holds the database's write
      lock, so no other connection inserts a row meanwhile;
    - sqlite3's executemany steps the one statement once per row, in order, on this connection;
    - `id` is an INTEGER PRIMARY KEY (the rowid), not AUTOINCREMENT, and no trigger inserts: SQLite gives
      each new row the largest rowid + 1 (at random only once a rowid reaches 2**63 - 1, which ids
      counted from 1 never do). tests/integration/test_letters.py checks each id is its own row's."""
    if len(rows) == 1:
        return [int(_inserting(table, returning_ids=True).run(connection, rows[0]).scalar())]
    if connection.dialect.name == "sqlite":
        _inserting(table).run_many(connection, rows)
        last = int(_last_rowid().run(connection).scalar())
        return list(range(last - len(rows) + 1, last + 1))
    result = connection.execute(_inserting(table, returning_ids=True).statement, rows)
    return [int(row_id) for row_id in result.scalars()]


@functools.cache  # built once per process: every step with letters stores them
def _inserting(table: t.Table, returning_ids: bool = False) -> Prepared:
    """An INSERT of `table`'s rows; `returning_ids`: returning their ids in the order of the rows."""
    statement = insert(table)
    if returning_ids:
        statement = statement.returning(table.c.id, sort_by_parameter_order=True)  # type: ignore[assignment]
    return Prepared(statement)


@functools.cache
def _last_rowid() -> Prepared:
    return Prepared(select(func.last_insert_rowid().label("id")))


def attachments(connection: Any, mail_id: int) -> list[tuple[str, str, bytes]]:
    """(filename, content type, content) of each document attached to a queued e-mail."""
    from rr_workflow.service import stored_documents

    a, d = t.mail_attachments, t.documents
    rows = connection.execute(
        select(d.c.id, d.c.filename, a.c.content_type)
        .join(d, d.c.id == a.c.document_id)
        .where(a.c.mail_id == mail_id)
        .order_by(a.c.id)
    ).all()
    content = stored_documents.contents(connection, [document_id for document_id, _, _ in rows])
    return [(filename, content_type, content[document_id]) for document_id, filename, content_type in rows]


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
