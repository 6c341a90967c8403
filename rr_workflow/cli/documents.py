"""`rr doc list`, `rr meeting pack`, `rr templates ...`: a case's documents and the templates behind them."""

from __future__ import annotations

import click

from rr_workflow.cli.params import echo_json, echo_table, json_option, open_app


@click.command("list")
@click.argument("ref")
@json_option
def doc_list(ref: str, as_json: bool) -> None:
    """The documents of a case: attached ones and the letters rr-workflow wrote, with their SHA-256.

    \b
    Example:
      $ rr doc list RR-2026-014
    """
    from rr_workflow.service import letters

    rows = letters.document_list(open_app(), ref)
    if as_json:
        echo_json(rows)
    else:
        echo_table(
            ("ID", "KIND", "FILE", "BY", "TO", "SHA-256"),
            [
                (
                    r["id"],
                    r["kind"],
                    r["filename"],
                    "rr" if r["generated"] else "attached",
                    (r["recipients"] or "")[:40],
                    r["sha256"][:16],
                )
                for r in rows
            ],
        )


@click.command("pack")
@click.argument("ref")
@click.option("--send", is_flag=True, help="E-mail the pack to everyone invited to the meeting.")
@json_option
def meeting_pack(ref: str, send: bool, as_json: bool) -> None:
    """Build the meeting pack: an index of the documents (and what is missing), the agenda, and a zip;
    with --send, e-mail the index and the documents to everyone invited to the meeting.

    \b
    Example:
      $ rr meeting pack RR-2026-014
      $ rr meeting pack RR-2026-014 --send
    """
    from rr_workflow.service import meeting_pack as packs

    pack = packs.build(open_app(), ref, send=send)
    if as_json:
        echo_json(pack)
        return
    click.echo(f"{ref}: meeting pack with {pack['documents']} document(s): {pack['zip']}")
    click.echo(f"index: {pack['index']}")
    if pack["missing"]:
        click.echo("missing: " + "; ".join(pack["missing"]))
    if pack["sent_to"]:
        click.echo(f"sent to {len(pack['sent_to'])} recipient(s): {', '.join(pack['sent_to'])}")


@click.group("templates")
def templates_group() -> None:
    """Letter, e-mail and Word templates; a partnership's own folder (RR_TEMPLATES) wins."""


@templates_group.command("list")
@json_option
def templates_list(as_json: bool) -> None:
    """Every template and the file that wins.

    \b
    Example:
      $ RR_TEMPLATES=~/our-letters rr templates list
    """
    from rr_workflow.service import template_files

    rows = template_files.list_templates()
    if as_json:
        echo_json(rows)
    else:
        echo_table(
            ("TEMPLATE", "FILE USED", "OVERRIDES"), [(r["name"], r["file"], r["overrides"]) for r in rows]
        )


@templates_group.command("check")
@json_option
def templates_check(as_json: bool) -> None:
    """Render every template against a sample case; exit 1 naming each one that fails.

    \b
    Example:
      $ rr templates check
    """
    from rr_workflow.service import template_files

    results = template_files.check_templates()
    if as_json:
        echo_json([{"name": r["name"], "file": str(r["file"]), "result": r["result"]} for r in results])
    else:
        for r in results:
            click.echo(
                f"{'ok  ' if r['result'] == 'ok' else 'FAIL'} {r['name']}  ({r['file']})"
                + ("" if r["result"] == "ok" else f": {r['result']}")
            )
    if any(r["result"] != "ok" for r in results):
        raise SystemExit(1)
