"""Timescales as validated data (docs/procedure.md): which deadline counts from what, how many working days,
who owns it, and when reminders and escalations go out.

The numbers live in `schedules/*.toml`, never in code; this module turns the parsed file into frozen
objects and refuses a bad file with one line naming the file, the key and the fault.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from rr_workflow.domain.calendar import KEEP, ROLLS, SUPPORTED_REGIONS, CalendarSettings
from rr_workflow.domain.errors import ConfigError

# Milestones a timescale may count from or be met by. A case milestone happens once per case; an
# agency milestone once per agency involved. `scoping_sent` as a case milestone is the first day any
# agency was sent the template.
CASE_MILESTONES = frozenset(
    {
        "referral_received",
        "aware",
        "sin_notified",
        "scoping_sent",
        "meeting_date_set",
        "meeting_held",
        "decision_made",
        "endorsed",
        "panel_submission",
        "outcome_shared",
        "panel_response",
        "panel_questions",
        "panel_answered",
        "closed",
    }
)
AGENCY_MILESTONES = frozenset({"scoping_sent", "scoping_returned", "records_secured"})

# The milestones of the review that follows a Rapid Review (schedules/local_review.toml). `checkpoint`
# happens many times: a repeating deadline counts each one from the one before.
REVIEW_MILESTONES = frozenset(
    {
        "decision_made",
        "reviewer_appointed",
        "tor_agreed",
        "checkpoint",
        "draft_report",
        "final_report_sent",
        "published",
        "finished",
    }
)

# How a milestone reads in a sentence ("5 working days after the templates went out"): never show a key.
MILESTONE_PHRASES = {
    "referral_received": "the referral",
    "aware": "the partnership became aware",
    "sin_notified": "the Serious Incident Notification",
    "scoping_sent": "the templates went out",
    "meeting_date_set": "the meeting date was set",
    "meeting_held": "the meeting",
    "decision_made": "the decision",
    "endorsed": "the endorsement",
    "panel_submission": "the report went to the Panel",
    "outcome_shared": "the outcome was shared",
    "panel_response": "the Panel's response",
    "panel_questions": "the Panel's questions",
    "panel_answered": "the answer to the Panel",
    "closed": "closure",
    "scoping_returned": "the template came back",
    "records_secured": "the records were secured",
    "reviewer_appointed": "the reviewer was appointed",
    "tor_agreed": "the terms of reference were agreed",
    "checkpoint": "the last progress checkpoint",
    "draft_report": "the draft report",
    "final_report_sent": "the final report went to the Panel",
    "published": "publication",
    "finished": "the review ended",
}

ROLES = ("coordinator", "manager", "chair", "admin")
KEY_PATTERN = re.compile(r"[a-z][a-z0-9_]*")  # used with fullmatch

MAX_WORKING_DAYS = 3650  # any count in a schedule file: ten years of working days is already absurd


@dataclass(frozen=True)
class EscalationStep:
    """From the `from_escalation`-th escalation of a missed deadline on, `role` is told too."""

    role: str
    from_escalation: int


@dataclass(frozen=True)
class NoticePolicy:
    """When reminders and escalations about one deadline go out (docs/procedure.md)."""

    reminder_days_before: tuple[int, ...] = (1, 0)
    reminder_time: time = time(9, 0)
    escalation_time: time = time(9, 0)
    escalation_first: int = 1  # working days after the due date
    escalation_every: int = 2  # working days between repeats while it stays missed
    escalation_chain: tuple[EscalationStep, ...] = (EscalationStep("manager", 1), EscalationStep("chair", 3))

    @property
    def due_soon_days(self) -> int:
        """How many working days before the due date a deadline counts as due soon."""
        return max(self.reminder_days_before, default=0)


@dataclass(frozen=True)
class DeadlineRule:
    """One timescale: `working_days` after `counts_from`, met by `met_by`.

    A rule with `earliest` is a window (the meeting: between 7 and 13 working days): the deadline is the
    window's last day and the window's first day is when the step should happen at the earliest."""

    key: str
    label: str
    counts_from: str
    met_by: str
    working_days: int
    owner: str
    policy: NoticePolicy
    per_agency: bool = False
    earliest: int | None = None
    # Counted in calendar months instead of working days, then moved by `roll` off a non-working day.
    months: int | None = None
    roll: str = KEEP
    # Due `working_days` working days before the date in force of the deadline `before` names (the final
    # report goes to the Panel 7 working days before publication).
    before: str | None = None
    # A deadline that comes back each time it is met (progress checkpoints), counted from the last one,
    # until the milestone `repeat_until` happens.
    repeat_until: str | None = None


@dataclass(frozen=True)
class ActionRule:
    """The meeting's immediate actions (and a review's recommendations): due `working_days` after the
    decision unless a date is set for one, reminded and escalated by `policy` like any deadline."""

    working_days: int = 20
    policy: NoticePolicy = NoticePolicy()


@dataclass(frozen=True)
class Schedule:
    name: str
    version: str
    partners: Mapping[str, str]  # partner key (la, police, health) -> what a meeting needs present
    rules: tuple[DeadlineRule, ...]
    source: str = "<schedule>"
    endorsement_required: bool = True  # the chair endorses the outcome before the report goes to the Panel
    kind: str = "rapid_review"  # or "review": the review that follows (schedules/local_review.toml)
    actions: ActionRule = ActionRule()

    def rule(self, key: str) -> DeadlineRule:
        for rule in self.rules:
            if rule.key == key:
                return rule
        raise KeyError(key)

    @property
    def meeting_rule(self) -> DeadlineRule | None:
        """The rule that carries the meeting window (met by the meeting being held)."""
        return next((r for r in self.rules if r.met_by == "meeting_held" and r.earliest is not None), None)


# -- parsing -----------------------------------------------------------------------------------------


class _Reader:
    """Reads typed values out of a parsed TOML mapping, failing with `file: key: what is wrong`."""

    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, key: str, problem: str) -> ConfigError:
        message = f"{self.source}: {key}: {problem}"
        return ConfigError(message.replace("\r", "\\r").replace("\n", "\\n"))

    def table(self, data: Mapping[str, Any], key: str, path: str, required: bool = True) -> Mapping[str, Any]:
        value = data.get(key)
        if value is None and not required:
            return {}
        if not isinstance(value, Mapping):
            raise self.fail(path, "missing table" if value is None else "must be a table")
        return value

    def string(self, data: Mapping[str, Any], key: str, path: str, default: str | None = None) -> str:
        value = data.get(key, default)
        if value is None:
            raise self.fail(path, "missing")
        if not isinstance(value, str) or not value.strip():
            raise self.fail(path, "must be a non-empty string")
        return value

    def integer(
        self,
        data: Mapping[str, Any],
        key: str,
        path: str,
        default: int | None = None,
        minimum: int = 0,
        maximum: int = MAX_WORKING_DAYS,
    ) -> int:
        value = data.get(key, default)
        if value is None:
            raise self.fail(path, "missing")
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.fail(path, f"must be a whole number, not {value!r}")
        if value < minimum:
            raise self.fail(path, f"must be at least {minimum}, not {value}")
        if value > maximum:
            shown = value if value < 10**12 else f"{str(value)[:6]}... ({len(str(value))} digits)"
            raise self.fail(path, f"must be at most {maximum}, not {shown}")
        return value

    def clock_time(self, data: Mapping[str, Any], key: str, path: str, default: time) -> time:
        value = data.get(key)
        if value is None:
            return default
        if isinstance(value, time):
            return value
        if isinstance(value, str) and re.fullmatch(r"\d{2}:\d{2}", value):
            try:
                return time.fromisoformat(value)
            except ValueError:
                pass
        raise self.fail(path, f"must be a time of day HH:MM, not {value!r}")

    def a_date(self, value: Any, path: str) -> date:
        if isinstance(value, date) and not isinstance(value, datetime):
            return value
        if isinstance(value, str):
            try:
                return date.fromisoformat(value)
            except ValueError:
                pass
        raise self.fail(path, f"not a date (YYYY-MM-DD): {value!r}")

    def unknown_keys(self, data: Mapping[str, Any], allowed: Sequence[str], path: str) -> None:
        for key in data:
            if key not in allowed:
                where = f"{path}.{key}" if path else key
                raise self.fail(where, f"unknown setting (expected one of: {', '.join(allowed)})")


def parse_policy(data: Mapping[str, Any], path: str, base: NoticePolicy, read: _Reader) -> NoticePolicy:
    read.unknown_keys(
        data,
        (
            "reminder_days_before",
            "reminder_time",
            "escalation_time",
            "escalation_first",
            "escalation_every",
            "escalation",
        ),
        path,
    )
    reminders = data.get("reminder_days_before", list(base.reminder_days_before))
    if not isinstance(reminders, list):
        raise read.fail(f"{path}.reminder_days_before", "must be a list of whole numbers")
    reminder_days = tuple(
        read.integer({"v": v}, "v", f"{path}.reminder_days_before[{i}]") for i, v in enumerate(reminders)
    )
    chain = base.escalation_chain
    if "escalation" in data:
        steps = data["escalation"]
        if not isinstance(steps, list) or not steps:
            raise read.fail(
                f"{path}.escalation", "must be a non-empty list of {role, from_escalation} tables"
            )
        parsed = []
        for i, step in enumerate(steps):
            where = f"{path}.escalation[{i}]"
            if not isinstance(step, Mapping):
                raise read.fail(where, "must be a table with role and from_escalation")
            read.unknown_keys(step, ("role", "from_escalation"), where)
            role = read.string(step, "role", f"{where}.role")
            if role not in ROLES:
                raise read.fail(
                    f"{where}.role", f"unknown role {role!r} (expected one of: {', '.join(ROLES)})"
                )
            parsed.append(
                EscalationStep(
                    role, read.integer(step, "from_escalation", f"{where}.from_escalation", minimum=1)
                )
            )
        chain = tuple(parsed)
    return NoticePolicy(
        reminder_days_before=reminder_days,
        reminder_time=read.clock_time(data, "reminder_time", f"{path}.reminder_time", base.reminder_time),
        escalation_time=read.clock_time(
            data, "escalation_time", f"{path}.escalation_time", base.escalation_time
        ),
        escalation_first=read.integer(
            data, "escalation_first", f"{path}.escalation_first", base.escalation_first, minimum=1
        ),
        escalation_every=read.integer(
            data, "escalation_every", f"{path}.escalation_every", base.escalation_every, minimum=1
        ),
        escalation_chain=chain,
    )


def _check_milestone(
    rule_path: str,
    field: str,
    value: str,
    per_agency: bool,
    read: _Reader,
    case_events: frozenset[str] = CASE_MILESTONES,
) -> None:
    known = AGENCY_MILESTONES if per_agency else case_events
    if value not in known:
        kind = "agency" if per_agency else "case"
        raise read.fail(
            f"{rule_path}.{field}",
            f"unknown {kind} event {value!r} (expected one of: {', '.join(sorted(known))})",
        )


def _parse_owner(value: str, path: str, per_agency: bool, partners: Mapping[str, str], read: _Reader) -> str:
    if value in ROLES:
        return value
    if value == "agency" and per_agency:
        return value
    if value == "referrer":
        return value
    if value.startswith("partner:") and value.removeprefix("partner:") in partners:
        return value
    choices = [*ROLES, "referrer", *(f"partner:{p}" for p in partners), *(["agency"] if per_agency else [])]
    raise read.fail(path, f"unknown owner {value!r} (expected one of: {', '.join(choices)})")


def parse_schedule(data: Mapping[str, Any], source: str = "<schedule>") -> Schedule:
    """Build a `Schedule` from a parsed TOML document, or raise `ConfigError` naming what is wrong."""
    read = _Reader(source)
    read.unknown_keys(data, ("schedule", "partners", "procedure", "policy", "deadlines", "actions"), "")
    procedure = read.table(data, "procedure", "procedure", required=False)
    read.unknown_keys(procedure, ("endorsement_before_submission",), "procedure")
    endorsement_required = procedure.get("endorsement_before_submission", True)
    if not isinstance(endorsement_required, bool):
        raise read.fail("procedure.endorsement_before_submission", "must be true or false")
    head = read.table(data, "schedule", "schedule")
    read.unknown_keys(head, ("name", "version"), "schedule")
    partners_table = read.table(data, "partners", "partners")
    partners: dict[str, str] = {}
    for key in partners_table:
        if not KEY_PATTERN.fullmatch(key):
            raise read.fail(f"partners.{key}", "a partner key is lower case letters, digits and _")
        partners[key] = read.string(partners_table, key, f"partners.{key}")
    if not partners:
        raise read.fail("partners", "name at least one safeguarding partner")
    base = parse_policy(read.table(data, "policy", "policy", required=False), "policy", NoticePolicy(), read)

    entries = data.get("deadlines")
    if not isinstance(entries, list) or not entries:
        raise read.fail("deadlines", "missing: add at least one [[deadlines]] table")
    rules: list[DeadlineRule] = []
    for i, entry in enumerate(entries):
        if not isinstance(entry, Mapping):
            raise read.fail(f"deadlines[{i}]", "must be a table")
        key = entry.get("key")
        path = f"deadlines[{i}]" if not isinstance(key, str) else f"deadlines.{key}"
        rules.append(_parse_rule(entry, path, base, partners, read))
    _check_rules(rules, read)
    actions_table = read.table(data, "actions", "actions", required=False)
    read.unknown_keys(actions_table, ("working_days", "policy"), "actions")
    actions = ActionRule(
        working_days=read.integer(
            actions_table, "working_days", "actions.working_days", ActionRule().working_days, minimum=1
        ),
        policy=parse_policy(
            read.table(actions_table, "policy", "actions.policy", required=False),
            "actions.policy",
            base,
            read,
        ),
    )
    return Schedule(
        name=read.string(head, "name", "schedule.name"),
        version=str(read.string(head, "version", "schedule.version")),
        partners=partners,
        rules=tuple(rules),
        source=source,
        endorsement_required=endorsement_required,
        actions=actions,
    )


def _check_rules(rules: Sequence[DeadlineRule], read: _Reader) -> None:
    """Keys are unique, and a deadline counted back from another names one that exists."""
    seen: set[str] = set()
    for rule in rules:
        if rule.key in seen:
            raise read.fail(f"deadlines.{rule.key}", "the same key is used twice")
        seen.add(rule.key)
    plain = {r.key for r in rules if r.before is None and not r.per_agency and r.repeat_until is None}
    for rule in rules:
        if rule.before is not None and rule.before not in plain:
            known = ", ".join(sorted(plain))
            raise read.fail(
                f"deadlines.{rule.key}.before",
                f"no deadline {rule.before!r} to count back from (expected one of: {known})",
            )


def _parse_rule(
    entry: Mapping[str, Any],
    path: str,
    base: NoticePolicy,
    partners: Mapping[str, str],
    read: _Reader,
    case_events: frozenset[str] = CASE_MILESTONES,
) -> DeadlineRule:
    read.unknown_keys(
        entry,
        (
            "key",
            "label",
            "from",
            "met_by",
            "working_days",
            "window",
            "months",
            "on_non_working_day",
            "before",
            "repeat_until",
            "owner",
            "per_agency",
            "policy",
        ),
        path,
    )
    key = read.string(entry, "key", f"{path}.key")
    if not KEY_PATTERN.fullmatch(key):
        raise read.fail(f"{path}.key", "a deadline key is lower case letters, digits and _")
    per_agency = entry.get("per_agency", False)
    if not isinstance(per_agency, bool):
        raise read.fail(f"{path}.per_agency", "must be true or false")
    before = read.string(entry, "before", f"{path}.before") if "before" in entry else None
    if before is not None and ("from" in entry or per_agency):
        raise read.fail(path, "a deadline counted back with `before` has no `from` and is not per agency")
    counts_from = read.string(entry, "from", f"{path}.from") if before is None else "before"
    met_by = read.string(entry, "met_by", f"{path}.met_by")
    if before is None:
        _check_milestone(path, "from", counts_from, per_agency, read, case_events)
    _check_milestone(path, "met_by", met_by, per_agency, read, case_events)
    repeat_until: str | None = None
    if "repeat_until" in entry:
        repeat_until = read.string(entry, "repeat_until", f"{path}.repeat_until")
        _check_milestone(path, "repeat_until", repeat_until, False, read, case_events)
        if per_agency or before is not None:
            raise read.fail(
                f"{path}.repeat_until", "a repeating deadline is neither per agency nor counted back"
            )
    counts = [name for name in ("working_days", "window", "months") if name in entry]
    if len(counts) > 1:
        raise read.fail(path, f"give one of working_days, window or months, not both {' and '.join(counts)}")
    if ("months" in entry or "window" in entry) and (before is not None or repeat_until is not None):
        raise read.fail(path, "a deadline counted back or repeating is counted in working_days")
    months: int | None = None
    roll = KEEP
    if "months" in entry:
        months = read.integer(entry, "months", f"{path}.months", minimum=1, maximum=120)
        roll = read.string(entry, "on_non_working_day", f"{path}.on_non_working_day", KEEP)
        if roll not in ROLLS:
            raise read.fail(
                f"{path}.on_non_working_day", f"unknown {roll!r} (expected one of: {', '.join(ROLLS)})"
            )
    elif "on_non_working_day" in entry:
        raise read.fail(f"{path}.on_non_working_day", "only a deadline counted in months is moved off a day")
    earliest: int | None = None
    if months is not None:
        days = 0
    elif "window" in entry:
        window = entry["window"]
        if not isinstance(window, list) or len(window) != 2:
            raise read.fail(f"{path}.window", "must be [earliest, latest] working days")
        earliest = read.integer({"v": window[0]}, "v", f"{path}.window")
        latest = read.integer({"v": window[1]}, "v", f"{path}.window")
        if earliest > latest:
            raise read.fail(f"{path}.window", f"earliest ({earliest}) is after latest ({latest})")
        days = latest
    else:
        days = read.integer(entry, "working_days", f"{path}.working_days")
    owner = _parse_owner(
        read.string(entry, "owner", f"{path}.owner"), f"{path}.owner", per_agency, partners, read
    )
    policy = parse_policy(
        read.table(entry, "policy", f"{path}.policy", required=False), f"{path}.policy", base, read
    )
    return DeadlineRule(
        key=key,
        label=read.string(entry, "label", f"{path}.label"),
        counts_from=counts_from,
        met_by=met_by,
        working_days=days,
        owner=owner,
        policy=policy,
        per_agency=per_agency,
        earliest=earliest,
        months=months,
        roll=roll,
        before=before,
        repeat_until=repeat_until,
    )


def parse_review_schedule(data: Mapping[str, Any], source: str = "<review schedule>") -> Schedule:
    """Build the `Schedule` of the review that follows a Rapid Review (schedules/local_review.toml), or
    raise `ConfigError` naming what is wrong. Its deadlines count from the review's milestones."""
    read = _Reader(source)
    read.unknown_keys(data, ("schedule", "policy", "deadlines"), "")
    head = read.table(data, "schedule", "schedule")
    read.unknown_keys(head, ("procedure", "name", "version"), "schedule")
    if read.string(head, "procedure", "schedule.procedure") != "review":
        raise read.fail("schedule.procedure", 'a review\'s schedule says procedure = "review"')
    base = parse_policy(read.table(data, "policy", "policy", required=False), "policy", NoticePolicy(), read)
    entries = data.get("deadlines")
    if not isinstance(entries, list) or not entries:
        raise read.fail("deadlines", "missing: add at least one [[deadlines]] table")
    rules: list[DeadlineRule] = []
    for i, entry in enumerate(entries):
        if not isinstance(entry, Mapping):
            raise read.fail(f"deadlines[{i}]", "must be a table")
        key = entry.get("key")
        path = f"deadlines[{i}]" if not isinstance(key, str) else f"deadlines.{key}"
        rule = _parse_rule(entry, path, base, {}, read, REVIEW_MILESTONES)
        if rule.per_agency:
            raise read.fail(f"{path}.per_agency", "a review's deadlines are not per agency")
        rules.append(rule)
    _check_rules(rules, read)
    return Schedule(
        name=read.string(head, "name", "schedule.name"),
        version=str(read.string(head, "version", "schedule.version")),
        partners={},
        rules=tuple(rules),
        source=source,
        kind="review",
    )


def parse_calendar(data: Mapping[str, Any], source: str = "<calendar>") -> CalendarSettings:
    """Build `CalendarSettings` from a parsed calendar TOML document."""
    read = _Reader(source)
    read.unknown_keys(data, ("calendar",), "")
    head = read.table(data, "calendar", "calendar")
    read.unknown_keys(head, ("country", "region", "timezone", "closures", "extra_days"), "calendar")
    country = read.string(head, "country", "calendar.country", "GB")
    if country != "GB":
        raise read.fail("calendar.country", f"only GB is supported, not {country!r}")
    region = read.string(head, "region", "calendar.region", "ENG")
    if region not in SUPPORTED_REGIONS:
        raise read.fail(
            "calendar.region",
            f"unknown region {region!r} (expected one of: {', '.join(SUPPORTED_REGIONS)})",
        )
    timezone = read.string(head, "timezone", "calendar.timezone", "Europe/London")
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise read.fail("calendar.timezone", f"unknown time zone {timezone!r}") from None
    closures = []
    for i, item in enumerate(_list_of_tables(head, "closures", read)):
        where = f"calendar.closures[{i}]"
        read.unknown_keys(item, ("month", "day", "name"), where)
        month = read.integer(item, "month", f"{where}.month", minimum=1)
        day = read.integer(item, "day", f"{where}.day", minimum=1)
        try:
            date(2024, month, day)  # a leap year, so 29 February is allowed
        except ValueError:
            raise read.fail(where, f"no such day: month {month}, day {day}") from None
        closures.append((month, day, read.string(item, "name", f"{where}.name")))
    extra = {}
    for i, item in enumerate(_list_of_tables(head, "extra_days", read)):
        where = f"calendar.extra_days[{i}]"
        read.unknown_keys(item, ("date", "name"), where)
        if "date" not in item:
            raise read.fail(f"{where}.date", "missing")
        extra[read.a_date(item["date"], f"{where}.date")] = read.string(item, "name", f"{where}.name")
    return CalendarSettings(
        country=country,
        region=region,
        timezone=timezone,
        annual_closures=tuple(closures),
        extra_days=extra,
    )


def _list_of_tables(data: Mapping[str, Any], key: str, read: _Reader) -> list[Mapping[str, Any]]:
    value = data.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, Mapping) for v in value):
        raise read.fail(f"calendar.{key}", "must be a list of tables, e.g. [{ ... }, { ... }]")
    return value
