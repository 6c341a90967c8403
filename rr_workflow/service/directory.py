"""Use cases that change a registered agency or person: edit, deactivate, reactivate. Never delete.

The audit trail names agencies and people, so a record is never removed: a deactivated agency gets no new
letters or notices and cannot be sent a scoping template or named as a referrer; a deactivated person can
no longer act and gets no notices. Every change is an audit row with who made it, the reason (for a
deactivation) and the values before and after. Roles are not edited here: an admin grants them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import func, select, update

from rr_workflow.adapters.db import tables as t
from rr_workflow.adapters.db.unit_of_work import UnitOfWork
from rr_workflow.domain.errors import BadInput, Refused
from rr_workflow.service import permissions
from rr_workflow.service.app import App
from rr_workflow.service.setup import check_email, check_partner

NO_PARTNER = "none"  # `--partner none`: the agency is no longer a safeguarding partner


def _changes(before: Mapping[str, Any], wanted: Mapping[str, Any]) -> dict[str, tuple[Any, Any]]:
    """field -> (before, after) for each wanted value that differs from the stored one."""
    return {k: (before[k], v) for k, v in wanted.items() if v is not None and before[k] != v}


def _agency(uow: UnitOfWork, key: str) -> Mapping[str, Any]:
    found = uow.rows(t.agencies, key=key.strip().lower())
    if not found:
        raise BadInput(f"no agency {key!r} (rr agency list shows them)")
    return found[0]


def _person(uow: UnitOfWork, login: str) -> Mapping[str, Any]:
    found = uow.rows(t.people, login=login)
    if not found:
        raise BadInput(f"no person {login!r} (rr person list shows them)")
    return found[0]


def _audit(app: App, uow: UnitOfWork, action: str, details: Mapping[str, Any]) -> None:
    uow.audit(actor=app.actor, recorded_at=app.moment(), action=action, details=details)


def _before_after(changes: Mapping[str, tuple[Any, Any]]) -> dict[str, Any]:
    return {
        "before": {k: b for k, (b, _) in changes.items()},
        "after": {k: a for k, (_, a) in changes.items()},
    }


def agency_edit(
    app: App, key: str, name: str | None = None, email: str | None = None, partner: str | None = None
) -> dict[str, tuple[Any, Any]]:
    """Change an agency's name, e-mail or partner (`none` clears it); returns what changed."""
    if name is not None and not name.strip():
        raise BadInput("an agency's name cannot be empty")
    if email is not None:
        check_email(email)
    if partner is not None and partner != NO_PARTNER:
        check_partner(partner)
    with app.uow() as uow:
        permissions.require(uow, app.actor, "agency_edit")
        row = _agency(uow, key)
        changes = _changes(row, {"name": name and name.strip(), "email": email})
        if partner is not None:
            new_partner = None if partner == NO_PARTNER else partner
            if row["partner"] != new_partner:
                changes["partner"] = (row["partner"], new_partner)
        if not changes:
            raise BadInput(
                f"nothing to change for agency {row['key']}: give a new --name, --email or --partner"
            )
        new_values = {k: after for k, (_, after) in changes.items()}
        uow.session.execute(update(t.agencies).where(t.agencies.c.key == row["key"]).values(new_values))
        _audit(app, uow, "agency_edited", {"agency": row["key"], **_before_after(changes)})
        uow.commit()
        return changes


def agency_set_active(app: App, key: str, active: bool, reason: str | None = None) -> str:
    """Deactivate (with a reason) or reactivate an agency; returns its key."""
    if not active and not (reason and reason.strip()):
        raise BadInput("give the reason for deactivating it (--reason)")
    with app.uow() as uow:
        permissions.require(uow, app.actor, "agency_edit")
        row = _agency(uow, key)
        if bool(row["active"]) == active:
            raise BadInput(f"agency {row['key']} is already {'active' if active else 'deactivated'}")
        agencies = t.agencies
        uow.session.execute(update(agencies).where(agencies.c.key == row["key"]).values(active=int(active)))
        details = {"agency": row["key"], "reason": reason.strip() if reason else None}
        _audit(app, uow, "agency_activated" if active else "agency_deactivated", details)
        uow.commit()
        return str(row["key"])


def person_edit(
    app: App, login: str, name: str | None = None, email: str | None = None
) -> dict[str, tuple[Any, Any]]:
    """Change a person's name or e-mail: an admin for anyone, anyone for themselves. Roles are not
    changed here (an admin grants them with `rr person add LOGIN --role ...`)."""
    if name is not None and not name.strip():
        raise BadInput("a person's name cannot be empty")
    if email is not None:
        check_email(email)
    with app.uow() as uow:
        permissions.require(uow, app.actor, "person_edit_self" if login == app.actor else "person_edit")
        row = _person(uow, login)
        changes = _changes(row, {"name": name and name.strip(), "email": email})
        if not changes:
            raise BadInput(f"nothing to change for {login}: give a new --name or --email")
        uow.session.execute(
            update(t.people).where(t.people.c.login == login).values({k: a for k, (_, a) in changes.items()})
        )
        _audit(app, uow, "person_edited", {"login": login, **_before_after(changes)})
        uow.commit()
        return changes


def person_set_active(app: App, login: str, active: bool, reason: str | None = None) -> str:
    """Deactivate (with a reason) or reactivate a person. The last active admin stays active."""
    if not active and not (reason and reason.strip()):
        raise BadInput("give the reason for deactivating them (--reason)")
    with app.uow() as uow:
        permissions.require(uow, app.actor, "person_edit")
        row = _person(uow, login)
        if bool(row["active"]) == active:
            raise BadInput(f"{login} is already {'active' if active else 'deactivated'}")
        if not active and "admin" in permissions.roles_of(uow, login) and _active_admins(uow) <= 1:
            raise Refused(f"{login} is the only active admin: register another admin first")
        uow.session.execute(update(t.people).where(t.people.c.login == login).values(active=int(active)))
        details = {"login": login, "reason": reason.strip() if reason else None}
        _audit(app, uow, "person_activated" if active else "person_deactivated", details)
        uow.commit()
        return login


def _active_admins(uow: UnitOfWork) -> int:
    query = (
        select(func.count())
        .select_from(t.person_roles.join(t.people, t.people.c.login == t.person_roles.c.login))
        .where(t.person_roles.c.role == "admin", t.people.c.active == 1)
    )
    return int(uow.session.execute(query).scalar() or 0)
