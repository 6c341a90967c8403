"""The review's mail names the review, not the Rapid Review it follows: the terms of reference to the
partners, the notice to the Panel before publication, the review's reminders and its recommendations'
reminders, read back as sent (.eml files parsed with the `email` module), on SQLite and PostgreSQL.

The case decides a local CSPR on Thu 12 Nov 2026 and its Rapid Review closes (test_review_timers.py). The
reviewer is due 20 working days after the decision, Thu 10 Dec 2026; the schedule's first reminder is 5
working days before, Thu 3 Dec. A recommendation due Fri 18 Dec is reminded 1 working day before (the
Rapid Review schedule's policy for actions): Thu 17 Dec.
"""

from __future__ import annotations

import email
from datetime import date, datetime
from email import policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from conftest_timers import london, staff
from test_letters import word_text
from test_review_timers import REF, decided_and_closed

from rr_workflow.adapters.mail import FileTransport
from rr_workflow.service import delivery, notices, reviews

MARK = "[TRAINING] OFFICIAL-SENSITIVE"
NAMED = f"Local child safeguarding practice review {REF}"


def sent(rig: Any, folder: Path) -> list[EmailMessage]:
    """Deliver the outbox into `folder` and read back every message sent so far."""
    delivery.deliver(rig.later(minutes=1).app, FileTransport(folder))
    return [
        email.message_from_bytes(p.read_bytes(), policy=policy.default)  # type: ignore[misc]
        for p in sorted(folder.glob("*.eml"))
    ]


def subjects(messages: list[EmailMessage]) -> list[str]:
    """Each message's subject, unfolded (a long one is folded over lines when sent)."""
    return [" ".join(str(m["Subject"]).split()) for m in messages]


def test_every_mail_of_the_review_names_the_review_by_its_kind(rig: Any, tmp_path: Path) -> None:
    """Planted bugs caught: the review's letters mailed as "Rapid Review REF: terms of reference of the
    review"; its reminders' subjects and bodies saying "Review REF" and "Rapid Review REF"."""
    staff(rig)
    decided_and_closed(rig)
    out = tmp_path / "out"
    notices.tick(rig.at(london(2026, 12, 3, 9, 5)).app)
    reminder = [m for m in sent(rig, out) if "Reminder" in str(m["Subject"])]
    assert subjects(reminder) == [f"{MARK}: {NAMED}: Reminder: Reviewer appointed due Thu 10 Dec"]
    body = reminder[0].get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert f"{NAMED}: reminder" in body and f"quoting {NAMED}." in body
    assert f"Rapid Review {REF}" not in body
    html = reminder[0].get_body(("html",)).get_content()  # type: ignore[union-attr]
    assert f'<h1 style="font-size:1.3em">{NAMED}: reminder</h1>' in html

    reviews.appoint(rig.at(datetime(2026, 12, 4, 10)).app, REF, "Dr A Reviewer")
    reviews.tor_agreed(rig.at(datetime(2026, 12, 7, 10)).app, REF)
    terms = [m for m in sent(rig, out) if "terms of reference" in str(m["Subject"])]
    assert subjects(terms) == [f"{MARK}: {NAMED}: terms of reference"] * 3  # one to each partner
    (letter,) = [p.get_content() for p in terms[0].iter_attachments() if p.get_filename().endswith(".docx")]
    assert "Local child safeguarding practice review: terms of reference" in word_text(letter)["body"]
    # The page footer names the review too (planted bug caught: every letter's footer "Rapid Review REF").
    footer = f"Testshire Safeguarding Children Partnership · {NAMED} · Page 1 of 1"
    assert word_text(letter)["footer"] == f"OFFICIAL-SENSITIVE\n{footer}"

    recommendation = reviews.recommend(
        rig.at(datetime(2026, 12, 8, 10)).app, REF, "police", "joint training", date(2026, 12, 18)
    )
    notices.tick(rig.at(london(2026, 12, 17, 9, 5)).app)
    reminded = [m for m in sent(rig, out) if "Recommendation" in str(m["Subject"])]
    assert subjects(reminded) == [
        f"{MARK}: {NAMED}: Reminder: Recommendation 1: joint training due Fri 18 Dec"
    ]
    assert recommendation > 0

    reviews.draft(rig.at(datetime(2027, 3, 1, 10)).app, REF)
    reviews.final_sent(rig.at(datetime(2027, 4, 12, 10)).app, REF)
    to_panel = [m for m in sent(rig, out) if "panel@panel.example" in str(m["To"])]
    assert f"{MARK}: {NAMED}: final report: notice before publication" in subjects(to_panel)
    (notice,) = [m for m in to_panel if "notice before publication" in str(m["Subject"])]
    (word,) = [p.get_content() for p in notice.iter_attachments() if p.get_filename().endswith(".docx")]
    assert word_text(word)["footer"] == f"OFFICIAL-SENSITIVE\n{footer}"
    for message in sent(rig, out):  # only the Rapid Review's own letters (closure...) say "Rapid Review"
        assert f": Review {REF}:" not in str(message["Subject"]), message["Subject"]
