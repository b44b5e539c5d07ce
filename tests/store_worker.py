"""A separate process that writes memos into a study database, for the store's stress tests.

Usage: python store_worker.py DATABASE TAG COUNT [--forever]
Prints "ack N" after each committed write (so a parent knows which writes were acknowledged).
"""

from __future__ import annotations

import sys

from research_kit import schema
from research_kit.store import Store, utcnow


def main(database: str, tag: str, count: int, forever: bool) -> None:
    store = Store(database, busy_timeout=600.0)  # a slow machine waits; it does not fail
    number = 0
    while forever or number < count:
        now = utcnow()
        with store.transaction() as conn:
            conn.execute(
                schema.memos.insert().values(
                    target_kind="study",
                    target_id=tag,
                    text=f"{tag}-{number} " + "x" * 200,
                    created_at=now,
                    updated_at=now,
                )
            )
        print(f"ack {number}", flush=True)
        number += 1
    store.close()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]), "--forever" in sys.argv)
