"""What survives abuse (``make stress``): killed writers, a team at work, and bad inputs.

On fresh temporary copies of the sample study (``interview_data`` itself is never opened), on
each backend (a SQLite file, and a throwaway PostgreSQL server when Debian's ``postgresql`` is
installed), the script

1. kills coders and codebook editors (``tests/coding_worker.py``) with SIGKILL at random
   points, reopening the study after each kill: integrity check, every acknowledged write must
   be there, and no staged file may be left;
2. kills a REFI-QDA import at chosen points (while staging notes, before and after the commit,
   while moving notes in): no note file the database does not know, and a re-import makes no
   copies;
3. runs four coders (some applying the very same codings) and two codebook editors (renaming,
   adding, merging) on one study at once: writes acknowledged against stored, codebook edits
   acknowledged against kept, raw database errors seen (must be 0);
4. when ``benchmarks/bad_inputs.py`` is present, lists every bad input tried and how each ended.

It prints one table per backend and exits with status 1 if any acknowledged write or edit was
lost, a raw error was seen, a file was orphaned, the database failed its integrity check, a
worker crashed, or a bad input ``FAILED``. It takes a few minutes; no step fails for being slow
(the waits are hang guards). Run it as ``python benchmarks/stress.py`` (from any folder).
"""

from __future__ import annotations

import importlib.util
import os
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
import pgserver  # noqa: E402

KILL_ROUNDS = 6
CODERS = 4
EDITORS = 2
TEAM_SECONDS = 4.0
IMPORT_KILL_POINTS = ("put:0", "put:7", "put:14", "move:0", "move:7")
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


def _on_backend(folder: Path, url: str | None) -> Path:
    """Point a study copy at ``url`` (a PostgreSQL database), or leave it on SQLite."""
    if url is not None:
        settings = folder / "study.yml"
        lines = settings.read_text().splitlines()
        settings.write_text(
            "\n".join(f"database: {url}" if s.startswith("database:") else s for s in lines) + "\n"
        )
    return folder


def _empty_study(scratch: Path, name: str, url: str | None) -> Path:
    from research_kit import open_study

    folder = scratch / name
    open_study(folder).close()
    (folder / "study.db").unlink()
    return _on_backend(folder, url)


def _archive(scratch: Path) -> Path:
    from research_kit import open_study
    from research_kit.interviews import apply_code, export_qdpx

    with open_study(_fresh_copy(scratch, "to-export")) as study:
        apply_code(study, "P01_business-owner", 0, 60, "cost_of_delay", coder="J.R.")
        return export_qdpx(study, scratch / "sample.qdpx")


def _backend_run(
    scratch: Path, backend: str, new_url, archive: Path
) -> tuple[list[tuple[str, object]], list[str]]:
    """Every stress check on one backend; returns the table rows and the failures."""
    failures: list[str] = []
    started = time.monotonic()
    kills = coding_worker.kill_rounds(
        _on_backend(_fresh_copy(scratch, f"killed-{backend}"), new_url()), rounds=KILL_ROUNDS
    )
    failures += [f"{backend}: {problem}" for problem in kills.problems]
    imports = [
        coding_worker.killed_import(
            _empty_study(scratch, f"import-{backend}-{point.replace(':', '')}", new_url()),
            archive,
            point,
        )
        for point in IMPORT_KILL_POINTS
    ]
    import_orphans = sum(len(outcome.orphan_files) for outcome in imports)
    import_copies = sum(outcome.notes_after_reimport != 14 for outcome in imports)
    import_broken = sum(bool(o.integrity) or not o.codebook_agrees for o in imports)
    team = coding_worker.concurrent_team(
        _on_backend(_fresh_copy(scratch, f"team-{backend}"), new_url()),
        coders=CODERS,
        editors=EDITORS,
        seconds=TEAM_SECONDS,
    )
    kept_edits = team.edits_acknowledged - len(team.codebook)
    rows = [
        ("kills of coders and editors survived", f"{kills.kills} of {KILL_ROUNDS}"),
        ("  writes acknowledged before the kills", kills.acknowledged),
        ("  of them codebook edits", kills.edits_acknowledged),
        ("  acknowledged writes lost", kills.lost),
        ("  orphan files after kills", kills.orphan_files),
        ("imports killed (staging, commit, moving notes in)", len(imports)),
        ("  orphan files after import kills", import_orphans),
        ("  re-imports that made copies", import_copies),
        ("  studies left invalid", import_broken),
        (f"team: {CODERS} coders + {EDITORS} editors for {TEAM_SECONDS:g} s", ""),
        ("  writes acknowledged", team.acknowledged),
        (
            "  codings acknowledged (distinct) / expected / stored",
            f"{team.distinct_codings} / {team.expected_codings} / {team.stored_codings}",
        ),
        ("  codebook edits acknowledged / kept", f"{team.edits_acknowledged} / {kept_edits}"),
        ("  codebook.yml equals the database", not team.codebook),
        ("  same coding → same stored id everywhere", team.shared_ids_agree),
        ("  longest wait for the write lock (s)", f"{team.max_lock_wait:.3f}"),
        ("raw database errors seen", kills.raw_errors + team.raw_errors),
        ("workers that crashed", len(team.errors)),
        ("integrity problems", len(team.integrity)),
        ("seconds", f"{time.monotonic() - started:.1f}"),
    ]
    if import_orphans or import_copies or import_broken:
        failures.append(f"{backend}: killed imports left orphans, copies or an invalid study")
    if team.lost or team.stored_codings != team.expected_codings or team.codebook:
        failures.append(f"{backend}: the team lost writes or edits: {team.codebook[:3]}")
    if team.errors or team.integrity or team.duplicates or team.raw_errors or kills.raw_errors:
        failures.append(f"{backend}: errors, duplicates, raw errors or integrity problems")
        failures += team.errors
    if not team.shared_ids_agree:
        failures.append(f"{backend}: one coding got two ids")
    return rows, failures


def main() -> int:
    """Run every stress check, print the tables, return the exit status."""
    failures: list[str] = []
    # The bad-input corpus runs in a thread meanwhile: the kill rounds mostly wait on workers.
    corpus: dict[str, object] = {}
    corpus_thread = threading.Thread(target=_run_corpus, args=(corpus,), daemon=True)
    corpus_thread.start()
    server = None
    if pgserver.binaries() is not None:
        server = pgserver.start()
        os.environ["PGPASSFILE"] = str(server.pgpass)
    else:
        print("PostgreSQL is not installed: the PostgreSQL run is skipped\n")
    try:
        with tempfile.TemporaryDirectory(prefix="rk-stress-") as folder:
            scratch = Path(folder)
            backends = [("SQLite", lambda: None)]
            if server is not None:
                backends.append(("PostgreSQL", lambda: pgserver.fresh_database(server)))
            archive = _archive(scratch)
            for backend, new_url in backends:
                rows, found = _backend_run(scratch, backend, new_url, archive)
                print(f"{backend}: killed writers and a team at work")
                print(_table(rows) + "\n")
                failures += found
    finally:
        if server is not None:
            server.stop()

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
    print("\nstress: OK (0 acknowledged writes or edits lost, 0 raw errors, 0 orphan files)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
