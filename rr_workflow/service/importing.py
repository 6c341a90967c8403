"""`rr import`: the cases of a partnership's register, recorded as the steps a coordinator would have taken.

Each row's plan (service/register.py) goes through the same service functions the CLI calls
(service/commands.py), dated with `on=`, all inside one unit of work: the cases in savepoints of
`CASES_A_BATCH`, each written as one batch; a batch with a refused step is rolled back and recorded again a
case to a savepoint, so the step is reported against its row and column and the rest of the register is
still checked.
A dry run, or any problem at all, rolls the whole transaction back: the database is unchanged.

The steps run on an `App` that records facts only (`record_only`): the letters of past steps went out at
the time, and none is written or e-mailed now. Open cases get their timers from now on: reminders and
escalations whose moment has already passed are settled without mail (`notices.settle`), later ones fire
as for any case.
"""

from __future__ import annotations

import dataclasses
import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rr_workflow.adapters import spreadsheet
from rr_workflow.adapters.db import tables as t
from rr_workflow.adapters.db.unit_of_work import BatchUnitOfWork
from rr_workflow.domain.errors import BadInput, Refused
from rr_workflow.service import commands, notices, permissions, register
from rr_workflow.service.app import App
from rr_workflow.service.register import CasePlan, Problem, Step

FINISHED = ("closed", "declined")
# Cases recorded in one savepoint and written together (a few statements, not a few a case); a refused
# step sends its batch back to one case at a time.
CASES_A_BATCH = 50


@dataclass
class RowResult:
    row: int
    ref: str
    steps: list[Step]
    problems: list[Problem]
    state: str | None = None  # the case's state once its steps are recorded

    def as_json(self) -> dict[str, Any]:
        return {
            "row": self.row,
            "ref": self.ref,
            "state": self.state,
            "steps": [
                {"command": s.command, "on": s.on, "what": s.what, "column": s.column} for s in self.steps
            ],
            "problems": [_problem_json(p) for p in self.problems],
        }


@dataclass
class Outcome:
    source: str
    sha256: str
    dry_run: bool
    rows: list[RowResult] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)  # the header's, then every row's
    imported: bool = False
    settled: int = 0  # reminders and escalations already past for open cases, settled without mail

    @property
    def steps(self) -> int:
        return sum(len(r.steps) for r in self.rows)

    @property
    def open_cases(self) -> int:
        return sum(1 for r in self.rows if r.state is not None and r.state not in FINISHED)

    def as_json(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "sha256": self.sha256,
            "dry_run": self.dry_run,
            "imported": self.imported,
            "cases": len(self.rows),
            "steps": self.steps,
            "open_cases": self.open_cases,
            "settled_notices": self.settled,
            "rows": [r.as_json() for r in self.rows],
            "problems": [_problem_json(p) for p in self.problems],
        }


def _problem_json(problem: Problem) -> dict[str, Any]:
    return {"row": problem.row, "column": problem.column, "message": problem.message}


def import_register(app: App, path: Path, dry_run: bool = False) -> Outcome:
    """Check (`dry_run`) or record every case of the register at `path`; all or nothing."""
    sheet = spreadsheet.read(path)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    outcome = Outcome(sheet.source, digest, dry_run)
    with BatchUnitOfWork(app.engine) as uow:
        permissions.require(uow, app.actor, "case_open")
        agencies = register.Agencies(uow.rows(t.agencies))
        plans, outcome.problems = register.plan(sheet, agencies)
        if not plans and not outcome.problems:
            raise BadInput(f"{sheet.source} has no cases: one row per case below the column headings")
        steps_app = dataclasses.replace(app, within=uow, record_only=True)
        for first in range(0, len(plans), CASES_A_BATCH):
            for result in _record_batch(steps_app, uow, plans[first : first + CASES_A_BATCH]):
                outcome.rows.append(result)
                outcome.problems.extend(result.problems)
        if outcome.problems or dry_run:
            return outcome  # leaving the unit of work uncommitted rolls everything back
        open_refs = {r.ref for r in outcome.rows if r.state not in FINISHED}
        outcome.settled = notices.settle(app, uow, open_refs)
        uow.audit(
            actor=app.actor,
            recorded_at=app.moment(),
            action="register_imported",
            details={
                "file": sheet.source,
                "sha256": digest,
                "cases": len(outcome.rows),
                "steps": outcome.steps,
                "settled_notices": outcome.settled,
            },
        )
        uow.commit()
        outcome.imported = True
    return outcome


def _record_batch(app: App, uow: BatchUnitOfWork, plans: list[CasePlan]) -> list[RowResult]:
    """Run the steps of the cases `plans` in one savepoint, written as one batch. A refused step rolls the
    whole batch back, and its cases are recorded again one at a time (`_record`), so that each row's
    problem is its own and the others are checked as usual."""
    results = [RowResult(plan.row, plan.ref, plan.steps, list(plan.problems)) for plan in plans]
    savepoint = uow.session.begin_nested()
    for plan, result in zip(plans, results, strict=True):
        if result.problems:
            continue
        try:
            for step in plan.steps:
                getattr(commands, step.command)(app, plan.ref, **step.args)
        except (BadInput, Refused):
            savepoint.rollback()
            uow.discard()
            return [_record(app, uow, plan) for plan in plans]
    uow.write()
    savepoint.commit()
    for plan, result in zip(plans, results, strict=True):
        if plan.steps and not result.problems:
            result.state = uow.cases.get(plan.ref).state
    return results


def _record(app: App, uow: BatchUnitOfWork, plan: CasePlan) -> RowResult:
    """Run one case's steps in a savepoint, written as one batch; the first refused step is the row's
    problem and undoes the row."""
    result = RowResult(plan.row, plan.ref, plan.steps, list(plan.problems))
    if result.problems or not plan.steps:
        return result
    savepoint = uow.session.begin_nested()
    for step in plan.steps:
        try:
            getattr(commands, step.command)(app, plan.ref, **step.args)
        except (BadInput, Refused) as error:
            result.problems.append(Problem(plan.row, step.column, str(error)))
            savepoint.rollback()
            uow.discard()
            return result
    uow.write()
    savepoint.commit()
    result.state = uow.cases.get(plan.ref).state
    return result
