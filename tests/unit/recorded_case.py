"""A case whose recorded dates all agree, built by hand (no state machine), for the correction tests.

Referral Monday 21 December 2026 (the partnership aware Friday 18 December), the SIN 21 December, the
template to la 22 December (records secured 23 December, returned 29 December), the meeting date set on
23 December for Thursday 7 January 2027 and held then, decided 7 January, endorsed 8 January, the report
sent and the outcome shared 11 January, closed 12 January.
"""

from __future__ import annotations

from datetime import date

from rr_workflow.domain.case import Case, Involvement, Meeting


def meeting(number: int, on: date, *, held_on: date | None = None, status: str | None = None) -> Meeting:
    m = Meeting(number, on, None, "in_person", None, None, date(2026, 12, 23))
    m.held_on = held_on
    m.status = status or (Meeting.HELD if held_on else Meeting.SCHEDULED)
    return m


def just_opened() -> Case:
    return Case("RR-1", date(2026, 12, 21), date(2026, 12, 18), "police", "v1")


def closed_case() -> Case:
    case = just_opened()
    case.sin_notified_on = date(2026, 12, 21)
    la = Involvement("la", date(2026, 12, 22))
    la.secured_on, la.returned_on = date(2026, 12, 23), date(2026, 12, 29)
    case.involvements = [la]
    case.meeting_date_set_on = date(2026, 12, 23)
    case.meetings = [meeting(1, date(2027, 1, 7), held_on=date(2027, 1, 7))]
    case.decided_on, case.endorsed_on, case.endorsed_by = date(2027, 1, 7), date(2027, 1, 8), "the chair"
    case.submitted_on = case.outcome_shared_on = date(2027, 1, 11)
    case.closed_on = date(2027, 1, 12)
    case.state = "closed"
    return case
