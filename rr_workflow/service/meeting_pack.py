"""The meeting pack (docs/procedure.md): an index of the documents with what is missing, the agenda, a
zip, and, with `send`, the pack e-mailed to everyone invited to the meeting before it.

One list of rows makes both the index table and its "Missing" summary, so the two always agree: a row
whose file is not in the pack is missing, whether nothing was received or the step was recorded without
its file being attached.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from rr_workflow.adapters.db import tables as t
from rr_workflow.domain import wording
from rr_workflow.domain.case import Case
from rr_workflow.domain.deadlines import Status
from rr_workflow.domain.errors import BadInput
from rr_workflow.service import letters, stored_documents
from rr_workflow.service.app import App


@dataclass
class Item:
    what: str
    source: str  # who it comes from (a name)
    doc: Mapping[str, Any] | None  # the attached document, when there is one
    status: str  # what the index says when the file is not in the pack
    needed: bool = True  # False: the return was waived (recorded as not needed)

    @property
    def missing(self) -> bool:
        return self.doc is None and self.needed

    def as_row(self) -> dict[str, str]:
        return {
            "what": self.what,
            "source": self.source,
            "file": self.doc["filename"] if self.doc else "",
            "status": "In this pack" if self.doc else self.status,
        }


def items(
    case: Case,
    attached: Sequence[Mapping[str, Any]],
    agencies: Mapping[str, Mapping[str, Any]],
    waived: Mapping[str, str] | None = None,
) -> list[Item]:
    """Every document the meeting should have, in the order of the procedure, and anything else attached."""

    def name(key: str) -> str:
        return str(agencies[key]["name"]) if key in agencies else key

    la = next((str(a["name"]) for a in agencies.values() if a["partner"] == "la"), "The local authority")
    found: list[Item] = []
    used: set[int] = set()

    def add(
        kind: str,
        what: str,
        source: str,
        recorded: str | None,
        match: str | None = None,
        waiver: str | None = None,
    ) -> None:
        docs = [
            d for d in attached if d["kind"] == kind and (match is None or match in d["filename"].lower())
        ]
        docs = [d for d in docs if d["id"] not in used]
        for d in docs:
            used.add(d["id"])
            found.append(Item(what, source, d, ""))
        if not docs and waiver is not None:
            found.append(Item(what, source, None, f"Not needed: {waiver}", needed=False))
        elif not docs:
            status = (
                f"Missing: {recorded}, but the file is not attached" if recorded else "Missing: not received"
            )
            found.append(Item(what, source, None, status))

    add(
        "referral_form",
        "Serious incident referral form",
        name(case.referrer),
        "referral received " + wording.long_date(case.received),
    )
    sin = case.sin_notified_on
    add(
        "sin",
        "Serious Incident Notification",
        la,
        f"recorded as sent on {wording.long_date(sin)}" if sin else None,
    )
    for involvement in case.involvements:
        returned = involvement.returned_on
        add(
            "scoping_return",
            "Scoping template return",
            name(involvement.agency),
            f"recorded as returned on {wording.long_date(returned)}" if returned else None,
            match=involvement.agency.lower(),
            waiver=(waived or {}).get(f"scoping_returned:{involvement.agency}"),
        )
    for d in attached:
        if d["id"] not in used and d["kind"] in ("scoping_return", "other"):
            found.append(Item("Other document", "", d, ""))
    return found


def build(app: App, ref: str, send: bool = False) -> dict[str, Any]:
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
        ctx = letters.context(app, uow, case, schedule, deadlines)
        attached = [
            d
            for d in uow.rows(t.documents, order_by=t.documents.c.id, case_id=case.id)  # type: ignore[attr-defined]
            if not d["generated"]
        ]
        waived = {d.key: d.reason or "waived" for d in deadlines if d.status == Status.WAIVED}
        pack = items(case, attached, ctx.agencies, waived)
        missing = [f"{i.what} from {i.source}" if i.source else i.what for i in pack if i.missing]
        values = ctx.values(
            "Members of the Rapid Review meeting",
            "Rapid Review meeting pack",
            app.today(),
            when=letters.when_text(meeting),
            place=letters.place_text(meeting),
            items=[i.as_row() for i in pack],
            missing=missing,
            partners=wording.joined(list(schedule.partners.values())),
            panel_days=wording.working_days(schedule.rule("panel_submission").working_days),
        )
        index = ctx.letter(
            "meeting_pack_index", "meeting_pack_index", "Meeting pack index", values, pdf=False
        )
        in_pack = [i.doc for i in pack if i.doc is not None]
        content = stored_documents.contents(uow.connection, [doc["id"] for doc in in_pack])
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr(f"00-{index.filename}", index.content)
            for n, doc in enumerate(in_pack, start=1):
                archive.writestr(f"{n:02d}-{doc['filename']}", content[doc["id"]])
        uow.touch(case, app.moment())  # the case row first: the same lock order as every step
        invitees = letters.invited(ctx) if send else []
        recipients = [address for _, address in invitees]
        index_id = letters.store(app, uow, case, index, recipients)
        zip_letter = letters.Letter(
            "meeting_pack",
            letters.file_name(ref, "Meeting pack", ".zip"),
            buffer.getvalue(),
            "application/zip",
        )
        zip_id = letters.store(app, uow, case, zip_letter, [])
        if send:
            paragraphs = [
                f"The pack for the Rapid Review meeting for case {ref} on {values['when']} is attached: its "
                "index lists each document and what is still missing.",
                letters.place_text(meeting),
            ]
            mail = ctx.mail(recipients, f"meeting pack for {values['when']}", paragraphs, [])
            stored = [(index_id, letters.DOCX)] + [
                (int(doc["id"]), letters.content_type_of(uow, int(doc["id"]))) for doc in in_pack
            ]
            letters.queue(app, uow, ref, mail, stored)
        uow.audit(
            actor=app.actor,
            recorded_at=app.moment(),
            action="meeting_pack_sent" if send else "meeting_pack",
            case_ref=ref,
            effective_on=app.today(),
            from_state=case.state,
            to_state=case.state,
            details={"documents": len(in_pack), "missing": len(missing), "recipients": len(recipients)},
        )
        paths = {r["id"]: r["path"] for r in uow.rows(t.documents, case_id=case.id)}  # type: ignore[attr-defined]
        uow.commit()
    return {
        "ref": ref,
        "index": paths[index_id],
        "zip": paths[zip_id],
        "missing": missing,
        "documents": len(in_pack),
        "sent_to": recipients,
    }
