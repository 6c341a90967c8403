"""The schema, as SQLAlchemy Core tables. Alembic migrations (migrations/versions) create and change it.
The two partial indexes are declared by `whole_metadata` (what compares the schema with a database asks for
them), not with the tables.

Dates are dates (local, Europe/London); moments are ISO-8601 UTC strings, so that the audit hash of a
row is the same on SQLite and PostgreSQL.
"""

from __future__ import annotations

import functools

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    Time,
    UniqueConstraint,
    func,
)

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

MOMENT = String(32)  # ISO-8601 UTC, e.g. 2026-11-26T09:00:00.000000Z

settings = Table(
    "settings",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)

schedules = Table(
    "schedules",
    metadata,
    Column("version", String(64), primary_key=True),
    Column("name", Text, nullable=False),
    Column("source_text", Text, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("loaded_at", MOMENT, nullable=False),
)

agencies = Table(
    "agencies",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("name", Text, nullable=False),
    Column("email", Text, nullable=False),
    Column("partner", String(64), nullable=True),  # la, police, health: a safeguarding partner
    Column("active", Integer, nullable=False, server_default="1"),  # 0: deactivated (never deleted)
)

people = Table(
    "people",
    metadata,
    Column("login", String(128), primary_key=True),
    Column("name", Text, nullable=False),
    Column("email", Text, nullable=False),
    Column("active", Integer, nullable=False, server_default="1"),  # 0: deactivated, can no longer act
)

person_roles = Table(
    "person_roles",
    metadata,
    Column("login", String(128), ForeignKey("people.login"), primary_key=True),
    Column("role", String(32), primary_key=True),
)

cases = Table(
    "cases",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("ref", String(64), nullable=False, unique=True),
    Column("state", String(32), nullable=False),
    Column("version", Integer, nullable=False),
    Column("received", Date, nullable=False),
    Column("aware", Date, nullable=False),
    Column("referrer", String(64), ForeignKey("agencies.key"), nullable=False),
    Column("schedule_version", String(64), ForeignKey("schedules.version"), nullable=False),
    Column("summary", Text),
    Column("child_initials", String(16)),
    Column("child_dob", Date),
    Column("sin_notified_on", Date),
    Column("sin_reference", Text),  # the notification's reference, for the covering letter to the Panel
    Column("meeting_date_set_on", Date),
    Column("outcome", String(32)),
    Column("rationale", Text),
    Column("decided_on", Date),
    Column("endorsed_on", Date),
    Column("endorsed_by", Text),
    Column("submitted_on", Date),
    Column("outcome_shared_on", Date),
    Column("closed_on", Date),
    Column("declined_on", Date),
    Column("decline_reason", Text),
    Column("panel_response_on", Date),  # the National Panel's response received
    Column("panel_agrees", Integer),  # 1: agrees with the decision, 0: does not, NULL: no response yet
    Column("panel_questions", Text),  # what the Panel asked (its letter is a document of the case)
    Column("panel_answered_on", Date),  # the partnership's answer to the Panel's questions sent
    Column("allowed", Text, nullable=False, default=""),  # events allowed now, derived after each change
    Column("opened_at", MOMENT, nullable=False),
    Column("changed_at", MOMENT, nullable=False),
)

# A case found by its reference typed in any case (`rr case open` refuses one differing only in case).
Index("ix_cases_ref_folded", func.lower(cases.c.ref))

# The schedules reviews were opened under (schedules/local_review.toml), as `schedules` for cases.
review_schedules = Table(
    "review_schedules",
    metadata,
    Column("version", String(64), primary_key=True),
    Column("name", Text, nullable=False),
    Column("source_text", Text, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("loaded_at", MOMENT, nullable=False),
)

# The review a Rapid Review's decision opened (local, alternative, or the Panel's national one).
reviews = Table(
    "reviews",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("case_id", Integer, ForeignKey("cases.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("case_ref", String(64), nullable=False),
    Column("kind", String(32), nullable=False),  # local_cspr, alternative_review, national_cspr
    Column("state", String(32), nullable=False),
    Column("version", Integer, nullable=False),
    Column("schedule_version", String(64), ForeignKey("review_schedules.version"), nullable=False),
    Column("decided_on", Date, nullable=False),  # the decision to review: what its timescales count from
    Column("reviewer", Text),
    Column("reviewer_appointed_on", Date),
    Column("tor_agreed_on", Date),
    Column("draft_on", Date),
    Column("final_sent_on", Date),
    Column("published_on", Date),
    Column("short_notice_reason", Text),  # published less than the notice after the final report went
    Column("not_published_on", Date),
    Column("not_published_reason", Text),
    Column("panel_decided_on", Date),
    Column("panel_undertakes", Boolean),
    Column("panel_note", Text),
    Column("allowed", Text, nullable=False, default=""),
    Column("opened_at", MOMENT, nullable=False),
    Column("changed_at", MOMENT, nullable=False),
)

review_checkpoints = Table(
    "review_checkpoints",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("review_id", Integer, ForeignKey("reviews.id", ondelete="CASCADE"), nullable=False),
    Column("number", Integer, nullable=False),
    Column("held_on", Date, nullable=False),
    Column("note", Text),
    UniqueConstraint("review_id", "number", name="uq_review_checkpoints_review_number"),
)

review_deviations = Table(
    "review_deviations",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("review_id", Integer, ForeignKey("reviews.id", ondelete="CASCADE"), nullable=False),
    Column("deadline_key", String(128), nullable=False),
    Column("reason", Text, nullable=False),
    Column("extended_to", Date),
    Column("recorded_on", Date, nullable=False),
)

child_details = Table(
    "child_details",
    metadata,
    Column("case_id", Integer, ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True),
    Column("name", Text),
    Column("address", Text),
)

involvements = Table(
    "involvements",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("case_id", Integer, ForeignKey("cases.id", ondelete="CASCADE"), nullable=False),
    Column("agency", String(64), ForeignKey("agencies.key"), nullable=False),
    Column("sent_on", Date, nullable=False),
    Column("returned_on", Date),
    Column("secured_on", Date),
    # The day its letter was dated, when that is later than `sent_on` (a step recorded after the fact,
    # whose letter went when it was recorded): the agency's own deadlines count from it.
    Column("letter_on", Date),
    UniqueConstraint("case_id", "agency", name="uq_involvements_case_agency"),
)

meetings = Table(
    "meetings",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("case_id", Integer, ForeignKey("cases.id", ondelete="CASCADE"), nullable=False),
    Column("number", Integer, nullable=False),
    Column("meeting_date", Date, nullable=False),
    Column("meeting_time", Time),
    Column("mode", String(16), nullable=False),
    Column("mode_reason", Text),
    Column("outside_window_reason", Text),
    Column("non_working_day_reason", Text),  # why it meets on a weekend, bank holiday or closure day
    Column("set_on", Date, nullable=False),
    Column("status", String(16), nullable=False),
    Column("held_on", Date),
    Column("uid", String(255)),  # the invitation's UID: fixed when the meeting is first set, kept when moved
    Column("location", Text),  # where it is held (a room and address)
    Column("join_url", Text),  # the video conference link
    UniqueConstraint("case_id", "number", name="uq_meetings_case_number"),
)

attendances = Table(
    "attendances",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    # Indexed: a step loads its case's meetings with their attendances (so do the others below).
    Column("meeting_id", Integer, ForeignKey("meetings.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("agency", String(64), ForeignKey("agencies.key"), nullable=False),
    Column("name", Text, nullable=False),
)

# The actions register: the meeting's immediate actions (kind `action`) and a review's recommendations
# (kind `recommendation`), each followed to completion. `status` is open, done or dropped; overdue is
# derived from the due date for the day it is read.
actions = Table(
    "actions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("case_id", Integer, ForeignKey("cases.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("number", Integer, nullable=False),
    Column("owner", Text, nullable=False),
    Column("text", Text, nullable=False),
    Column("kind", String(16), nullable=False, server_default="action"),
    Column("source_ref", String(64)),  # the review a recommendation came from
    Column("agency", String(64), ForeignKey("agencies.key")),  # the owner, when it is a registered agency
    Column("agreed_on", Date),  # the decision or review that made it (NULL: recorded before the register)
    Column("due", Date),  # NULL: no due date set yet (actions recorded before the register)
    Column("status", String(16), nullable=False, server_default="open"),
    Column("done_on", Date),
    Column("evidence", Text),  # a note of what shows it is done
    Column("evidence_document_id", Integer, ForeignKey("documents.id")),
    Column("impact", Text),  # what difference it made
    Column("dropped_on", Date),
    Column("drop_reason", Text),
    # The next moment a reminder or escalation about it may fall due (as for deadlines); NULL: none.
    Column("next_fire_at", MOMENT, nullable=True, index=True),
)

deviations = Table(
    "deviations",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("case_id", Integer, ForeignKey("cases.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("deadline_key", String(128), nullable=False),
    Column("reason", Text, nullable=False),
    Column("extended_to", Date),
    Column("recorded_on", Date, nullable=False),
)

# Materialised from domain/deadlines.py after every change to a case: for reports, timers and SQL users.
deadlines = Table(
    "deadlines",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("case_id", Integer, ForeignKey("cases.id", ondelete="CASCADE"), nullable=False),
    Column("key", String(128), nullable=False),
    Column("rule_key", String(64), nullable=False),
    Column("label", Text, nullable=False),
    Column("agency", String(64)),
    Column("owner", String(64), nullable=False),
    Column("counts_from", Date, nullable=False),
    Column("original_due", Date, nullable=False),
    Column("due", Date, nullable=False),
    Column("earliest", Date),
    Column("due_soon_from", Date, nullable=False),
    Column("met_on", Date),
    Column("deviation", String(16)),  # waived, extended or none
    Column("reason", Text),
    Column("status", String(16), nullable=False),  # as of the change that materialised it
    # The next moment a reminder or escalation about it may fall due that no tick has dealt with yet;
    # NULL once it cannot fire (met, waived, or the case finished). A tick reads only the rows whose
    # moment has come, and the daemon schedules the earliest ones: both cost what is due, not what is open.
    Column("next_fire_at", MOMENT, nullable=True, index=True),
    # The review the deadline belongs to; NULL: the Rapid Review's own. Each is rewritten by its own steps.
    Column("review_id", Integer, ForeignKey("reviews.id", ondelete="CASCADE"), nullable=True, index=True),
    UniqueConstraint("case_id", "key", name="uq_deadlines_case_key"),
)

# The board's row for each case that is not finished, written with its deadlines by every change: the
# next open deadline, and each open one's due date and label (JSON [[ISO date, label], ...], sorted), so
# the board is one query of one row a case and what is overdue is derived for today without the deadlines.
case_board = Table(
    "case_board",
    metadata,
    Column("case_id", Integer, ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True),
    Column("next_key", String(128)),
    Column("next_label", Text),
    Column("next_due", Date, index=True),
    Column("next_original_due", Date),
    Column("next_due_soon_from", Date),
    Column("next_deviation", String(16)),
    Column("open_deadlines", Text, nullable=False, server_default="[]"),
)

documents = Table(
    "documents",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("case_id", Integer, ForeignKey("cases.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("kind", String(32), nullable=False),
    Column("filename", Text, nullable=False),
    Column("path", Text, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("size", Integer, nullable=False),
    Column("added_by", String(128), nullable=False),
    Column("added_at", MOMENT, nullable=False),
    Column("generated", Integer, nullable=False, server_default="0"),  # 1: a letter the product wrote
    Column("recipients", Text, nullable=False, server_default=""),  # comma-separated e-mail addresses
)

# A letter's content, committed with its `documents` row (its file is a copy: docs/operators-guide.md)
document_contents = Table(
    "document_contents",
    metadata,
    Column("document_id", Integer, ForeignKey("documents.id", ondelete="CASCADE"), primary_key=True),
    Column("content", LargeBinary, nullable=False),
)

# Append-only; each row's hash covers its content and the previous row's hash.
audit_events = Table(
    "audit_events",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("case_ref", String(64)),
    Column("actor", String(128), nullable=False),
    Column("recorded_at", MOMENT, nullable=False),
    Column("effective_on", Date),
    Column("action", String(64), nullable=False),
    Column("from_state", String(32)),
    Column("to_state", String(32)),
    Column("details", Text, nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False, unique=True),
)

# Domain events written in the same transaction as the change that raised them. Those with a follow-up
# (letters: service/follow_up.py) are `pending` until it is done, exactly once: `claimed_by` names the
# process following it up (a claim found stale is taken over), and the follow-up's own transaction marks
# it `done` only while the claim is still its own. The rest are stored `done`.
outbox = Table(
    "outbox",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("case_ref", String(64), nullable=False),
    Column("kind", String(64), nullable=False),
    Column("effective_on", Date, nullable=False),
    Column("payload", Text, nullable=False),
    Column("created_at", MOMENT, nullable=False),
    Column("status", String(16), nullable=False, default="pending"),  # pending, done
    Column("claimed_by", String(255)),  # host:pid:token of the process following it up
    Column("claimed_at", MOMENT),  # wall clock
    Column("done_at", MOMENT),
    Index("ix_outbox_status", "status"),
)

# One row per (case, deadline, due date, kind, slot) that fired: the unique key is the claim that makes a
# notice go out once, however many ticks or daemons race for it. The due date is part of the key so that
# an extended deadline's reminders and escalations are new slots.
notices = Table(
    "notices",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("case_ref", String(64), nullable=False),
    Column("deadline_key", String(128), nullable=False),
    Column("kind", String(16), nullable=False),  # reminder, escalation
    Column("slot", Integer, nullable=False),
    Column("fires_at", MOMENT, nullable=False),
    Column("fired_at", MOMENT, nullable=False),
    Column("claimed_by", String(36), nullable=False),  # the tick that claimed it (a random token)
    Column("due", Date, nullable=False),
    UniqueConstraint("case_ref", "deadline_key", "due", "kind", "slot", name="uq_notices_slot"),
)

# Outgoing e-mail: written in the transaction that decides to send it, delivered later by the sender.
mail_outbox = Table(
    "mail_outbox",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("notice_id", Integer, ForeignKey("notices.id"), nullable=True),  # None: a letter, not a notice
    Column("case_ref", String(64), nullable=False),
    Column("message_id", String(255), nullable=False, unique=True),
    Column("to_addrs", Text, nullable=False),  # comma-separated
    Column("cc_addrs", Text, nullable=False, default=""),
    Column("subject", Text, nullable=False),
    Column("body", Text, nullable=False),
    Column("body_html", Text),  # an HTML alternative of `body`, where there is one
    Column("status", String(16), nullable=False),  # pending, sending, sent, dead
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_attempt_at", MOMENT, nullable=False),
    Column("claimed_at", MOMENT),
    Column("last_error", Text),
    Column("created_at", MOMENT, nullable=False),
    Column("sent_at", MOMENT),
    Column("escalated_at", MOMENT),  # when the admins were told it keeps failing
    Column("about_mail_id", Integer),  # an escalation to the admins: the failing mail it is about
)

# The daemon's fencing epoch: bumped by each daemon that becomes the leader; a leader acts only while the
# stored epoch is still its own (checked in the same transaction as each claim).
leadership = Table(
    "leadership",
    metadata,
    Column("name", String(32), primary_key=True),
    Column("epoch", Integer, nullable=False),
    Column("holder", String(255), nullable=False),
    Column("acquired_at", MOMENT, nullable=False),
)

# Documents attached to an outgoing e-mail (read from their stored files when the mail is sent).
mail_attachments = Table(
    "mail_attachments",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("mail_id", Integer, ForeignKey("mail_outbox.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("document_id", Integer, ForeignKey("documents.id"), nullable=False),
    Column("content_type", String(128), nullable=False),
)


def whole_metadata() -> MetaData:
    """`metadata` with the partial indexes too, for what compares the schema with a database (the
    migrations' environment, the schema test). They are declared only when asked for: a partial index's
    PostgreSQL predicate loads SQLAlchemy's PostgreSQL dialect (about 25 ms), which no command on the
    SQLite default needs; the migrations create the indexes themselves."""
    _declare_partial_indexes()
    return metadata


@functools.cache
def _declare_partial_indexes() -> None:
    # The open actions by case and due date: the board's overdue actions, of closed cases too, in its one
    # query (only the open ones, so the index does not grow with the register's history).
    Index(
        "ix_actions_open_due",
        actions.c.case_id,
        actions.c.due,
        sqlite_where=actions.c.status == "open",
        postgresql_where=actions.c.status == "open",
    )
    # The open deadlines by due date (`rr due`): only the rows that may still fire, so the index does not
    # grow with history.
    Index(
        "ix_deadlines_open_due",
        deadlines.c.due,
        sqlite_where=deadlines.c.next_fire_at.is_not(None),
        postgresql_where=deadlines.c.next_fire_at.is_not(None),
    )
