"""The unit of work hands out its transaction's connection without asking the session every time, and
asks again once that transaction has ended: a rollback, a commit."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text


def test_the_connection_is_the_transactions_own_until_it_ends(rig: Any) -> None:
    """Planted bug caught: the connection kept after the transaction it belonged to was rolled back
    (the next statement then fails on a closed connection)."""
    with rig.app.uow() as uow:
        first = uow.connection
        assert uow.connection is first  # asked once
        assert first.execute(text("SELECT count(*) FROM cases")).scalar() == 0
        uow.session.rollback()  # as after a concurrent change (Conflict)
        again = uow.connection
        assert again is not first and again.in_transaction()
        again.execute(text("INSERT INTO settings (key, value) VALUES ('probe', 'kept')"))
        uow.commit()
    assert rig.scalar("SELECT value FROM settings WHERE key = 'probe'") == "kept"
