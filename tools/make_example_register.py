"""Write examples/register-2025.csv: a year of invented Rapid Reviews, as a partnership's spreadsheet.

The register is made once and kept in the repository (run this again only to change it). Every case is
invented; dates are working days of England and Wales counted with the product's own calendar, with
agencies now and then late, a meeting over Christmas outside its window (with the reason), a referral
declined, and one report sent after the overall limit. Dates are written the UK way (DD/MM/YYYY), as a
register kept in Excel would be.

Run: python tools/make_example_register.py
"""

from __future__ import annotations

import csv
import random
from datetime import date
from pathlib import Path

from rr_workflow.service.reference import working_calendar

OUT = Path(__file__).resolve().parents[1] / "examples" / "register-2025.csv"
AGENCIES = ("la", "police", "health", "school")
HEADER = [
    "Reference",
    "Received",
    "Aware",
    "Referrer",
    "Summary",
    "SIN notified",
    *(f"{a} {event}" for a in AGENCIES for event in ("sent", "returned", "secured")),
    "Meeting set",
    "Meeting date",
    "Meeting time",
    "Meeting held",
    "Outside window reason",
    "Attendees",
    "Decision",
    "Rationale",
    "Endorsed",
    "Endorsed by",
    "Submitted",
    "Outcome shared",
    "Closed",
    "Declined",
    "Decline reason",
]
SUMMARIES = (
    "infant admitted with unexplained injuries",
    "child death, neglect suspected",
    "serious injury at home",
    "young person seriously harmed, exploitation suspected",
)
DECISIONS = ("No review", "Local CSPR", "Alternative review", "National CSPR")
ATTENDEES = "la: Head of Service; police: DI Public Protection; health: Designated Nurse"


def uk(day: date | None) -> str:
    return day.strftime("%d/%m/%Y") if day else ""


def main() -> None:
    calendar = working_calendar()
    rng = random.Random(2025)
    rows = []
    received_days = sorted(
        calendar.add(date(2025, month, 1), rng.randint(0, 8)) for month in range(1, 13) for _ in range(2)
    )
    received_days[-1] = date(2025, 12, 19)  # the Christmas referral
    for number, received in enumerate(received_days, start=1):
        aware = calendar.subtract(received, rng.choice((0, 0, 1, 2)))
        sent = calendar.add(received, rng.choice((1, 1, 2, 2, 3)))
        row = {h: "" for h in HEADER}
        row.update(
            {
                "Reference": f"RR-2025-{number:03d}",
                "Received": uk(received),
                "Aware": uk(aware),
                "Referrer": rng.choice(("Northshire Police", "la", "health", "school")),
                "Summary": rng.choice(SUMMARIES),
                "SIN notified": uk(calendar.add(aware, rng.choice((2, 3, 4, 5, 6)))),
            }
        )
        involved = [*AGENCIES[:3], *(("school",) if rng.random() < 0.5 else ())]
        for agency in involved:
            row[f"{agency} sent"] = uk(sent)
            row[f"{agency} returned"] = uk(calendar.add(sent, rng.choice((3, 4, 5, 5, 6, 7))))
            row[f"{agency} secured"] = uk(calendar.add(sent, rng.choice((1, 2, 3, 5))))
        if number == 7:  # declined at scoping: the referral does not meet the criteria
            for agency in involved:
                row[f"{agency} returned"] = row[f"{agency} secured"] = ""
            row["Declined"] = uk(calendar.add(sent, 2))
            row["Decline reason"] = "the harm was not caused by abuse or neglect"
            rows.append(row)
            continue
        window = (calendar.add(received, 7), calendar.add(received, 13))
        meeting = calendar.add(received, rng.choice((7, 8, 9, 10, 11, 12)))
        if received.month == 12 and received.day > 15:  # the Christmas case: a meeting after the window
            meeting = calendar.add(window[1], 2)
            row["Outside window reason"] = "the chair and the police lead were on leave over Christmas"
        latest_return = max(calendar.add(sent, 7), calendar.add(received, 1))
        meeting = max(meeting, latest_return)
        if meeting > window[1] and not row["Outside window reason"]:
            meeting = window[1]
        endorsed = calendar.add(meeting, rng.choice((0, 1, 1, 2)))
        submitted = calendar.add(endorsed, rng.choice((0, 1, 1, 2)))
        if number == 15:  # the report went late: the chair was away
            endorsed = calendar.add(meeting, 6)
            submitted = calendar.add(endorsed, 1)
        row.update(
            {
                "Meeting set": uk(calendar.add(sent, rng.choice((0, 1, 1, 2)))),
                "Meeting date": uk(meeting),
                "Meeting time": rng.choice(("09:30", "10:00", "14:00")),
                "Meeting held": "yes",
                "Attendees": ATTENDEES,
                "Decision": rng.choice(DECISIONS),
                "Rationale": "learning identified about information sharing between agencies",
                "Endorsed": uk(endorsed),
                "Endorsed by": "Independent Scrutineer",
                "Submitted": uk(submitted),
                "Outcome shared": uk(submitted),
                "Closed": uk(calendar.add(submitted, rng.choice((1, 3, 5)))),
            }
        )
        rows.append(row)
    with OUT.open("w", newline="", encoding="utf-8") as out:
        writer = csv.DictWriter(out, HEADER)
        writer.writeheader()
        writer.writerows(rows)
    print(f"wrote {len(rows)} cases to {OUT}")


if __name__ == "__main__":
    main()
