"""`rr tick`: fire every reminder and escalation due up to a moment, once each (docs/procedure.md).

The claim of a (case, deadline, kind, slot) is a row in `notices` under a unique key, inserted with
ON CONFLICT DO NOTHING: however many ticks or daemons run at once, one of them sends it. The e-mail
goes into `mail_outbox` in the same transaction, so a claimed notice is never lost.
"""

from __future__ import annotations

import hashlib
import uuid
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, bindparam, insert, or_, select, update

from rr_workflow.adapters import config
from rr_workflow.adapters.db import tables as t
from rr_workflow.domain import wording
from rr_workflow.domain.deadlines import Status
from rr_workflow.domain.errors import BadInput
from rr_workflow.domain.review import FINISHED as REVIEW_FINISHED
from rr_workflow.domain.review_record import RAPID_REVIEW, procedure_name
from rr_workflow.domain.schedule import DeadlineRule, Schedule
from rr_workflow.domain.timers import ESCALATION, Timer, due_timers, next_timer
from rr_workflow.service.app import App
from rr_workflow.service.clock import iso_moment_of, parse_moment

if TYPE_CHECKING:  # the ORM is loaded only by a tick that has something to do
    from rr_workflow.adapters.db.unit_of_work import UnitOfWork

FINISHED = ("closed", "declined")
# the command that meets a deadline, by the event that meets it
MEETING_COMMANDS = {
    "sin_notified": "sin notified REF",
    "scoping_sent": "scoping send REF AGENCY...",
    "meeting_date_set": "meeting schedule REF DATE",
    "scoping_returned": "scoping returned REF {agency}",
    "records_secured": "records secured REF {agency}",
    "meeting_held": "meeting held REF --attendee AGENCY:NAME ...",
    "panel_submission": "submit REF",
    "outcome_shared": "outcome shared REF",
    "panel_response": "panel response REF --agrees yes|no",
    "panel_answered": "panel answered REF",
    # the review that follows
    "reviewer_appointed": "review appoint REF --reviewer NAME",
    "tor_agreed": "review tor-agreed REF",
    "checkpoint": "review checkpoint REF",
    "draft_report": "review draft REF",
    "final_report_sent": "review final-sent REF",
    "published": "review published REF",
}


@dataclass(frozen=True)
class Candidate:
    case_ref: str
    referrer: str
    label: str
    agency: str | None
    owner: str
    met_by: str
    every: int
    timer: Timer
    procedure: str = RAPID_REVIEW  # or the review that follows, by its kind (`procedure_name`): the subject
    action_id: int | None = None  # an action or recommendation of the register, not a case deadline

    @property
    def command(self) -> str:
        """The `rr` command that records it done (for mail read inside the business unit)."""
        if self.action_id is not None:
            return f'rr action done {self.action_id} --evidence "..."'
        template = MEETING_COMMANDS.get(self.met_by, "case show REF")
        return "rr " + template.replace("REF", self.case_ref).replace("{agency}", self.agency or "AGENCY")

    @property
    def extend(self) -> str:
        """The `rr` command that records an agreed new date."""
        if self.action_id is not None:
            return f'rr action due {self.action_id} YYYY-MM-DD --reason "..."'
        if self.procedure != RAPID_REVIEW:  # the review that follows
            return (
                f"rr review extend {self.case_ref} --deadline {self.timer.deadline_key} --to YYYY-MM-DD "
                '--reason "..."'
            )
        return f'rr extend {self.case_ref} {self.timer.deadline_key} --to YYYY-MM-DD --reason "..."'


def tick(app: App, now: datetime | None = None, fence: Callable[[Any], None] | None = None) -> dict[str, int]:
    """Claim and queue every notice due up to `now` (default: the clock's now). Returns counts. `fence`:
    the daemon's check that it still leads, run in the claim's own transaction before anything is claimed."""
    real_now = app.clock.now()
    now = now or real_now
    if now.tzinfo is None:
        raise BadInput("--now needs a time zone or is taken as Europe/London: give an ISO date-time")
    if now > real_now + timedelta(minutes=1) and not app.training:
        raise BadInput(
            f"--now {now.isoformat()} is in the future: a live database only catches up on the past"
        )
    if not _anything_due(app, now):
        return {"candidates": 0, "claimed": 0, "mails": 0}
    zone = ZoneInfo(app.calendar.settings.timezone)
    token = str(uuid.uuid4())
    with app.uow() as uow:
        if fence is not None:
            fence(uow)
        moved: list[dict[str, Any]] = []
        moved_actions: list[dict[str, Any]] = []
        candidates = list(_candidates(app, uow, now, zone, moved))
        candidates += _action_candidates(app, uow, now, zone, moved_actions)
        _move_on(uow, moved)
        _move_on(uow, moved_actions, t.actions)
        claimed = _claim(uow, candidates, now, token, app)
        mails = _queue_mail(app, uow, claimed)
        uow.commit()
    return {"candidates": len(candidates), "claimed": len(claimed), "mails": mails}


def settle(app: App, uow: UnitOfWork, refs: Collection[str]) -> int:
    """Mark every reminder and escalation already due for the cases `refs` as handled, without mail: a case
    taken over part-way (rr import) gets its timers from now on, not notices about its past. Returns how
    many slots were settled."""
    if not refs:
        return 0
    now = app.clock.now()
    zone = ZoneInfo(app.calendar.settings.timezone)
    moved: list[dict[str, Any]] = []
    moved_actions: list[dict[str, Any]] = []
    candidates = list(_candidates(app, uow, now, zone, moved, refs))
    candidates += _action_candidates(app, uow, now, zone, moved_actions, refs)
    _move_on(uow, moved)
    _move_on(uow, moved_actions, t.actions)
    return len(_claim(uow, candidates, now, f"settled-{uuid.uuid4().hex[:28]}", app))


def _anything_due(app: App, now: datetime) -> bool:
    """Whether some deadline's next moment has come (one index look-up, no unit of work)."""
    moment = iso_moment_of(now)
    with app.engine.connect() as connection:
        for table in (t.deadlines, t.actions):
            query = select(table.c.id).where(table.c.next_fire_at <= moment).limit(1)
            if connection.execute(query).first() is not None:
                return True
        return False


class StoredSchedules:
    """The schedule versions cases were opened under, each parsed the first time a row asks for it;
    `db` is a session or a connection. With `reviews`, the versions reviews were opened under."""

    def __init__(self, db: Any, reviews: bool = False) -> None:
        self.db = db
        self.reviews = reviews
        self._parsed: dict[str, Schedule] = {}

    def __getitem__(self, version: str) -> Schedule:
        if version not in self._parsed:
            table = t.review_schedules if self.reviews else t.schedules
            text = self.db.execute(select(table.c.source_text).where(table.c.version == version)).scalar_one()
            if self.reviews:
                parsed = config.parse_review_schedule_text(text, f"review schedule version {version}")
            else:
                parsed = config.parse_schedule_text(text, f"schedule version {version}")
            self._parsed[version] = parsed
        return self._parsed[version]


class RuleOf:
    """The rule of a stored deadline row: from its case's schedule, or its review's."""

    def __init__(self, db: Any) -> None:
        self.cases = StoredSchedules(db)
        self.reviews = StoredSchedules(db, reviews=True)

    def __call__(self, row: Any) -> DeadlineRule:
        if row.review_id is not None:
            return self.reviews[row.review_schedule_version].rule(row.rule_key)
        return self.cases[row.schedule_version].rule(row.rule_key)


def still_running() -> Any:
    """The condition on a deadline row joined to its case and (outer) its review: the procedure it
    belongs to is not finished (a review runs on after its Rapid Review closed)."""
    c, r, d = t.cases.c, t.reviews.c, t.deadlines.c
    return or_(
        and_(d.review_id.is_(None), c.state.not_in(FINISHED)),
        and_(d.review_id.is_not(None), r.state.not_in(REVIEW_FINISHED)),
    )


def open_deadlines(db: Any, fire_by: str | None = None) -> Iterator[tuple[Any, DeadlineRule]]:
    """Each deadline that may still fire (case not finished, not met, not waived) with its rule; with
    `fire_by` (a stored moment), only those whose next timer moment has come: an index range, so a tick
    costs what is due, not what is open."""
    rule_of = RuleOf(db)
    d, c, r = t.deadlines, t.cases, t.reviews
    conditions = [
        d.c.next_fire_at.is_not(None),
        still_running(),
        d.c.met_on.is_(None),
        or_(d.c.deviation.is_(None), d.c.deviation != Status.WAIVED),
    ]
    if fire_by is not None:
        conditions.append(d.c.next_fire_at <= fire_by)
    query = (
        select(
            d.c.id,
            d.c.key,
            d.c.rule_key,
            d.c.label,
            d.c.agency,
            d.c.owner,
            d.c.due,
            d.c.next_fire_at,
            c.c.ref,
            c.c.referrer,
            c.c.schedule_version,
            d.c.review_id,
            r.c.schedule_version.label("review_schedule_version"),
            r.c.kind.label("review_kind"),
        )
        .join(c, c.c.id == d.c.case_id)
        .outerjoin(r, r.c.id == d.c.review_id)
        .where(*conditions)
    )
    for row in db.execute(query).all():
        yield row, rule_of(row)


def _candidates(
    app: App,
    uow: UnitOfWork,
    now: datetime,
    zone: ZoneInfo,
    moved: list[dict[str, Any]],
    refs: Collection[str] | None = None,
) -> Iterable[Candidate]:
    """What is due by `now` among the deadlines whose moment has come (of the cases `refs` only, when
    given); `moved` collects each one's next moment after `now` (the next slot a later tick must look at)."""
    for row, rule in open_deadlines(uow.session, fire_by=iso_moment_of(now)):
        if refs is not None and row.ref not in refs:
            continue
        following = next_timer(row.key, row.due, rule.policy, app.calendar, now, zone)
        moved.append(_moved(row, following))
        for timer in due_timers(row.key, row.due, rule.policy, app.calendar, now, zone):
            yield Candidate(
                row.ref,
                row.referrer,
                row.label,
                row.agency,
                row.owner,
                rule.met_by,
                rule.policy.escalation_every,
                timer,
                procedure_name(None if row.review_id is None else row.review_kind),
            )


def open_actions(db: Any, fire_by: str) -> Iterator[tuple[Any, Schedule]]:
    """Each open action of the register with a due date whose next timer moment has come, with the
    schedule of its case (actions outlive their case's closing: the case's state does not matter)."""
    schedules = StoredSchedules(db)
    a, c = t.actions, t.cases
    query = (
        select(
            a.c.id, a.c.number, a.c.kind, a.c.text, a.c.agency, a.c.due, a.c.next_fire_at, c.c.ref,
            c.c.referrer, c.c.schedule_version, a.c.source_ref,
        )
        .join(c, c.c.id == a.c.case_id)
        .where(a.c.next_fire_at <= fire_by, a.c.status == "open", a.c.due.is_not(None))
    )  # fmt: skip
    for row in db.execute(query).all():
        yield row, schedules[row.schedule_version]


def _action_candidates(
    app: App,
    uow: UnitOfWork,
    now: datetime,
    zone: ZoneInfo,
    moved: list[dict[str, Any]],
    refs: Collection[str] | None = None,
) -> list[Candidate]:
    """As `_candidates`, for the actions register: the owner agency is reminded, the chain escalated."""
    from rr_workflow.service import actions

    found: list[Candidate] = []
    for row, schedule in open_actions(uow.session, iso_moment_of(now)):
        if refs is not None and row.ref not in refs:
            continue
        key = actions.timer_key(row.id)
        policy = schedule.actions.policy
        following = next_timer(key, row.due, policy, app.calendar, now, zone)
        moved.append(_moved(row, following))
        for timer in due_timers(key, row.due, policy, app.calendar, now, zone):
            found.append(
                Candidate(
                    row.ref,
                    row.referrer,
                    actions.label(row.kind, row.number, row.text),
                    row.agency,
                    "agency" if row.agency else "coordinator",
                    "action_done",
                    policy.escalation_every,
                    timer,
                    procedure_of_action(row.source_ref),
                    action_id=row.id,
                )
            )
    return found


def procedure_of_action(source_ref: str | None) -> str:
    """The procedure an action's notices name: a review's recommendation (`review:KIND`) its review, an
    immediate action the Rapid Review."""
    if source_ref and source_ref.startswith("review:"):
        return procedure_name(source_ref.removeprefix("review:"))
    return RAPID_REVIEW


def _moved(row: Any, following: Timer) -> dict[str, Any]:
    """What `_move_on` stores for an examined row: its next moment, and what the row said when read."""
    moment = iso_moment_of(following.fires_at)
    return {"row_id": row.id, "moment": moment, "was": row.next_fire_at, "on": row.due}


def _move_on(uow: UnitOfWork, moved: list[dict[str, Any]], table: Any = None) -> None:
    """Store each examined deadline's (or action's) next moment where its row still has the moment and due
    date it was worked out from: a step that changed the row meanwhile (in place, with its first moment)
    keeps what it wrote (PostgreSQL checks the row again once that step commits)."""
    if not moved:
        return
    d = t.deadlines if table is None else table
    as_read = d.c.next_fire_at == bindparam("was"), d.c.due == bindparam("on")
    statement = (
        update(d).where(d.c.id == bindparam("row_id"), *as_read).values(next_fire_at=bindparam("moment"))
    )
    for start in range(0, len(moved), 1000):
        uow.connection.execute(statement, moved[start : start + 1000])


def next_moments(app: App, limit: int = 500) -> list[datetime]:
    """The earliest distinct moments still to come at which some open deadline has a reminder or
    escalation (the daemon's timer jobs): read from the stored moments through their index."""
    now = iso_moment_of(app.clock.now())
    found: set[str] = set()
    with app.engine.connect() as connection:
        for table in (t.deadlines, t.actions):
            query = (
                select(table.c.next_fire_at)
                .where(table.c.next_fire_at > now)
                .group_by(table.c.next_fire_at)
                .order_by(table.c.next_fire_at)
                .limit(limit)
            )
            found.update(moment for (moment,) in connection.execute(query))
    return [parse_moment(moment.replace("Z", "+00:00")) for moment in sorted(found)[:limit]]


def _claim(
    uow: UnitOfWork, candidates: list[Candidate], now: datetime, token: str, app: App
) -> list[tuple[int, Candidate, int]]:
    """Insert the claims; return (notice id, candidate, slots missed since the last one sent) we won.

    A slot behind what was already sent for the same deadline is never sent late (a catch-up to an
    earlier moment after a later one): no reminder after a nearer reminder or any escalation, no
    escalation after a later one."""
    if not candidates:
        return []
    sent = _already_sent(uow, candidates)
    fresh = [
        k for k in candidates if not _behind(k, sent.get((k.case_ref, k.timer.deadline_key, k.timer.due)))
    ]
    if not fresh:
        return []
    fired_at = app.moment()
    rows = [
        {
            "case_ref": k.case_ref,
            "deadline_key": k.timer.deadline_key,
            "kind": k.timer.kind,
            "slot": k.timer.slot,
            "fires_at": iso_moment_of(k.timer.fires_at),
            "fired_at": fired_at,
            "claimed_by": token,
            "due": k.timer.due,
        }
        for k in fresh
    ]
    dialect = uow.session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as upsert
    else:
        from sqlalchemy.dialects.sqlite import insert as upsert
    statement = upsert(t.notices).on_conflict_do_nothing(
        index_elements=["case_ref", "deadline_key", "due", "kind", "slot"]
    )
    for start in range(0, len(rows), 1000):
        uow.session.execute(statement, rows[start : start + 1000])
    n = t.notices
    won = {
        (r.case_ref, r.deadline_key, r.due, r.kind, r.slot): r.id
        for r in uow.session.execute(
            select(n.c.id, n.c.case_ref, n.c.deadline_key, n.c.due, n.c.kind, n.c.slot).where(
                n.c.claimed_by == token
            )
        )
    }
    result = []
    for k in fresh:
        key = (k.case_ref, k.timer.deadline_key, k.timer.due, k.timer.kind, k.timer.slot)
        if key in won:
            missed = 0
            if k.timer.kind == ESCALATION:
                before = sent.get((k.case_ref, k.timer.deadline_key, k.timer.due))
                missed = k.timer.slot - 1 - (before.last_escalation if before else 0)
            result.append((won[key], k, max(missed, 0)))
    return result


@dataclass
class Sent:
    """What was already sent about one (case, deadline, due date)."""

    nearest_reminder: int | None = None  # the fewest working days before the due date
    last_escalation: int = 0


def _behind(candidate: Candidate, sent: Sent | None) -> bool:
    if sent is None:
        return False
    if candidate.timer.kind == ESCALATION:
        return candidate.timer.slot <= sent.last_escalation
    return sent.last_escalation > 0 or (
        sent.nearest_reminder is not None and candidate.timer.slot >= sent.nearest_reminder
    )


def _already_sent(uow: UnitOfWork, candidates: list[Candidate]) -> dict[tuple[str, str, date], Sent]:
    n = t.notices
    refs = sorted({k.case_ref for k in candidates})
    found: dict[tuple[str, str, date], Sent] = defaultdict(Sent)
    for start in range(0, len(refs), 500):
        query = select(n.c.case_ref, n.c.deadline_key, n.c.due, n.c.kind, n.c.slot).where(
            n.c.case_ref.in_(refs[start : start + 500])
        )
        for ref, key, due, kind, slot in uow.session.execute(query):
            sent = found[(ref, key, due)]
            if kind == ESCALATION:
                sent.last_escalation = max(sent.last_escalation, slot)
            else:
                sent.nearest_reminder = (
                    slot if sent.nearest_reminder is None else min(sent.nearest_reminder, slot)
                )
    return found


# -- e-mail --------------------------------------------------------------------------------------------


@dataclass
class Directory:
    """E-mail addresses by role and by agency, read once per tick."""

    by_role: Mapping[str, list[str]]
    agencies: Mapping[str, Mapping[str, Any]]

    @classmethod
    def load(cls, uow: UnitOfWork) -> Directory:
        by_role: dict[str, list[str]] = defaultdict(list)
        query = (
            select(t.person_roles.c.role, t.people.c.email)
            .join(t.people, t.people.c.login == t.person_roles.c.login)
            .where(t.people.c.active == 1)  # a deactivated person gets no notices
        )
        for role, email in uow.session.execute(query):
            by_role[role].append(email)
        agencies = {r["key"]: r for r in uow.rows(t.agencies)}
        return cls(by_role, agencies)

    def owner(self, candidate: Candidate) -> tuple[list[str], str]:
        """The owner's addresses and how the notice names the owner (names, never keys)."""
        owner = candidate.owner
        if owner == "agency" and candidate.agency in self.agencies:
            agency = self.agencies[candidate.agency]
            return _active([agency]), str(agency["name"])
        if owner == "referrer" and candidate.referrer in self.agencies:
            agency = self.agencies[candidate.referrer]
            return _active([agency]), f"{agency['name']} (the referrer)"
        if owner.startswith("partner:"):
            partner = owner.removeprefix("partner:")
            found = [a for a in self.agencies.values() if a["partner"] == partner]
            return _active(found), wording.joined([str(a["name"]) for a in found]) or owner
        return list(self.by_role.get(owner, [])), wording.role_name(owner)

    def internal(self, addresses: Iterable[str]) -> bool:
        """Whether every address belongs to someone registered in the business unit (not an agency)."""
        staff = {a.lower() for people in self.by_role.values() for a in people}
        return all(a.lower() in staff for a in addresses)


# What the owner outside the business unit is asked to do, by the event that meets the deadline.
WHAT_TO_SEND = {
    "scoping_returned": "Please send your agency's completed scoping template by secure e-mail to {mailbox}.",
    "records_secured": (
        "Please confirm by secure e-mail to {mailbox} that your agency's records are secured, and name "
        "your nominated representative."
    ),
    "sin_notified": (
        "Please send the Serious Incident Notification to the National Panel and copy it by secure e-mail "
        "to {mailbox}."
    ),
    "action_done": (
        "Please send the evidence that it is done (a document, or a short note of what was done and what "
        "difference it made) by secure e-mail to {mailbox}."
    ),
}
DEFAULT_TO_SEND = "Please reply by secure e-mail to {mailbox} when it is done."


def _active(agencies: Iterable[Mapping[str, Any]]) -> list[str]:
    """The addresses of the agencies still active: a deactivated agency gets no notices."""
    return [str(a["email"]) for a in agencies if a["active"]]


def _unique(addresses: Iterable[str], exclude: Iterable[str] = ()) -> list[str]:
    skip = set(exclude)
    return [a for a in dict.fromkeys(addresses) if a not in skip]


def message_id(notice_id: int, candidate: Candidate, domain: str) -> str:
    digest = hashlib.sha256(f"{candidate.case_ref}|{candidate.timer.deadline_key}".encode()).hexdigest()[:16]
    return f"<rr.{notice_id}.{candidate.timer.kind}.{candidate.timer.slot}.{digest}@{domain}>"


def _queue_mail(app: App, uow: UnitOfWork, claimed: list[tuple[int, Candidate, int]]) -> int:
    if not claimed:
        return 0
    from rr_workflow.adapters import templates
    from rr_workflow.adapters.profile import load_profile

    directory = Directory.load(uow)
    coordinators = directory.by_role.get("coordinator", [])
    profile = load_profile()
    domain = profile.mail_domain
    texts = {  # looked up once a tick, rendered once a notice
        name: templates.template(name)
        for name in (
            "email/escalation.txt.j2",
            "email/escalation.html.j2",
            "email/reminder.txt.j2",
            "email/reminder.html.j2",
        )
    }
    created = app.moment()
    rows = []
    for notice_id, k, missed in claimed:
        owner_addresses, owner_text = directory.owner(k)
        if k.timer.kind == ESCALATION:
            to = _unique(a for role in k.timer.roles for a in directory.by_role.get(role, []))
            cc = _unique([*owner_addresses, *coordinators], exclude=to)
            audience = wording.joined([wording.role_name(r, many=False) for r in k.timer.roles])
        else:
            to = _unique(owner_addresses)
            cc = _unique(coordinators, exclude=to)
            audience = ""
        if not to:  # nobody registered in that role: the business unit must still hear of it
            to, cc = cc or coordinators, []
        if not to:
            continue
        overdue = app.calendar.between(k.timer.due, k.timer.fires_at.date())
        # Mail read outside the business unit never carries an `rr` command: it says what to send where.
        internal = directory.internal([*to, *cc])
        command = k.command
        agency_name = directory.agencies.get(k.agency or "", {}).get("name") if k.agency else None
        label = k.label  # a per-agency deadline's label ends with the agency's key: its name instead
        if k.agency and agency_name and label.endswith(f"({k.agency})"):
            label = f"{label.removesuffix(f'({k.agency})')}({agency_name})"
        values = {
            "ref": k.case_ref,
            "procedure": k.procedure,
            "key": k.timer.deadline_key,
            "label": label,
            "slot": k.timer.slot,
            "due_text": wording.long_date(k.timer.due),
            "owner_text": owner_text,
            "agency": agency_name if agency_name != owner_text else None,
            "command": command if internal else None,
            "extend": k.extend,
            "to_send": None
            if internal
            else WHAT_TO_SEND.get(k.met_by, DEFAULT_TO_SEND).format(mailbox=profile.secure_mailbox),
            "overdue_text": wording.working_days(overdue),
            "missed_text": wording.counted(missed, "earlier escalation") if missed else None,
            "every_text": wording.working_days(k.every),
            "in_text": wording.working_days(k.timer.slot),
            "audience": audience,
            "partnership": profile.name,
            "secure_mailbox": profile.secure_mailbox,
            "phone": profile.phone,
            "marking": profile.marking,
            "training": app.training,
        }
        prefix = f"{profile.marking}: {k.procedure} {k.case_ref}"
        if k.timer.kind == ESCALATION:
            subject = f"{prefix}: ESCALATION {k.timer.slot}: {label} is {values['overdue_text']} overdue"
            body = texts["email/escalation.txt.j2"].render(**values)
            body_html = texts["email/escalation.html.j2"].render(**values)
        else:
            when = "today" if k.timer.slot == 0 else wording.short_date(k.timer.due)
            subject = f"{prefix}: Reminder: {label} due {when}"
            body = texts["email/reminder.txt.j2"].render(**values)
            body_html = texts["email/reminder.html.j2"].render(**values)
        if app.training:
            subject = f"[TRAINING] {subject}"
        rows.append(
            {
                "notice_id": notice_id,
                "case_ref": k.case_ref,
                "message_id": message_id(notice_id, k, domain),
                "to_addrs": ",".join(to),
                "cc_addrs": ",".join(cc),
                "subject": subject,
                "body": body,
                "body_html": body_html,
                "status": "pending",
                "attempts": 0,
                "next_attempt_at": created,
                "created_at": created,
            }
        )
    for start in range(0, len(rows), 1000):
        uow.session.execute(insert(t.mail_outbox), rows[start : start + 1000])
    return len(rows)
