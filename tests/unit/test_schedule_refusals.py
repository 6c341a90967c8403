# ruff: noqa: E501  (tables of whole refusal lines read best one case to a line)
"""The Rapid Review schedule file and the calendar file read by `parse_schedule` and `parse_calendar`:
what a valid document becomes, and every mistake refused with the whole line 'FILE: KEY: FAULT' written
out by hand.

Planted (mutation run): the refusal messages garbled ("XX...XX", upper case, None), the key of a
refusal dropped or swapped, a check inverted (`or` for `and`, `<` for `<=`), a default changed: the
shipped files are valid, so the tests that only load them passed every one of these. Each document is
parsed inside the test, so a mutant switched on for the test is the code that reads it."""

from __future__ import annotations

import tomllib
from datetime import date, time

import pytest

from rr_workflow.domain.errors import ConfigError
from rr_workflow.domain.schedule import (
    ActionRule,
    EscalationStep,
    NoticePolicy,
    parse_calendar,
    parse_review_schedule,
    parse_schedule,
)

SOURCE = "s.toml"
HEAD = '[schedule]\nname = "Rapid"\nversion = "v-1"\n[partners]\nla = "Local Authority"\n'
RULE = (
    '[[deadlines]]\nkey = "scope"\nlabel = "Scoping"\nfrom = "referral_received"\n'
    'met_by = "decision_made"\nworking_days = 5\nowner = "coordinator"\n'
)
CASE_EVENTS = (
    "aware, closed, decision_made, endorsed, meeting_date_set, meeting_held, outcome_shared, "
    "panel_answered, panel_questions, panel_response, panel_submission, referral_received, "
    "scoping_sent, sin_notified"
)
POLICY_KEYS = (
    "reminder_days_before, reminder_time, escalation_time, escalation_first, escalation_every, escalation"
)
RULE_KEYS = (
    "key, label, from, met_by, working_days, window, months, on_non_working_day, before, repeat_until, "
    "owner, per_agency, policy"
)


def rule(**fields: str) -> str:
    """A [[deadlines]] table: RULE's fields, each replaced by the TOML value given (None-like "" drops it)."""
    base = {
        "key": '"scope"',
        "label": '"Scoping"',
        "from": '"referral_received"',
        "met_by": '"decision_made"',
        "working_days": "5",
        "owner": '"coordinator"',
    }
    base.update(fields)
    return "[[deadlines]]\n" + "".join(f"{k} = {v}\n" for k, v in base.items() if v != "")


def parsed(text: str):  # type: ignore[no-untyped-def]
    return parse_schedule(tomllib.loads(text), SOURCE)


def refusal(text: str) -> str:
    with pytest.raises(ConfigError) as caught:
        parsed(text)
    return str(caught.value)


def test_a_full_schedule_becomes_these_rules() -> None:
    """Planted: any field of a rule, the policy, the actions or the head read wrong or dropped."""
    text = (
        '[schedule]\nname = "Rapid"\nversion = "v-1"\n'
        '[partners]\nla = "Local Authority"\npolice = "Police"\n'
        "[procedure]\nendorsement_before_submission = false\n"
        "[policy]\nreminder_days_before = [3, 1]\nreminder_time = 08:30:00\nescalation_time = \"10:15\"\n"
        "escalation_first = 2\nescalation_every = 4\n"
        'escalation = [{ role = "admin", from_escalation = 1 }, { role = "chair", from_escalation = 2 }]\n'
        "[actions]\nworking_days = 15\n"
        "[actions.policy]\nreminder_days_before = [2]\n"
        + rule()
        + rule(key='"meet"', label='"Meeting"', met_by='"meeting_held"', working_days="",
               window="[7, 13]", owner='"partner:police"', policy="{ escalation_first = 3 }")
        + rule(key='"rec"', label='"Records"', **{"from": '"scoping_sent"'}, met_by='"records_secured"',
               per_agency="true", owner='"agency"', working_days="2")
        + rule(key='"panel"', label='"Panel"', met_by='"panel_response"', working_days="", months="3",
               on_non_working_day='"next"', owner='"referrer"')
        + rule(key='"sub"', label='"Submission"', **{"from": ""}, met_by='"panel_submission"',
               before='"scope"', working_days="7", owner='"chair"')
        + rule(key='"check"', label='"Checkpoint"', met_by='"meeting_held"', repeat_until='"closed"',
               working_days="10", owner='"manager"')
    )  # fmt: skip
    schedule = parsed(text)
    base = NoticePolicy(
        reminder_days_before=(3, 1),
        reminder_time=time(8, 30),
        escalation_time=time(10, 15),
        escalation_first=2,
        escalation_every=4,
        escalation_chain=(EscalationStep("admin", 1), EscalationStep("chair", 2)),
    )
    assert (schedule.name, schedule.version, schedule.source, schedule.kind) == (
        "Rapid",
        "v-1",
        "s.toml",
        "rapid_review",
    )
    assert schedule.partners == {"la": "Local Authority", "police": "Police"}
    assert schedule.endorsement_required is False
    assert schedule.actions == ActionRule(
        working_days=15,
        policy=NoticePolicy(
            reminder_days_before=(2,),
            reminder_time=time(8, 30),
            escalation_time=time(10, 15),
            escalation_first=2,
            escalation_every=4,
            escalation_chain=(EscalationStep("admin", 1), EscalationStep("chair", 2)),
        ),
    )
    got = [
        (r.key, r.label, r.counts_from, r.met_by, r.working_days, r.owner, r.per_agency, r.earliest,
         r.months, r.roll, r.before, r.repeat_until)
        for r in schedule.rules
    ]  # fmt: skip
    assert got == [
        ("scope", "Scoping", "referral_received", "decision_made", 5, "coordinator", False, None, None, "keep", None, None),
        ("meet", "Meeting", "referral_received", "meeting_held", 13, "partner:police", False, 7, None, "keep", None, None),
        ("rec", "Records", "scoping_sent", "records_secured", 2, "agency", True, None, None, "keep", None, None),
        ("panel", "Panel", "referral_received", "panel_response", 0, "referrer", False, None, 3, "next", None, None),
        ("sub", "Submission", "before", "panel_submission", 7, "chair", False, None, None, "keep", "scope", None),
        ("check", "Checkpoint", "referral_received", "meeting_held", 10, "manager", False, None, None, "keep", None, "closed"),
    ]  # fmt: skip
    assert schedule.rules[0].policy == base
    assert schedule.rules[1].policy == NoticePolicy(
        reminder_days_before=(3, 1),
        reminder_time=time(8, 30),
        escalation_time=time(10, 15),
        escalation_first=3,
        escalation_every=4,
        escalation_chain=(EscalationStep("admin", 1), EscalationStep("chair", 2)),
    )
    assert schedule.rule("sub").before == "scope"
    assert schedule.meeting_rule is schedule.rules[1]


def test_a_minimal_schedule_takes_the_defaults() -> None:
    """Planted: a default of the policy, the actions or the endorsement changed or made required."""
    schedule = parsed(HEAD + RULE)
    assert schedule.endorsement_required is True
    assert schedule.actions == ActionRule(working_days=20, policy=NoticePolicy())
    assert schedule.rules[0].policy == NoticePolicy(
        reminder_days_before=(1, 0),
        reminder_time=time(9, 0),
        escalation_time=time(9, 0),
        escalation_first=1,
        escalation_every=2,
        escalation_chain=(EscalationStep("manager", 1), EscalationStep("chair", 3)),
    )
    assert schedule.rules[0].working_days == 5
    assert schedule.meeting_rule is None


def test_an_unknown_rule_key_raises_key_error_naming_it() -> None:
    """Planted: `KeyError(None)`."""
    with pytest.raises(KeyError) as caught:
        parsed(HEAD + RULE).rule("nope")
    assert caught.value.args == ("nope",)


def test_zero_working_days_and_a_one_day_window_are_allowed() -> None:
    """Planted: the minimum check `<` turned into `<=`, the window check `>` into `>=`."""
    schedule = parsed(HEAD + rule(working_days="0") + rule(key='"w"', working_days="", window="[4, 4]"))
    assert [(r.working_days, r.earliest) for r in schedule.rules] == [(0, None), (4, 4)]
    assert parsed(HEAD + rule(working_days="3650")).rules[0].working_days == 3650
    months = parsed(HEAD + rule(working_days="", months="120")).rules[0]
    assert (months.months, months.roll, months.working_days) == (120, "keep", 0)
    one = parsed(HEAD + rule(working_days="", months="1", on_non_working_day='"previous"')).rules[0]
    assert (one.months, one.roll) == (1, "previous")


def test_a_window_of_zero_to_zero_days_is_allowed() -> None:
    """Planted: the window bounds read with a minimum above 0."""
    got = parsed(HEAD + rule(working_days="", window="[0, 0]")).rules[0]
    assert (got.earliest, got.working_days) == (0, 0)


PRE = '[schedule]\nname = "Rapid"\nversion = "v-1"\n'
PARTNERS = '[partners]\nla = "Local Authority"\n'

BAD_SCHEDULES = [
    ("extra = 1\n" + HEAD + RULE,
     "s.toml: extra: unknown setting (expected one of: schedule, partners, procedure, policy, deadlines, actions)"),
    (HEAD + "[procedure]\nfoo = 1\n" + RULE,
     "s.toml: procedure.foo: unknown setting (expected one of: endorsement_before_submission)"),
    (HEAD + '[procedure]\nendorsement_before_submission = "yes"\n' + RULE,
     "s.toml: procedure.endorsement_before_submission: must be true or false"),
    ("procedure = 3\n" + HEAD + RULE, "s.toml: procedure: must be a table"),
    (PARTNERS + RULE, "s.toml: schedule: missing table"),
    ("schedule = 1\n" + PARTNERS + RULE, "s.toml: schedule: must be a table"),
    (PRE + "owner = 1\n" + PARTNERS + RULE,
     "s.toml: schedule.owner: unknown setting (expected one of: name, version)"),
    ('[schedule]\nversion = "v"\n' + PARTNERS + RULE, "s.toml: schedule.name: missing"),
    ('[schedule]\nname = "R"\n' + PARTNERS + RULE, "s.toml: schedule.version: missing"),
    ('[schedule]\nname = " "\nversion = "v"\n' + PARTNERS + RULE, "s.toml: schedule.name: must be a non-empty string"),
    ('[schedule]\nname = "R"\nversion = 2\n' + PARTNERS + RULE, "s.toml: schedule.version: must be a non-empty string"),
    (PRE + RULE, "s.toml: partners: missing table"),
    (PRE + "[partners]\n" + RULE, "s.toml: partners: name at least one safeguarding partner"),
    (PRE + '[partners]\nLA = "x"\n' + RULE, "s.toml: partners.LA: a partner key is lower case letters, digits and _"),
    (PRE + '[partners]\n"a\\nb" = "x"\n' + RULE,
     "s.toml: partners.a\\nb: a partner key is lower case letters, digits and _"),
    (PRE + '[partners]\n"a\\rb" = "x"\n' + RULE,
     "s.toml: partners.a\\rb: a partner key is lower case letters, digits and _"),
    (PRE + '[partners]\nla = ""\n' + RULE, "s.toml: partners.la: must be a non-empty string"),
    (PRE + "[partners]\nla = 3\n" + RULE, "s.toml: partners.la: must be a non-empty string"),
    (HEAD, "s.toml: deadlines: missing: add at least one [[deadlines]] table"),
    ("deadlines = []\n" + HEAD, "s.toml: deadlines: missing: add at least one [[deadlines]] table"),
    ("deadlines = {}\n" + HEAD, "s.toml: deadlines: missing: add at least one [[deadlines]] table"),
    ("deadlines = [1]\n" + HEAD, "s.toml: deadlines[0]: must be a table"),
    (HEAD + RULE + rule(key="") , "s.toml: deadlines[1].key: missing"),
    (HEAD + rule(key="3"), "s.toml: deadlines[0].key: must be a non-empty string"),
    (HEAD + rule(key='"Scope"'), "s.toml: deadlines.Scope.key: a deadline key is lower case letters, digits and _"),
    (HEAD + rule(color='"red"'), f"s.toml: deadlines.scope.color: unknown setting (expected one of: {RULE_KEYS})"),
    (HEAD + rule(per_agency='"yes"'), "s.toml: deadlines.scope.per_agency: must be true or false"),
    (HEAD + RULE + rule(key='"sub"', before='"scope"'),
     "s.toml: deadlines.sub: a deadline counted back with `before` has no `from` and is not per agency"),
    (HEAD + RULE + rule(key='"sub"', before='"scope"', per_agency="true", **{"from": ""}),
     "s.toml: deadlines.sub: a deadline counted back with `before` has no `from` and is not per agency"),
    (HEAD + RULE + rule(key='"sub"', before='""', **{"from": ""}), "s.toml: deadlines.sub.before: must be a non-empty string"),
    (HEAD + rule(**{"from": ""}), "s.toml: deadlines.scope.from: missing"),
    (HEAD + rule(met_by=""), "s.toml: deadlines.scope.met_by: missing"),
    (HEAD + rule(owner=""), "s.toml: deadlines.scope.owner: missing"),
    (HEAD + rule(label=""), "s.toml: deadlines.scope.label: missing"),
    (HEAD + rule(**{"from": '"nope"'}),
     f"s.toml: deadlines.scope.from: unknown case event 'nope' (expected one of: {CASE_EVENTS})"),
    (HEAD + rule(met_by='"records_secured"'),
     f"s.toml: deadlines.scope.met_by: unknown case event 'records_secured' (expected one of: {CASE_EVENTS})"),
    (HEAD + RULE + rule(key='"sub"', before='"scope"', **{"from": ""}, met_by='"nope"'),
     f"s.toml: deadlines.sub.met_by: unknown case event 'nope' (expected one of: {CASE_EVENTS})"),
    (HEAD + rule(per_agency="true", owner='"agency"'),
     "s.toml: deadlines.scope.from: unknown agency event 'referral_received' "
     "(expected one of: records_secured, scoping_returned, scoping_sent)"),
    (HEAD + rule(per_agency="true", owner='"agency"', **{"from": '"scoping_sent"'}),
     "s.toml: deadlines.scope.met_by: unknown agency event 'decision_made' "
     "(expected one of: records_secured, scoping_returned, scoping_sent)"),
    (HEAD + rule(repeat_until='"nope"'),
     f"s.toml: deadlines.scope.repeat_until: unknown case event 'nope' (expected one of: {CASE_EVENTS})"),
    (HEAD + rule(repeat_until='""'), "s.toml: deadlines.scope.repeat_until: must be a non-empty string"),
    (HEAD + rule(repeat_until='"closed"', per_agency="true", owner='"agency"', **{"from": '"scoping_sent"'},
                 met_by='"records_secured"'),
     "s.toml: deadlines.scope.repeat_until: a repeating deadline is neither per agency nor counted back"),
    (HEAD + RULE + rule(key='"sub"', before='"scope"', **{"from": ""}, repeat_until='"closed"'),
     "s.toml: deadlines.sub.repeat_until: a repeating deadline is neither per agency nor counted back"),
    (HEAD + rule(window="[1, 2]"),
     "s.toml: deadlines.scope: give one of working_days, window or months, not both working_days and window"),
    (HEAD + rule(working_days="", window="[1, 2]", months="2"),
     "s.toml: deadlines.scope: give one of working_days, window or months, not both window and months"),
    (HEAD + rule(months="2"),
     "s.toml: deadlines.scope: give one of working_days, window or months, not both working_days and months"),
    (HEAD + RULE + rule(key='"sub"', before='"scope"', **{"from": ""}, working_days="", months="2"),
     "s.toml: deadlines.sub: a deadline counted back or repeating is counted in working_days"),
    (HEAD + rule(repeat_until='"closed"', working_days="", window="[1, 2]"),
     "s.toml: deadlines.scope: a deadline counted back or repeating is counted in working_days"),
    (HEAD + rule(working_days="", months="0"), "s.toml: deadlines.scope.months: must be at least 1, not 0"),
    (HEAD + rule(working_days="", months="121"), "s.toml: deadlines.scope.months: must be at most 120, not 121"),
    (HEAD + rule(working_days="", months='"2"'), "s.toml: deadlines.scope.months: must be a whole number, not '2'"),
    (HEAD + rule(working_days="", months="2", on_non_working_day='"later"'),
     "s.toml: deadlines.scope.on_non_working_day: unknown 'later' (expected one of: keep, next, previous)"),
    (HEAD + rule(working_days="", months="2", on_non_working_day='""'),
     "s.toml: deadlines.scope.on_non_working_day: must be a non-empty string"),
    (HEAD + rule(on_non_working_day='"next"'),
     "s.toml: deadlines.scope.on_non_working_day: only a deadline counted in months is moved off a day"),
    (HEAD + rule(working_days="", window="[1]"), "s.toml: deadlines.scope.window: must be [earliest, latest] working days"),
    (HEAD + rule(working_days="", window="[1, 2, 3]"), "s.toml: deadlines.scope.window: must be [earliest, latest] working days"),
    (HEAD + rule(working_days="", window="3"), "s.toml: deadlines.scope.window: must be [earliest, latest] working days"),
    (HEAD + rule(working_days="", window="[9, 3]"), "s.toml: deadlines.scope.window: earliest (9) is after latest (3)"),
    (HEAD + rule(working_days="", window='["a", 3]'), "s.toml: deadlines.scope.window: must be a whole number, not 'a'"),
    (HEAD + rule(working_days="", window='[1, "b"]'), "s.toml: deadlines.scope.window: must be a whole number, not 'b'"),
    (HEAD + rule(working_days="", window="[-1, 3]"), "s.toml: deadlines.scope.window: must be at least 0, not -1"),
    (HEAD + rule(working_days=""), "s.toml: deadlines.scope.working_days: missing"),
    (HEAD + rule(working_days="true"), "s.toml: deadlines.scope.working_days: must be a whole number, not True"),
    (HEAD + rule(working_days="1.5"), "s.toml: deadlines.scope.working_days: must be a whole number, not 1.5"),
    (HEAD + rule(working_days="-1"), "s.toml: deadlines.scope.working_days: must be at least 0, not -1"),
    (HEAD + rule(working_days="3651"), "s.toml: deadlines.scope.working_days: must be at most 3650, not 3651"),
    (HEAD + rule(working_days="999999999999"), "s.toml: deadlines.scope.working_days: must be at most 3650, not 999999999999"),
    (HEAD + rule(working_days="1000000000000"),
     "s.toml: deadlines.scope.working_days: must be at most 3650, not 100000... (13 digits)"),
    (HEAD + rule(working_days="12345678901234567"),
     "s.toml: deadlines.scope.working_days: must be at most 3650, not 123456... (17 digits)"),
    (HEAD + rule(owner='"boss"'),
     "s.toml: deadlines.scope.owner: unknown owner 'boss' "
     "(expected one of: coordinator, manager, chair, admin, referrer, partner:la)"),
    (HEAD + rule(owner='"agency"'),
     "s.toml: deadlines.scope.owner: unknown owner 'agency' "
     "(expected one of: coordinator, manager, chair, admin, referrer, partner:la)"),
    (HEAD + rule(owner='"partner:police"'),
     "s.toml: deadlines.scope.owner: unknown owner 'partner:police' "
     "(expected one of: coordinator, manager, chair, admin, referrer, partner:la)"),
    (HEAD + rule(per_agency="true", **{"from": '"scoping_sent"'}, met_by='"records_secured"', owner='"boss"'),
     "s.toml: deadlines.scope.owner: unknown owner 'boss' "
     "(expected one of: coordinator, manager, chair, admin, referrer, partner:la, agency)"),
    (HEAD + rule(policy="1"), "s.toml: deadlines.scope.policy: must be a table"),
    (HEAD + rule(policy="{ foo = 1 }"),
     f"s.toml: deadlines.scope.policy.foo: unknown setting (expected one of: {POLICY_KEYS})"),
    (HEAD + rule(policy="{ escalation_first = 0 }"),
     "s.toml: deadlines.scope.policy.escalation_first: must be at least 1, not 0"),
    (HEAD + RULE + RULE, "s.toml: deadlines.scope: the same key is used twice"),
    (HEAD + RULE + rule(key='"sub"', before='"nope"', **{"from": ""}),
     "s.toml: deadlines.sub.before: no deadline 'nope' to count back from (expected one of: scope)"),
    (HEAD + rule(key='"a"', repeat_until='"closed"') + rule(key='"b"', per_agency="true", owner='"agency"',
     **{"from": '"scoping_sent"'}, met_by='"records_secured"') + RULE
     + rule(key='"c"', before='"a"', **{"from": ""}) ,
     "s.toml: deadlines.c.before: no deadline 'a' to count back from (expected one of: scope)"),
    (HEAD + RULE + rule(key='"c"', before='"scope"', **{"from": ""}) + rule(key='"d"', before='"c"', **{"from": ""}),
     "s.toml: deadlines.d.before: no deadline 'c' to count back from (expected one of: scope)"),
    (HEAD + RULE + rule(key='"b"', per_agency="true", owner='"agency"', **{"from": '"scoping_sent"'},
                        met_by='"records_secured"') + rule(key='"c"', before='"b"', **{"from": ""}),
     "s.toml: deadlines.c.before: no deadline 'b' to count back from (expected one of: scope)"),
    (HEAD + RULE + rule(key='"a"') + rule(key='"c"', before='"x"', **{"from": ""}),
     "s.toml: deadlines.c.before: no deadline 'x' to count back from (expected one of: a, scope)"),
    (HEAD + "[actions]\nfoo = 1\n" + RULE,
     "s.toml: actions.foo: unknown setting (expected one of: working_days, policy)"),
    (HEAD + "[actions]\nworking_days = 0\n" + RULE, "s.toml: actions.working_days: must be at least 1, not 0"),
    (HEAD + "[actions]\npolicy = 2\n" + RULE, "s.toml: actions.policy: must be a table"),
    (HEAD + "[actions.policy]\nfoo = 2\n" + RULE,
     f"s.toml: actions.policy.foo: unknown setting (expected one of: {POLICY_KEYS})"),
    ("actions = 1\n" + HEAD + RULE, "s.toml: actions: must be a table"),
    ("policy = 1\n" + HEAD + RULE, "s.toml: policy: must be a table"),
    (HEAD + "[policy]\nfoo = 1\n" + RULE, f"s.toml: policy.foo: unknown setting (expected one of: {POLICY_KEYS})"),
    (HEAD + "[policy]\nreminder_days_before = 1\n" + RULE,
     "s.toml: policy.reminder_days_before: must be a list of whole numbers"),
    (HEAD + '[policy]\nreminder_days_before = [1, "x"]\n' + RULE,
     "s.toml: policy.reminder_days_before[1]: must be a whole number, not 'x'"),
    (HEAD + "[policy]\nreminder_days_before = [-1]\n" + RULE,
     "s.toml: policy.reminder_days_before[0]: must be at least 0, not -1"),
    (HEAD + "[policy]\nescalation = []\n" + RULE,
     "s.toml: policy.escalation: must be a non-empty list of {role, from_escalation} tables"),
    (HEAD + "[policy]\nescalation = 1\n" + RULE,
     "s.toml: policy.escalation: must be a non-empty list of {role, from_escalation} tables"),
    (HEAD + '[policy]\nescalation = [{ role = "chair", from_escalation = 1 }, 1]\n' + RULE,
     "s.toml: policy.escalation[1]: must be a table with role and from_escalation"),
    (HEAD + '[policy]\nescalation = [{ role = "chair", from_escalation = 1, x = 1 }]\n' + RULE,
     "s.toml: policy.escalation[0].x: unknown setting (expected one of: role, from_escalation)"),
    (HEAD + "[policy]\nescalation = [{ from_escalation = 1 }]\n" + RULE, "s.toml: policy.escalation[0].role: missing"),
    (HEAD + '[policy]\nescalation = [{ role = "boss", from_escalation = 1 }]\n' + RULE,
     "s.toml: policy.escalation[0].role: unknown role 'boss' (expected one of: coordinator, manager, chair, admin)"),
    (HEAD + '[policy]\nescalation = [{ role = "chair", from_escalation = 0 }]\n' + RULE,
     "s.toml: policy.escalation[0].from_escalation: must be at least 1, not 0"),
    (HEAD + '[policy]\nescalation = [{ role = "chair" }]\n' + RULE,
     "s.toml: policy.escalation[0].from_escalation: missing"),
    (HEAD + '[policy]\nreminder_time = "9:00"\n' + RULE,
     "s.toml: policy.reminder_time: must be a time of day HH:MM, not '9:00'"),
    (HEAD + '[policy]\nreminder_time = "25:00"\n' + RULE,
     "s.toml: policy.reminder_time: must be a time of day HH:MM, not '25:00'"),
    (HEAD + '[policy]\nreminder_time = "09:00:00"\n' + RULE,
     "s.toml: policy.reminder_time: must be a time of day HH:MM, not '09:00:00'"),
    (HEAD + "[policy]\nescalation_time = 9\n" + RULE, "s.toml: policy.escalation_time: must be a time of day HH:MM, not 9"),
    (HEAD + "[policy]\nescalation_first = 0\n" + RULE, "s.toml: policy.escalation_first: must be at least 1, not 0"),
    (HEAD + "[policy]\nescalation_every = 0\n" + RULE, "s.toml: policy.escalation_every: must be at least 1, not 0"),
]  # fmt: skip


@pytest.mark.parametrize(("text", "message"), BAD_SCHEDULES)
def test_a_schedule_mistake_is_refused_with_its_whole_line(text: str, message: str) -> None:
    """Planted: any refusal's key or words garbled or dropped, or its check inverted."""
    assert refusal(text) == message


CAL = "c.toml"


def calendar(text: str):  # type: ignore[no-untyped-def]
    return parse_calendar(tomllib.loads(text), CAL)


def test_a_full_calendar_becomes_these_settings() -> None:
    """Planted: a closure, an extra day, the region or the zone read wrong or dropped."""
    got = calendar(
        '[calendar]\ncountry = "GB"\nregion = "WLS"\ntimezone = "Europe/Dublin"\n'
        'closures = [{ month = 12, day = 24, name = "Eve" }, { month = 2, day = 29, name = "Leap" }]\n'
        'extra_days = [{ date = 2027-06-07, name = "Extra" }, { date = "2028-01-03", name = "Other" }]\n'
    )
    assert (got.country, got.region, got.timezone) == ("GB", "WLS", "Europe/Dublin")
    assert got.annual_closures == ((12, 24, "Eve"), (2, 29, "Leap"))
    assert dict(got.extra_days) == {date(2027, 6, 7): "Extra", date(2028, 1, 3): "Other"}


def test_an_empty_calendar_table_takes_the_defaults() -> None:
    """Planted: a default country, region or zone changed."""
    got = calendar("[calendar]\n")
    assert (got.country, got.region, got.timezone, got.annual_closures, dict(got.extra_days)) == (
        "GB", "ENG", "Europe/London", (), {},
    )  # fmt: skip


BAD_CALENDARS = [
    ("holidays = 1\n[calendar]\n", "c.toml: holidays: unknown setting (expected one of: calendar)"),
    ("", "c.toml: calendar: missing table"),
    ("calendar = 1\n", "c.toml: calendar: must be a table"),
    ("[calendar]\nzone = 1\n",
     "c.toml: calendar.zone: unknown setting (expected one of: country, region, timezone, closures, extra_days)"),
    ('[calendar]\ncountry = "FR"\n', "c.toml: calendar.country: only GB is supported, not 'FR'"),
    ('[calendar]\ncountry = ""\n', "c.toml: calendar.country: must be a non-empty string"),
    ('[calendar]\nregion = "XX"\n', "c.toml: calendar.region: unknown region 'XX' (expected one of: ENG, WLS, SCT, NIR)"),
    ("[calendar]\nregion = 1\n", "c.toml: calendar.region: must be a non-empty string"),
    ('[calendar]\ntimezone = "Mars/Base"\n', "c.toml: calendar.timezone: unknown time zone 'Mars/Base'"),
    ('[calendar]\ntimezone = "../etc"\n', "c.toml: calendar.timezone: unknown time zone '../etc'"),
    ("[calendar]\ntimezone = 1\n", "c.toml: calendar.timezone: must be a non-empty string"),
    ("[calendar]\nclosures = 1\n", "c.toml: calendar.closures: must be a list of tables, e.g. [{ ... }, { ... }]"),
    ('[calendar]\nclosures = [{ month = 1, day = 2, name = "a" }, 1]\n',
     "c.toml: calendar.closures: must be a list of tables, e.g. [{ ... }, { ... }]"),
    ("[calendar]\nextra_days = [1]\n", "c.toml: calendar.extra_days: must be a list of tables, e.g. [{ ... }, { ... }]"),
    ('[calendar]\nclosures = [{ month = 1, day = 2, name = "a" }, { month = 2, day = 30, name = "b" }]\n',
     "c.toml: calendar.closures[1]: no such day: month 2, day 30"),
    ('[calendar]\nclosures = [{ month = 13, day = 1, name = "b" }]\n', "c.toml: calendar.closures[0]: no such day: month 13, day 1"),
    ('[calendar]\nclosures = [{ month = 0, day = 1, name = "b" }]\n',
     "c.toml: calendar.closures[0].month: must be at least 1, not 0"),
    ('[calendar]\nclosures = [{ month = 1, day = 0, name = "b" }]\n',
     "c.toml: calendar.closures[0].day: must be at least 1, not 0"),
    ('[calendar]\nclosures = [{ day = 1, name = "b" }]\n', "c.toml: calendar.closures[0].month: missing"),
    ('[calendar]\nclosures = [{ month = 1, name = "b" }]\n', "c.toml: calendar.closures[0].day: missing"),
    ("[calendar]\nclosures = [{ month = 1, day = 1 }]\n", "c.toml: calendar.closures[0].name: missing"),
    ('[calendar]\nclosures = [{ month = 1, day = 1, name = "b", year = 2 }]\n',
     "c.toml: calendar.closures[0].year: unknown setting (expected one of: month, day, name)"),
    ('[calendar]\nextra_days = [{ name = "b" }]\n', "c.toml: calendar.extra_days[0].date: missing"),
    ('[calendar]\nextra_days = [{ date = 2027-06-07, name = "a" }, { name = "b" }]\n',
     "c.toml: calendar.extra_days[1].date: missing"),
    ('[calendar]\nextra_days = [{ date = "2027-13-01", name = "b" }]\n',
     "c.toml: calendar.extra_days[0].date: not a date (YYYY-MM-DD): '2027-13-01'"),
    ('[calendar]\nextra_days = [{ date = 2027-06-07T10:00:00, name = "b" }]\n',
     "c.toml: calendar.extra_days[0].date: not a date (YYYY-MM-DD): datetime.datetime(2027, 6, 7, 10, 0)"),
    ('[calendar]\nextra_days = [{ date = 5, name = "b" }]\n', "c.toml: calendar.extra_days[0].date: not a date (YYYY-MM-DD): 5"),
    ("[calendar]\nextra_days = [{ date = 2027-06-07 }]\n", "c.toml: calendar.extra_days[0].name: missing"),
    ('[calendar]\nextra_days = [{ date = 2027-06-07, name = "b", x = 1 }]\n',
     "c.toml: calendar.extra_days[0].x: unknown setting (expected one of: date, name)"),
]  # fmt: skip


@pytest.mark.parametrize(("text", "message"), BAD_CALENDARS)
def test_a_calendar_mistake_is_refused_with_its_whole_line(text: str, message: str) -> None:
    """Planted: any refusal's key or words garbled or dropped, or its check inverted."""
    with pytest.raises(ConfigError) as caught:
        calendar(text)
    assert str(caught.value) == message


def test_a_document_without_a_file_name_is_named_by_its_kind() -> None:
    """Planted: the default source "<schedule>" or "<calendar>" garbled ("XX<schedule>XX", upper case)."""
    assert parse_schedule(tomllib.loads(HEAD + RULE)).source == "<schedule>"
    with pytest.raises(ConfigError) as caught:
        parse_schedule(tomllib.loads(HEAD))
    assert str(caught.value) == "<schedule>: deadlines: missing: add at least one [[deadlines]] table"
    with pytest.raises(ConfigError) as caught:
        parse_calendar(tomllib.loads('[calendar]\ncountry = "FR"\n'))
    assert str(caught.value) == "<calendar>: calendar.country: only GB is supported, not 'FR'"
    review = parse_review_schedule(
        tomllib.loads(
            '[schedule]\nprocedure = "review"\nname = "R"\nversion = "1"\n'
            '[[deadlines]]\nkey = "a"\nlabel = "A"\nfrom = "decision_made"\n'
            'met_by = "tor_agreed"\nworking_days = 5\nowner = "chair"\n'
        )
    )
    assert review.source == "<review schedule>"
