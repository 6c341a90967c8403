"""Names as people type them: matched without regard to case, and close matches for a typo."""

from __future__ import annotations

import difflib
from collections.abc import Iterable


def same(a: str, b: str) -> bool:
    return a.casefold() == b.casefold()


def find(name: str, candidates: Iterable[str]) -> str | None:
    """The candidate `name` names: the exact one, else the only one equal to it ignoring case."""
    listed = list(candidates)
    if name in listed:
        return name
    matches = [c for c in listed if same(c, name)]
    return matches[0] if len(matches) == 1 else None


def did_you_mean(name: str, candidates: Iterable[str], limit: int = 3) -> str:
    """` (did you mean A or B?)`, or "" when nothing is close."""
    by_folded: dict[str, str] = {}
    for c in candidates:
        by_folded.setdefault(c.casefold(), c)
    close = difflib.get_close_matches(name.casefold(), list(by_folded), n=limit, cutoff=0.75)
    if not close:
        return ""
    names = [by_folded[c] for c in close]
    listed = names[0] if len(names) == 1 else f"{', '.join(names[:-1])} or {names[-1]}"
    return f" (did you mean {listed}?)"
