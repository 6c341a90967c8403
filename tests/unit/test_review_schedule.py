"""The review's schedule file (schedules/local_review.toml) read by `parse_review_schedule`: what a valid
document becomes, and every mistake refused with the whole line 'FILE: KEY: FAULT' written out by hand.

The mutation run (benchmarks/mutation.sh) found that the tests of the review's timescales only loaded
the shipped file: a parse that dropped the version, the kind or the file's name, or named the wrong key
in a refusal, passed them all."""

from __future__ import annotations

import tomllib
from datetime import time

import pytest

from rr_workflow.domain.errors import ConfigError
from rr_workflow.domain.schedule import EscalationStep, NoticePolicy, parse_calendar, parse_review_schedule

SOURCE = "review.toml"
HEAD = '[schedule]\nprocedure = "review"\nname = "Local review"\nversion = "r-7"\n'
POLICY = (
    "[policy]\nreminder_days_before = [3]\nescalation_every = 4\n"
    'escalation = [{ role = "chair", from_escalation = 1 }]\n'
)
RULE = (
    '[[deadlines]]\nkey = "appointed"\nlabel = "Reviewer appointed"\nfrom = "decision_made"\n'
    'met_by = "reviewer_appointed"\nworking_days = 20\nowner = "coordinator"\n'
)


def parsed(text: str):  # type: ignore[no-untyped-def]
    return parse_review_schedule(tomllib.loads(text), SOURCE)


def refusal(text: str) -> str:
    with pytest.raises(ConfigError) as caught:
        parsed(text)
    return str(caught.value)


def test_a_review_schedule_keeps_its_name_version_kind_and_file() -> None:
    """Planted: the version read as str(None), the kind or the source dropped (Schedule's defaults
    "rapid_review" and "<schedule>"), partners None: each fails here."""
    schedule = parsed(HEAD + RULE)
    assert (schedule.name, schedule.version, schedule.kind, schedule.source) == (
        "Local review", "r-7", "review", "review.toml",
    )  # fmt: skip
    assert schedule.partners == {}
    assert [(r.key, r.counts_from, r.met_by, r.working_days) for r in schedule.rules] == [
        ("appointed", "decision_made", "reviewer_appointed", 20)
    ]


def test_without_a_policy_table_the_default_policy_applies() -> None:
    """[policy] is optional. Planted: the policy table required (`required=True` or the argument
    dropped) fails here with 'policy: missing table'."""
    rule = parsed(HEAD + RULE).rules[0]
    assert rule.policy == NoticePolicy()
    assert rule.policy.reminder_days_before == (1, 0)


def test_the_policy_table_is_every_deadlines_base() -> None:
    """Planted: the policy read from another key (None, 'XXpolicyXX', 'POLICY') leaves the defaults and
    fails here."""
    rule = parsed(HEAD + POLICY + RULE).rules[0]
    assert rule.policy.reminder_days_before == (3,)
    assert rule.policy.escalation_every == 4
    assert rule.policy.escalation_chain == (EscalationStep("chair", 1),)
    assert rule.policy.reminder_time == time(9, 0)


BAD_DOCUMENTS = [
    pytest.param(
        HEAD + RULE + "[extra]\n",
        "review.toml: extra: unknown setting (expected one of: schedule, policy, deadlines)",
        id="unknown-top-level-table",  # planted: the top level's path "XXXX" gives "XXXX.extra"
    ),
    pytest.param(
        'schedule = "review"\n' + RULE,
        "review.toml: schedule: must be a table",
        id="schedule-not-a-table",  # planted: its path None or "SCHEDULE"
    ),
    pytest.param(
        HEAD + 'owner = "x"\n' + RULE,
        "review.toml: schedule.owner: unknown setting (expected one of: procedure, name, version)",
        id="unknown-setting-in-schedule",  # planted: the path None gives "owner", "XXscheduleXX.owner"
    ),
    pytest.param(
        HEAD.replace('procedure = "review"\n', "") + RULE,
        "review.toml: schedule.procedure: missing",
        id="no-procedure",  # planted: path None or upper case
    ),
    pytest.param(
        HEAD.replace('procedure = "review"', 'procedure = "rapid_review"') + RULE,
        'review.toml: schedule.procedure: a review\'s schedule says procedure = "review"',
        id="not-a-review",  # planted: the key or the fault dropped, changed or in capitals
    ),
    pytest.param(
        'policy = "weekly"\n' + HEAD + RULE,
        "review.toml: policy: must be a table",
        id="policy-not-a-table",  # planted: the policy table's path None or changed
    ),
    pytest.param(
        HEAD + "[policy]\nescalation_every = 0\n" + RULE,
        "review.toml: policy.escalation_every: must be at least 1, not 0",
        id="bad-policy-setting",  # planted: parse_policy's path None, "XXpolicyXX" or "POLICY"
    ),
    pytest.param(
        HEAD,
        "review.toml: deadlines: missing: add at least one [[deadlines]] table",
        id="no-deadlines",  # planted: the key or the fault dropped, changed or in capitals
    ),
    pytest.param(
        'deadlines = "soon"\n' + HEAD,
        "review.toml: deadlines: missing: add at least one [[deadlines]] table",
        id="deadlines-not-a-list",  # planted: `or` as `and` reads "soon" as a list of tables
    ),
    pytest.param(
        "deadlines = [1]\n" + HEAD,
        "review.toml: deadlines[0]: must be a table",
        id="deadline-not-a-table",  # planted: its path or fault dropped, changed or in capitals
    ),
    pytest.param(
        HEAD + RULE.replace('key = "appointed"\n', ""),
        "review.toml: deadlines[0].key: missing",
        id="deadline-without-a-key",  # planted: the path always "deadlines.{key}" gives "deadlines.None"
    ),
    pytest.param(
        HEAD + RULE.replace('owner = "coordinator"', 'owner = "partner:la"'),
        "review.toml: deadlines.appointed.owner: unknown owner 'partner:la' "
        "(expected one of: coordinator, manager, chair, admin, referrer)",
        id="no-partners-in-a-review",  # planted: partners None fails with a TypeError
    ),
    pytest.param(
        HEAD + '[[deadlines]]\nkey = "returned"\nlabel = "Returned"\nfrom = "scoping_sent"\n'
        'met_by = "scoping_returned"\nworking_days = 5\nowner = "agency"\nper_agency = true\n',
        "review.toml: deadlines.returned.per_agency: a review's deadlines are not per agency",
        id="per-agency",  # planted: the key or the fault dropped, changed or in capitals
    ),
    pytest.param(
        HEAD.replace('name = "Local review"\n', "") + RULE,
        "review.toml: schedule.name: missing",
        id="no-name",  # planted: its path None, "XXschedule.nameXX" or upper case
    ),
    pytest.param(
        HEAD.replace('version = "r-7"\n', "") + RULE,
        "review.toml: schedule.version: missing",
        id="no-version",  # planted: the version not read (str(None)), its path None or changed
    ),
]


@pytest.mark.parametrize(("text", "message"), BAD_DOCUMENTS)
def test_a_review_schedule_mistake_is_refused_with_its_key(text: str, message: str) -> None:
    """The whole message, file name first (planted: `_Reader(None)` gives 'None: ...')."""
    assert refusal(text) == message


class TestCalendarLists:
    """`closures` and `extra_days` in a calendar file are optional lists of tables."""

    def test_a_calendar_without_closures_or_extra_days_has_none(self) -> None:
        """Planted (mutation run): the missing list read as None (`get(key, None)`) is refused."""
        settings = parse_calendar({"calendar": {"region": "ENG"}}, "calendar.toml")
        assert (settings.annual_closures, settings.extra_days) == ((), {})

    def test_closures_that_are_not_a_list_of_tables_are_refused(self) -> None:
        """Planted: `and` for `or` (a number is iterated: TypeError), the fault's words changed."""
        for closures in (5, [1]):
            with pytest.raises(ConfigError) as caught:
                parse_calendar({"calendar": {"closures": closures}}, "calendar.toml")
            assert str(caught.value) == (
                "calendar.toml: calendar.closures: must be a list of tables, e.g. [{ ... }, { ... }]"
            )
