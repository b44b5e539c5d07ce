"""A coder in a separate process, and the harness that kills it or runs several at once.

Run as a script, it is one researcher coding a study: it opens the study folder and, in a
seeded random loop, applies leaf codes to paragraphs of random notes
(:func:`research_kit.interviews.apply_code`), now and then writes a memo
(:func:`~research_kit.interviews.add_memo`) or imports a 20-row codings CSV
(:func:`~research_kit.interviews.import_codings`). After each call returns (its transaction
has committed) it prints, flushed, one line per acknowledged write::

    ready
    ack code <coding id> <document>|<start>|<end>|<code>|<coder>
    ack memo <memo id> <text>
    ack csv - <document>|<start>|<end>|<code>|<coder>        (one line per row of the file)
    done <writes> <longest wait for the write lock in seconds>

Usage: ``python coding_worker.py STUDY NAME SEED [--seconds S] [--shared N]``. Without
``--seconds`` it codes until killed. ``--shared N`` makes every other coding one of N fixed
codings by the coder ``shared``, the same in every worker, so that several processes apply the
very same coding at once.

Imported, it offers the harness used by ``tests/test_crash_safety.py`` and
``benchmarks/stress.py``: :func:`kill_rounds` (SIGKILL a coder at random points, then check
the database) and :func:`concurrent_coders` (several coders at once, then check).
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

WORKER = Path(__file__).resolve()
SHARED_CODER = "shared"

CodingKey = tuple[str, int, int, str, str]


# -- the worker ------------------------------------------------------------------------------------
def _key_text(key: CodingKey) -> str:
    return "|".join(str(part) for part in key)


def _parse_key(text: str) -> CodingKey:
    document, start, end, code, coder = text.split("|")
    return document, int(start), int(end), code, coder


def work(study_path: str, name: str, seed: int, seconds: float | None, shared: int) -> None:
    """Code the study as ``name`` until ``seconds`` have passed (forever when None)."""
    from research_kit import open_study
    from research_kit.interviews import add_memo, apply_code, import_codings, paragraphs

    rng = random.Random(seed)
    study = open_study(study_path, create=False)
    # The product gives up on a lock after 60 s; on a busy machine that is a slow run, not a
    # lost write, so the coders here wait as long as the test's own hang guards.
    study.store.busy_timeout = 600.0
    documents = {doc.id: paragraphs(doc.text) for doc in study.documents()}
    document_ids = sorted(documents)
    codes = sorted(code.id for code in study.codebook().leaf_codes())
    shared_rng = random.Random(1234)
    shared_keys = [
        (doc, *shared_rng.choice(documents[doc]), shared_rng.choice(codes), SHARED_CODER)
        for doc in (shared_rng.choice(document_ids) for _ in range(shared))
    ]
    scratch = Path(tempfile.mkdtemp(prefix=f"coder-{name}-"))

    def random_key() -> CodingKey:
        document = rng.choice(document_ids)
        start, end = rng.choice(documents[document])
        return document, start, end, rng.choice(codes), name

    print("ready", flush=True)
    started = time.monotonic()
    writes = 0
    while seconds is None or time.monotonic() - started < seconds:
        kind = rng.random()
        if kind < 0.8:
            key = rng.choice(shared_keys) if shared and writes % 2 else random_key()
            coding = apply_code(study, *key[:4], coder=key[4])
            print(f"ack code {coding} {_key_text(key)}", flush=True)
        elif kind < 0.93:
            text = f"memo by {name} #{writes} (seed {seed})"
            memo = add_memo(study, text, on="document", target=rng.choice(document_ids))
            print(f"ack memo {memo} {text}", flush=True)
        else:
            keys = [random_key() for _ in range(20)]
            path = scratch / f"chunk{writes}.csv"
            rows = [f"{d},{s},{e},{c},{k}" for d, s, e, c, k in keys]
            path.write_text("document_id,start,end,code_id,coder\n" + "\n".join(rows) + "\n")
            import_codings(study, path)
            print("\n".join(f"ack csv - {_key_text(key)}" for key in keys), flush=True)
        writes += 1
    print(f"done {writes} {study.store.max_lock_wait:.3f}", flush=True)
    study.close()
    shutil.rmtree(scratch, ignore_errors=True)


# -- the harness -----------------------------------------------------------------------------------
@dataclass
class Acks:
    """What one or more coders said they wrote."""

    codings: set[CodingKey] = field(default_factory=set)
    memos: set[str] = field(default_factory=set)
    ids: dict[CodingKey, set[int]] = field(default_factory=dict)
    writes: int = 0
    max_lock_wait: float = 0.0

    def read(self, lines: list[str]) -> None:
        """Take in a worker's complete output lines."""
        for line in lines:
            if line.startswith("done "):
                self.max_lock_wait = max(self.max_lock_wait, float(line.split()[2]))
            if not line.startswith("ack "):
                continue
            _, kind, ident, rest = line.rstrip("\n").split(" ", 3)
            self.writes += 1
            if kind == "memo":
                self.memos.add(rest)
                continue
            key = _parse_key(rest)
            self.codings.add(key)
            if ident != "-":
                self.ids.setdefault(key, set()).add(int(ident))


@dataclass
class Check:
    """What the database held afterwards, against what was acknowledged."""

    acknowledged: int
    stored_codings: int
    lost_codings: list[CodingKey]
    lost_memos: list[str]
    duplicate_codings: int
    integrity: list[str]
    pragma: list[str]

    @property
    def lost(self) -> int:
        """Acknowledged writes that are not in the database."""
        return len(self.lost_codings) + len(self.lost_memos)


def check_study(study_path: Path, acks: Acks) -> Check:
    """Reopen the study and compare it with the acknowledged writes."""
    from research_kit import open_study
    from research_kit.interviews import codings, memos

    with open_study(study_path, create=False) as study:
        integrity = study.store.integrity_check()
        with study.store.read() as conn:
            pragma = [row[0] for row in conn.exec_driver_sql("PRAGMA integrity_check")]
        table = codings(study)
        memo_texts = set(memos(study)["text"])
    stored = list(
        zip(
            table["document_id"],
            table["start"].astype(int),
            table["end"].astype(int),
            table["code_id"],
            table["coder"],
            strict=True,
        )
    )
    stored_set = set(stored)
    return Check(
        acknowledged=acks.writes,
        stored_codings=len(stored),
        lost_codings=sorted(acks.codings - stored_set),
        lost_memos=sorted(acks.memos - memo_texts),
        duplicate_codings=len(stored) - len(stored_set),
        integrity=integrity,
        pragma=pragma,
    )


def start_worker(study_path: Path, name: str, seed: int, *extra: str) -> subprocess.Popen:
    """Start a coder process (stdout and stderr as text pipes)."""
    return subprocess.Popen(
        [sys.executable, str(WORKER), str(study_path), name, str(seed), *extra],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONWARNINGS": "ignore"},
    )


def _collect(stream, lines: list[str], ready: threading.Event) -> None:
    for line in stream:
        if not line.endswith("\n"):  # cut off by a kill: never acknowledged
            break
        lines.append(line)
        if line.startswith("ready"):
            ready.set()
    ready.set()


@dataclass
class KillReport:
    """Outcome of :func:`kill_rounds`."""

    kills: int = 0
    acknowledged: int = 0
    lost: int = 0
    problems: list[str] = field(default_factory=list)


def kill_rounds(study_path: Path, rounds: int = 8, seed: int = 7) -> KillReport:
    """Start a coder, SIGKILL it 0.2–1.5 s into its work, reopen and check; ``rounds`` times."""
    rng = random.Random(seed)
    report = KillReport()
    acks = Acks()
    for number in range(rounds):
        worker = start_worker(study_path, f"k{number}", seed * 100 + number)
        lines: list[str] = []
        ready = threading.Event()
        reader = threading.Thread(target=_collect, args=(worker.stdout, lines, ready))
        reader.start()
        ready.wait(timeout=600)  # a hang guard: a slow start is not a failure
        time.sleep(rng.uniform(0.2, 1.5))
        alive = worker.poll() is None
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=600)  # hang guards: both return as soon as the coder is dead
        reader.join(timeout=600)
        error = worker.stderr.read()
        worker.stdout.close()
        worker.stderr.close()
        if not alive:
            report.problems.append(f"round {number}: the coder died before the kill: {error}")
            continue
        report.kills += 1
        acks.read(lines)
        result = check_study(study_path, acks)
        report.acknowledged = result.acknowledged
        report.lost = result.lost
        if result.integrity or result.pragma != ["ok"]:
            report.problems.append(f"round {number}: integrity {result.integrity or result.pragma}")
        if result.lost:
            report.problems.append(
                f"round {number}: lost {result.lost_codings[:3]} {result.lost_memos[:3]}"
            )
    return report


@dataclass
class ConcurrentReport:
    """Outcome of :func:`concurrent_coders`."""

    workers: int
    acknowledged: int
    distinct_codings: int
    stored_codings: int
    lost: int
    duplicates: int
    shared_ids_agree: bool
    max_lock_wait: float
    exit_codes: list[int]
    errors: list[str]
    integrity: list[str]


def concurrent_coders(
    study_path: Path, workers: int = 3, seconds: float = 3.0, shared: int = 6
) -> ConcurrentReport:
    """Run ``workers`` coders on one study at once for ``seconds``, then check the database."""
    procs = [
        start_worker(
            study_path, f"c{n}", 500 + n, "--seconds", str(seconds), "--shared", str(shared)
        )
        for n in range(workers)
    ]
    acks = Acks()
    exit_codes, errors = [], []
    for proc in procs:
        out, err = proc.communicate(timeout=600)
        exit_codes.append(proc.returncode)
        if proc.returncode or "Traceback" in err or "locked" in err.lower():
            errors.append(err.strip()[-2000:])
        acks.read(out.splitlines(keepends=True))
    result = check_study(study_path, acks)
    return ConcurrentReport(
        workers=workers,
        acknowledged=acks.writes,
        distinct_codings=len(acks.codings),
        stored_codings=result.stored_codings,
        lost=result.lost,
        duplicates=result.duplicate_codings,
        shared_ids_agree=all(len(ids) == 1 for ids in acks.ids.values()),
        max_lock_wait=acks.max_lock_wait,
        exit_codes=exit_codes,
        errors=errors,
        integrity=result.integrity + ([] if result.pragma == ["ok"] else result.pragma),
    )


if __name__ == "__main__":
    arguments = sys.argv[1:]
    options = {"--seconds": None, "--shared": "0"}
    for option in options:
        if option in arguments:
            at = arguments.index(option)
            options[option] = arguments[at + 1]
            del arguments[at : at + 2]
    work(
        arguments[0],
        arguments[1],
        int(arguments[2]),
        None if options["--seconds"] is None else float(options["--seconds"]),
        int(options["--shared"]),
    )
