"""Who may do what: the one table of permissions (docs/security.md). Refusals name the missing role."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

from sqlalchemy import bindparam, select

from rr_workflow.adapters.db import tables as t
from rr_workflow.adapters.db.prepared import Prepared
from rr_workflow.domain.errors import Refused

READ = frozenset({"coordinator", "manager", "chair", "admin"})
RECORD = frozenset({"coordinator"})
ADMIN = frozenset({"admin"})

# action -> roles any one of which allows it
PERMISSIONS: Mapping[str, frozenset[str]] = {
    "agency_add": ADMIN,
    "agency_edit": ADMIN,  # name, e-mail, partner; deactivate and reactivate
    "person_add": ADMIN,
    "person_edit": ADMIN,  # someone else's name and e-mail; deactivate and reactivate (never roles)
    "person_edit_self": READ,  # one's own name and e-mail
    "agency_list": READ,
    "person_list": READ,
    "case_open": RECORD,
    "case_list": READ,
    "case_show": READ,
    "history": READ,
    "audit_verify": READ,
    "outbox_retry": frozenset({"coordinator", "admin"}),
    "record": RECORD,  # every recording step of a case
    "correct": RECORD,  # correct or withdraw a recorded fact, undo the last step
    "endorse": frozenset({"chair", "coordinator"}),  # a coordinator records it on the chair's behalf (--by)
}


def roles_of(db: Any, login: str) -> set[str]:
    """`db`: a unit of work, or a plain connection (the read-only views use no ORM)."""
    query = select(t.person_roles.c.role).where(t.person_roles.c.login == login)
    return set(_connection(db).execute(query).scalars())


def _roles_and_active(db: Any, login: str) -> tuple[set[str], bool]:
    """The person's roles and whether they are active. A unit of work with a `role_memo` (one running many
    steps, rr import) reads them once."""
    memo = getattr(db, "role_memo", None)
    if memo is not None and login in memo:
        roles, active = memo[login]
        return set(roles), active
    rows = _roles_and_active_query().run(_connection(db), {"login": login}).rows
    found = {role for role, _ in rows}, all(active for _, active in rows)
    if memo is not None:
        memo[login] = found
    return set(found[0]), found[1]


def _connection(db: Any) -> Any:
    """The unit of work's connection, or the connection given. People and roles are not mapped, so what
    the unit of work has waiting to be flushed cannot change them: read past the ORM (no autoflush)."""
    session = getattr(db, "session", None)
    return db if session is None else session.connection()


@functools.cache  # built once: every command asks
def _roles_and_active_query() -> Prepared:
    return Prepared(
        select(t.person_roles.c.role, t.people.c.active)
        .join(t.people, t.people.c.login == t.person_roles.c.login)
        .where(t.person_roles.c.login == bindparam("login"))
    )


def require(db: Any, login: str, action: str, known: tuple[set[str], bool] | None = None) -> set[str]:
    """The acting person's roles, if one of them allows `action`; otherwise `Refused`. A deactivated
    person can do nothing. `known`: their roles and active flag, already read in this transaction."""
    roles, active = known if known is not None else _roles_and_active(db, login)
    if not roles:
        raise Refused(f"{login!r} is not registered: an admin must add them (rr person add {login} ...)")
    if not active:
        raise Refused(f"{login!r} was deactivated: an admin can reactivate them (rr person activate {login})")
    needed = PERMISSIONS[action]
    if roles.isdisjoint(needed):
        raise Refused(
            f"this needs the {' or '.join(sorted(needed))} role; {login!r} has: {', '.join(sorted(roles))}"
        )
    return roles
