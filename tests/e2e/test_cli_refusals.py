"""Every bad input and every refused step, on SQLite and PostgreSQL: exit codes, one line, nothing changed.

Each row runs one command against a training database holding cases at every stage of the procedure
and checks what a coordinator sees: the exit code (2 bad input, 3 refused), exactly one line on stderr
starting `rr: error:` with a fragment that says what is wrong or what to do, nothing on stdout, no
traceback, and not one row of the database changed.

The database is built once per backend (the "scenario" template) and copied for every row, so each row
starts from the same state and cannot be disturbed by another.
"""

from __future__ import annotations

import shlex
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from conftest import PostgresServer, RRRunner

BACKENDS = ["sqlite", "postgresql"]  # as the `database_url` fixture (tests/conftest.py)

NOW = "2027-01-08T10:00"  # Friday; every scenario case was received Monday 2026-12-21, aware Friday 18th
LA_POLICE = "--attendee 'la:A Smith' --attendee 'police:DI Jones'"
QUORATE = f"{LA_POLICE} --attendee 'health:Dr Patel'"
OPEN = "case open {ref} --received 2026-12-21 --aware 2026-12-18 --referrer police"
FILE = "{file}"  # in a row's command: a document that exists, to attach


# -- the scenario: one case at each stage ------------------------------------------------------------------


def build_scenario(rr: RRRunner) -> None:
    """A training database with agencies, people and the cases the refusal rows act on."""

    def at(moment: str | None, command: str) -> None:
        if moment:
            rr.now = moment
        rr.ok(*shlex.split(command))

    at("2026-12-21T09:00", "init --training")
    for key, partner in (("la", "la"), ("police", "police"), ("health", "health"), ("school", None)):
        extra = f" --partner {partner}" if partner else ""
        at(None, f"agency add {key} --name {key.title()} --email {key}@agency.example{extra}")
    at(None, "person add boss --name 'Sam Boss' --email boss@lscp.example --role manager")
    at(None, "person add chair --name 'Prof A Chair' --email chair@lscp.example --role chair")

    def open_and_send(ref: str, sin: bool) -> None:
        at("2026-12-21T10:00", OPEN.format(ref=ref))
        at("2026-12-22T10:00", f"scoping send {ref} la police health")
        at(None, f"records secured {ref} la")
        if sin:
            at(None, f"sin notified {ref}")

    def held(ref: str, sin: bool) -> None:
        open_and_send(ref, sin)
        at("2026-12-23T10:00", f"meeting schedule {ref} 2027-01-07")
        at("2027-01-07T16:00", f"meeting held {ref} {QUORATE}")

    def endorsed(ref: str, sin: bool) -> None:
        held(ref, sin)
        at(None, f"decide {ref} no_review --rationale 'learning in hand'")
        at("2027-01-08T09:00", f"endorse {ref} --by 'Prof A Chair'")

    at("2026-12-21T10:00", OPEN.format(ref="NEW"))
    open_and_send("SCOPING", sin=False)
    open_and_send("SCHEDULED", sin=True)
    at("2026-12-23T10:00", "meeting schedule SCHEDULED 2027-01-08")
    open_and_send("INQUORATE", sin=True)
    at("2026-12-23T10:00", "meeting schedule INQUORATE 2027-01-05")
    at("2027-01-05T16:00", f"meeting inquorate INQUORATE {LA_POLICE}")
    held("HELD", sin=False)
    endorsed("NOSIN", sin=False)  # endorsed, but no Serious Incident Notification
    held("DECIDED", sin=True)
    at(None, "decide DECIDED local_cspr --rationale 'local learning'")
    endorsed("SUBMITTED", sin=True)
    at(None, "submit SUBMITTED --send-draft")
    endorsed("CLOSED", sin=True)
    for command in (
        "submit CLOSED --send-draft",
        "outcome shared CLOSED",
        "panel response CLOSED --agrees yes",
        "close CLOSED --waive-open 'not needed'",
    ):
        at(None, command)

    rr.now = NOW
    assert {c["ref"]: c["state"] for c in rr.json("case", "list")} == {
        "NEW": "referred",
        "SCOPING": "scoping",
        "SCHEDULED": "meeting_scheduled",
        "INQUORATE": "inquorate",
        "HELD": "meeting_held",
        "NOSIN": "endorsed",
        "DECIDED": "decided",
        "SUBMITTED": "submitted",
        "CLOSED": "closed",
    }


def copy_sqlite(source: Path, target: Path) -> None:
    """A consistent copy of a SQLite database (its WAL included), whoever else has it open."""
    target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    src, dst = sqlite3.connect(source), sqlite3.connect(target)
    try:
        src.backup(dst)
    finally:
        src.close()
        dst.close()
    target.chmod(0o600)


def build_live(rr: RRRunner) -> None:
    """A live database (plain `rr init`, the real clock) with one case on it."""
    rr.now = None
    rr.ok("init")
    rr.ok(*shlex.split("agency add police --name Police --email p@police.example --partner police"))
    rr.ok(*shlex.split("case open LIVE-1 --received 2025-06-02 --aware 2025-06-02 --referrer police"))


class Databases:
    """For one backend: the scenario template, a working copy the table's rows run on, a live database.

    A row that changed something (it fails) leaves the copy dirty; the next row finds its snapshot
    different from the template's and gets a fresh copy, so every row starts from the same state.
    """

    def __init__(self, template: RRRunner, work: RRRunner, live: RRRunner, server: PostgresServer | None):
        self.template, self.work, self.live, self.server = template, work, live, server
        self.restore()
        self.pristine = {"scenario": self.work.snapshot(), "live": self.live.snapshot()}

    def restore(self) -> None:
        restore_scenario(self.work, self.template.url, self.server)

    def clean(self, database: str) -> tuple[RRRunner, dict[str, Any]]:
        """The runner for `database` ("scenario" or "live") and its snapshot, as the scenario built it."""
        rr = self.work if database == "scenario" else self.live
        before = rr.snapshot()
        if before != self.pristine[database]:
            assert database == "scenario", "a row changed the live database"
            self.restore()
            before = rr.snapshot()
            assert before == self.pristine[database]
        return rr, before


def restore_scenario(rr: RRRunner, template_url: str, server: PostgresServer | None) -> None:
    """Make `rr`'s database a copy of the scenario template."""
    if server is None:
        copy_sqlite(Path(template_url.removeprefix("sqlite:///")), rr.home / "rr.sqlite3")
    else:
        server.replace(rr.url, template_url)
    rr.now = NOW


def server_for(backend: str, request: pytest.FixtureRequest) -> PostgresServer | None:
    return None if backend == "sqlite" else request.getfixturevalue("postgres_server")


@pytest.fixture(scope="module", params=BACKENDS)
def databases(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, make_database, new_rr
):
    """On SQLite, and on PostgreSQL when RR_TEST_DATABASE_URL is set: built once for the module."""
    homes = [tmp_path_factory.mktemp(name) / "rr_home" for name in ("template", "work", "live")]
    with (
        make_database(request.param, homes[0], request) as template_url,
        make_database(request.param, homes[1], request) as work_url,
        make_database(request.param, homes[2], request) as live_url,
    ):
        template = new_rr(homes[0], template_url)
        build_scenario(template)
        live = new_rr(homes[2], live_url)
        build_live(live)
        yield Databases(template, new_rr(homes[1], work_url), live, server_for(request.param, request))


@pytest.fixture
def scenario(databases: Databases, tmp_path: Path, new_rr) -> Iterator[RRRunner]:
    """A copy of the scenario of its own, for a test that changes it."""
    home, template, server = tmp_path / "rr_home", databases.template, databases.server
    if server is None:
        rr = new_rr(home, f"sqlite:///{home / 'rr.sqlite3'}")
        restore_scenario(rr, template.url, None)
        yield rr
        return
    url = server.create(template=template.url)
    try:
        rr = new_rr(home, url)
        rr.now = NOW
        yield rr
    finally:
        server.drop(url)


# -- the table ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    command: str  # as typed after `rr`
    code: int
    says: tuple[str, ...]  # fragments the one error line must contain
    user: str | None = None  # RR_USER (default coord, coordinator and admin)
    now: str | None = NOW  # RR_NOW
    database: str = "scenario"  # or "live"


def row(id: str, code: int, command: str, *says: str, marks: Any = (), **kwargs: Any) -> Any:
    return pytest.param(Row(command, code, says, **kwargs), id=id, marks=marks)


NEW_CASE = "case open RR-X --received {received} --aware {aware} --referrer {referrer}"


def open_x(received: str = "2026-12-21", aware: str = "2026-12-18", referrer: str = "police") -> str:
    return NEW_CASE.format(received=received, aware=aware, referrer=referrer)


BAD_INPUT = [
    # unknown things
    row("unknown-case", 2, "case show RR-NOPE", "no case 'RR-NOPE'"),
    row("unknown-case-recording", 2, "sin notified RR-NOPE", "no case 'RR-NOPE'"),
    row("unknown-case-history", 2, "history RR-NOPE", "no case 'RR-NOPE'"),
    row("unknown-agency-scoping", 2, "scoping send SCOPING school fire", "no agency 'fire'", "rr agency add"),
    row("unknown-agency-referrer", 2, open_x(referrer="fire"), "no agency 'fire'"),
    row(
        "unknown-agency-attendee", 2, f"meeting held SCHEDULED {QUORATE} --attendee fire:Chief",
        "no agency 'fire'",
    ),
    row(
        "unknown-person-role", 2, "person add jo --name Jo --email jo@lscp.example --role director",
        "--role", "'director' is not one of", "coordinator",
    ),
    row(
        "unknown-deadline-key-waive", 2, "waive NEW panel_review --reason x",
        "no deadline 'panel_review'", "review_complete",
    ),
    row(
        "unknown-deadline-key-extend", 2, "extend NEW panel_review --to 2027-02-01 --reason x",
        "no deadline 'panel_review'",
    ),
    row("unknown-command", 2, "frobnicate", "No such command 'frobnicate'"),
    row(
        "outcome-not-one-of-four", 2, "decide HELD serious_case_review --rationale r",
        "'serious_case_review' is not one of",
        "national_cspr", "local_cspr", "alternative_review", "no_review",
    ),
    row("unknown-document-kind", 2, f"doc add NEW photo {FILE}", "'photo' is not one of", "referral_form"),
    row("doc-file-missing", 2, "doc add NEW other no/such/file.pdf", "no such file"),
    # dates and times
    row("month-first-date", 2, open_x(received="12/21/2026"), "'12/21/2026' is not a date", "DD/MM/YYYY"),
    row("impossible-date", 2, "sin notified NEW --on 2026-02-30", "'2026-02-30' is not a date"),
    row("short-date", 2, "scoping send NEW la --on 2027-1-4", "YYYY-MM-DD"),
    row(
        "future-on", 2, "sin notified NEW --on 2027-01-09",
        "2027-01-09 is in the future (today is 2027-01-08)",
    ),
    row(
        "future-on-late-the-day-before", 2, "scoping send NEW la --on 2027-01-08",
        "in the future", now="2027-01-07T23:30",
    ),
    row(
        "future-received", 2, open_x(received="2027-01-11", aware="2027-01-08"),
        "--received 2027-01-11 is in the future",
    ),
    row(
        "on-before-the-referral", 2, "scoping send NEW la --on 2026-12-20",
        "2026-12-20 is before the referral was received (2026-12-21)",
    ),
    row("sin-on-before-aware", 2, "sin notified NEW --on 2026-12-17", "2026-12-17 is before"),
    row(
        "sin-on-before-aware-names-the-aware-date", 2, "sin notified NEW --on 2026-12-17", "2026-12-18",
    ),
    row(
        "aware-after-received", 2, open_x(aware="2026-12-22"),
        "--aware 2026-12-22 is after --received 2026-12-21",
    ),
    row("meeting-in-the-past", 2, "meeting schedule SCOPING 2027-01-07", "2027-01-07 is in the past"),
    row(
        "meeting-outside-window", 2, "meeting schedule SCOPING 2027-01-13",
        "outside the meeting window 2027-01-04 to 2027-01-12", "--outside-window-reason",
    ),
    row(
        "remote-meeting-without-reason", 2, "meeting schedule SCOPING 2027-01-11 --mode remote",
        "remote meeting needs --reason",
    ),
    row(
        "remote-meeting-with-a-blank-reason", 2,
        "meeting schedule SCOPING 2027-01-11 --mode remote --reason '  '", "--reason",
    ),
    row(
        "outside-window-with-a-blank-reason", 2,
        "meeting schedule SCOPING 2027-01-13 --outside-window-reason ' '", "--outside-window-reason",
    ),
    row("bad-meeting-mode", 2, "meeting schedule SCOPING 2027-01-11 --mode hybrid", "'hybrid' is not one of"),
    row(
        "bad-time-hour", 2, "meeting schedule SCOPING 2027-01-11 --time 25:00",
        "'25:00' is not a time", "HH:MM",
    ),
    row(
        "bad-time-format", 2, "meeting schedule SCOPING 2027-01-11 --time 10am",
        "'10am' is not a time", "HH:MM",
    ),
    row("bad-time-seconds", 2, "meeting schedule SCOPING 2027-01-11 --time 10:00:00", "HH:MM"),
    # deadlines
    row(
        "extend-before-current-due", 2, "extend NEW review_complete --to 2027-01-12 --reason x",
        "the new date 2027-01-12 must be after the date in force (2027-01-13)",
    ),
    row(
        "extend-to-the-same-date", 2, "extend NEW review_complete --to 2027-01-13 --reason x",
        "must be after",
    ),
    row(
        "waive-met-deadline", 2, "waive SCOPING scoping_sent --reason x",
        "scoping_sent was already met on 2026-12-22",
    ),
    row(
        "extend-met-deadline", 2, "extend HELD meeting_held --to 2027-01-20 --reason x",
        "meeting_held was already met on 2027-01-07",
    ),
    row("waive-with-a-blank-reason", 2, "waive NEW review_complete --reason '  '", "reason"),
    # the steps' own inputs
    row("duplicate-case-ref", 2, OPEN.format(ref="NEW"), "case 'NEW' already exists"),
    row("bad-case-ref", 2, OPEN.format(ref="'RR 1'"), "case reference", "'RR 1'"),
    row(
        "return-never-sent", 2, "scoping returned SCOPING school",
        "school was never sent the scoping template",
    ),
    row(
        "secured-never-sent", 2, "records secured SCOPING school",
        "school was never sent the scoping template",
    ),
    row("meeting-without-attendees", 2, "meeting held SCHEDULED", "--attendee AGENCY:NAME"),
    row("attendee-without-name", 2, "meeting held SCHEDULED --attendee la", "AGENCY:NAME", "'la'"),
    row("decision-with-a-blank-rationale", 2, "decide HELD no_review --rationale '  '", "rationale"),
    row(
        "action-without-owner", 2, "decide HELD no_review --rationale r --action 'visit the family'",
        "owner: what to do",
    ),
    row("decline-with-a-blank-reason", 2, "decline NEW --reason ' '", "reason"),
    row("missing-option", 2, "case open RR-X --received 2026-12-21", "Missing option '--aware'"),
    row("missing-argument", 2, "case show", "Missing argument"),
    row("bad-agency-key", 2, "agency add 'Fire Service' --name Fire --email f@fire.example", "agency key"),
    row(
        "bad-email", 2, "person add jo --name Jo --email not-an-address --role manager",
        "not an e-mail address",
    ),
    row(
        "unknown-partner", 2, "agency add fire --name Fire --email f@fire.example --partner fire",
        "unknown partner 'fire'", "la, police, health",
    ),
    # the clock
    row("bad-rr-now", 2, "case list", "RR_NOW is not an ISO date-time", now="next tuesday"),
    row("rr-now-on-a-live-database-read", 2, "case list", "live database", "RR_NOW", database="live"),
    row("rr-now-on-a-live-database-record", 2, "sin notified LIVE-1", "live database", database="live"),
    row(
        "training-init-on-a-live-database", 2, "init --training",
        "this database is live", now=None, database="live",
    ),
    # out of order: the rule for --on says only "never before the referral", but these cannot have happened
    row(
        "returned-before-sent", 2, "scoping returned SCOPING la --on 2026-12-21", "2026-12-22",
    ),
    row(
        "decision-before-the-meeting", 2, "decide HELD no_review --rationale r --on 2027-01-04", "2027-01-07",
    ),
]  # fmt: skip

REFUSED = [
    # the state machine
    row(
        "meeting-held-without-health", 3, f"meeting held SCHEDULED {LA_POLICE}",
        "not quorate", "no representative of Health (ICB)", "rr meeting inquorate",
    ),
    row(
        "meeting-held-without-police", 3,
        "meeting held SCHEDULED --attendee 'la:A Smith' --attendee 'health:Dr P' --attendee 'school:Head'",
        "no representative of Police;",
    ),
    row(
        "meeting-held-without-any-partner", 3, "meeting held SCHEDULED --attendee school:Head",
        "no representative of Local Authority, Police, Health (ICB)",
    ),
    row(
        "meeting-held-before-a-date-is-set", 3, f"meeting held SCOPING {QUORATE}",
        "cannot `rr meeting held`", "rr meeting schedule",
    ),
    row(
        "inquorate-with-every-partner", 3, f"meeting inquorate SCHEDULED {QUORATE}",
        "every safeguarding partner was present", "rr meeting held",
    ),
    row(
        "decide-before-the-meeting", 3, "decide SCHEDULED no_review --rationale r",
        "cannot `rr decide` while the case is 'meeting scheduled'", "allowed now:", "rr meeting held",
    ),
    row(
        "decide-after-an-inquorate-meeting", 3, "decide INQUORATE no_review --rationale r",
        "cannot `rr decide`", "allowed now:", "rr meeting schedule",
    ),
    row("decide-twice", 3, "decide DECIDED no_review --rationale r", "cannot `rr decide`", "rr endorse"),
    row("submit-before-sin", 3, "submit NOSIN", "no Serious Incident Notification", "rr sin notified"),
    row(
        "submit-before-endorsement", 3, "submit DECIDED",
        "cannot `rr submit`", "chair must endorse the outcome first", "rr endorse",
    ),
    row("submit-before-the-meeting", 3, "submit SCOPING", "cannot `rr submit`", "allowed now:"),
    row(
        "close-before-the-panels-response", 3, "close SUBMITTED",
        "National Panel's response is not recorded", "rr panel response SUBMITTED",
    ),
    row(
        "close-before-outcome-shared", 3, "close SUBMITTED --without-response 'taken over'",
        "outcome has not been shared", "rr outcome shared",
    ),
    row("close-before-submission", 3, "close DECIDED", "cannot `rr close`", "allowed now:"),
    row(
        "endorse-before-decision", 3, "endorse HELD --by 'Prof A Chair'",
        "cannot `rr endorse`", "rr decide",
    ),
    row("sin-twice", 3, "sin notified SCHEDULED", "already recorded on 2026-12-22"),
    row(
        "step-on-a-closed-case", 3, "outcome shared CLOSED",
        "cannot `rr outcome shared` while the case is 'closed'", "nothing (the case is finished)",
    ),
    row("scoping-sent-twice", 3, "scoping send SCOPING la", "already sent to: la"),
    row(
        "records-secured-twice", 3, "records secured SCOPING la",
        "la already confirmed its records are secured (2026-12-22)",
    ),
    row(
        "scoping-returned-before-any-sent", 3, "scoping returned NEW la",
        "cannot `rr scoping returned`", "rr scoping send",
    ),
    row("decline-after-the-meeting", 3, "decline HELD --reason x", "cannot `rr decline`", "'meeting held'"),
    row("extend-on-a-closed-case", 3, "extend CLOSED review_complete --to 2027-02-01 --reason x", "closed"),
    row("waive-on-a-closed-case", 3, "waive CLOSED outcome_shared --reason x", "closed"),
    # roles (docs/security.md)
    row(
        "manager-records", 3, "sin notified NEW",
        "this needs the coordinator role; 'boss' has: manager", user="boss",
    ),
    row("manager-opens-a-case", 3, open_x(), "coordinator role", "'boss' has: manager", user="boss"),
    row("manager-sends-scoping", 3, "scoping send NEW la", "coordinator role", user="boss"),
    row("manager-adds-a-document", 3, f"doc add NEW other {FILE}", "coordinator role", user="boss"),
    row(
        "manager-extends", 3, "extend NEW review_complete --to 2027-02-01 --reason x",
        "coordinator role", user="boss",
    ),
    row(
        "manager-endorses", 3, "endorse DECIDED --by 'Prof A Chair'",
        "chair or coordinator role", user="boss",
    ),
    row(
        "manager-adds-an-agency", 3, "agency add fire --name Fire --email f@fire.example",
        "admin role", user="boss",
    ),
    row("chair-records", 3, "submit SUBMITTED", "coordinator role", "'chair' has: chair", user="chair"),
    row(
        "unregistered-user-reads", 3, "case show NEW",
        "'stranger' is not registered", "rr person add stranger", user="stranger",
    ),
    row("unregistered-user-records", 3, "sin notified NEW", "'stranger' is not registered", user="stranger"),
    row("unregistered-user-lists", 3, "case list", "'stranger' is not registered", user="stranger"),
    row(
        "endorse-by-coordinator-with-a-blank-by", 2, "endorse DECIDED --by '  '",
        "--by (the chair's name) is empty",
    ),
    row(
        "endorse-by-coordinator-without-by", 3, "endorse DECIDED",
        "endorsement is the independent chair's", "--by NAME",
    ),
]  # fmt: skip


@pytest.mark.parametrize("case", BAD_INPUT + REFUSED)
def test_refused_with_one_line_and_nothing_changed(case: Row, databases: Databases, tmp_path: Path) -> None:
    rr, before = databases.clean(case.database)
    document = tmp_path / "scoping return.docx"
    document.write_bytes(b"PK\x03\x04 a completed template")
    args = [str(document) if arg == FILE else arg for arg in shlex.split(case.command)]
    run = rr(*args, user=case.user, now=case.now)
    after = rr.snapshot()
    assert "Traceback" not in run.err, run.err
    assert run.code == case.code, run
    lines = run.err.splitlines()
    assert len(lines) == 1, run.err
    assert lines[0].startswith("rr: error: "), run.err
    for fragment in case.says:
        assert fragment in lines[0]
    assert run.out == ""
    assert after == before, "a refused command changed the database"


# -- refusals that need more than one command -----------------------------------------------------------


def test_a_refused_live_init_writes_nothing(rr: RRRunner) -> None:
    """`RR_NOW=... rr init` (no --training) is refused before anything is written: the
    next plain `rr init` creates the database and records its creation."""
    rr.now = NOW
    assert "live database" in rr.fails(2, "init")
    assert rr.snapshot() == {}
    rr.now = None
    assert "live database created" in rr.ok("init")
    created = [row for row in rr.snapshot()["audit_events"] if "'database_created'" in row]
    assert len(created) == 1


def test_a_refused_live_init_leaves_no_file(rr_home: Path, new_rr) -> None:
    rr = new_rr(rr_home, f"sqlite:///{rr_home / 'rr.sqlite3'}")
    rr.now = NOW
    rr.fails(2, "init")
    assert not (rr.home / "rr.sqlite3").exists()


def test_a_refused_quorum_can_then_be_recorded_inquorate(scenario: RRRunner) -> None:
    rr = scenario
    assert "Health (ICB)" in rr.fails(3, "meeting", "held", "SCHEDULED", *shlex.split(LA_POLICE))
    rr.ok("meeting", "inquorate", "SCHEDULED", *shlex.split(LA_POLICE))
    shown = rr.json("case", "show", "SCHEDULED")
    assert shown["state"] == "inquorate"
    assert shown["meeting"]["status"] == "inquorate"


def test_refusals_leave_the_audit_chain_intact(scenario: RRRunner) -> None:
    rr = scenario
    rr.fails(3, "submit", "NOSIN")
    rr.fails(3, "sin", "notified", "NEW", user="boss")
    rr.fails(2, "sin", "notified", "NEW", "--on", "2027-01-09")
    assert rr.ok("audit", "verify").startswith("ok: ")
    assert "submit" not in [r["action"] for r in rr.json("history", "NOSIN")]


def test_a_refused_document_leaves_no_file_behind(scenario: RRRunner, tmp_path: Path) -> None:
    rr = scenario
    source = tmp_path / "form.pdf"
    source.write_bytes(b"referral form")
    rr.fails(3, "doc", "add", "NEW", "other", str(source), user="boss")
    rr.fails(2, "doc", "add", "RR-NOPE", "other", str(source))
    stored = (
        [p for p in (rr.home / "documents").rglob("*") if p.is_file()]
        if (rr.home / "documents").exists()
        else []
    )
    assert stored == []
