"""Use cases that set a partnership up: the database, agencies, people and their roles."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine, delete, insert, inspect, select, update

from rr_workflow.adapters import config
from rr_workflow.adapters.db import tables as t
from rr_workflow.adapters.db.engine import database_url, make_engine
from rr_workflow.domain.errors import BadInput, Refused
from rr_workflow.domain.schedule import ROLES
from rr_workflow.service import identity, permissions, validate
from rr_workflow.service.app import (
    LIVE,
    MODE_KEY,
    TRAINING,
    App,
    clock_from_environment,
    reachable,
)

if TYPE_CHECKING:
    from rr_workflow.adapters.db.unit_of_work import UnitOfWork

KEY = re.compile(r"^[a-z][a-z0-9_-]{0,63}$")


def init(
    home: Path | None = None, training: bool = False, name: str | None = None, email: str | None = None
) -> dict[str, object]:
    """Create (or upgrade) the database. Idempotent.

    The first init on an empty database registers its caller as coordinator and admin. On a database that
    has people, it registers nobody: a registered caller's --name/--email update their own record
    (audited); an unregistered caller giving them is refused before anything is written.
    """
    from rr_workflow.adapters.db.migrate import upgrade

    home = home or config.rr_home()
    _make_home(home)
    url = database_url(home)
    engine = make_engine(url)
    new_sqlite = url.startswith("sqlite") and not (home / "rr.sqlite3").exists()
    with reachable(engine):
        existing_mode = None if new_sqlite else _stored_mode(engine)
    created = existing_mode is None
    wanted = TRAINING if training else LIVE
    mode = existing_mode or wanted
    # Refuse before anything is written: a live database never takes its time from RR_NOW.
    clock_from_environment(mode)
    if training and mode != TRAINING:
        raise BadInput("this database is live: a training database needs its own RR_HOME")
    with reachable(engine):
        login = _caller(engine, new_sqlite, training=mode == TRAINING)
        if not created and (name is not None or email is not None) and _is_someone_else(engine, login):
            raise Refused(
                f"{login!r} is not registered, so there is no record of yours to update: "
                f"an admin adds you (rr person add {login} --name ... --email ... --role ...)"
            )
    if name is not None:
        name = _check_name(name)
    if email is not None:
        email = check_email(email)
    upgrade(engine)
    if url.startswith("sqlite"):
        os.chmod(home / "rr.sqlite3", 0o600)
    else:
        _grant_people(engine)
    with engine.begin() as connection:
        stored = connection.execute(select(t.settings.c.value).where(t.settings.c.key == MODE_KEY)).scalar()
        if stored is None:
            connection.execute(insert(t.settings).values(key=MODE_KEY, value=mode))
    app = App(home=home, engine=engine, actor=login, clock=clock_from_environment(mode), mode=mode)
    with app.uow() as uow:
        if created:
            uow.audit(
                actor=login, recorded_at=app.moment(), action="database_created", details={"mode": mode}
            )
        first = uow.session.execute(select(t.people.c.login).limit(1)).first() is None
        if first:
            name, email = name or login, email or f"{login}@localhost"
            uow.session.execute(insert(t.people).values(login=login, name=name, email=email))
            uow.session.execute(insert(t.person_roles), [{"login": login, "role": r} for r in FIRST_ROLES])
            uow.audit(
                actor=login,
                recorded_at=app.moment(),
                action="person_added",
                details={"login": login, "name": name, "email": email, "granted": list(FIRST_ROLES)},
            )
        changed = {} if first else _update_person(uow, app, login, name, email)
        roles = sorted(permissions.roles_of(uow, login))
        uow.commit()
    return {
        "home": str(home),
        "database": _safe_url(url),
        "mode": mode,
        "created": created,
        "login": login,
        "registered_now": first,
        "roles": roles,
        "changed": sorted(changed),
    }


FIRST_ROLES = ("admin", "coordinator")


def _grant_people(engine: Engine) -> None:
    """PostgreSQL: re-grant the people's group role (if there is one yet) the tables as they are now, so
    a table a new version adds is theirs too."""
    from rr_workflow.adapters.db import roles as db_roles

    with engine.begin() as connection:
        db_roles.grant_group(connection, create=False)


def _make_home(home: Path) -> None:
    """RR_HOME, readable by its owner only. An existing folder of the caller's own that only they can
    write to is tightened to 0700; a shared one (writable by others, sticky like /tmp, or someone else's)
    is refused, not chmodded: taking a shared folder away from the people who share it is not init's
    decision."""
    if not home.exists():
        home.mkdir(parents=True, mode=0o700)
        os.chmod(home, 0o700)
        return
    if not home.is_dir():
        raise BadInput(f"RR_HOME {home} is not a folder")
    info = home.stat()
    mode = info.st_mode & 0o7777
    if info.st_uid != os.geteuid() or mode & 0o1022:
        raise BadInput(
            f"RR_HOME {home} is a shared folder (mode {mode:04o}): "
            "give rr-workflow a folder of its own (e.g. RR_HOME={home}/rr-workflow)".replace(
                "{home}", str(home)
            )
        )
    if mode & 0o077:
        os.chmod(home, 0o700)


def _caller(engine: Engine, new_sqlite: bool, training: bool) -> str:
    if new_sqlite:  # connecting would create the file before the checks are done
        return identity.acting_login_without_database(training)
    with engine.connect() as connection:
        return identity.acting_login(connection, training)


def _is_someone_else(engine: Engine, login: str) -> bool:
    """True if the database has people and `login` is not one of them."""
    with engine.connect() as connection:
        if not inspect(connection).has_table("people"):
            return False
        anyone = connection.execute(select(t.people.c.login).limit(1)).first()
        me = connection.execute(select(t.people.c.login).where(t.people.c.login == login)).first()
    return anyone is not None and me is None


def _update_person(
    uow: UnitOfWork, app: App, login: str, name: str | None, email: str | None
) -> dict[str, object]:
    """Change a person's name and e-mail address (those given and different); one audit row with the
    values before and after (as `rr person edit` writes it). Returns the fields changed."""
    row = uow.session.execute(select(t.people).where(t.people.c.login == login)).mappings().first()
    if row is None:
        return {}
    wanted = {"name": name, "email": email}
    changes = {k: (row[k], v) for k, v in wanted.items() if v is not None and v != row[k]}
    if changes:
        values = {k: after for k, (_, after) in changes.items()}
        uow.session.execute(update(t.people).where(t.people.c.login == login).values(**values))
        uow.audit(
            actor=app.actor,
            recorded_at=app.moment(),
            action="person_edited",
            details={
                "login": login,
                "before": {k: before for k, (before, _) in changes.items()},
                "after": values,
            },
        )
    return changes


def _stored_mode(engine: Engine) -> str | None:
    with engine.connect() as connection:
        if not inspect(connection).has_table("settings"):
            return None
        return (
            connection.execute(select(t.settings.c.value).where(t.settings.c.key == MODE_KEY)).scalar()
            or LIVE
        )


def _safe_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def check_email(email: str) -> str:
    return validate.email(email)


def _check_name(name: str) -> str:
    return validate.name(name, "a name")


def check_partner(partner: str) -> str:
    from rr_workflow.service import reference

    partners = reference.schedule().partners
    if partner not in partners:
        raise BadInput(f"unknown partner {partner!r} (expected one of: {', '.join(partners)})")
    return partner


def agency_add(app: App, key: str, name: str, email: str, partner: str | None) -> None:
    key = key.strip().lower()  # keys are matched without regard to case: stored in lower case
    if not KEY.match(key):
        raise BadInput(f"an agency key is lower case letters, digits, - and _ (e.g. police), not {key!r}")
    if not name.strip():
        raise BadInput("an agency needs a name (--name)")
    name = validate.name(name, "the agency's name")
    email = check_email(email)
    if partner is not None:
        check_partner(partner)
    with app.uow() as uow:
        permissions.require(uow, app.actor, "agency_add")
        if uow.session.execute(select(t.agencies.c.key).where(t.agencies.c.key == key)).first():
            raise BadInput(f"agency {key!r} already exists")
        uow.session.execute(insert(t.agencies).values(key=key, name=name, email=email, partner=partner))
        uow.audit(
            actor=app.actor,
            recorded_at=app.moment(),
            action="agency_added",
            details={"agency": key, "partner": partner},
        )
        uow.commit()


def person_add(
    app: App, login: str, name: str, email: str, roles: list[str], db_role: bool = False
) -> list[str]:
    """Register a person, or give an existing one more roles (admins only). Returns all their roles.
    Each registration, change of name or address, and role granted is an audit row of its own."""
    login = _check_login(login)
    roles = _check_roles(roles)
    name = _check_name(name)
    email = check_email(email)
    if db_role and app.engine.dialect.name != "postgresql":
        raise BadInput("--db-role is for PostgreSQL: on SQLite a person is their operating-system account")
    with app.uow() as uow:
        permissions.require(uow, app.actor, "person_add")
        if db_role:
            from rr_workflow.adapters.db import roles as db_roles

            db_roles.create_login(uow.connection, login)
        exists = uow.session.execute(select(t.people.c.login).where(t.people.c.login == login)).first()
        held = permissions.roles_of(uow, login)
        granted = sorted(set(roles) - held)
        if exists:
            _update_person(uow, app, login, name, email)
        else:
            uow.session.execute(insert(t.people).values(login=login, name=name, email=email))
        if granted:
            uow.session.execute(insert(t.person_roles), [{"login": login, "role": r} for r in granted])
        if not exists:
            uow.audit(
                actor=app.actor,
                recorded_at=app.moment(),
                action="person_added",
                details={"login": login, "name": name, "email": email, "granted": granted},
            )
        elif granted:
            uow.audit(
                actor=app.actor,
                recorded_at=app.moment(),
                action="roles_granted",
                details={"login": login, "granted": granted},
            )
        uow.commit()
        return sorted(held | set(roles))


def person_revoke(app: App, login: str, roles: list[str]) -> list[str]:
    """Take roles away from a person (admins only; the last admin keeps theirs). Audited. Returns the
    roles they still hold."""
    roles = _check_roles(roles)
    with app.uow() as uow:
        permissions.require(uow, app.actor, "person_add")
        held = permissions.roles_of(uow, login)
        if not held:
            raise BadInput(f"{login!r} is not registered")
        removed = sorted(set(roles) & held)
        if "admin" in removed:
            from rr_workflow.service.directory import _active_admins

            if _active_admins(uow) <= 1:
                raise Refused(f"{login!r} is the only active admin: make someone else admin first")
        if removed:
            uow.session.execute(
                delete(t.person_roles).where(
                    t.person_roles.c.login == login, t.person_roles.c.role.in_(removed)
                )
            )
            uow.audit(
                actor=app.actor,
                recorded_at=app.moment(),
                action="roles_revoked",
                details={"login": login, "revoked": removed},
            )
        uow.commit()
        return sorted(held - set(removed))


def _check_login(login: str) -> str:
    if not login.strip() or any(c.isspace() for c in login) or len(login) > 63:
        raise BadInput(f"not a login: {login[:80]!r}")
    return login


def _check_roles(roles: list[str]) -> list[str]:
    if not roles:
        raise BadInput(f"give at least one --role ({', '.join(ROLES)})")
    unknown = [r for r in roles if r not in ROLES]
    if unknown:
        raise BadInput(f"unknown role {unknown[0]!r} (expected one of: {', '.join(ROLES)})")
    return roles


def agency_list(app: App) -> list[dict[str, object]]:
    with app.uow() as uow:
        permissions.require(uow, app.actor, "agency_list")
        return [{**r, "active": bool(r["active"])} for r in uow.rows(t.agencies, order_by=t.agencies.c.key)]


def person_list(app: App) -> list[dict[str, object]]:
    with app.uow() as uow:
        permissions.require(uow, app.actor, "person_list")
        people = uow.rows(t.people, order_by=t.people.c.login)
        roles = uow.rows(t.person_roles)
    held = {p["login"]: sorted(r["role"] for r in roles if r["login"] == p["login"]) for p in people}
    return [{**p, "active": bool(p["active"]), "roles": held[p["login"]]} for p in people]


def whoami(app: App) -> dict[str, object]:
    """The acting person, how their identity was established, and their roles."""
    with app.engine.connect() as connection:
        return {
            "login": app.actor,
            "established_by": identity.how_established(connection, app.training),
            "roles": sorted(permissions.roles_of(connection, app.actor)),
        }
