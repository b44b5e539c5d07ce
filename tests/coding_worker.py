"""A researcher in a separate process, and the harness that kills it or runs several at once.

Run as a script, it is one member of a team working on a study, in one of three roles:

- ``coder`` (the default): in a seeded random loop, applies leaf codes to paragraphs of random
  notes (:func:`research_kit.interviews.apply_code`), now and then writes a memo or imports a
  20-row codings CSV;
- ``editor:I/N``: edits the codebook: renames its share I of N of the leaf codes (so editors
  never rename the same code), and adds a temporary code, codes a paragraph with it and merges
  it into one of its codes;
- ``importer``: imports a REFI-QDA project (``--archive``) into the study.

Before each edit it prints ``try …`` and after the call returns (its transaction has committed)
``ack …``, flushed, so a parent knows which writes were acknowledged and which were in flight::

    ready
    ack code <coding id> <document>|<start>|<end>|<code>|<coder>
    ack memo <memo id> <text>
    ack csv - <document>|<start>|<end>|<code>|<coder>        (one line per row of the file)
    try rename <code>|<new name>          then  ack rename <code>|<new name>
    try add <code>                        then  ack add <code>
    try merge <code>|<into>               then  ack merge <code>|<into>
    ack import <sources>
    done <writes> <longest wait for the write lock in seconds>

Usage: ``python coding_worker.py STUDY NAME SEED [--role R] [--seconds S] [--shared N]
[--archive QDPX] [--die-at put:K|move:K]``. Without ``--seconds`` it works until killed.
``--shared N`` makes every other coding one of N fixed codings by the coder ``shared``, the
same in every worker. ``--die-at`` makes the process SIGKILL itself at the K-th file a write
stages (``put``) or moves into place after its commit (``move``).

Imported, it offers the harness used by ``tests/test_crash_safety.py`` and
``benchmarks/stress.py``: :func:`kill_rounds` (SIGKILL coders and editors at random points,
then check), :func:`concurrent_team` (coders and editors at once, then check) and
:func:`killed_import` (an import killed at a chosen point, then check).
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


def _keep_working(started: float, seconds: float | None, writes: int, at_least: int) -> bool:
    """Work on while the time is not up or the writes asked for are not all done."""
    return seconds is None or time.monotonic() - started < seconds or writes < at_least


def _parse_key(text: str) -> CodingKey:
    document, start, end, code, coder = text.split("|")
    return document, int(start), int(end), code, coder


def work(
    study_path: str, name: str, seed: int, seconds: float | None, shared: int, at_least: int = 0
) -> None:
    """Code the study as ``name`` until ``seconds`` have passed (forever when None) and at
    least ``at_least`` writes are done (a slow machine works longer, never less)."""
    from research_kit import open_study
    from research_kit.interviews import add_memo, apply_code, import_codings, paragraphs

    rng = random.Random(seed)
    study = open_study(study_path, create=False)
    # The product gives up on a lock after 60 s; on a busy machine that is a slow run, not a
    # lost write, so the coders here wait as long as the test's own hang guards.
    study.store.busy_timeout = 600.0
    documents = {doc.id: paragraphs(doc.text) for doc in study.documents()}
    document_ids = sorted(documents)
    # The study's own codes: an editor's temporary code may be merged away at any moment.
    codes = sorted(c.id for c in study.codebook().leaf_codes() if not c.id.startswith("tmp_"))
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
    while _keep_working(started, seconds, writes, at_least):
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


def edit(
    study_path: str,
    name: str,
    seed: int,
    seconds: float | None,
    part: int,
    parts: int,
    at_least: int = 0,
) -> None:
    """Edit the codebook as ``name``: rename codes of its share, add, code and merge codes
    (until ``seconds`` have passed and at least ``at_least`` rounds of edits are done)."""
    from research_kit import open_study
    from research_kit.interviews import add_code, apply_code, merge_codes, paragraphs, rename_code

    rng = random.Random(seed)
    study = open_study(study_path, create=False)
    study.store.busy_timeout = 600.0  # as for the coders: a slow run is not a lost edit
    documents = {doc.id: paragraphs(doc.text) for doc in study.documents()}
    # Shares of the study's own codes (not the temporary ones other editors may have added
    # already), so no two editors ever rename the same code.
    own = sorted(c.id for c in study.codebook().leaf_codes() if not c.id.startswith("tmp_"))
    mine = own[part::parts]
    print("ready", flush=True)
    started = time.monotonic()
    writes = 0
    while _keep_working(started, seconds, writes, at_least):
        if rng.random() < 0.6:
            code = rng.choice(mine)
            new_name = f"{code} ({name} #{writes})"
            print(f"try rename {code}|{new_name}", flush=True)
            rename_code(study, code, new_name)
            print(f"ack rename {code}|{new_name}", flush=True)
        else:
            temporary, into = f"tmp_{name}_{writes}", rng.choice(mine)
            print(f"try add {temporary}", flush=True)
            add_code(study, f"Temporary {name} {writes}", code_id=temporary)
            print(f"ack add {temporary}", flush=True)
            document = rng.choice(sorted(documents))
            key = (document, *rng.choice(documents[document]), temporary, name)
            coding = apply_code(study, *key[:4], coder=name)
            print(f"ack code {coding} {_key_text(key)}", flush=True)
            print(f"try merge {temporary}|{into}", flush=True)
            merge_codes(study, [temporary], into=into)
            print(f"ack merge {temporary}|{into}", flush=True)
        writes += 1
    print(f"done {writes} {study.store.max_lock_wait:.3f}", flush=True)
    study.close()


def import_project(study_path: str, archive: str) -> None:
    """Import a REFI-QDA project into the study."""
    from research_kit import open_study
    from research_kit.interviews import import_qdpx

    study = open_study(study_path, create=False)
    study.store.busy_timeout = 600.0
    print("ready", flush=True)
    summary = import_qdpx(study, archive)
    print(f"ack import {summary.sources}", flush=True)
    print(f"done 1 {study.store.max_lock_wait:.3f}", flush=True)
    study.close()


def _die_at(point: str) -> None:
    """SIGKILL this process at the K-th staged file (``put:K``) or move into place (``move:K``)."""
    from research_kit import staging

    where, _, number = point.partition(":")
    calls = {"n": 0}

    def dying(original):
        def wrapper(*args, **kwargs):
            if calls["n"] == int(number):
                os.kill(os.getpid(), signal.SIGKILL)
            calls["n"] += 1
            return original(*args, **kwargs)

        return wrapper

    if where == "put":
        staging.StagedFiles.put = dying(staging.StagedFiles.put)
    else:
        staging._move_into_place = dying(staging._move_into_place)


# -- the harness -----------------------------------------------------------------------------------
@dataclass
class Acks:
    """What one or more coders said they wrote."""

    codings: set[CodingKey] = field(default_factory=set)
    memos: set[str] = field(default_factory=set)
    ids: dict[CodingKey, set[int]] = field(default_factory=dict)
    writes: int = 0
    max_lock_wait: float = 0.0
    #: code → the names it may have now: the last acknowledged, then any tried after it
    names: dict[str, list[str]] = field(default_factory=dict)
    #: temporary code → (the code it was merged into, acknowledged?)
    merges: dict[str, tuple[str, bool]] = field(default_factory=dict)
    added: set[str] = field(default_factory=set)
    edits_acknowledged: int = 0
    imports: int = 0

    def read(self, lines: list[str]) -> None:
        """Take in a worker's complete output lines."""
        for line in lines:
            if line.startswith("done "):
                self.max_lock_wait = max(self.max_lock_wait, float(line.split()[2]))
            elif line.startswith("try "):
                self._tried(*line.rstrip("\n").split(" ", 2)[1:])
            elif line.startswith("ack "):
                self._acknowledged(line.rstrip("\n"))

    def _tried(self, kind: str, rest: str) -> None:
        if kind == "rename":
            code, name = rest.split("|", 1)
            # "*": no rename of this code acknowledged yet, so its first name may stay too
            self.names.setdefault(code, ["*"]).append(name)
        elif kind == "merge":
            code, into = rest.split("|", 1)
            self.merges[code] = (into, False)

    def _acknowledged(self, line: str) -> None:
        kind, rest = line.split(" ", 2)[1:]
        self.writes += 1
        if kind == "import":
            self.imports += 1
        elif kind in {"rename", "add", "merge"}:
            self.edits_acknowledged += 1
            if kind == "rename":
                code, name = rest.split("|", 1)
                self.names[code] = [name]  # from now on only this name, or a later try
            elif kind == "add":
                self.added.add(rest)
            else:
                code, into = rest.split("|", 1)
                self.merges[code] = (into, True)
        elif kind == "memo":
            self.memos.add(rest.split(" ", 1)[1])
        else:
            ident, key_text = rest.split(" ", 1)
            key = _parse_key(key_text)
            self.codings.add(key)
            if ident != "-":
                self.ids.setdefault(key, set()).add(int(ident))


@dataclass
class Check:
    """What the study held afterwards, against what was acknowledged."""

    acknowledged: int
    stored_codings: int
    expected_codings: int
    lost_codings: list[CodingKey]
    lost_memos: list[str]
    duplicate_codings: int
    integrity: list[str]
    #: codebook.yml and the database disagree, or an acknowledged codebook edit is not kept
    codebook: list[str] = field(default_factory=list)
    #: files left by a killed write: staged leftovers, or notes the database does not know
    orphan_files: list[str] = field(default_factory=list)

    @property
    def lost(self) -> int:
        """Acknowledged writes that are not in the study."""
        return len(self.lost_codings) + len(self.lost_memos) + len(self.codebook)


def check_study(study_path: Path, acks: Acks) -> Check:
    """Reopen the study and compare it with the acknowledged writes."""
    from research_kit import open_study
    from research_kit.interviews import codings, memos

    with open_study(study_path, create=False) as study:
        integrity = study.store.integrity_check()
        table = codings(study)
        memo_texts = set(memos(study)["text"])
        codebook = _codebook_problems(study, acks)
        orphans = _orphan_files(study)
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
    lost, expected = [], set()
    for key in acks.codings:
        forms = _coding_forms(key, acks)
        expected.add(forms[-1] if acks.merges.get(key[3], ("", False))[1] else forms[0])
        if not stored_set & set(forms):
            lost.append(key)
    return Check(
        acknowledged=acks.writes,
        stored_codings=len(stored),
        expected_codings=len(expected),
        lost_codings=sorted(lost),
        lost_memos=sorted(acks.memos - memo_texts),
        duplicate_codings=len(stored) - len(stored_set),
        integrity=integrity,
        codebook=codebook,
        orphan_files=orphans,
    )


def _coding_forms(key: CodingKey, acks: Acks) -> list[CodingKey]:
    """The coding as applied, and as it is after its code was merged (when it was)."""
    merged = acks.merges.get(key[3])
    return [key] if merged is None else [key, (*key[:3], merged[0], key[4])]


def _codebook_problems(study, acks: Acks) -> list[str]:
    import sqlalchemy as sa

    from research_kit import schema

    in_file = {code.id: (code.name, code.parent) for code in study.codebook()}
    c = schema.codes.c
    with study.store.read() as conn:
        in_database = {
            row.id: (row.name, row.parent_id)
            for row in conn.execute(sa.select(c.id, c.name, c.parent_id))
        }
    problems = []
    if in_file != in_database:
        apart = sorted(set(in_file.items()) ^ set(in_database.items()))
        problems.append(f"codebook.yml and the database disagree: {apart[:4]}")
    for code, names in acks.names.items():
        if "*" in names or code in acks.merges:
            continue
        if in_file.get(code, ("",))[0] not in names:
            problems.append(f"rename of {code} lost: {in_file.get(code)} not in {names}")
    for code, (into, acknowledged) in acks.merges.items():
        if acknowledged and code in in_file:
            problems.append(f"merge of {code} into {into} lost: {code} is still there")
    for code in acks.added - set(acks.merges):
        if code not in in_file:
            problems.append(f"added code {code} lost")
    return problems


def _orphan_files(study) -> list[str]:
    """Staged files a killed write left behind (opening the study must have removed them)."""
    staging = study.folder / ".staging"
    if not staging.exists():
        return []
    return [str(path) for path in staging.rglob("*")] or [str(staging)]


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
    edits_acknowledged: int = 0
    lost: int = 0
    orphan_files: int = 0
    raw_errors: int = 0
    problems: list[str] = field(default_factory=list)


def kill_rounds(study_path: Path, rounds: int = 8, seed: int = 7) -> KillReport:
    """SIGKILL a coder or a codebook editor (in turn) after a random number of acknowledged
    writes, reopen and check; ``rounds`` times."""
    rng = random.Random(seed)
    report = KillReport()
    acks = Acks()
    for number in range(rounds):
        role = ("--role", "editor:0/1") if number % 2 else ()
        worker = start_worker(study_path, f"k{number}", seed * 100 + number, *role)
        lines: list[str] = []
        ready = threading.Event()
        reader = threading.Thread(target=_collect, args=(worker.stdout, lines, ready))
        reader.start()
        ready.wait(timeout=600)  # a hang guard: a slow start is not a failure
        # Killed mid-work after a random number of acknowledged writes (not a random time, so
        # a slow machine is killed at the same points of the work as a fast one).
        _wait_for_acks(lines, rng.randint(4, 10) if role else rng.randint(20, 60), worker)
        alive = worker.poll() is None
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=600)  # hang guards: both return as soon as the coder is dead
        reader.join(timeout=600)
        error = worker.stderr.read()
        worker.stdout.close()
        worker.stderr.close()
        report.raw_errors += _raw_errors(error)
        if not alive:
            report.problems.append(f"round {number}: the worker died before the kill: {error}")
            continue
        report.kills += 1
        acks.read(lines)
        result = check_study(study_path, acks)
        report.acknowledged = result.acknowledged
        report.edits_acknowledged = acks.edits_acknowledged
        report.lost = result.lost
        report.orphan_files += len(result.orphan_files)
        if result.integrity:
            report.problems.append(f"round {number}: integrity {result.integrity}")
        if result.lost or result.orphan_files:
            report.problems.append(
                f"round {number}: lost {result.lost_codings[:3]} {result.lost_memos[:3]} "
                f"{result.codebook[:3]}; orphan files {result.orphan_files[:3]}"
            )
    return report


def _wait_for_acks(lines: list[str], count: int, worker: subprocess.Popen) -> None:
    """Return once the worker has acknowledged ``count`` writes (or ended; hang guard 600 s)."""
    guard = time.monotonic() + 600
    while time.monotonic() < guard and worker.poll() is None:
        if sum(line.startswith("ack ") for line in list(lines)) >= count:
            return
        time.sleep(0.01)


def _raw_errors(stderr: str) -> int:
    """Tracebacks ending in a driver's or SQLAlchemy's own error, not research_kit's."""
    raw = ("sqlalchemy.exc.", "psycopg.", "sqlite3.", "IntegrityError", "OperationalError")
    return sum(
        1
        for block in stderr.split("Traceback (most recent call last):")[1:]
        if any(word in block.strip().splitlines()[-1] for word in raw)
    )


@dataclass
class TeamReport:
    """Outcome of :func:`concurrent_team`."""

    coders: int
    editors: int
    acknowledged: int
    distinct_codings: int
    expected_codings: int
    stored_codings: int
    lost: int
    duplicates: int
    shared_ids_agree: bool
    edits_acknowledged: int
    codebook: list[str]
    max_lock_wait: float
    exit_codes: list[int]
    errors: list[str]
    raw_errors: int
    integrity: list[str]


def concurrent_team(
    study_path: Path,
    coders: int = 3,
    editors: int = 0,
    seconds: float = 3.0,
    shared: int = 6,
    at_least: int = 0,
) -> TeamReport:
    """Run ``coders`` coders and ``editors`` codebook editors on one study at once, then check.

    Each works for ``seconds`` and until it has done ``at_least`` rounds of writes, so a test
    can count on a number of writes without depending on the machine's speed.
    """
    procs = [
        start_worker(
            study_path,
            f"c{n}",
            500 + n,
            "--seconds",
            str(seconds),
            "--shared",
            str(shared),
            "--at-least",
            str(at_least),
        )
        for n in range(coders)
    ] + [
        start_worker(
            study_path,
            f"e{n}",
            700 + n,
            "--seconds",
            str(seconds),
            "--role",
            f"editor:{n}/{editors}",
            "--at-least",
            str(at_least),
        )
        for n in range(editors)
    ]
    acks = Acks()
    exit_codes, errors, raw = [], [], 0
    for proc in procs:
        out, err = proc.communicate(timeout=900)
        exit_codes.append(proc.returncode)
        raw += _raw_errors(err)
        if proc.returncode or "Traceback" in err or "locked" in err.lower():
            errors.append(err.strip()[-2000:])
        acks.read(out.splitlines(keepends=True))
    result = check_study(study_path, acks)
    return TeamReport(
        coders=coders,
        editors=editors,
        acknowledged=acks.writes,
        distinct_codings=len(acks.codings),
        expected_codings=result.expected_codings,
        stored_codings=result.stored_codings,
        lost=result.lost,
        duplicates=result.duplicate_codings,
        shared_ids_agree=all(len(ids) == 1 for ids in acks.ids.values()),
        edits_acknowledged=acks.edits_acknowledged,
        codebook=result.codebook,
        max_lock_wait=acks.max_lock_wait,
        exit_codes=exit_codes,
        errors=errors,
        raw_errors=raw,
        integrity=result.integrity,
    )


@dataclass
class ImportKill:
    """Outcome of :func:`killed_import`."""

    point: str
    killed: bool
    notes_after_kill: int
    documents_after_kill: int
    orphan_files: list[str]
    integrity: list[str]
    codebook_agrees: bool
    notes_after_reimport: int
    reimport: str


def killed_import(study_path: Path, archive: Path, point: str) -> ImportKill:
    """Import ``archive`` in a process that SIGKILLs itself at ``point``; reopen, check, and
    import it again."""
    import sqlalchemy as sa

    from research_kit import open_study, schema
    from research_kit.errors import ResearchKitError
    from research_kit.interviews import import_qdpx

    worker = start_worker(
        study_path,
        "importer",
        0,
        "--role",
        "importer",
        "--archive",
        str(archive),
        "--die-at",
        point,
    )
    _, err = worker.communicate(timeout=900)
    killed = worker.returncode == -signal.SIGKILL
    if not killed and worker.returncode:
        raise RuntimeError(f"the importer failed: {err[-2000:]}")
    with open_study(study_path, create=False) as study:  # opening finishes or undoes the import
        folder = study.settings.notes
        notes = {p.stem for p in folder.iterdir()} if folder.is_dir() else set()
        with study.store.read() as conn:
            documents = set(conn.execute(sa.select(schema.documents.c.id)).scalars())
        orphans = _orphan_files(study) + sorted(f"notes/{n}" for n in notes - documents)
        integrity = study.store.integrity_check()
        agrees = not _codebook_problems(study, Acks())
        try:
            import_qdpx(study, archive)
            reimport = "imported"
        except ResearchKitError as exc:
            reimport = f"refused: {exc.message}"
        after = len(list(folder.iterdir()))
    return ImportKill(
        point, killed, len(notes), len(documents), orphans, integrity, agrees, after, reimport
    )


if __name__ == "__main__":
    arguments = sys.argv[1:]
    options = {
        "--seconds": None,
        "--shared": "0",
        "--role": "coder",
        "--archive": None,
        "--die-at": None,
        "--at-least": "0",
    }
    for option in options:
        if option in arguments:
            at = arguments.index(option)
            options[option] = arguments[at + 1]
            del arguments[at : at + 2]
    if options["--die-at"]:
        _die_at(options["--die-at"])
    study_arg, name_arg, seed_arg = arguments[0], arguments[1], int(arguments[2])
    seconds_arg = None if options["--seconds"] is None else float(options["--seconds"])
    role = options["--role"]
    if role == "importer":
        import_project(study_arg, options["--archive"])
    elif role.startswith("editor"):
        part, parts = role.partition(":")[2].split("/")
        at_least = int(options["--at-least"])
        edit(study_arg, name_arg, seed_arg, seconds_arg, int(part), int(parts), at_least)
    else:
        shared_arg, at_least = int(options["--shared"]), int(options["--at-least"])
        work(study_arg, name_arg, seed_arg, seconds_arg, shared_arg, at_least)
