"""How a step loads its case: one Core query, the objects made by hand and added to the session as loaded.

What it makes must be what the ORM would load (every mapped value, every collection in its order), the
objects persistent and unchanged, the child's details still loaded only when asked for; and the query
must find each child table's rows through an index, not a scan of every case's rows.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, ClassVar

from sqlalchemy import event, inspect, select
from sqlalchemy.orm import Session

from rr_workflow.adapters.db import tables as t
from rr_workflow.adapters.db import unit_of_work
from rr_workflow.adapters.db.unit_of_work import UnitOfWork
from rr_workflow.service import commands, letters

ATTENDEES = ["la:A Smith", "police:DS Jones", "health:Dr Patel"]


def _recorded(rig: Any) -> str:
    """A case with something in every collection: three agencies, a meeting moved (two meetings, the first
    superseded) then held with its attendees, a decision with two actions, a deadline extended."""
    rig.at(datetime(2026, 11, 2, 10, 0))
    commands.case_open(
        rig.app, "RR-7", date(2026, 11, 2), date(2026, 11, 2), "police", child_name="Alex Example"
    )
    rig.at(datetime(2026, 11, 3, 10, 0))
    commands.scoping_send(rig.app, "RR-7", ["la", "police", "health"])
    commands.sin_notified(rig.later().app, "RR-7")
    commands.meeting_schedule(rig.later().app, "RR-7", date(2026, 11, 11))
    commands.meeting_schedule(rig.later().app, "RR-7", date(2026, 11, 12))
    commands.scoping_returned(rig.later().app, "RR-7", "la")
    commands.extend(rig.later().app, "RR-7", "scoping_returned:police", date(2026, 11, 20), "on leave")
    rig.at(datetime(2026, 11, 12, 15, 0))
    commands.meeting_held(rig.app, "RR-7", ATTENDEES)
    commands.decide(
        rig.later().app, "RR-7", "no_review", "learning is local", ["la: safety plan", "police: review"]
    )
    return "RR-7"


def _described(obj: Any, attendees_by_id: bool = False) -> Any:
    """Every mapped value of `obj` and, in order, of each object in its loaded collections. The ORM's
    load leaves a meeting's attendees in whatever order the database joins them (PostgreSQL's differs):
    `attendees_by_id` puts them in the order they were recorded, as the step's load does."""
    mapper = inspect(obj).mapper
    values: dict[str, Any] = {prop.key: getattr(obj, prop.key) for prop in mapper.column_attrs}
    for relationship in mapper.relationships:
        if relationship.key in obj.__dict__ and relationship.uselist:
            children = list(getattr(obj, relationship.key))
            if attendees_by_id and relationship.key == "attendees":
                children.sort(key=lambda child: child.id)
            values[relationship.key] = [_described(child, attendees_by_id) for child in children]
    return values


def test_a_step_loads_its_case_as_the_orm_would(rig: Any) -> None:
    ref = _recorded(rig)

    with UnitOfWork(rig.app.engine) as uow:
        case = uow.cases.get(ref.lower())  # found without regard to case, as typed
        made = _described(case)
        assert inspect(case).persistent and all(inspect(m).persistent for m in case.meetings)
        assert not uow.session.dirty and not uow.session.new
        assert "child" not in case.__dict__  # loaded only when a letter asks for it
        assert case.child.name == "Alex Example"
    with Session(rig.app.engine) as session:
        orm_case = session.scalars(unit_of_work._whole_case(), {"ref": ref}).unique().one()
        loaded = _described(orm_case, attendees_by_id=True)

    assert made == loaded
    assert [i["agency"] for i in made["involvements"]] == ["la", "police", "health"]
    assert [(m["on"], m["status"]) for m in made["meetings"]] == [
        (date(2026, 11, 11), "superseded"),
        (date(2026, 11, 12), "held"),
    ]
    assert [(a["agency"], a["name"]) for a in made["meetings"][1]["attendees"]] == [
        ("la", "A Smith"),
        ("police", "DS Jones"),
        ("health", "Dr Patel"),
    ]
    assert [(a["number"], a["owner"], a["text"]) for a in made["actions"]] == [
        (1, "la", "safety plan"),
        (2, "police", "review"),
    ]
    assert [(d["deadline_key"], d["extended_to"]) for d in made["deviations"]] == [
        ("scoping_returned:police", date(2026, 11, 20))
    ]


def test_a_case_loaded_by_a_step_is_changed_and_saved(rig: Any) -> None:
    ref = _recorded(rig)
    version = rig.case_row(ref)["version"]

    commands.scoping_returned(rig.later().app, ref, "police")

    assert rig.case_row(ref)["version"] == version + 1
    returned = rig.rows("SELECT agency, returned_on FROM involvements ORDER BY id")
    assert [(r["agency"], str(r["returned_on"])) for r in returned] == [
        ("la", "2026-11-03"),
        ("police", "2026-11-12"),
        ("health", "None"),
    ]


def test_the_case_load_reads_each_child_table_through_an_index(sqlite_rig: Any) -> None:
    query = unit_of_work._whole_case_rows().statement
    given = {"ref": "RR-1", "kind": "action", "login": "coord"}
    compiled = query.params(**given).compile(
        dialect=sqlite_rig.app.engine.dialect, compile_kwargs={"render_postcompile": True}
    )
    with sqlite_rig.app.engine.connect() as connection:
        plan = connection.exec_driver_sql(
            f"EXPLAIN QUERY PLAN {compiled}", tuple(given[name] for name in compiled.positiontup or ())
        ).all()

    steps = [row[-1] for row in plan]
    assert not [s for s in steps if "AUTOMATIC" in s or s.startswith("SCAN")], steps


class _Watching(UnitOfWork):
    """Notes, once the case is written (`touch`), what the session still has to flush and the appended
    rows as the objects hold them."""

    seen: ClassVar[list[dict[str, Any]]] = []

    def touch(self, case: Any, moment: str) -> None:
        super().touch(case, moment)
        meeting = case.current_meeting
        _Watching.seen.append(
            {
                "to flush": list(self.session.new) + list(self.session.dirty),
                "involvements": [(i.id is not None, inspect(i).persistent) for i in case.involvements],
                "attendees": [(a.id is not None, a.meeting_id) for a in meeting.attendees] if meeting else [],
                "meeting": meeting and (meeting.id is not None, inspect(meeting).persistent),
                "actions": [
                    (a.number, a.__dict__.get("kind"), a.__dict__.get("status")) for a in case.actions
                ],
            }
        )


def test_rows_a_step_appends_are_written_with_the_case_and_held_as_stored(rig: Any, monkeypatch: Any) -> None:
    _Watching.seen = []
    monkeypatch.setattr(type(rig.app), "uow", lambda app, **options: _Watching(app.engine, **options))
    ref = _recorded(rig)

    scoping_send, meeting_held, decided = _Watching.seen[1], _Watching.seen[-2], _Watching.seen[-1]
    assert scoping_send["to flush"] == [] and scoping_send["involvements"] == [(True, True)] * 3
    meeting_id = rig.rows("SELECT id FROM meetings WHERE number = 2")[0]["id"]
    assert meeting_held["to flush"] == [] and meeting_held["meeting"] == (True, True)
    assert meeting_held["attendees"] == [(True, meeting_id)] * 3
    # The columns the database fills in (kind, status) are held as stored: read after the session closes.
    assert decided["to flush"] == [] and decided["actions"] == [(1, "action", "open"), (2, "action", "open")]
    attended = rig.rows("SELECT name FROM attendances WHERE meeting_id = :m ORDER BY id", m=meeting_id)
    assert [a["name"] for a in attended] == ["A Smith", "DS Jones", "Dr Patel"]
    assert rig.scalar("SELECT count(*) FROM actions WHERE case_id = :c", c=rig.case_row(ref)["id"]) == 2


def test_the_childs_details_removed_from_a_case_are_deleted_with_its_row_written(rig: Any) -> None:
    """No step does this today; `touch` must still write every change of the case, as the flush would."""
    ref = _recorded(rig)
    version = rig.case_row(ref)["version"]

    with UnitOfWork(rig.app.engine) as uow:
        case = uow.cases.get(ref)
        assert case.child.name == "Alex Example"
        case.child = None
        uow.touch(case, "2026-11-12T16:00:00.000000Z")
        uow.commit()

    assert rig.scalar("SELECT count(*) FROM child_details") == 0
    assert rig.case_row(ref)["version"] == version + 1


# Tables that hold the partnership's set-up, not its cases: read whole, they do not grow with history.
SET_UP = ("agencies", "people", "person_roles", "settings", "schedules", "review_schedules", "leadership")
# The audit chain's head: the newest row, read backwards by its key (SQLite shows it as a SCAN).
CHAIN_HEAD = "SELECT audit_events.hash \nFROM audit_events ORDER BY audit_events.id DESC"


def test_every_read_of_a_whole_case_goes_through_an_index(sqlite_rig: Any) -> None:
    """Every SELECT, UPDATE and DELETE a case runs from its referral to its closure, its letters' and its
    documents' list and its mails' attachments read for sending, finds its rows through an index: none
    reads a table that grows with every case recorded. (INSERTs are left out: their plans show only the
    foreign keys' checks.) Planted bugs that fail this, each index of migration 0016 left out: documents'
    case (the submit step's look-up of the finished report and the documents' list then read every
    document stored), cases' folded reference (opening a case reads every reference), attachments' mail
    (each mail sent reads every attachment queued)."""
    app = sqlite_rig.app
    statements: list[tuple[str, Any]] = []

    def noted(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool) -> None:
        if not many and statement.lstrip().upper().startswith(("SELECT", "UPDATE", "DELETE", "WITH")):
            statements.append((statement, parameters))

    event.listen(app.engine, "before_cursor_execute", noted)
    try:
        ref = _recorded(sqlite_rig)
        commands.endorse(sqlite_rig.later().app, ref, by="Independent Chair")
        commands.submit(sqlite_rig.later().app, ref, send_draft=True)
        commands.outcome_shared(sqlite_rig.later().app, ref)
        commands.panel_response(sqlite_rig.later().app, ref, agrees=True)
        commands.close(sqlite_rig.later().app, ref, waive_open="agency left the review")
        assert sqlite_rig.case_row(ref)["state"] == "closed"
        assert letters.document_list(app, ref)
    finally:
        event.remove(app.engine, "before_cursor_execute", noted)
    with app.engine.connect() as connection:
        mails = connection.execute(select(t.mail_outbox.c.id)).scalars().all()
        assert len(mails) > 5
        event.listen(connection, "before_cursor_execute", noted)
        for mail_id in mails:
            letters.attachments(connection, mail_id)

    scans = set()
    with app.engine.connect() as connection:
        for statement, parameters in statements:
            if statement.startswith(CHAIN_HEAD):
                continue
            plan = connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters).all()
            for step in (row[-1] for row in plan):
                table = step.split()[1] if step.startswith(("SCAN", "SEARCH")) else ""
                if (step.startswith("SCAN") or "AUTOMATIC" in step) and table not in (*SET_UP, "CONSTANT"):
                    scans.add((step, " ".join(statement.split())[:160]))
    assert len(statements) > 100  # (the statements were seen)
    assert sorted(scans) == []


def test_opening_a_case_inserts_its_deadlines_without_deleting_first(rig: Any) -> None:
    """A case just inserted has no deadline rows, so opening it writes them with one INSERT and no DELETE
    (a later step replaces only the rows that changed). Planted bug caught: the new case's deadlines not
    noted as none stored (opening ran a DELETE that found nothing)."""
    statements: list[str] = []

    def noted(conn: Any, cursor: Any, statement: str, *_: Any) -> None:
        statements.append(" ".join(statement.split()))

    event.listen(rig.app.engine, "before_cursor_execute", noted)
    try:
        rig.at(datetime(2026, 11, 2, 10, 0)).open_case("RR-1")
    finally:
        event.remove(rig.app.engine, "before_cursor_execute", noted)
    on_deadlines = [s.split(" (")[0] for s in statements if " deadlines " in f"{s} "]
    assert on_deadlines == ["INSERT INTO deadlines"], on_deadlines
    with rig.app.engine.connect() as connection:
        keys = connection.execute(select(t.deadlines.c.key).order_by(t.deadlines.c.key)).scalars().all()
    assert keys == ["meeting_held", "review_complete", "scoping_sent", "sin_notified"]
