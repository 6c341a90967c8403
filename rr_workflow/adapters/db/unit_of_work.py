"""The unit of work: one database transaction per command; everything it changes commits together.

A concurrent change to the same case (its version column moved on) becomes `Conflict` (exit 4).
"""

from __future__ import annotations

import functools
import json
import operator
import weakref
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from types import SimpleNamespace, TracebackType
from typing import Any

from sqlalchemy import (
    LABEL_STYLE_TABLENAME_PLUS_COL,
    Connection,
    Engine,
    Table,
    and_,
    bindparam,
    delete,
    func,
    insert,
    inspect,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Mapper, Session, class_mapper, joinedload, make_transient_to_detached
from sqlalchemy.orm.attributes import (
    PASSIVE_NO_INITIALIZE,
    flag_modified,
    get_history,
    instance_state,
    set_committed_value,
)
from sqlalchemy.orm.exc import StaleDataError

from rr_workflow.adapters import durable_files
from rr_workflow.adapters.db import audit, lookup
from rr_workflow.adapters.db import tables as t
from rr_workflow.adapters.db.engine import BUSY, SYNC_LATER, is_concurrent_change
from rr_workflow.adapters.db.orm import start_mappers
from rr_workflow.adapters.db.prepared import Prepared
from rr_workflow.domain.case import (
    Attendance,
    Case,
    ImmediateAction,
    Involvement,
    Meeting,
    RecordedDeviation,
)
from rr_workflow.domain.deadlines import Deadline
from rr_workflow.domain.errors import Conflict
from rr_workflow.domain.events import DomainEvent

CHANGED_MEANWHILE = (
    "the case was changed by someone else at the same time: nothing was saved; "
    "look at it again (rr case show) and repeat the command"
)


# Each database's committed schedule texts, by version (`UnitOfWork.schedule_text`).
_stored_schedules: weakref.WeakKeyDictionary[Engine, dict[str, str]] = weakref.WeakKeyDictionary()


class _Connected:
    """The connection of a session's transaction, asked of the session once per transaction: a step
    asked about eleven times, at about 2 us each. Asked again once that connection is closed or its
    transaction has ended (a rollback, a commit)."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self._connection: Connection | None = None

    def __call__(self) -> Connection:
        connection = self._connection
        if connection is None or connection.closed or not connection.in_transaction():
            connection = self._connection = self.session.connection()
        return connection


class CaseRepository:
    def __init__(
        self, session: Session, expected_version: int | None = None, connected: _Connected | None = None
    ) -> None:
        self.session = session
        self._connection = connected or _Connected(session)
        # The case's version the person saw (a web form carries it): a case changed since is a Conflict,
        # so a step is never recorded on top of a change the person has not seen.
        self.expected_version = expected_version
        # Cases this session already holds: many steps in one unit of work (rr import) load each once.
        self._held: dict[str, Case] = {}
        # The roles and active flag of people read with a case (`get(..., actor=)`), by login.
        self._actors: dict[str, tuple[set[str], bool]] = {}

    def get(self, ref: str, actor: str | None = None) -> Case:
        """The case `ref` names, matched without regard to case; BadInput naming close matches if none.
        `actor`: a login whose roles are read in the same query, when the case is read with one (see
        `actor_roles`)."""
        held = self._held.get(ref)
        if held is not None and inspect(held).persistent:  # not gone with a rolled-back savepoint
            return held
        case = self._load(ref, actor)
        if case is None:
            stored = lookup.case_ref(self.session, ref)
            case = self._load(stored, actor)
            assert case is not None
        if self.expected_version is not None and case.version != self.expected_version:  # type: ignore[attr-defined]
            raise Conflict(CHANGED_MEANWHILE)
        self._held[ref] = case
        return case

    def actor_roles(self, login: str) -> tuple[set[str], bool] | None:
        """The roles of `login` and whether they are active, as read with a case this unit of work loaded
        (`get(..., actor=login)`); None if they were not (the ORM loaded the case, or none was found)."""
        found = self._actors.get(login)
        return None if found is None else (set(found[0]), found[1])

    def _load(self, ref: str, actor: str | None = None) -> Case | None:
        """The case `ref` with everything a step reads. A session holding nothing yet (a step's own) gets
        it from one Core query, its objects made by hand and added to the session as loaded: the ORM's
        loading costs twice the query. Otherwise (a batch's session may hold some of its rows already)
        the ORM loads it. With `actor`, that query also reads the person's roles (`actor_roles`): one
        round trip fewer for a step, which checks them first."""
        if len(self.session.identity_map):
            return self.session.scalars(_whole_case(), {"ref": ref}).unique().one_or_none()
        values = {"ref": ref, "kind": "action", "login": actor}
        rows = _whole_case_rows().run(self._connection(), values).rows
        if not rows:
            return None
        if actor is not None:
            roles, active = rows[0][-2:]
            self._actors[actor] = ({role for role in (roles or "").split(",") if role}, bool(active))
        made: list[Any] = []
        case = _made(Case, rows[0], made)
        involvements: dict[int, Involvement] = {}
        meetings: dict[int, tuple[Meeting, dict[int, Attendance]]] = {}
        actions: dict[int, ImmediateAction] = {}
        deviations: dict[int, RecordedDeviation] = {}
        for row in rows:
            _collect(Involvement, row, involvements, made)
            meeting = _collect(Meeting, row, meetings, made)
            if meeting is not None:
                _collect(Attendance, row, meeting[1], made)
            _collect(ImmediateAction, row, actions, made)
            _collect(RecordedDeviation, row, deviations, made)
        for meeting, attendees in meetings.values():
            set_committed_value(meeting, "attendees", list(attendees.values()))
        set_committed_value(case, "involvements", list(involvements.values()))
        set_committed_value(case, "meetings", [meeting for meeting, _ in meetings.values()])
        set_committed_value(case, "actions", list(actions.values()))
        set_committed_value(case, "deviations", list(deviations.values()))
        # Each made object persistent in the session, as if loaded: what `session.add(case)` does through
        # its cascade, which costs twice the adding (about 0.1 ms a step) to find the objects made here.
        attach = self.session._update_impl
        for made_object in made:
            make_transient_to_detached(made_object)  # its values committed, `child` lazy
            attach(instance_state(made_object))
        return case

    def existing_ref(self, ref: str) -> str | None:
        """The stored reference equal to `ref` ignoring case, if there is one."""
        query = select(t.cases.c.ref).where(func.lower(t.cases.c.ref) == ref.lower())
        return self.session.execute(query).scalars().first()

    def exists(self, ref: str) -> bool:
        return self.existing_ref(ref) is not None

    def add(self, case: Case) -> None:
        self.session.add(case)
        self._held[case.ref] = case


# The statements every step runs are built once per process (functools.cache), with their values as
# parameters: building a statement and its cache key costs more than SQLite takes to run it.
@functools.cache
def _whole_case() -> Any:
    """The case `:ref` with everything a step reads, in one query (a case has a handful of rows in each
    collection, so joining them all stays small)."""
    return (
        select(Case)
        .where(t.cases.c.ref == bindparam("ref"))
        .options(
            joinedload(Case.involvements),  # type: ignore[attr-defined]
            joinedload(Case.meetings).joinedload(Meeting.attendees),  # type: ignore[attr-defined]
            joinedload(Case.actions),  # type: ignore[attr-defined]
            joinedload(Case.deviations),  # type: ignore[attr-defined]
        )
    )


# The case's tables in the order `_whole_case_rows` selects their columns.
_CASE_PARTS: tuple[tuple[type, Table], ...] = (
    (Case, t.cases),
    (Involvement, t.involvements),
    (Meeting, t.meetings),
    (Attendance, t.attendances),
    (ImmediateAction, t.actions),
    (RecordedDeviation, t.deviations),
)


@functools.cache
def _whole_case_rows() -> Prepared:
    """`_whole_case` in Core: the case `:ref` joined with its child rows (`:kind`: the immediate actions'),
    every column of each table in `_CASE_PARTS`' order, each collection in the order its relationship
    gives (a meeting's attendees in the order they were recorded)."""
    c, i, m, a, x, d = (table for _, table in _CASE_PARTS)
    joined = (
        c.outerjoin(i, i.c.case_id == c.c.id)
        .outerjoin(m, m.c.case_id == c.c.id)
        .outerjoin(a, a.c.meeting_id == m.c.id)
        .outerjoin(x, and_(x.c.case_id == c.c.id, x.c.kind == bindparam("kind")))
        .outerjoin(d, d.c.case_id == c.c.id)
    )
    r, p = t.person_roles, t.people
    # last: the roles of `:login` (none: NULL) and whether they are active, for `actor_roles`
    roles = select(func.aggregate_strings(r.c.role, ",")).where(r.c.login == bindparam("login"))
    active = select(p.c.active).where(p.c.login == bindparam("login"))
    return Prepared(
        select(
            *(column for _, table in _CASE_PARTS for column in table.columns),
            roles.scalar_subquery().label("actor_roles"),
            active.scalar_subquery().label("actor_active"),
        )
        .set_label_style(LABEL_STYLE_TABLENAME_PLUS_COL)
        .select_from(joined)
        .where(c.c.ref == bindparam("ref"))
        .order_by(i.c.id, m.c.number, a.c.id, x.c.number, d.c.id)
    )


@functools.cache
def _row_layout(cls: type) -> tuple[int, tuple[tuple[str, int], ...], Any]:
    """Where a class's columns are in a `_whole_case_rows` row: the position of its `id`, each mapped
    attribute's position, and the class manager that makes its instances."""
    start = 0
    for part, table in _CASE_PARTS:
        if part is cls:
            break
        start += len(table.columns)
    mapper = class_mapper(cls)
    names = list(mapper.local_table.columns.keys())
    attributes = tuple((key, start + names.index(column)) for key, column in _column_names(mapper).items())
    return start + names.index("id"), attributes, mapper.class_manager


def _made(cls: type, row: Any, made: list[Any]) -> Any:
    """An instance of `cls` with the values of its columns in `row`, made without `__init__` (as the ORM
    makes what it loads)."""
    _, attributes, manager = _row_layout(cls)
    instance = manager.new_instance()
    values = instance.__dict__
    for key, position in attributes:
        values[key] = row[position]
    made.append(instance)
    return instance


def _collect(cls: type, row: Any, found: dict[int, Any], made: list[Any]) -> Any:
    """The row's instance of `cls` (None: the outer join found none), made the first time its id is seen;
    for a meeting, with the dict its attendees are collected in."""
    row_id = row[_row_layout(cls)[0]]
    if row_id is None:
        return None
    held = found.get(row_id)
    if held is None:
        instance = _made(cls, row, made)
        held = found[row_id] = (instance, {}) if cls is Meeting else instance
    return held


class UnitOfWork:
    def __init__(self, engine: Engine, expected_version: int | None = None, sync_later: bool = False) -> None:
        start_mappers()
        self.engine = engine
        self.expected_version = expected_version
        # its commit need not wait for the disk (engine.SYNC_LATER: only where losing it loses nothing)
        self._sync_later = sync_later
        # The deadline rows a step read before replacing them, by (case id, review id or None), so that
        # `materialise_*` writes only what changed; each is used once.
        self._stored_deadlines: dict[tuple[int, int | None], dict[str, Any]] = {}

    def __enter__(self) -> UnitOfWork:
        self.session = Session(self.engine, expire_on_commit=False, autoflush=True)
        self._connected = _Connected(self.session)
        with _concurrent_changes_as_conflicts(self.session):
            # begin now (SQLite: the write lock), so a busy database is a Conflict
            if self._sync_later:
                self.session.connection(execution_options={SYNC_LATER: True})
            self._connected()
        self.cases = CaseRepository(self.session, self.expected_version, self._connected)
        self._new_files: list[Path] = []
        self._committed = False
        self._audit_waiting: list[dict[str, Any]] = []
        self._after_commit: list[Callable[[], None]] = []
        # What this transaction already found in order (a schedule's version stored with the same text):
        # a batch keeps it across its use cases, and forgets it when it rolls back.
        self.checked: set[Any] = set()
        self._schedules_read: dict[str, str] = {}  # remembered for the process once committed
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.session.rollback()
        self.session.close()
        if not self._committed:  # files written for a change that was not saved go with it
            for path in self._new_files:
                path.unlink(missing_ok=True)
        elif exc_type is None:
            for work in self._after_commit:
                work()

    def after_commit(self, work: Callable[[], None]) -> None:
        """Run `work` once the change is committed and this unit of work has ended (its session closed, no
        lock held): the follow-up of the change's events (service/follow_up.py)."""
        self._after_commit.append(work)

    @property
    def connection(self) -> Connection:
        return self._connected()

    def commit(self) -> None:
        """Save everything. The audit rows go last, just before the commit: appending to the one chain
        of the whole database waits for every other change's append (PostgreSQL: an advisory lock held
        until the commit), so that wait is never held while the rest of the change is worked out."""
        with _concurrent_changes_as_conflicts(self.session):
            self.session.flush()
            audit.append_many(self.connection, self._audit_waiting)
            self._audit_waiting = []
            # the new files' names on the disk before the rows naming them (their bytes already are)
            durable_files.sync_folders(path.parent for path in self._new_files)
            self.session.commit()
        self._committed = True
        if self._schedules_read:
            _stored_schedules.setdefault(self.engine, {}).update(self._schedules_read)

    def write_file(self, path: Path, content: bytes) -> None:
        """Write a file readable by the service user only, on the disk before it takes its name
        (`durable_files.write`); it is removed again if the change is not saved, and `commit` forces its
        folder's new entry to the disk before the rows naming it. A file already there under the name is
        kept, and never removed: a saved row may name it."""
        if durable_files.write(path, content):
            self._new_files.append(path)

    def flush(self) -> None:
        with _concurrent_changes_as_conflicts(self.session):
            self.session.flush()

    def touch(self, case: Case, moment: str) -> None:
        """Write the case's changes: its row is UPDATEd and its version moves on even when only its
        child rows changed (or the clock stands still, as on a training database)."""
        case.changed_at = moment  # type: ignore[attr-defined]
        if getattr(case, "id", None) is None:  # a new case: the ORM inserts it
            flag_modified(case, "changed_at")
            self.flush()
            self._remember(case.id, None, [])  # type: ignore[attr-defined]  # it has no deadline rows to replace
            return
        with _concurrent_changes_as_conflicts(self.session):
            self._write_changes_of(case)
            self.session.flush()  # what is left: child rows added or removed

    def _write_changes_of(self, case: Case) -> None:
        """UPDATE the case's row and its changed child rows with prebuilt statements, and mark them saved
        in the session, so its flush has only rows added or removed left to write (the ORM's flush
        bookkeeping costs more than the statements). The case's row goes first, with its version check
        (a concurrent change of the case: `StaleDataError`, as the ORM's would be), so every step locks
        the case row before its children."""
        connection = self.connection
        transaction = self.session._transaction  # a rollback forgets the values, as after a flush
        modified = self.session.identity_map._modified
        state = instance_state(case)
        values = state.dict
        changed = state.committed_state
        names = _column_names(state.mapper)
        version = values["version"]
        row = {names[key]: values[key] for key in list(changed) if key in names}
        row["changed_at"] = values["changed_at"]
        row["version"] = version + 1
        result = _update_case().run(connection, {**row, "_id": values["id"], "_version": version})
        if result.rowcount != 1:
            raise StaleDataError("the case's version moved on")
        for key in names:
            changed.pop(key, None)
        values["version"] = version + 1
        # The rows appended to its collections, written here too unless a row was removed: then the
        # collections' changes are left to the flush (which deletes the orphans).
        added = self._added_to(case)
        written = {"attendees"} if added is not None else set()
        saved = [] if changed and added is None else [state]
        for child in list(modified):
            if child is state or child.mapper not in _plain_children():
                continue
            names = _column_names(child.mapper)
            if not child.key or any(key not in names and key not in written for key in child.committed_state):
                continue  # new, or a collection of its own changed: left to the flush
            row = {names[key]: child.dict[key] for key in child.committed_state if key in names}
            if row:
                _update_by_id(child.mapper.local_table).run(connection, {**row, "_id": child.dict["id"]})
            saved.append(child)
        if added:
            self._insert_added(connection, added)
        for done in saved:
            if transaction is not None:
                transaction._dirty[done] = True
            done._commit_all(done.dict, self.session.identity_map)

    def _added_to(self, case: Case) -> list[tuple[Any, str, Any]] | None:
        """The objects appended to the case's collections and to its meetings' attendees, each with the
        column naming its parent and the parent, parents first; None when a row was removed from one (an
        orphan the flush deletes) or something else waits to be inserted (left to the flush)."""
        state = instance_state(case)
        names = _column_names(state.mapper)
        if self.session.deleted or any(
            key not in names and key not in _CASE_COLLECTIONS for key in state.committed_state
        ):
            return None  # another relationship changed (the child's details): left to the flush
        added: list[tuple[Any, str, Any]] = []
        for key in _CASE_COLLECTIONS:
            history = get_history(case, key, PASSIVE_NO_INITIALIZE)
            if history.deleted:
                return None
            added += [(child, "case_id", case) for child in history.added]
        for meeting in case.meetings:
            history = get_history(meeting, "attendees", PASSIVE_NO_INITIALIZE)
            if history.deleted:
                return None
            added += [(attendance, "meeting_id", meeting) for attendance in history.added]
        if len(self.session.new) != len(added) or not all(child in self.session.new for child, _, _ in added):
            return None
        return added

    def _insert_added(self, connection: Any, added: list[tuple[Any, str, Any]]) -> None:
        """INSERT the `added` objects' rows (parents first: a new meeting's id before its attendees'), and
        make each persistent in the session with every column as stored, as the flush would."""
        stored: list[tuple[Any, Any, Any]] = []
        batch: list[tuple[Any, Any, dict[str, Any]]] = []  # rows of one table with the same columns

        def write() -> None:  # one INSERT for the batch (PostgreSQL: one round trip)
            if batch:
                inserting = _insert_returning(batch[0][1].mapper.local_table)
                rows = [row for _, _, row in batch]
                if len(rows) == 1 or connection.dialect.name == "sqlite":
                    # SQLite's RETURNING does not keep the rows' order: a row at a time, as SQLAlchemy does
                    returned = [inserting.run(connection, row).rows[0]._asdict() for row in rows]
                else:
                    returned = [r._mapping for r in connection.execute(inserting.statement, rows)]
                stored.extend((c, s, r) for (c, s, _), r in zip(batch, returned, strict=True))
                batch.clear()

        for child, parent_column, parent in added:
            state = instance_state(child)
            if batch and batch[0][1].mapper is not state.mapper:
                write()  # first the parents: a new meeting's id before its attendees' rows name it
            names = _column_names(state.mapper)
            row = {names[key]: value for key, value in state.dict.items() if key in names and key != "id"}
            row[parent_column] = parent.id
            if batch and batch[0][2].keys() != row.keys():
                write()
            batch.append((child, state, row))
        write()
        for child, _, _ in stored:
            if child in self.session:  # a new meeting's attendees went with it
                self.session.expunge(child)
        for child, state, inserted in stored:
            for key, column in _column_names(state.mapper).items():
                state.dict[key] = inserted[column]
            make_transient_to_detached(child)
        for child, _, _ in stored:
            self.session.add(child)

    def insert_once(self, table: Table, values: Mapping[str, Any]) -> bool:
        """INSERT a row unless its key is already there (a concurrent command may have added it first)."""
        try:
            with self.session.begin_nested():
                self.session.execute(insert(table).values(**values))
        except IntegrityError:
            return False
        return True

    # -- rows beside the aggregate ------------------------------------------------------------------

    def setting(self, key: str) -> str | None:
        return self.session.execute(select(t.settings.c.value).where(t.settings.c.key == key)).scalar()

    def put_setting(self, key: str, value: str) -> None:
        self.session.execute(delete(t.settings).where(t.settings.c.key == key))
        self.session.execute(insert(t.settings).values(key=key, value=value))

    def audit(self, **row: Any) -> None:
        """An audit row (`audit.entry`'s keywords), appended to the trail by `commit`."""
        self._audit_waiting.append(row)

    def publish(
        self,
        events: Iterable[DomainEvent],
        created_at: str,
        pending: Collection[str] = (),
        claim: tuple[str, str] | None = None,
    ) -> None:
        """Store `events`; those of a kind in `pending` wait for their follow-up, claimed by `claim`
        (who, wall-clock moment) when given; the others are done."""
        rows = [event_row(e, created_at, pending, claim) for e in events]
        if rows:  # the outbox is not mapped: past the ORM, nothing to flush first
            _insert(t.outbox).run_many(self.connection, rows)

    def open_deadline_keys(self, case_id: int, review_id: int | None = None) -> set[str]:
        """The keys of the case's deadlines (or its review's) not yet met, as last materialised. The rows
        read are kept for the step's `materialise_*`, which then writes only what changed."""
        query = _stored_deadlines(review_id is not None)
        rows = self.connection.execute(query, {"case_id": case_id, "review_id": review_id})
        stored = self._remember(case_id, review_id, rows)
        return {key for key, row in stored.items() if row.met_on is None}

    def live_deadline_rows(self, case_id: int, reviews: bool) -> list[Any]:
        """The stored deadlines of the case that may still fire: its reviews' (`reviews`) or the Rapid
        Review's own; rows with the board's columns (key, label, due, original_due, due_soon_from,
        deviation) and their review's id."""
        return list(self.connection.execute(_live_deadlines(reviews), {"case_id": case_id}))

    def case_deadlines_before(self, case_id: int) -> tuple[set[str], list[Any]]:
        """What a step of the case reads before it replaces the case's own deadlines, in one query: the
        keys of those not yet met (`open_deadline_keys`, its rows kept likewise) and its reviews' live
        rows (`live_deadline_rows` with `reviews`)."""
        own, reviews = [], []
        for row in _case_deadlines_before().run(self.connection, {"case_id": case_id}).rows:
            (own if row.review_id is None else reviews).append(row)
        stored = self._remember(case_id, None, own)
        return {key for key, row in stored.items() if row.met_on is None}, reviews

    def _remember(self, case_id: int, review_id: int | None, rows: Iterable[Any]) -> dict[str, Any]:
        stored = {row.key: row for row in rows}
        self._stored_deadlines[case_id, review_id] = stored
        return stored

    def _replace_deadlines(self, case_id: int, review_id: int | None, rows: list[dict[str, Any]]) -> None:
        """Store `rows` as the case's own deadline rows (`review_id` None) or its review's: when the step
        read them first, only what changed is written (a step changes one or two rows of a dozen), each
        changed row in place; otherwise all are deleted and inserted again."""
        stored = self._stored_deadlines.pop((case_id, review_id), None)
        if stored is None:
            if review_id is None:
                self.connection.execute(_delete_case_deadlines(), {"case_id": case_id})
            else:
                self.connection.execute(_delete_review_deadlines(), {"review_id": review_id})
            new = rows
        else:
            new = self._write_changes(stored, rows)
        if new:
            _insert(t.deadlines).run_many(self.connection, [{**row, "review_id": review_id} for row in new])

    def _write_changes(self, stored: Mapping[str, Any], rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Delete the `stored` rows (by key) whose key is not among `rows`, update those whose values
        differ; return the rows to insert (their key is new)."""
        keys = {row["key"] for row in rows}
        gone = [old.id for key, old in stored.items() if key not in keys]
        if gone:
            self.connection.execute(_delete_deadline_ids(), {"ids": gone})
        new, changed = [], []
        for row in rows:
            old = stored.get(row["key"])
            if old is None:
                new.append(row)
            elif _stored_values(tuple(row))(old) != tuple(row.values()):
                changed.append({**row, "row_id": old.id})
        if changed:
            _update_deadline().run_many(self.connection, changed)
        return new

    def materialise_review_deadlines(
        self,
        case_id: int,
        review: Any,
        deadlines: Iterable[Deadline],
        next_fire_at: Mapping[str, str],
        board: Mapping[str, Any] | None,
    ) -> None:
        """Replace the deadline rows of `review` (a Review, stored or new) and the case's board row (None:
        nothing left on the board)."""
        self.flush()  # a new review gets its id
        self._replace_deadlines(case_id, review.id, deadline_rows(case_id, deadlines, next_fire_at))
        self.write_board(case_id, board)

    def write_board(self, case_id: int, board: Mapping[str, Any] | None) -> None:
        if board is None:
            _delete_board().run(self.connection, {"case_id": case_id})
        else:
            _put_board(self.engine.dialect.name).run(self.connection, {"case_id": case_id, **board})

    def materialise_deadlines(
        self,
        case_id: int,
        deadlines: Iterable[Deadline],
        next_fire_at: Mapping[str, str],
        board: Mapping[str, Any] | None,
    ) -> None:
        """Replace the case's deadline rows (with the moment each may next fire, by key) and its board
        row (None: the case is finished and leaves the board)."""
        self._replace_deadlines(case_id, None, deadline_rows(case_id, deadlines, next_fire_at))
        self.write_board(case_id, board)

    def rows(self, table: t.Table, order_by: Any = None, **where: Any) -> list[Mapping[str, Any]]:
        query = select(table)
        for column, value in where.items():
            query = query.where(table.c[column] == value)
        if order_by is not None:
            query = query.order_by(order_by)
        return [dict(r) for r in self.session.execute(query).mappings()]

    def schedule_text(self, version: str) -> str | None:
        """The text stored with the schedule `version`. A version's text never changes once committed (it
        is stored once, and a different text under it is refused), so it is read once per process and
        database: remembered once the transaction that read it commits, since until then it may be this
        transaction's own insert."""
        remembered = _stored_schedules.get(self.engine, {}).get(version)
        if remembered is not None:
            return remembered
        text = self.session.execute(_schedule_text(), {"version": version}).scalar()
        if text is not None:
            self._schedules_read[version] = text
        return text

    def agency_rows(self) -> list[Mapping[str, Any]]:
        # Agencies are not mapped: what waits to be flushed cannot change them, so asking for them does not
        # flush it (a step that reads them halfway would write its case twice): read past the ORM.
        return agency_rows(self.connection)


class BatchUnitOfWork(UnitOfWork):
    """One transaction for many use cases (`rr import`), written a batch at a time.

    The use cases run in units of work `joined()` to it. A new case is flushed at once (its steps need its
    id); everything else a step writes waits for `write()`: the ORM changes, the case's deadlines as its
    last step left them, the audit rows (chained in order, one INSERT) and the domain events. Queries in a
    step do not flush (autoflush is off): the rows they read are not among those waiting. Nothing is
    committed until `commit()`. Its owner takes a savepoint per batch, and after rolling back to it
    drops what was waiting with `discard()`.
    """

    def __enter__(self) -> BatchUnitOfWork:
        super().__enter__()
        self.session.autoflush = False
        self.discard()
        self.role_memo: dict[str, tuple[set[str], bool]] = {}  # roles do not change in an import
        self._schedule_texts: dict[str, str | None] = {}
        self._agencies: list[Mapping[str, Any]] | None = None  # nor do agencies
        return self

    def schedule_text(self, version: str) -> str | None:
        if version not in self._schedule_texts:
            self._schedule_texts[version] = super().schedule_text(version)
        return self._schedule_texts[version]

    def agency_rows(self) -> list[Mapping[str, Any]]:
        if self._agencies is None:
            self._agencies = super().agency_rows()
        return self._agencies

    def discard(self) -> None:
        """Drop what is waiting to be written, and what was found in order (after its owner rolled back to
        its savepoint: a row the rolled-back use cases wrote, such as a schedule, is gone)."""
        self.checked.clear()
        self._schedules_read.clear()  # read since the savepoint, perhaps rolled back with it
        self._waiting()

    def _waiting(self) -> None:
        self._stored_deadlines.clear()  # read for a step's own writing: the batch writes them whole
        self._deadlines: dict[int, list[dict[str, Any]]] = {}
        self._boards: dict[int, Mapping[str, Any] | None] = {}
        self._review_deadlines: dict[Any, list[dict[str, Any]]] = {}  # by review (written with its id)
        # The reviews' live deadlines of each case, as read or as waiting: by review id as read, by the
        # review itself as waiting (a new review has no id until the batch is written).
        self._review_rows: dict[int, dict[Any, list[Any]]] = {}
        self._audit_rows: list[dict[str, Any]] = []
        self._events: list[tuple[DomainEvent, str, Collection[str], tuple[str, str] | None]] = []
        self._follow_ups: list[Callable[[], None]] = []  # after the commit, if their batch is written

    def write(self) -> None:
        """Write everything waiting, in the open transaction."""
        self.flush()
        d = t.deadlines.c
        if self._deadlines:
            cases = list(self._deadlines)
            self.session.execute(delete(t.deadlines).where(d.case_id.in_(cases), d.review_id.is_(None)))
        if self._review_deadlines:
            reviews = [review.id for review in self._review_deadlines]
            self.session.execute(delete(t.deadlines).where(d.review_id.in_(reviews)))
        rows = [{**row, "review_id": None} for waiting in self._deadlines.values() for row in waiting]
        rows += [  # every row names its review (None: the case's own): an executemany takes the first's keys
            {**row, "review_id": review.id}
            for review, waiting in self._review_deadlines.items()
            for row in waiting
        ]
        if rows:
            self.session.execute(insert(t.deadlines), rows)
        if self._boards:
            board = t.case_board
            self.session.execute(delete(board).where(board.c.case_id.in_(list(self._boards))))
            rows = [{"case_id": case_id, **row} for case_id, row in self._boards.items() if row is not None]
            if rows:
                self.session.execute(insert(board), rows)
        audit.append_many(self.connection, self._audit_rows)
        rows = [event_row(*waiting) for waiting in self._events]
        if rows:
            self.session.execute(insert(t.outbox), rows)
        self._after_commit.extend(self._follow_ups)
        self._waiting()

    def commit(self) -> None:
        self.write()
        super().commit()

    def joined(self) -> JoinedUnitOfWork:
        return JoinedUnitOfWork(self)

    def touch(self, case: Case, moment: str) -> None:
        case.changed_at = moment  # type: ignore[attr-defined]
        flag_modified(case, "changed_at")
        if getattr(case, "id", None) is None:
            self.flush()  # a new case: its steps need its id
            case_id = case.id  # type: ignore[attr-defined]
            self._deadlines.setdefault(case_id, [])  # and it has no deadlines yet, nor a review
            self._review_rows.setdefault(case_id, {})

    def materialise_deadlines(
        self,
        case_id: int,
        deadlines: Iterable[Deadline],
        next_fire_at: Mapping[str, str],
        board: Mapping[str, Any] | None,
    ) -> None:
        self._deadlines[case_id] = deadline_rows(case_id, deadlines, next_fire_at)
        self._boards[case_id] = board

    def open_deadline_keys(self, case_id: int, review_id: int | None = None) -> set[str]:
        if review_id is None:
            waiting = self._deadlines.get(case_id)
        else:
            waiting = next((r for v, r in self._review_deadlines.items() if v.id == review_id), None)
        if waiting is None:
            return super().open_deadline_keys(case_id, review_id)
        return {row["key"] for row in waiting if row["met_on"] is None}

    def write_board(self, case_id: int, board: Mapping[str, Any] | None) -> None:
        self._boards[case_id] = board

    def case_deadlines_before(self, case_id: int) -> tuple[set[str], list[Any]]:
        return self.open_deadline_keys(case_id), self.live_deadline_rows(case_id, reviews=True)

    def live_deadline_rows(self, case_id: int, reviews: bool) -> list[Any]:
        if reviews:  # read once a case (every step of it asks); a review's deadlines waiting here renew it
            return [row for rows in self._live_reviews(case_id).values() for row in rows]
        waiting = self._deadlines.get(case_id)
        if waiting is None:
            return super().live_deadline_rows(case_id, reviews)
        return [SimpleNamespace(**row) for row in waiting if row["next_fire_at"] is not None]

    def _live_reviews(self, case_id: int) -> dict[Any, list[Any]]:
        held = self._review_rows.get(case_id)
        if held is None:
            held = self._review_rows[case_id] = {}
            for row in super().live_deadline_rows(case_id, reviews=True):
                held.setdefault(row.review_id, []).append(row)
        return held

    def materialise_review_deadlines(
        self,
        case_id: int,
        review: Any,
        deadlines: Iterable[Deadline],
        next_fire_at: Mapping[str, str],
        board: Mapping[str, Any] | None,
    ) -> None:
        rows = deadline_rows(case_id, deadlines, next_fire_at)
        self._review_deadlines[review] = rows
        held = self._live_reviews(case_id)
        held.pop(review.id, None)  # as read, if it was stored
        held[review] = [SimpleNamespace(**row) for row in rows if row["next_fire_at"] is not None]
        self._boards[case_id] = board

    def audit(self, **row: Any) -> None:
        self._audit_rows.append(row)

    def publish(
        self,
        events: Iterable[DomainEvent],
        created_at: str,
        pending: Collection[str] = (),
        claim: tuple[str, str] | None = None,
    ) -> None:
        self._events.extend((event, created_at, pending, claim) for event in events)

    def after_commit(self, work: Callable[[], None]) -> None:
        self._follow_ups.append(work)


class JoinedUnitOfWork(UnitOfWork):
    """A use case inside a `BatchUnitOfWork`: the same session, its writes handed to the batch; its
    `commit()` commits nothing (the batch's owner does)."""

    def __init__(self, batch: BatchUnitOfWork) -> None:
        self.batch = batch
        self.engine = batch.engine

    def __enter__(self) -> JoinedUnitOfWork:
        self.session = self.batch.session
        self._connected = self.batch._connected
        self.cases = self.batch.cases
        self.role_memo = self.batch.role_memo
        self.checked = self.batch.checked
        self._new_files = []
        self._committed = False
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if not self._committed:  # the batch's owner rolls the database back; files go now
            for path in self._new_files:
                path.unlink(missing_ok=True)

    def commit(self) -> None:
        self.batch._new_files.extend(self._new_files)  # removed if the batch is not saved
        self._committed = True

    def flush(self) -> None:
        self.batch.flush()

    def touch(self, case: Case, moment: str) -> None:
        self.batch.touch(case, moment)

    def materialise_deadlines(
        self,
        case_id: int,
        deadlines: Iterable[Deadline],
        next_fire_at: Mapping[str, str],
        board: Mapping[str, Any] | None,
    ) -> None:
        self.batch.materialise_deadlines(case_id, deadlines, next_fire_at, board)

    def open_deadline_keys(self, case_id: int, review_id: int | None = None) -> set[str]:
        return self.batch.open_deadline_keys(case_id, review_id)

    def live_deadline_rows(self, case_id: int, reviews: bool) -> list[Any]:
        return self.batch.live_deadline_rows(case_id, reviews)

    def case_deadlines_before(self, case_id: int) -> tuple[set[str], list[Any]]:
        return self.batch.case_deadlines_before(case_id)

    def materialise_review_deadlines(
        self,
        case_id: int,
        review: Any,
        deadlines: Iterable[Deadline],
        next_fire_at: Mapping[str, str],
        board: Mapping[str, Any] | None,
    ) -> None:
        self.batch.materialise_review_deadlines(case_id, review, deadlines, next_fire_at, board)

    def write_board(self, case_id: int, board: Mapping[str, Any] | None) -> None:
        self.batch.write_board(case_id, board)

    def audit(self, **row: Any) -> None:
        self.batch.audit(**row)

    def schedule_text(self, version: str) -> str | None:
        return self.batch.schedule_text(version)

    def agency_rows(self) -> list[Mapping[str, Any]]:
        return self.batch.agency_rows()

    def publish(
        self,
        events: Iterable[DomainEvent],
        created_at: str,
        pending: Collection[str] = (),
        claim: tuple[str, str] | None = None,
    ) -> None:
        self.batch.publish(events, created_at, pending, claim)

    def after_commit(self, work: Callable[[], None]) -> None:
        self.batch.after_commit(work)


def event_row(
    event: DomainEvent,
    created_at: str,
    pending: Collection[str] = (),
    claim: tuple[str, str] | None = None,
) -> dict[str, Any]:
    """The event outbox's row for a domain event: `pending` its follow-up (claimed by `claim`, who and
    the wall-clock moment) if its kind is in `pending`, otherwise done."""
    who, when = claim or (None, None)
    follow = event.kind in pending
    return {
        "case_ref": event.case_ref,
        "kind": event.kind,
        "effective_on": event.on,
        "payload": json.dumps(event.data, sort_keys=True),
        "created_at": created_at,
        "status": "pending" if follow else "done",
        "claimed_by": who if follow else None,
        "claimed_at": when if follow else None,
        "done_at": None if follow else created_at,
    }


@functools.cache
def _insert(table: Table) -> Prepared:
    return Prepared(insert(table))


@functools.cache
def _column_names(mapper: Mapper[Any]) -> dict[str, str]:
    """A mapped class's column attributes, by attribute name: the column each is stored in."""
    return {prop.key: prop.columns[0].key for prop in mapper.column_attrs}


@functools.cache
def _plain_children() -> frozenset[Mapper[Any]]:
    """The case's child rows a step changes in place, each by its `id` (no version of their own)."""
    return frozenset(class_mapper(c) for c in (Involvement, Meeting, ImmediateAction, RecordedDeviation))


@functools.cache
def _update_case() -> Prepared:
    """The case's row by `:_id`, only while its version is still `:_version`; run with the columns to
    set as parameters."""
    c = t.cases.c
    return Prepared(update(t.cases).where(c.id == bindparam("_id"), c.version == bindparam("_version")))


_CASE_COLLECTIONS = ("involvements", "meetings", "actions", "deviations")


@functools.cache
def _insert_returning(table: Table) -> Prepared:
    """INSERT rows of `table` returning every column, row by row in the order of the parameters."""
    return Prepared(insert(table).returning(*table.columns, sort_by_parameter_order=True))


@functools.cache
def _update_by_id(table: Table) -> Prepared:
    return Prepared(update(table).where(table.c.id == bindparam("_id")))


def _may_fire() -> Any:
    return t.deadlines.c.next_fire_at.is_not(None)


def _board_columns() -> tuple[Any, ...]:
    d = t.deadlines.c
    return (d.key, d.label, d.due, d.original_due, d.due_soon_from, d.deviation, d.review_id)


@functools.cache
def _stored_deadlines(of_review: bool) -> Any:
    """The case's own deadline rows (`:case_id`), or its review's (`:review_id`), every column."""
    d = t.deadlines.c
    review = d.review_id == bindparam("review_id") if of_review else d.review_id.is_(None)
    return select(t.deadlines).where(d.case_id == bindparam("case_id"), review)


@functools.cache
def _live_deadlines(reviews: bool) -> Any:
    d = t.deadlines.c
    return select(*_board_columns()).where(
        d.case_id == bindparam("case_id"),
        _may_fire(),
        d.review_id.is_not(None) if reviews else d.review_id.is_(None),
    )


@functools.cache
def _case_deadlines_before() -> Prepared:
    """The case's own deadline rows and its reviews' live ones (`:case_id`), every column."""
    d = t.deadlines.c
    return Prepared(
        select(t.deadlines).where(d.case_id == bindparam("case_id"), d.review_id.is_(None) | _may_fire())
    )


@functools.cache
def _delete_case_deadlines() -> Any:
    d = t.deadlines.c
    return delete(t.deadlines).where(d.case_id == bindparam("case_id"), d.review_id.is_(None))


@functools.cache
def _delete_review_deadlines() -> Any:
    return delete(t.deadlines).where(t.deadlines.c.review_id == bindparam("review_id"))


@functools.cache
def _delete_deadline_ids() -> Any:
    return delete(t.deadlines).where(t.deadlines.c.id.in_(bindparam("ids", expanding=True)))


@functools.cache
def _update_deadline() -> Prepared:
    """A deadline row by `:row_id`; run with the row's columns as parameters, which it sets."""
    return Prepared(update(t.deadlines).where(t.deadlines.c.id == bindparam("row_id")))


@functools.cache
def _stored_values(names: tuple[str, ...]) -> Callable[[Any], tuple[Any, ...]]:
    """The values under `names` of a stored deadline row read with every column (in the table's order),
    as a tuple: compared with a new row's values, position by position."""
    columns = list(t.deadlines.c.keys())
    return operator.itemgetter(*(columns.index(name) for name in names))


@functools.cache
def _delete_board() -> Prepared:
    return Prepared(delete(t.case_board).where(t.case_board.c.case_id == bindparam("case_id")))


@functools.cache
def _put_board(dialect: str) -> Prepared:
    """The case's board row, inserted or replaced in one statement (`:case_id` and the board's columns)."""
    if dialect == "postgresql":  # imported here: the PostgreSQL dialect costs a cold command ~25 ms on SQLite
        from sqlalchemy.dialects.postgresql import insert as upsert_into
    else:
        from sqlalchemy.dialects.sqlite import insert as upsert_into
    board = t.case_board
    upsert = upsert_into(board)
    columns = [c.name for c in board.columns if c.name != "case_id"]
    return Prepared(
        upsert.on_conflict_do_update(
            index_elements=[board.c.case_id], set_={name: upsert.excluded[name] for name in columns}
        )
    )


@functools.cache
def _agencies() -> Prepared:
    return Prepared(select(t.agencies))


def agency_rows(connection: Connection) -> list[Mapping[str, Any]]:
    """Every agency's row, in the order stored."""
    return [r._asdict() for r in _agencies().run(connection).rows]


@functools.cache
def _schedule_text() -> Any:
    s = t.schedules.c
    return select(s.source_text).where(s.version == bindparam("version"))


def deadline_rows(
    case_id: int, deadlines: Iterable[Deadline], next_fire_at: Mapping[str, str] | None = None
) -> list[dict[str, Any]]:
    """The `deadlines` table's rows for a case's computed deadlines; `next_fire_at` by deadline key
    (a deadline without one never fires)."""
    fires = next_fire_at or {}
    return [
        {
            "case_id": case_id,
            "key": d.key,
            "rule_key": d.rule_key,
            "label": d.label,
            "agency": d.agency,
            "owner": d.owner,
            "counts_from": d.counts_from,
            "original_due": d.original_due,
            "due": d.due,
            "earliest": d.earliest,
            "due_soon_from": d.due_soon_from,
            "met_on": d.met_on,
            "deviation": d.deviation,
            "reason": d.reason,
            "status": d.status,
            "next_fire_at": fires.get(d.key),
        }
        for d in deadlines
    ]


@contextmanager
def _concurrent_changes_as_conflicts(session: Session) -> Iterator[None]:
    try:
        yield
    except StaleDataError:
        session.rollback()
        raise Conflict(CHANGED_MEANWHILE) from None
    except IntegrityError:
        session.rollback()
        raise Conflict(
            "a concurrent change recorded the same thing first: nothing was saved; "
            "look at the case again and repeat the command if still needed"
        ) from None
    except OperationalError as error:
        session.rollback()
        if is_concurrent_change(error):
            raise Conflict(BUSY) from None
        raise
