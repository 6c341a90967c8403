"""Jinja2 templates: a partnership's own folder first ($RR_TEMPLATES, else $RR_HOME/templates), then the
shipped `templates/`. Strict (a missing value is an error), sandboxed (partnerships edit these files),
and HTML-escaped for `.html` templates."""

from __future__ import annotations

import functools
import os
from pathlib import Path
from typing import Any

from rr_workflow.adapters.config import rr_home, shipped_dir


def search_path() -> list[Path]:
    own = os.environ.get("RR_TEMPLATES")
    folder = Path(own).expanduser() if own else rr_home() / "templates"
    return [folder, _shipped()] if folder.is_dir() else [_shipped()]


@functools.cache
def _shipped() -> Path:
    """The shipped templates' folder (where the package is: the same for the whole process)."""
    return shipped_dir("templates")


@functools.lru_cache(maxsize=8)
def _environment(path: tuple[Path, ...]) -> Any:
    from jinja2 import FileSystemLoader, StrictUndefined
    from jinja2.sandbox import SandboxedEnvironment

    return SandboxedEnvironment(
        loader=FileSystemLoader([str(p) for p in path]),
        undefined=StrictUndefined,
        autoescape=_escapes_html,
        keep_trailing_newline=True,
    )


def _escapes_html(name: str | None) -> bool:
    """`letters/x.html.j2` is HTML: escape every value put into it (jinja's select_autoescape would only
    look at the last suffix, `.j2`)."""
    return bool(name) and name.removesuffix(".j2").endswith((".html", ".htm", ".xml"))


def render(name: str, **values: Any) -> str:
    return str(template(name).render(**values))


def template(name: str) -> Any:
    """The compiled template `name` from the folder that wins: to render it many times (a tick's
    notices) without looking for it again each time."""
    return _environment(tuple(search_path())).get_template(name)
