"""Fixtures shared by the end-to-end tests: a database on SQLite or PostgreSQL, the `rr` command run
in-process as a coordinator would type it, and a dump of the database to check a refused command
changed nothing (docs/coordinators-guide.md).

- `database_url`: parametrised over sqlite and postgresql. SQLite is the embedded default (the file
  `rr.sqlite3` in RR_HOME, RR_DATABASE_URL unset); PostgreSQL runs only when RR_TEST_DATABASE_URL names
  a server, and every test gets its own fresh database there, dropped afterwards.
- `rr`: an `RRRunner` on that database; `rr("case", "show", "RR-1")` returns `Run(code, out, err)`,
  `rr.ok(...)` insists on success, `rr.fails(3, ...)` on a one-line refusal; `rr.now = "2026-12-21T10:00"`
  sets RR_NOW (the clock of a training database), `rr.user = "boss"` sets RR_USER.
  Who acts: on a TRAINING database (`rr init --training`) RR_USER, so `rr.user` / `user=` play any part.
  On a LIVE database RR_USER is ignored: the acting person is the OS account running the tests
  (`rr.login`) on SQLite, and the PostgreSQL login role on PostgreSQL; `rr(..., role="boss")` (or
  `rr.role = "boss"`) connects as role `boss` (make it with `rr person add boss ... --db-role`).
- `db_snapshot`: `db_snapshot()` returns every table's rows, sorted, for before/after comparisons.
- `postgres_server`: the RR_TEST_DATABASE_URL server, to create, copy and drop more databases;
  `make_database` / `new_rr` make further databases and runners (e.g. one per module and backend).
"""

from __future__ import annotations

import json
import os
import pwd
import secrets
import signal
import sys
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NamedTuple

import pytest
from click.testing import CliRunner
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from rr_workflow.cli.app import cli

POSTGRES_ENV = "RR_TEST_DATABASE_URL"
DEFAULT_USER = "coord"
TEST_PROFILE = Path(__file__).resolve().parent / "partnership.toml"


# -- PostgreSQL: one throw-away database per test ------------------------------------------------------


class PostgresServer:
    """The server named by RR_TEST_DATABASE_URL: creates, copies and drops throw-away databases."""

    def __init__(self, url: str) -> None:
        self.url = make_url(url)
        self.engine = create_engine(self.url, isolation_level="AUTOCOMMIT", poolclass=NullPool)

    def _url_of(self, name: str) -> str:
        return self.url.set(database=name).render_as_string(hide_password=False)

    def create(self, template: str | None = None) -> str:
        """A new database (empty, or a copy of the database at URL `template`); returns its URL."""
        name = f"rr_t_{secrets.token_hex(8)}"
        with self.engine.connect() as connection:
            if template is None:
                connection.execute(text(f'CREATE DATABASE "{name}"'))
            else:
                source = make_url(template).database
                # A template must have no other session: close what the product's engines left open.
                connection.execute(
                    text(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                        "WHERE datname = :name AND pid <> pg_backend_pid()"
                    ),
                    {"name": source},
                )
                connection.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{source}"'))
        return self._url_of(name)

    def replace(self, url: str, template: str) -> None:
        """Make the database at `url` a copy of the one at `template` (same name, so same URL)."""
        name = make_url(url).database
        source = make_url(template).database
        with self.engine.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            connection.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = :name AND pid <> pg_backend_pid()"
                ),
                {"name": source},
            )
            connection.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{source}"'))

    def drop(self, url: str) -> None:
        name = make_url(url).database
        with self.engine.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            # the people's group role `rr person add --db-role` made for that database, if any
            connection.execute(text(f'DROP ROLE IF EXISTS "rr_people_{name}"'))


def pytest_sessionstart(session: pytest.Session) -> None:
    """Under mutmut (benchmarks/mutation.sh), each mutant's tests run in a process forked from one that
    has already run tests, so the product's functools caches (a schedule parsed by version, a deadline's
    dates, a timer's first moment) hold results computed without the mutant, and code below them would
    never run mutated. mutmut names the mutant in MUTANT_UNDER_TEST: forget those results first."""
    if os.environ.get("MUTANT_UNDER_TEST"):
        _forget_cached_results()


def pytest_runtest_setup(item: pytest.Item) -> None:
    """While mutmut records which tests reach which function ("stats"), a test answered from a cache
    would not be recorded as reaching the function below it: each test starts with the caches empty."""
    if os.environ.get("MUTANT_UNDER_TEST") == "stats":
        _forget_cached_results()


def _forget_cached_results() -> None:
    for name, module in list(sys.modules.items()):
        if name.startswith("rr_workflow") and module is not None:
            for value in list(vars(module).values()):
                forget = getattr(value, "cache_clear", None)
                if callable(forget):
                    forget()


@pytest.fixture
def fails_fast() -> Iterator[None]:
    """Turns a call that loops for ever (a mutant of the working-day arithmetic, say) into a test failure
    after ten seconds."""

    def timeout(signum: int, frame: object) -> None:
        raise TimeoutError("the code under test kept looking instead of answering")

    previous = signal.signal(signal.SIGALRM, timeout)
    signal.setitimer(signal.ITIMER_REAL, 10)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """The PostgreSQL server of RR_TEST_DATABASE_URL; the test is skipped when it is not set."""
    url = os.environ.get(POSTGRES_ENV)
    if not url:
        pytest.skip(f"{POSTGRES_ENV} is not set")
    server = PostgresServer(url)
    yield server
    server.engine.dispose()


# -- the database under test -----------------------------------------------------------------------------


@pytest.fixture
def rr_home(tmp_path: Path) -> Path:
    """RR_HOME for the test (not created: `rr init` makes it, mode 0700)."""
    return tmp_path / "rr_home"


BACKENDS = ["sqlite", "postgresql"]


@contextmanager
def fresh_database(backend: str, home: Path, request: pytest.FixtureRequest) -> Iterator[str]:
    """The URL of a new, empty database for `rr` with RR_HOME `home`: the SQLite file in it, or a new
    PostgreSQL database (skipped without RR_TEST_DATABASE_URL), dropped on leaving."""
    if backend == "sqlite":
        yield f"sqlite:///{home / 'rr.sqlite3'}"
        return
    server: PostgresServer = request.getfixturevalue("postgres_server")
    url = server.create()
    try:
        yield url
    finally:
        server.drop(url)


@pytest.fixture(scope="session")
def make_database():  # -> Callable[[str, Path, pytest.FixtureRequest], ContextManager[str]]
    """`with make_database(backend, home, request) as url:` for databases of a wider scope than a test."""
    return fresh_database


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, rr_home: Path) -> Iterator[str]:
    """The database `rr` will use: the SQLite file in RR_HOME (RR_DATABASE_URL unset), or a fresh
    PostgreSQL database on the RR_TEST_DATABASE_URL server (skipped when that is not set)."""
    with fresh_database(request.param, rr_home, request) as url:
        yield url


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


def snapshot_database(url: str) -> dict[str, list[tuple[str, ...]]]:
    """Every table's rows (values as text, rows sorted), the tables found by reflection: a change
    anywhere shows. A SQLite file that does not exist is an empty database (and is not created)."""
    if is_sqlite(url) and not Path(make_url(url).database or "").exists():
        return {}
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            names = sorted(inspect(connection).get_table_names())
            return {
                name: sorted(
                    tuple(repr(value) for value in row)
                    for row in connection.execute(text(f'SELECT * FROM "{name}"'))
                )
                for name in names
            }
    finally:
        engine.dispose()


# -- running `rr` ----------------------------------------------------------------------------------------


class Run(NamedTuple):
    """What one `rr` command did: its exit code, standard output and standard error."""

    code: int
    out: str
    err: str


_UNSET: Any = object()


class RRRunner:
    """Runs `rr ARGS...` in-process (click's CliRunner) against one RR_HOME and database."""

    def __init__(self, home: Path, url: str) -> None:
        self.home = home
        self.url = url
        self.user = DEFAULT_USER
        self.now: str | None = None  # RR_NOW: a training database's current time (Europe/London)
        self.role: str | None = None  # PostgreSQL only: the login role to connect as (live identity)
        self.runner = CliRunner()
        self.profile = TEST_PROFILE  # the partnership profile (RR_PARTNERSHIP) the commands read

    @property
    def login(self) -> str:
        """Who a live database takes these tests for: the OS account, or PostgreSQL's login role."""
        if is_sqlite(self.url):
            return pwd.getpwuid(os.geteuid()).pw_name
        return self.role or str(make_url(self.url).username)

    def url_as(self, role: str | None) -> str:
        """The database URL, connecting as `role` (PostgreSQL; trust authentication on the test server)."""
        if role is None or is_sqlite(self.url):
            return self.url
        return make_url(self.url).set(username=role, password=None).render_as_string(hide_password=False)

    @property
    def backend(self) -> str:
        return "sqlite" if is_sqlite(self.url) else "postgresql"

    def env(
        self, user: str | None = None, now: str | None = _UNSET, role: str | None = None
    ) -> dict[str, str | None]:
        return {
            "RR_HOME": str(self.home),
            "RR_USER": user or self.user,
            "RR_DATABASE_URL": None if is_sqlite(self.url) else self.url_as(role or self.role),
            "RR_NOW": self.now if now is _UNSET else now,
            "RR_SCHEDULE": None,
            "RR_CALENDAR": None,
            "RR_REVIEW_SCHEDULE": None,
            "RR_PARTNERSHIP": str(self.profile),  # the test partnership's profile: no PDF copies
            "RR_MAIL_FROM": None,
        }

    def __call__(
        self, *args: str, user: str | None = None, now: str | None = _UNSET, role: str | None = None
    ) -> Run:
        result = self.runner.invoke(cli, list(args), env=self.env(user, now, role), prog_name="rr")
        err = result.stderr
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            # An exception the CLI did not turn into one line: show it as a real run would.
            exc = result.exception
            err += "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
        return Run(result.exit_code, result.stdout, err)

    def ok(self, *args: str, **kwargs: Any) -> str:
        """The standard output of a command that must succeed and print nothing on stderr."""
        run = self(*args, **kwargs)
        assert run.code == 0 and run.err == "", f"rr {' '.join(args)} -> {run}"
        return run.out

    def json(self, *args: str, **kwargs: Any) -> Any:
        return json.loads(self.ok(*args, "--json", **kwargs))

    def fails(self, code: int, *args: str, **kwargs: Any) -> str:
        """The error message of a command that must fail with `code` and one `rr: error:` line."""
        run = self(*args, **kwargs)
        assert run.code == code, f"rr {' '.join(args)}: expected exit {code} -> {run}"
        assert_one_error_line(run)
        return run.err.removeprefix("rr: error: ").rstrip("\n")

    def snapshot(self) -> dict[str, list[tuple[str, ...]]]:
        return snapshot_database(self.url)


def assert_one_error_line(run: Run) -> None:
    assert "Traceback" not in run.err, run.err
    lines = run.err.splitlines()
    assert len(lines) == 1, run.err
    assert lines[0].startswith("rr: error: "), run.err
    assert run.out == "", run.out


@pytest.fixture
def rr(rr_home: Path, database_url: str) -> RRRunner:
    """`rr ...` run in-process as `coord`, on the parametrised database (nothing initialised yet)."""
    return RRRunner(rr_home, database_url)


@pytest.fixture(scope="session")
def new_rr():  # -> Callable[[Path, str], RRRunner]
    """`new_rr(home, url)`: another runner, for a database a test builds beside the `rr` fixture's."""
    return RRRunner


@pytest.fixture
def db_snapshot(rr: RRRunner):  # -> Callable[[], dict[str, list[tuple[str, ...]]]]
    """`db_snapshot()`: every table of the `rr` fixture's database, rows sorted."""
    return rr.snapshot
