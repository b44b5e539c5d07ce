"""What survives abuse (``make stress``): bad inputs, killed coders and concurrent coders.

On fresh temporary copies of the sample study (``interview_data`` itself is never opened), the
script

1. kills a coder process (``tests/coding_worker.py``) with SIGKILL at random points, several
   times, reopening the study after each kill: integrity check, and every write the coder had
   acknowledged must be in the database;
2. runs three coders on one study at once, some applying the very same codings: codings
   attempted (acknowledged) against codings stored, lost updates, "database is locked" errors
   and the longest wait for the write lock;
3. when ``benchmarks/bad_inputs.py`` is present, lists every bad input tried and how each ended.

It prints readable tables and exits with status 1 if any acknowledged write was lost, the
database failed its integrity check, a coder crashed, or a bad input ``FAILED``. It takes a
few minutes; no step fails for being slow (the waits are hang guards of an hour at most).
Run it as ``python benchmarks/stress.py`` (from any folder).
"""

from __future__ import annotations

import importlib.util
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "interview_data"
sys.path.insert(0, str(ROOT / "tests"))
import coding_worker  # noqa: E402

KILL_ROUNDS = 5
CODERS = 3
CODING_SECONDS = 2.5
#: How long the bad-input corpus may run before it is taken to hang.
CORPUS_HANG_GUARD_S = 3600


def _fresh_copy(scratch: Path, name: str) -> Path:
    target = scratch / name
    shutil.copytree(SAMPLE, target, ignore=shutil.ignore_patterns("study.db*"))
    return target


def _bad_inputs() -> pd.DataFrame | None:
    path = Path(__file__).with_name("bad_inputs.py")
    if not path.exists():
        return None
    spec = importlib.util.spec_from_file_location("bad_inputs", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules["bad_inputs"] = module
    spec.loader.exec_module(module)
    return module.report()


def _run_corpus(into: dict[str, object]) -> None:
    try:
        into["table"] = _bad_inputs()
    except Exception as exc:  # the corpus runner itself broke: report it, do not hide it
        into["error"] = exc


def _shorten(text: str, width: int = 90) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _table(rows: list[tuple[str, object]]) -> str:
    return pd.DataFrame(rows, columns=["figure", "value"]).to_string(index=False)


def main() -> int:
    """Run every stress check, print the tables, return the exit status."""
    failures: list[str] = []
    # The bad-input corpus runs in a thread meanwhile: the kill rounds mostly wait on coders.
    corpus: dict[str, object] = {}
    corpus_thread = threading.Thread(target=_run_corpus, args=(corpus,), daemon=True)
    corpus_thread.start()
    with tempfile.TemporaryDirectory(prefix="rk-stress-") as folder:
        scratch = Path(folder)

        started = time.monotonic()
        kills = coding_worker.kill_rounds(_fresh_copy(scratch, "killed"), rounds=KILL_ROUNDS)
        kill_seconds = time.monotonic() - started
        print("Killed coders (SIGKILL at a random point, then reopen and check)")
        print(
            _table(
                [
                    ("kills survived", f"{kills.kills} of {KILL_ROUNDS}"),
                    ("acknowledged writes", kills.acknowledged),
                    ("acknowledged writes lost", kills.lost),
                    ("integrity problems", sum("integrity" in p for p in kills.problems)),
                    ("seconds", f"{kill_seconds:.1f}"),
                ]
            )
        )
        failures += kills.problems
        if kills.lost:
            failures.append(f"{kills.lost} acknowledged writes lost after a kill")

        started = time.monotonic()
        together = coding_worker.concurrent_coders(
            _fresh_copy(scratch, "shared"), workers=CODERS, seconds=CODING_SECONDS
        )
        print(f"\n{CODERS} coders on one study at once for {CODING_SECONDS:g} s")
        print(
            _table(
                [
                    ("writes acknowledged (codings, memos, CSV rows)", together.acknowledged),
                    ("distinct codings attempted", together.distinct_codings),
                    ("codings stored", together.stored_codings),
                    ("lost updates", together.lost),
                    ("duplicate codings", together.duplicates),
                    ("same coding → same stored id everywhere", together.shared_ids_agree),
                    ("coders crashed or saw 'database is locked'", len(together.errors)),
                    ("longest wait for the write lock (s)", f"{together.max_lock_wait:.3f}"),
                    ("integrity problems", len(together.integrity)),
                    ("seconds", f"{time.monotonic() - started:.1f}"),
                ]
            )
        )
        if together.lost or together.stored_codings != together.distinct_codings:
            failures.append("concurrent coders: stored codings differ from acknowledged ones")
        if together.errors or together.integrity or together.duplicates:
            failures.append("concurrent coders: errors, duplicates or integrity problems")
            failures += together.errors
        if not together.shared_ids_agree:
            failures.append("concurrent coders: one coding got two ids")

    # A hang guard, not a speed limit: on a busy 2-core machine the corpus (100,000 rows and
    # columns, zip bombs) takes minutes; each case's seconds are in the table below.
    corpus_thread.join(timeout=CORPUS_HANG_GUARD_S)
    bad = corpus.get("table")
    if "error" in corpus or corpus_thread.is_alive():
        failures.append(
            f"benchmarks/bad_inputs.py did not finish within {CORPUS_HANG_GUARD_S} s: "
            f"{corpus.get('error')!r}"
        )
        bad = pd.DataFrame(columns=["loader", "case", "outcome", "message"])
    if bad is None:
        print("\nbad inputs: benchmarks/bad_inputs.py not found, skipped")
    else:
        print("\nBad inputs tried and how each ended")
        with pd.option_context("display.max_colwidth", 70, "display.width", 200):
            shown = bad[["loader", "case", "outcome", "message"]].assign(
                message=bad["message"].astype(str).map(_shorten)
            )
            print(shown.to_string(index=False))
        outcomes = bad["outcome"].astype(str).str.upper()
        print(
            f"\n{len(bad)} bad inputs: "
            + ", ".join(
                f"{count} {outcome.lower()}" for outcome, count in outcomes.value_counts().items()
            )
        )
        failed = int((outcomes == "FAILED").sum())
        if failed:
            failures.append(f"{failed} bad inputs FAILED")

    if failures:
        print("\nSTRESS FAILED:\n  " + "\n  ".join(failures))
        return 1
    print("\nstress: OK (0 acknowledged writes lost)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
