"""What the benchmarks share: a throw-away PostgreSQL database, named by RR_DATABASE_URL while it lives."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url


@contextmanager
def scratch_postgres(server_url: str) -> Iterator[str]:
    """Create a fresh database on the server of `server_url`, yield its URL, drop it afterwards."""
    server = make_url(server_url)
    name = f"rr_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        url = server.set(database=name).render_as_string(hide_password=False)
        os.environ["RR_DATABASE_URL"] = url
        yield url
    finally:
        os.environ.pop("RR_DATABASE_URL", None)
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
