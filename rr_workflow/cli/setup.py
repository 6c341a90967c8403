"""`rr init`, `rr agency ...`, `rr person ...`: setting a partnership up."""

from __future__ import annotations

import click

from rr_workflow.cli.params import echo_json, echo_table, json_option, open_app


@click.command()
@click.option(
    "--training", is_flag=True, help="A training database: honours RR_NOW and RR_USER, marks documents."
)
@click.option("--name", help="Your name, for letters (default: your login); changes your own record later.")
@click.option("--email", help="Your e-mail address (default: LOGIN@localhost); likewise.")
def init(training: bool, name: str | None, email: str | None) -> None:
    """Create (or upgrade) the database and configuration under RR_HOME; safe to run again.

    On an empty database the login running it (the OS account, or the PostgreSQL login role) is
    registered as coordinator and admin. After that nobody is registered by init: an admin adds people
    (rr person add). A registered person's --name/--email change their own record, in the audit trail.

    \b
    Examples:
      $ rr init
      $ rr init --name "Sam Okoro" --email sam@lscp.example   # later: correct your own record
      $ RR_HOME=~/rr-training rr init --training
      $ RR_DATABASE_URL=postgresql+psycopg://db.lscp.example/rr rr init
    """
    from rr_workflow.service import setup

    result = setup.init(training=training, name=name, email=email)
    verb = "created" if result["created"] else "up to date"
    click.echo(f"{result['mode']} database {verb}: {result['database']}")
    login, roles = result["login"], result["roles"]
    if result["registered_now"]:
        click.echo(f"{login} is registered as coordinator and admin (an admin adds everyone else)")
    elif roles:
        click.echo(f"you are {login}: {', '.join(roles)}")
        if result["changed"]:
            click.echo(f"your {' and '.join(result['changed'])} changed (recorded in the audit trail)")
    else:
        click.echo(f"you are {login}, not registered: an admin adds you (rr person add {login} ...)")


@click.command()
@json_option
def whoami(as_json: bool) -> None:
    """Who rr-workflow takes you for, how it knows, and your roles.

    \b
    Example:
      $ rr whoami
      sam (the operating-system account): admin, coordinator
    """
    from rr_workflow.service import setup

    me = setup.whoami(open_app())
    if as_json:
        echo_json(me)
    else:
        roles = ", ".join(me["roles"]) or "not registered"
        click.echo(f"{me['login']} ({me['established_by']}): {roles}")


@click.group()
def agency() -> None:
    """The agencies the partnership works with, and which are safeguarding partners."""


@agency.command("add")
@click.argument("key")
@click.option("--name", required=True, help="The agency's name, as letters address it.")
@click.option("--email", required=True, help="Where its letters and notices go.")
@click.option("--partner", help="The safeguarding partner it represents (la, police or health by default).")
def agency_add(key: str, name: str, email: str, partner: str | None) -> None:
    """Register an agency under a short KEY used in every other command.

    \b
    Example:
      $ rr agency add police --name "Northshire Police" --email mash@police.example --partner police
    """
    from rr_workflow.service import setup

    setup.agency_add(open_app(), key, name, email, partner)
    click.echo(f"agency {key} added" + (f" (safeguarding partner: {partner})" if partner else ""))


def _echo_changes(what: str, changes: dict) -> None:
    for field, (before, after) in changes.items():
        click.echo(f"{what}: {field} {before or '(none)'} -> {after or '(none)'}")


@agency.command("edit")
@click.argument("key")
@click.option("--name", help="The agency's new name.")
@click.option("--email", help="Its new address for letters and notices.")
@click.option("--partner", help="The safeguarding partner it represents, or `none`.")
def agency_edit(key: str, name: str | None, email: str | None, partner: str | None) -> None:
    """Change an agency's name, e-mail or partner. The change and its before/after are audited;
    letters already sent are not sent again.

    \b
    Example:
      $ rr agency edit police --email safeguarding@police.example
    """
    from rr_workflow.service import directory

    changes = directory.agency_edit(open_app(), key, name, email, partner)
    _echo_changes(f"agency {key.lower()}", changes)


@agency.command("deactivate")
@click.argument("key")
@click.option("--reason", required=True, help="Why (kept in the audit trail).")
def agency_deactivate(key: str, reason: str) -> None:
    """Deactivate an agency: it gets no new letters or notices and cannot be sent a scoping
    template. It is never deleted: the cases and the audit trail still name it.

    \b
    Example:
      $ rr agency deactivate oldtrust --reason "merged into health"
    """
    from rr_workflow.service import directory

    done = directory.agency_set_active(open_app(), key, False, reason)
    click.echo(f"agency {done} deactivated: no new letters or notices go to it (rr agency activate {done})")


@agency.command("activate")
@click.argument("key")
def agency_activate(key: str) -> None:
    """Reactivate a deactivated agency.

    \b
    Example:
      $ rr agency activate oldtrust
    """
    from rr_workflow.service import directory

    click.echo(f"agency {directory.agency_set_active(open_app(), key, True)} is active again")


@agency.command("list")
@json_option
def agency_list(as_json: bool) -> None:
    """The registered agencies.

    \b
    Example:
      $ rr agency list --json
    """
    from rr_workflow.service import setup

    rows = setup.agency_list(open_app())
    if as_json:
        echo_json(rows)
    else:
        echo_table(
            ("KEY", "NAME", "E-MAIL", "PARTNER", "ACTIVE"),
            [(r["key"], r["name"], r["email"], r["partner"], _yes(r["active"])) for r in rows],
        )


def _yes(active: object) -> str:
    return "yes" if active else "no (deactivated)"


@click.group()
def person() -> None:
    """The people who use rr-workflow, and their roles."""


@person.command("add")
@click.argument("login")
@click.option("--name", required=True, help="Full name.")
@click.option("--email", required=True, help="E-mail address for notices.")
@click.option(
    "--role",
    "roles",
    multiple=True,
    required=True,
    type=click.Choice(["coordinator", "manager", "chair", "admin"]),
    help="coordinator, manager, chair or admin; repeat for several.",
)
@click.option(
    "--db-role",
    is_flag=True,
    help="PostgreSQL: also make LOGIN a login role of this database's people (needs CREATEROLE).",
)
def person_add(login: str, name: str, email: str, roles: tuple[str, ...], db_role: bool) -> None:
    """Register a person by their login (or give an existing person more roles). Admins only.

    LOGIN is the name they are authenticated as: their operating-system account, or on PostgreSQL their
    login role (see docs/security.md for making one role per person).

    \b
    Examples:
      $ rr person add jbloggs --name "Jo Bloggs" --email jo@lscp.example --role manager
      $ rr person add jbloggs --name "Jo Bloggs" --email jo@lscp.example --role manager --db-role
    """
    from rr_workflow.service import setup

    held = setup.person_add(open_app(), login, name, email, list(roles), db_role=db_role)
    click.echo(f"{login}: {', '.join(held)}")
    if db_role:
        click.echo(
            f"PostgreSQL role {login} can connect; the server's pg_hba.conf decides how it authenticates"
        )


@person.command("edit")
@click.argument("login")
@click.option("--name", help="The person's new name.")
@click.option("--email", help="Their new e-mail address.")
def person_edit(login: str, name: str | None, email: str | None) -> None:
    """Change a person's name or e-mail (an admin for anyone; anyone for themselves). Roles are
    granted by an admin (rr person add LOGIN --role ...), not here.

    \b
    Example:
      $ rr person edit jbloggs --email jo.bloggs@lscp.example
    """
    from rr_workflow.service import directory

    _echo_changes(login, directory.person_edit(open_app(), login, name, email))


@person.command("deactivate")
@click.argument("login")
@click.option("--reason", required=True, help="Why (kept in the audit trail).")
def person_deactivate(login: str, reason: str) -> None:
    """Deactivate a person: they can no longer act and get no notices. Never deleted: the audit
    trail names them.

    \b
    Example:
      $ rr person deactivate jbloggs --reason "left the business unit"
    """
    from rr_workflow.service import directory

    done = directory.person_set_active(open_app(), login, False, reason)
    click.echo(f"{done} deactivated: they can no longer act (rr person activate {done})")


@person.command("activate")
@click.argument("login")
def person_activate(login: str) -> None:
    """Reactivate a deactivated person, with the roles they had.

    \b
    Example:
      $ rr person activate jbloggs
    """
    from rr_workflow.service import directory

    click.echo(f"{directory.person_set_active(open_app(), login, True)} is active again")


@person.command("revoke")
@click.argument("login")
@click.option(
    "--role",
    "roles",
    multiple=True,
    required=True,
    type=click.Choice(["coordinator", "manager", "chair", "admin"]),
    help="The role to take away; repeat for several.",
)
def person_revoke(login: str, roles: tuple[str, ...]) -> None:
    """Take roles away from a person (admins only; recorded in the audit trail).

    \b
    Example:
      $ rr person revoke jbloggs --role manager
    """
    from rr_workflow.service import setup

    held = setup.person_revoke(open_app(), login, list(roles))
    click.echo(f"{login}: {', '.join(held) or 'no roles left'}")


@person.command("list")
@json_option
def person_list(as_json: bool) -> None:
    """The registered people and their roles.

    \b
    Example:
      $ rr person list
    """
    from rr_workflow.service import setup

    rows = setup.person_list(open_app())
    if as_json:
        echo_json(rows)
    else:
        echo_table(
            ("LOGIN", "NAME", "E-MAIL", "ROLES", "ACTIVE"),
            [(r["login"], r["name"], r["email"], ", ".join(r["roles"]), _yes(r["active"])) for r in rows],
        )
