"""The shipped timescales and calendar files load; every mistake in a file is refused with one line
naming the file, the key and the fault (docs/procedure.md: every number lives in `schedules/`)."""

from __future__ import annotations

from datetime import date, time
from pathlib import Path

import pytest

from rr_workflow.adapters.config import check_file, load_calendar_settings, load_schedule
from rr_workflow.domain.calendar import CalendarSettings, WorkingCalendar
from rr_workflow.domain.errors import BadInput, ConfigError
from rr_workflow.domain.schedule import EscalationStep, Schedule

SCHEDULES = Path(__file__).resolve().parents[2] / "schedules"
SHIPPED_SCHEDULE = SCHEDULES / "rapid_review.toml"
SHIPPED_CALENDAR = SCHEDULES / "calendar.toml"
SCHEDULE_TEXT = SHIPPED_SCHEDULE.read_text(encoding="utf-8")
CALENDAR_TEXT = SHIPPED_CALENDAR.read_text(encoding="utf-8")


def edited(text: str, old: str, new: str) -> str:
    """`text` with its only occurrence of `old` replaced, so an edit that misses fails the test."""
    assert text.count(old) == 1, f"expected exactly one {old!r} in the shipped file"
    return text.replace(old, new)


def refused(path: Path, load=check_file) -> str:
    """The message of the ConfigError loading `path` raises, checked to be one line naming the file."""
    with pytest.raises(ConfigError) as caught:
        load(path)
    message = str(caught.value)
    assert "\n" not in message and "\r" not in message, f"not one line: {message!r}"
    assert message.startswith(f"{path}: "), message
    return message


# -- the shipped files -----------------------------------------------------------------------------


def test_shipped_schedule_has_the_spec_timescales() -> None:
    """The default schedule holds the numbers and keys of docs/procedure.md."""
    schedule = load_schedule(SHIPPED_SCHEDULE)
    assert schedule.source == str(SHIPPED_SCHEDULE)
    rules = {
        r.key: (r.counts_from, r.met_by, r.working_days, r.earliest, r.per_agency) for r in schedule.rules
    }
    # docs/procedure.md sets no number for the meeting date ("as soon as the templates have gone out").
    assert rules.pop("meeting_date_set")[:2] == ("scoping_sent", "meeting_date_set")
    assert rules == {
        "sin_notified": ("aware", "sin_notified", 5, None, False),
        "scoping_sent": ("referral_received", "scoping_sent", 2, None, False),
        "scoping_returned": ("scoping_sent", "scoping_returned", 5, None, True),
        "records_secured": ("scoping_sent", "records_secured", 5, None, True),
        "meeting_held": ("referral_received", "meeting_held", 13, 7, False),
        "panel_submission": ("meeting_held", "panel_submission", 2, None, False),
        "outcome_shared": ("meeting_held", "outcome_shared", 2, None, False),
        "review_complete": ("aware", "panel_submission", 15, None, False),
        # docs/procedure.md: the Panel's response is chased after 10 working days; the answer to its questions
        # has its own deadline.
        "panel_response": ("panel_submission", "panel_response", 10, None, False),
        "panel_answer": ("panel_questions", "panel_answered", 10, None, False),
    }
    assert schedule.actions.working_days == 20
    assert schedule.meeting_rule is not None and schedule.meeting_rule.key == "meeting_held"
    assert set(schedule.partners) == {"la", "police", "health"}


def test_shipped_schedule_has_the_spec_notice_policy() -> None:
    """Reminders at 09:00 one working day before and on the due date; escalations at 09:00 on the first
    working day after, every 2 working days, to the managers and from the 3rd to the chair."""
    schedule = load_schedule(SHIPPED_SCHEDULE)
    for policy, key in [(r.policy, r.key) for r in schedule.rules] + [(schedule.actions.policy, "actions")]:
        # the chase of the Panel's response: one reminder, on the day it is expected
        chase = key == "panel_response"
        assert sorted(policy.reminder_days_before) == ([0] if chase else [0, 1])
        assert policy.due_soon_days == (0 if chase else 1)
        assert policy.reminder_time == time(9, 0) and policy.escalation_time == time(9, 0)
        assert (policy.escalation_first, policy.escalation_every) == (1, 2)
        assert set(policy.escalation_chain) == {EscalationStep("manager", 1), EscalationStep("chair", 3)}


def test_shipped_calendar_is_england_and_wales_without_closures() -> None:
    """The default calendar: GB, England, Europe/London, no closure days."""
    settings = load_calendar_settings(SHIPPED_CALENDAR)
    assert (settings.country, settings.region, settings.timezone) == ("GB", "ENG", "Europe/London")
    assert settings.annual_closures == ()
    assert dict(settings.extra_days) == {}


def test_check_file_tells_a_calendar_from_a_schedule() -> None:
    """check_file validates either kind of file and returns what it holds."""
    assert isinstance(check_file(SHIPPED_SCHEDULE), Schedule)
    assert isinstance(check_file(SHIPPED_CALENDAR), CalendarSettings)


def test_the_commented_example_closures_are_valid(tmp_path: Path) -> None:
    """Un-commenting the example closures and extra day in the shipped calendar gives a valid file."""
    text = edited(CALENDAR_TEXT, "closures = []\n", "")
    text = edited(text, "extra_days = []\n", "")
    text = "\n".join(
        line.removeprefix("# ") if line.startswith(("# closures", "#   {", "# ]", "# extra")) else line
        for line in text.splitlines()
    )
    path = tmp_path / "calendar.toml"
    path.write_text(text, encoding="utf-8")
    settings = load_calendar_settings(path)
    assert [(m, d) for m, d, _ in settings.annual_closures] == [(12, 24), (12, 29), (12, 30), (12, 31)]
    assert list(settings.extra_days) == [date(2027, 6, 7)]
    assert not WorkingCalendar(settings).is_working_day(date(2027, 6, 7))


# -- choosing the file in force --------------------------------------------------------------------


def test_the_shipped_files_apply_by_default(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """With nothing in RR_HOME and no RR_SCHEDULE/RR_CALENDAR, the shipped files are in force."""
    monkeypatch.setenv("RR_HOME", str(tmp_path))
    monkeypatch.delenv("RR_SCHEDULE", raising=False)
    monkeypatch.delenv("RR_CALENDAR", raising=False)
    assert Path(load_schedule().source).resolve() == SHIPPED_SCHEDULE
    assert load_calendar_settings().region == "ENG"


def test_files_in_rr_home_and_the_environment_win(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """$RR_HOME/calendar.toml overrides the shipped calendar; $RR_SCHEDULE overrides everything."""
    home = tmp_path / "home"
    home.mkdir()
    (home / "calendar.toml").write_text(edited(CALENDAR_TEXT, 'region = "ENG"', 'region = "SCT"'))
    own = tmp_path / "own.toml"
    own.write_text(edited(SCHEDULE_TEXT, 'version = "2026.2"', 'version = "own-1"'))
    monkeypatch.setenv("RR_HOME", str(home))
    monkeypatch.delenv("RR_CALENDAR", raising=False)
    monkeypatch.setenv("RR_SCHEDULE", str(own))
    assert load_calendar_settings().region == "SCT"
    assert load_schedule().version == "own-1"


# -- mistakes in a schedule ------------------------------------------------------------------------

SIN_RULE = 'from = "aware"\nmet_by = "sin_notified"\nworking_days = 5\nowner = "partner:la"\n'

SCHEDULE_MISTAKES = [
    pytest.param(
        'from = "aware"\nmet_by = "sin_notified"',
        'from = "awareness"\nmet_by = "sin_notified"',
        "deadlines.sin_notified.from",
        "unknown case event 'awareness'",
        id="unknown-from-event",
    ),
    pytest.param(
        'met_by = "scoping_sent"',
        'met_by = "templates_sent"',
        "deadlines.scoping_sent.met_by",
        "unknown case event 'templates_sent'",
        id="unknown-met-by-event",
    ),
    pytest.param(
        'met_by = "scoping_returned"',
        'met_by = "returned"',
        "deadlines.scoping_returned.met_by",
        "unknown agency event 'returned'",
        id="unknown-agency-event",
    ),
    pytest.param(
        SIN_RULE,
        SIN_RULE.replace('met_by = "sin_notified"', 'met_by = "records_secured"'),
        "deadlines.sin_notified.met_by",
        "unknown case event 'records_secured'",
        id="agency-event-on-a-case-deadline",
    ),
    pytest.param(
        'from = "scoping_sent"\nmet_by = "scoping_returned"',
        'from = "referral_received"\nmet_by = "scoping_returned"',
        "deadlines.scoping_returned.from",
        "unknown agency event 'referral_received'",
        id="case-event-on-an-agency-deadline",
    ),
    pytest.param(
        SIN_RULE,
        SIN_RULE.replace("working_days = 5", "working_days = -5"),
        "deadlines.sin_notified.working_days",
        "at least 0",
        id="negative-days",
    ),
    pytest.param(
        SIN_RULE,
        SIN_RULE.replace("working_days = 5", 'working_days = "five"'),
        "deadlines.sin_notified.working_days",
        "whole number",
        id="days-not-a-number",
    ),
    pytest.param(
        SIN_RULE,
        SIN_RULE.replace("working_days = 5", "working_days = 5.5"),
        "deadlines.sin_notified.working_days",
        "whole number",
        id="days-not-whole",
    ),
    pytest.param(
        SIN_RULE,
        SIN_RULE.replace("working_days = 5\n", ""),
        "deadlines.sin_notified.working_days",
        "missing",
        id="missing-working-days",
    ),
    pytest.param(
        "window = [7, 13]",
        "window = [13, 7]",
        "deadlines.meeting_held.window",
        "earliest",
        id="window-reversed",
    ),
    pytest.param(
        "window = [7, 13]",
        "window = [13]",
        "deadlines.meeting_held.window",
        "[earliest, latest]",
        id="window-1",
    ),
    pytest.param(
        "window = [7, 13]",
        "window = [7, 10, 13]",
        "deadlines.meeting_held.window",
        "[earliest, latest]",
        id="window-3",
    ),
    pytest.param(
        "window = [7, 13]",
        "window = 13",
        "deadlines.meeting_held.window",
        "[earliest, latest]",
        id="window-scalar",
    ),
    pytest.param(
        "window = [7, 13]",
        "window = [-1, 13]",
        "deadlines.meeting_held.window",
        "at least 0",
        id="window-negative",
    ),
    pytest.param(
        "window = [7, 13]",
        "window = [7, 13]\nworking_days = 13",
        "deadlines.meeting_held",
        "not both",
        id="window-and-working-days",
    ),
    pytest.param(
        'owner = "partner:la"',
        'owner = "partner:ofsted"',
        "deadlines.sin_notified.owner",
        "unknown owner 'partner:ofsted'",
        id="unknown-partner-owner",
    ),
    pytest.param(
        SIN_RULE,
        SIN_RULE.replace('owner = "partner:la"', 'owner = "social worker"'),
        "deadlines.sin_notified.owner",
        "unknown owner 'social worker'",
        id="unknown-owner",
    ),
    pytest.param(
        SIN_RULE,
        SIN_RULE.replace('owner = "partner:la"', 'owner = "agency"'),
        "deadlines.sin_notified.owner",
        "unknown owner 'agency'",
        id="agency-owner-on-a-case-deadline",
    ),
    pytest.param(
        'key = "outcome_shared"',
        'key = "panel_submission"',
        "deadlines.panel_submission",
        "twice",
        id="duplicate-deadline-key",
    ),
    pytest.param(
        'key = "sin_notified"',
        'key = "SIN-notified"',
        "deadlines.SIN-notified.key",
        "lower case",
        id="bad-key",
    ),
    pytest.param(
        '[schedule]\nname = "',
        'colour = "blue"\n[schedule]\nname = "',
        "colour",
        "unknown setting",
        id="unknown-top-level-setting",
    ),
    pytest.param(
        '[schedule]\nname = "',
        '[schedule]\nauthor = "me"\nname = "',
        "schedule.author",
        "unknown setting",
        id="unknown-schedule-setting",
    ),
    pytest.param(
        SIN_RULE,
        SIN_RULE + 'colour = "red"\n',
        "deadlines.sin_notified.colour",
        "unknown setting",
        id="unknown-deadline-setting",
    ),
    pytest.param(
        SIN_RULE,
        SIN_RULE.replace("working_day", "workingday"),
        "deadlines.sin_notified.workingdays",
        "unknown setting",
        id="misspelt-deadline-setting",
    ),
    pytest.param(
        "escalation_every = 2 ",
        "escalation_every = 2\nremind_every = 1 ",
        "policy.remind_every",
        "unknown setting",
        id="unknown-policy-setting",
    ),
    pytest.param(
        '{ role = "chair", from_escalation = 3 }',
        '{ role = "boss", from_escalation = 3 }',
        "policy.escalation[1].role",
        "unknown role 'boss'",
        id="bad-escalation-role",
    ),
    pytest.param(
        '{ role = "manager", from_escalation = 1 }',
        '{ role = "manager", from_escalation = 0 }',
        "policy.escalation[0].from_escalation",
        "at least 1",
        id="escalation-from-zero",
    ),
    pytest.param(
        'reminder_time = "09:00"',
        'reminder_time = "9am"',
        "policy.reminder_time",
        "'9am'",
        id="reminder-time-9am",
    ),
    pytest.param(
        'reminder_time = "09:00"',
        'reminder_time = "25:00"',
        "policy.reminder_time",
        "'25:00'",
        id="reminder-time-25h",
    ),
    pytest.param(
        'escalation_time = "09:00"',
        "escalation_time = 9",
        "policy.escalation_time",
        "time of day",
        id="escalation-time-number",
    ),
    pytest.param(
        "reminder_days_before = [1, 0]",
        "reminder_days_before = [1, -1]",
        "policy.reminder_days_before[1]",
        "at least 0",
        id="reminder-after-due",
    ),
    pytest.param(
        "escalation_every = 2",
        "escalation_every = 0",
        "policy.escalation_every",
        "at least 1",
        id="escalation-every-0",
    ),
    pytest.param(
        'label = "Outcome shared with the agencies"\nfrom = "meeting_held"\nmet_by = "outcome_shared"\n'
        'working_days = 2\nowner = "coordinator"\n',
        'label = "Outcome shared with the agencies"\nfrom = "meeting_held"\nmet_by = "outcome_shared"\n'
        'working_days = 2\nowner = "coordinator"\n[deadlines.policy]\nreminder_time = "9am"\n',
        "deadlines.outcome_shared.policy.reminder_time",
        "'9am'",
        id="per-deadline-policy-reminder-time",
    ),
    pytest.param(
        'la = "Local Authority"\n',
        "",
        "deadlines.sin_notified.owner",
        "unknown owner 'partner:la'",
        id="owner-partner-not-in-partners",
    ),
]


@pytest.mark.parametrize(("old", "new", "key", "fault"), SCHEDULE_MISTAKES)
def test_schedule_mistakes_are_refused(tmp_path: Path, old: str, new: str, key: str, fault: str) -> None:
    """A mistake in the schedule gives ConfigError 'FILE: KEY: FAULT' on one line."""
    path = tmp_path / "rapid_review.toml"
    path.write_text(edited(SCHEDULE_TEXT, old, new), encoding="utf-8")
    for load in (load_schedule, check_file):
        message = refused(path, load)
        assert message.startswith(f"{path}: {key}: "), message
        assert fault in message, message


HEAD = '[schedule]\nname = "x"\nversion = "1"\n'
PARTNERS = '[partners]\nla = "LA"\n'
RULE = 'from = "aware"\nmet_by = "sin_notified"\nworking_days = 1\nowner = "coordinator"\n'
SMALL = HEAD + PARTNERS + '[[deadlines]]\nkey = "a"\nlabel = "A"\n' + RULE


def test_a_small_schedule_document_loads(tmp_path: Path) -> None:
    """The smallest valid schedule (the base of the broken documents below) loads."""
    path = tmp_path / "mine.toml"
    path.write_text(SMALL, encoding="utf-8")
    schedule = load_schedule(path)
    assert [(r.key, r.working_days, r.counts_from) for r in schedule.rules] == [("a", 1, "aware")]
    assert schedule.meeting_rule is None


@pytest.mark.parametrize(
    ("document", "key", "fault"),
    [
        pytest.param(PARTNERS, "schedule", "missing", id="no-schedule-table"),
        pytest.param(HEAD + '[[deadlines]]\nkey = "a"\n', "partners", "missing", id="no-partners"),
        pytest.param(HEAD + "[partners]\n", "partners", "at least one", id="empty-partners"),
        pytest.param(HEAD + PARTNERS, "deadlines", "missing", id="no-deadlines"),
        pytest.param(SMALL.replace('name = "x"\n', ""), "schedule.name", "missing", id="no-schedule-name"),
        pytest.param(
            SMALL.replace('key = "a"\n', ""), "deadlines[0].key", "missing", id="deadline-without-key"
        ),
        pytest.param(SMALL.replace('label = "A"\n', ""), "deadlines.a.label", "missing", id="no-label"),
        pytest.param(
            SMALL + 'per_agency = "yes"\n',
            "deadlines.a.per_agency",
            "true or false",
            id="per-agency-not-boolean",
        ),
        pytest.param(
            SMALL + "[[deadlines]]\n" + RULE, "deadlines[1].key", "missing", id="second-without-key"
        ),
    ],
)
def test_small_schedule_documents_are_refused(tmp_path: Path, document: str, key: str, fault: str) -> None:
    """Missing tables and settings are named with their key."""
    path = tmp_path / "mine.toml"
    path.write_text(document, encoding="utf-8")
    message = refused(path, load_schedule)
    assert message.startswith(f"{path}: {key}: "), message
    assert fault in message, message


@pytest.mark.parametrize(
    "bad_key",
    [
        pytest.param("sin_notified\\n", id="trailing-line-break"),
        pytest.param("sin\\nnotified", id="line-break-inside"),
    ],
)
def test_a_key_with_a_line_break_is_refused_on_one_line(tmp_path: Path, bad_key: str) -> None:
    """TOML allows any quoted string, but a deadline key is lower-case letters, digits and _ only, and
    the message that says so is still one line."""
    path = tmp_path / "rapid_review.toml"
    path.write_text(edited(SCHEDULE_TEXT, 'key = "sin_notified"', f'key = "{bad_key}"'), encoding="utf-8")
    message = refused(path, load_schedule)
    assert "lower case" in message, message


# -- mistakes in a calendar file -------------------------------------------------------------------

CALENDAR_MISTAKES = [
    pytest.param(
        'region = "ENG"', 'region = "XYZ"', "calendar.region", "unknown region 'XYZ'", id="unknown-region"
    ),
    pytest.param(
        'region = "ENG"', 'region = "England"', "calendar.region", "'England'", id="region-long-name"
    ),
    pytest.param('country = "GB"', 'country = "FR"', "calendar.country", "'FR'", id="other-country"),
    pytest.param(
        'timezone = "Europe/London"',
        'timezone = "Europe/Londres"',
        "calendar.timezone",
        "unknown time zone 'Europe/Londres'",
        id="unknown-timezone",
    ),
    pytest.param(
        'timezone = "Europe/London"',
        'timezone = "../etc"',
        "calendar.timezone",
        "'../etc'",
        id="timezone-path",
    ),
    pytest.param(
        "closures = []",
        'closures = [{ month = 2, day = 31, name = "x" }]',
        "calendar.closures[0]",
        "no such day",
        id="closure-31-february",
    ),
    pytest.param(
        "closures = []",
        'closures = [{ month = 12, day = 24, name = "ok" }, { month = 13, day = 1, name = "x" }]',
        "calendar.closures[1]",
        "no such day",
        id="closure-month-13",
    ),
    pytest.param(
        "closures = []",
        'closures = [{ month = 12, day = 0, name = "x" }]',
        "calendar.closures[0].day",
        "at least 1",
        id="closure-day-0",
    ),
    pytest.param(
        "closures = []",
        "closures = [{ month = 12, day = 24 }]",
        "calendar.closures[0].name",
        "missing",
        id="closure-without-name",
    ),
    pytest.param(
        "closures = []",
        'closures = [{ month = 12, day = 24, name = "x", year = 2026 }]',
        "calendar.closures[0].year",
        "unknown setting",
        id="closure-unknown-setting",
    ),
    pytest.param(
        "closures = []",
        'closures = "24 December"',
        "calendar.closures",
        "list of tables",
        id="closures-not-list",
    ),
    pytest.param(
        "extra_days = []",
        'extra_days = [{ date = "next tuesday", name = "x" }]',
        "calendar.extra_days[0].date",
        "not a date",
        id="extra-day-not-a-date",
    ),
    pytest.param(
        "extra_days = []",
        'extra_days = [{ date = "2027-02-30", name = "x" }]',
        "calendar.extra_days[0].date",
        "not a date",
        id="extra-day-30-february",
    ),
    pytest.param(
        "extra_days = []",
        'extra_days = [{ date = 20270607, name = "x" }]',
        "calendar.extra_days[0].date",
        "not a date",
        id="extra-day-number",
    ),
    pytest.param(
        "extra_days = []",
        'extra_days = [{ name = "x" }]',
        "calendar.extra_days[0].date",
        "missing",
        id="extra-day-without-date",
    ),
    pytest.param(
        'timezone = "Europe/London"',
        'timezone = "Europe/London"\nholidays = "GB"',
        "calendar.holidays",
        "unknown setting",
        id="unknown-calendar-setting",
    ),
]


@pytest.mark.parametrize(("old", "new", "key", "fault"), CALENDAR_MISTAKES)
def test_calendar_mistakes_are_refused(tmp_path: Path, old: str, new: str, key: str, fault: str) -> None:
    """A mistake in the calendar file gives ConfigError 'FILE: KEY: FAULT' on one line."""
    path = tmp_path / "calendar.toml"
    path.write_text(edited(CALENDAR_TEXT, old, new), encoding="utf-8")
    for load in (load_calendar_settings, check_file):
        message = refused(path, load)
        assert message.startswith(f"{path}: {key}: "), message
        assert fault in message, message


def test_unknown_top_level_table_in_a_calendar_file(tmp_path: Path) -> None:
    """A calendar file may hold only [calendar]."""
    path = tmp_path / "calendar.toml"
    path.write_text(CALENDAR_TEXT + '\n[office]\nname = "x"\n', encoding="utf-8")
    message = refused(path, load_calendar_settings)
    assert message.startswith(f"{path}: office: unknown setting"), message


def test_an_extra_day_with_a_time_is_refused_or_used_as_a_date(tmp_path: Path) -> None:
    """An extra day written as a TOML date-time is a mistake (it must be YYYY-MM-DD); if it is taken,
    it must be taken as the date, so the calendar still lists and counts it."""
    path = tmp_path / "calendar.toml"
    path.write_text(
        edited(CALENDAR_TEXT, "extra_days = []", 'extra_days = [{ date = 2027-06-07T10:00:00, name = "x" }]'),
        encoding="utf-8",
    )
    try:
        settings = load_calendar_settings(path)
    except ConfigError as error:
        assert str(error).startswith(f"{path}: calendar.extra_days[0].date: "), str(error)
        return
    assert all(type(d) is date for d in settings.extra_days), f"kept as {list(settings.extra_days)!r}"
    cal = WorkingCalendar(settings)
    assert cal.add(date(2027, 6, 4), 1) == date(2027, 6, 8)
    assert date(2027, 6, 7) in [d for d, _ in cal.non_working_days(2027)]


# -- files that cannot be read at all --------------------------------------------------------------


def test_invalid_toml(tmp_path: Path) -> None:
    """A file that is not TOML is refused on one line that says so and where."""
    path = tmp_path / "rapid_review.toml"
    path.write_text(edited(SCHEDULE_TEXT, "[partners]", "[partners"), encoding="utf-8")
    message = refused(path)
    assert "not valid TOML" in message and "line" in message, message


def test_missing_file(tmp_path: Path) -> None:
    """A file that is not there is refused as such."""
    path = tmp_path / "nowhere.toml"
    assert "no such file" in refused(path)
    assert "no such file" in refused(path, load_schedule)
    assert "no such file" in refused(path, load_calendar_settings)


def test_a_folder_instead_of_a_file(tmp_path: Path) -> None:
    """A folder given for a file is refused with a ConfigError, not a crash."""
    refused(tmp_path)


def test_a_file_not_in_utf8(tmp_path: Path) -> None:
    """A schedule saved in Windows-1252 (say with an accented label) is refused with a ConfigError that
    names the file, not a UnicodeDecodeError."""
    path = tmp_path / "rapid_review.toml"
    text = edited(SCHEDULE_TEXT, 'la = "Local Authority"', 'la = "Autorité locale"')
    path.write_bytes(text.encode("cp1252", errors="replace"))
    refused(path)


def test_config_error_is_bad_input() -> None:
    """A bad file is bad input: the CLI exits 2 (docs/coordinators-guide.md)."""
    assert issubclass(ConfigError, BadInput)
    assert ConfigError.exit_code == 2


def test_a_config_error_stays_on_one_line_whatever_the_file_holds() -> None:
    """A quoted TOML key may hold a line break; the error names it escaped, on one line.

    Planted bug caught (by mutation): the \\r or \\n escape in `_Reader.fail` dropped or changed."""
    from rr_workflow.domain.schedule import parse_calendar

    settings = {"country": "GB", "region": "ENG", "timezone": "Europe/London", "odd\r\nkey": 1}
    with pytest.raises(ConfigError) as raised:
        parse_calendar({"calendar": settings}, source="cal.toml")
    assert str(raised.value) == (
        "cal.toml: calendar.odd\\r\\nkey: unknown setting "
        "(expected one of: country, region, timezone, closures, extra_days)"
    )
