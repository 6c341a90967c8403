"""Use cases that set a partnership up: the database, agencies, people and their roles."""

from __future__ import annotations

import os
import re
from pathlib import Path

from sqlalchemy import Engine, insert, inspect, select, update

from rr_workflow.adapters import config
from rr_workflow.adapters.db import tables as t
from rr_workflow.adapters.db.engine import database_url, make_engine
from rr_workflow.domain.errors import BadInput
from rr_workflow.domain.schedule import ROLES
from rr_workflow.service import permissions
from rr_workflow.service.app import (
    LIVE,
    MODE_KEY,
    TRAINING,
    App,
    acting_login,
    clock_from_environment,
    reachable,
)

KEY = re.compile(r"^[a-z][a-z0-9_-]{0,63}$")
EMAIL = re.compile(r"^[^@\s<>]+@[^@\s<>]+$")


def init(
    home: Path | None = None, training: bool = False, name: str | None = None, email: str | None = None
) -> dict[str, object]:
    """Create (or upgrade) the database and register the caller as coordinator and admin. Idempotent."""
    from rr_workflow.adapters.db.migrate import upgrade

    home = home or config.rr_home()
    home.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.chmod(home, 0o700)
    url = database_url(home)
    engine = make_engine(url)
    new_sqlite = url.startswith("sqlite") and not (home / "rr.sqlite3").exists()
    with reachable(engine):
        existing_mode = None if new_sqlite else _stored_mode(engine)
    created = existing_mode is None
    wanted = TRAINING if training else LIVE
    # Refuse before anything is written: a live database never takes its time from RR_NOW.
    clock_from_environment(existing_mode or wanted)
    upgrade(engine)
    if url.startswith("sqlite"):
        os.chmod(home / "rr.sqlite3", 0o600)
    login = acting_login()
    with engine.begin() as connection:
        mode = connection.execute(select(t.settings.c.value).where(t.settings.c.key == MODE_KEY)).scalar()
        if mode is None:
            connection.execute(insert(t.settings).values(key=MODE_KEY, value=wanted))
            mode = wanted
        elif training and mode != TRAINING:
            raise BadInput("this database is live: a training database needs its own RR_HOME")
    app = App(home=home, engine=engine, actor=login, clock=clock_from_environment(mode), mode=mode)
    with app.uow() as uow:
        existing = uow.session.execute(select(t.people.c.login).where(t.people.c.login == login)).first()
        if existing is None:
            uow.session.execute(
                insert(t.people).values(login=login, name=name or login, email=email or f"{login}@localhost")
            )
        roles = permissions.roles_of(uow, login)
        for role in ("coordinator", "admin"):
            if role not in roles:
                uow.session.execute(insert(t.person_roles).values(login=login, role=role))
        if created:
            uow.audit(
                actor=login, recorded_at=app.moment(), action="database_created", details={"mode": mode}
            )
        uow.commit()
    return {"home": str(home), "database": _safe_url(url), "mode": mode, "created": created, "login": login}


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
    if not EMAIL.match(email):
        raise BadInput(f"not an e-mail address: {email!r}")
    return email


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
    check_email(email)
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


def person_add(app: App, login: str, name: str, email: str, roles: list[str]) -> list[str]:
    """Register a person, or give an existing one more roles. Returns all their roles."""
    if not login.strip() or any(c.isspace() for c in login):
        raise BadInput(f"not a login: {login!r}")
    if not roles:
        raise BadInput(f"give at least one --role ({', '.join(ROLES)})")
    unknown = [r for r in roles if r not in ROLES]
    if unknown:
        raise BadInput(f"unknown role {unknown[0]!r} (expected one of: {', '.join(ROLES)})")
    check_email(email)
    with app.uow() as uow:
        permissions.require(uow, app.actor, "person_add")
        exists = uow.session.execute(select(t.people.c.login).where(t.people.c.login == login)).first()
        if exists:
            uow.session.execute(
                update(t.people).where(t.people.c.login == login).values(name=name, email=email)
            )
        else:
            uow.session.execute(insert(t.people).values(login=login, name=name, email=email))
        held = permissions.roles_of(uow, login)
        for role in sorted(set(roles) - held):
            uow.session.execute(insert(t.person_roles).values(login=login, role=role))
        uow.audit(
            actor=app.actor,
            recorded_at=app.moment(),
            action="person_added",
            details={"login": login, "roles": sorted(set(roles))},
        )
        uow.commit()
        return sorted(held | set(roles))


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
