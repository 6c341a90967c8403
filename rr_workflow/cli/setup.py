"""`rr init`, `rr agency ...`, `rr person ...`: setting a partnership up."""

from __future__ import annotations

import click

from rr_workflow.cli.params import echo_json, echo_table, json_option, open_app


@click.command()
@click.option(
    "--training", is_flag=True, help="A training database: honours RR_NOW, marks documents as training."
)
@click.option("--name", help="Your name, for letters (default: your login).")
@click.option("--email", help="Your e-mail address (default: LOGIN@localhost).")
def init(training: bool, name: str | None, email: str | None) -> None:
    """Create (or upgrade) the database and configuration under RR_HOME; safe to run again.

    The login running it is registered as coordinator and admin.

    \b
    Examples:
      $ rr init
      $ RR_HOME=~/rr-training rr init --training
      $ RR_DATABASE_URL=postgresql+psycopg://rr@db/rr rr init
    """
    from rr_workflow.service import setup

    result = setup.init(training=training, name=name, email=email)
    verb = "created" if result["created"] else "up to date"
    click.echo(f"{result['mode']} database {verb}: {result['database']}")
    click.echo(f"{result['login']} is registered as coordinator and admin")


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
            ("KEY", "NAME", "E-MAIL", "PARTNER"),
            [(r["key"], r["name"], r["email"], r["partner"]) for r in rows],
        )


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
def person_add(login: str, name: str, email: str, roles: tuple[str, ...]) -> None:
    """Register a person by their login (or give an existing person more roles).

    \b
    Example:
      $ rr person add jbloggs --name "Jo Bloggs" --email jo@lscp.example --role manager
    """
    from rr_workflow.service import setup

    held = setup.person_add(open_app(), login, name, email, list(roles))
    click.echo(f"{login}: {', '.join(held)}")


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
            ("LOGIN", "NAME", "E-MAIL", "ROLES"),
            [(r["login"], r["name"], r["email"], ", ".join(r["roles"])) for r in rows],
        )
