"""`rr templates list|check`: which template file wins, and does every template render.

Partnerships edit their own copies, so a broken template must be found before a case needs it:
`check` renders every template against a sample case with hostile values and reports each failure.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from rr_workflow.adapters import documents, templates

SAMPLE_TEXT = "Sample & <Co> {{ 7*7 }} Zoë"


def list_templates() -> list[dict[str, str]]:
    """Every template name with the file that wins and the folders it overrides."""
    found: dict[str, list[Path]] = {}
    for folder in templates.search_path():
        for path in sorted(folder.rglob("*")):
            if path.is_file() and not path.name.startswith("."):
                found.setdefault(path.relative_to(folder).as_posix(), []).append(path)
    return [
        {"name": name, "file": str(paths[0]), "overrides": ", ".join(str(p) for p in paths[1:])}
        for name, paths in sorted(found.items())
    ]


def _sample_values() -> dict[str, Any]:
    return {
        "ref": "RR-SAMPLE-1",
        "title": SAMPLE_TEXT,
        "addressee": SAMPLE_TEXT,
        "letter_date": "Monday 4 January 2027",
        "recorded_on": None,
        "partnership": SAMPLE_TEXT,
        "signatory": SAMPLE_TEXT,
        "training": True,
        "return_due": "Monday 11 January 2027",
        "return_days": 5,
        "secure_due": "Monday 11 January 2027",
        "window_earliest": "Tuesday 12 January 2027",
        "window_latest": "Wednesday 20 January 2027",
        "child_name": SAMPLE_TEXT,
        "child_address": SAMPLE_TEXT,
        "child_initials": "ZS",
        "child_dob": "2016-05-01",
        "meeting_date": "Tuesday 12 January 2027",
        "meeting_time": "10:00",
        "mode": "remote",
        "mode_reason": SAMPLE_TEXT,
        "sequence": 1,
        "partners": SAMPLE_TEXT,
        "received": "2027-01-04",
        "aware": "2027-01-01",
        "sin_notified_on": "2027-01-05",
        "outcome_text": SAMPLE_TEXT,
        "rationale": SAMPLE_TEXT,
        "actions": [{"owner": SAMPLE_TEXT, "text": SAMPLE_TEXT}],
        "endorsed_on": "2027-01-13",
        "endorsed_by": SAMPLE_TEXT,
        "review_due": "Friday 22 January 2027",
        "mode_text": "in person",
        "items": [{"what": SAMPLE_TEXT, "source": SAMPLE_TEXT, "file": SAMPLE_TEXT, "status": SAMPLE_TEXT}],
        "missing": [SAMPLE_TEXT],
        "panel_days": 2,
        "key": "scoping_returned:police",
        "label": SAMPLE_TEXT,
        "slot": 1,
        "due_text": "Monday 11 January 2027",
        "owner_text": SAMPLE_TEXT,
        "agency": SAMPLE_TEXT,
        "command": "rr scoping returned RR-SAMPLE-1 police",
        "overdue": 3,
        "missed_slots": 1,
        "every": 2,
        "audience": "managers",
        # letters (the profile's letterhead and signature; service/letters.py)
        "salutation": "Dear Colleague",
        "area": SAMPLE_TEXT,
        "address_lines": [SAMPLE_TEXT, "County Hall"],
        "phone": "01632 960 123",
        "secure_mailbox": "lscp@sample.example",
        "reply_to": "lscp@sample.example",
        "signatory_title": SAMPLE_TEXT,
        "marking": "OFFICIAL-SENSITIVE",
        "logo": True,
        "when": "Tuesday 12 January 2027 at 10:00",
        "moved_from": "Monday 11 January 2027",
        "remote": True,
        "location": SAMPLE_TEXT,
        "join_url": "https://meet.sample.example/rr?a=1&b=<2>",
        "invited": [SAMPLE_TEXT],
        "place": SAMPLE_TEXT,
        "sin_reference": SAMPLE_TEXT,
        "submission_due": "Thursday 14 January 2027",
        "submission_days": "2 working days",
        "review_days": "15 working days",
        "panel_name": SAMPLE_TEXT,
        # the review's letters (service/review_letters.py)
        "kind_text": SAMPLE_TEXT,
        "decided_on": "Tuesday 3 November 2026",
        "reviewer": SAMPLE_TEXT,
        "tor_agreed_on": "Friday 4 December 2026",
        "checkpoint_every": "20 working days",
        "draft_due": "Wednesday 3 March 2027",
        "final_due": "Wednesday 21 April 2027",
        "publication_due": "Friday 30 April 2027",
        "notice_days": "7 working days",
        "final_sent_on": "Tuesday 20 April 2027",
        "panel_address": [SAMPLE_TEXT],
        "referrer": SAMPLE_TEXT,
        "coordinators": [SAMPLE_TEXT],
        "attendees": [{"name": SAMPLE_TEXT, "agency": SAMPLE_TEXT}],
        "draft": True,
        "declined": True,
        "reason": SAMPLE_TEXT,
        "was_asked": True,
        "is_referrer": True,
        "review_follows": False,
        "paragraphs": [SAMPLE_TEXT],
        # reminders and escalations (service/notices.py)
        "procedure": "Local child safeguarding practice review",
        "to_send": SAMPLE_TEXT,
        "overdue_text": "3 working days",
        "missed_text": "1 earlier escalation",
        "every_text": "2 working days",
        "in_text": "1 working day",
        "extend": SAMPLE_TEXT,
        "figures": {  # reports/annual.html.j2 (rr report annual --format html)
            "year": 2027,
            "as_of": date(2028, 1, 4),
            "funnel": {"declined": 1},
            "stages": [
                {
                    "label": SAMPLE_TEXT,
                    "judged": 3,
                    "on_time": 2,
                    "pct_on_time": 66.7,
                    "late": 1,
                    "median_days_late": 2.0,
                    "worst_days_late": 2,
                },
                {
                    "label": SAMPLE_TEXT,
                    "judged": 0,
                    "on_time": 0,
                    "pct_on_time": None,
                    "late": 0,
                    "median_days_late": None,
                    "worst_days_late": None,
                },
            ],
            "panel": {"responses": 2, "agreed": 1, "pct_agreed": 50.0, "asked_questions": 1},
            "actions": {
                "total": 3,
                "done_on_time": 1,
                "judged": 2,
                "pct_done_on_time": 50.0,
                "open": 1,
                "overdue": 0,
                "done": 2,
                "dropped": 0,
            },
        },
        "bars": [(SAMPLE_TEXT, 3), (SAMPLE_TEXT, None)],
        "funnel_svg": "<svg></svg>",
        "board": {  # reports/board.html.j2 (rr report html)
            "title": SAMPLE_TEXT,
            "generated": "Monday 4 January 2027",
            "training": True,
            "amber_within": 2,
            "counts": {"red": 1, "amber": 0, "green": 1},
            "cases": [
                {
                    "ref": SAMPLE_TEXT,
                    "state": SAMPLE_TEXT,
                    "received": "Mon 04 Jan 2027",
                    "rag": "red",
                    "overdue": 2,
                    "next": {"label": SAMPLE_TEXT, "due": "Mon 11 Jan 2027", "when": SAMPLE_TEXT},
                    "picture": "data:image/svg+xml;base64,PHN2Zy8+",
                    "alt": SAMPLE_TEXT,
                },
                {
                    "ref": SAMPLE_TEXT,
                    "state": SAMPLE_TEXT,
                    "received": "Mon 04 Jan 2027",
                    "rag": "green",
                    "overdue": 0,
                    "next": None,
                    "picture": None,
                    "alt": SAMPLE_TEXT,
                },
            ],
        },
    }


def check_templates() -> list[dict[str, str]]:
    """Render every template; one result per template: ok, or the problem in one line."""
    results = []
    values = _sample_values()
    for entry in list_templates():
        name = entry["name"]
        if Path(name).name.startswith("_"):
            continue  # a layout, checked through the letters that extend it
        try:
            if name.endswith(".j2"):
                output = templates.render(name, **values)
                if name.removesuffix(".j2").endswith(".html") and "<Co>" in output:
                    raise ValueError("a value reached the HTML unescaped")
                if "49" in output.replace("2049", ""):
                    raise ValueError("a value was evaluated as template code")
            elif name == "docx/scoping_template.docx":
                documents.scoping_template_docx(
                    {**values, "agency": SAMPLE_TEXT, "due": date(2027, 1, 11), "child_dob": date(2016, 5, 1)}
                )
            elif name == "docx/rapid_review_report.docx":
                documents.report_draft_docx({**values, "decision": "local_cspr", "agencies": []})
            else:
                continue
            results.append({"name": name, "file": entry["file"], "result": "ok"})
        except Exception as error:  # report every broken template, not just the first
            problem = " ".join(f"{type(error).__name__}: {error}".split())[:300]
            results.append({"name": name, "file": entry["file"], "result": problem})
    return results
