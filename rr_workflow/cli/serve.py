"""`rr serve`: the web front end (docs/operators-guide.md, "The web front end")."""

from __future__ import annotations

import click

from rr_workflow.cli.params import open_app


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="The address to listen on.")
@click.option("--port", type=click.IntRange(1, 65535), default=8000, show_default=True, help="The port.")
def serve(host: str, port: int) -> None:
    """Serve the web front end: the board, the week, each case with its steps as forms, the reports.

    People sign in through the organisation's identity provider (OpenID Connect: RR_OIDC_ISSUER,
    RR_OIDC_CLIENT_ID, RR_OIDC_CLIENT_SECRET) or a trusted authenticating proxy (RR_WEB_AUTH=header,
    RR_WEB_TRUSTED_PROXY); each must be registered (rr person add) with the e-mail they sign in with.
    Put it behind HTTPS (the session cookie is Secure).

    \b
    Example:
      $ RR_OIDC_ISSUER=https://login.microsoftonline.com/TENANT/v2.0 RR_OIDC_CLIENT_ID=... \\
          RR_OIDC_CLIENT_SECRET=... rr serve --host 0.0.0.0 --port 8000
    """
    import uvicorn

    from rr_workflow.web.app import create_app
    from rr_workflow.web.settings import from_environment

    rr = open_app()
    app = create_app(rr, from_environment(rr.home))
    click.echo(f"rr serve: listening on http://{host}:{port} (put HTTPS in front of it)", err=True)
    # proxy_headers off: the client address is the TCP peer, so a forwarded header cannot pose as the proxy
    uvicorn.run(app, host=host, port=port, proxy_headers=False, server_header=False, log_level="info")
