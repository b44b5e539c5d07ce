"""Speed and memory figures for research_kit on the bundled sample study (``make bench``).

Every benchmark works on a fresh temporary copy of ``interview_data`` (its database, if one
exists, is left behind so that the first open really creates and migrates one); the sample
itself is never opened or written. The script measures:

1. opening a study: the first open, which creates and migrates the database, and a second one;
2. loading raw files: notes, codebook, survey, event log and ``check_folder`` (best of 3);
3. store writes: 500 one-memo transactions in one process (commits/s), then 2 spawned
   processes writing 300 memos each into the same database at once (stored vs attempted,
   throughput, longest wait for the write lock);
4. the text pipeline: building the offline spaCy pipeline, lemmatizing the survey's
   open-ended answers, and the same answers repeated to 50,000 texts (texts/s, memory);
5. the peak resident memory of the whole run.

It also collects the ``figures()`` of every ``benchmarks/bench_*.py`` module (agreement,
auto-coding, coding panel, REFI-QDA, process mining, briefs, survey clustering, survey scale,
edit stability: renames kept by warm and fresh re-runs of the survey clustering, survey
export column kinds against the truth tables and at 100,000 x 200, and
disclosure control: random tables suppressed by the old and the new rule, then attacked).
It prints a table and writes the same figures as JSON to ``benchmarks/results/latest.json``.
Run it as ``python benchmarks/run.py`` (from any folder). It exits with status 1 when a write
benchmark stores fewer memos than it attempted.
"""

from __future__ import annotations

import gc
import importlib
import itertools
import json
import multiprocessing
import platform
import resource
import shutil
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

try:
    import research_kit
except ImportError:  # running from a checkout where the package is not installed
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    import research_kit

from research_kit import schema
from research_kit.checks import check_folder
from research_kit.errors import ResearchKitError
from research_kit.store import Store, utcnow
from research_kit.study import Study

REPO_ROOT = Path(__file__).resolve().parent.parent
SAMPLE_STUDY = REPO_ROOT / "interview_data"
RESULTS_FILE = REPO_ROOT / "benchmarks" / "results" / "latest.json"
#: Left out of every copy so that each benchmark starts from an empty database.
DATABASE_FILES = ("study.db", "study.db-*")
REPEATS = 3
SERIAL_MEMOS = 500
WRITERS = 2
MEMOS_PER_WRITER = 300
WRITER_TIMEOUT_S = 600.0  # a hang guard for the writer processes, never a speed limit
SCALED_TEXTS = 50_000
MEMO_TEXT = "Benchmark memo {n}: residents waited weeks for a fire inspection slot."
#: ``ru_maxrss`` is in kilobytes on Linux and in bytes on macOS.
MAXRSS_BYTES = 1 if sys.platform == "darwin" else 1024
MIB = 1024 * 1024

T = TypeVar("T")


@dataclass(frozen=True)
class Figure:
    """One measured figure."""

    section: str
    name: str
    value: float
    unit: str


@dataclass(frozen=True)
class WriterReport:
    """What one concurrent writer process did."""

    attempted: int
    written: int
    failed: int
    started: float
    finished: float
    max_wait: float
    total_wait: float
    peak_rss_mib: float


# -- helpers ---------------------------------------------------------------------------------


@contextmanager
def study_copy() -> Iterator[Path]:
    """A fresh copy of the sample study in a temporary folder, removed afterwards."""
    with tempfile.TemporaryDirectory(prefix="rk-bench-") as tmp:
        folder = Path(tmp) / "study"
        shutil.copytree(SAMPLE_STUDY, folder, ignore=shutil.ignore_patterns(*DATABASE_FILES))
        yield folder


def timed(func: Callable[[], T]) -> tuple[float, T]:
    """Run ``func`` once; return (seconds, its result)."""
    start = time.perf_counter()
    result = func()
    return time.perf_counter() - start, result


def best_of(func: Callable[[], T], repeats: int = REPEATS) -> tuple[float, T]:
    """Run ``func`` ``repeats`` times; return (fastest seconds, last result)."""
    best = float("inf")
    result: Any = None
    for _ in range(repeats):
        seconds, result = timed(func)
        best = min(best, seconds)
    return best, result


def max_rss_mib() -> float:
    """Peak resident memory of this process so far, in MiB (``ru_maxrss``)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * MAXRSS_BYTES / MIB


def own_peak_rss_mib() -> float:
    """This process's peak RSS in MiB since it started its program.

    ``ru_maxrss`` survives ``exec``, so a spawned child would inherit the size of the parent it
    was forked from; Linux's ``VmHWM`` does not, so it is used where there is one.
    """
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text(encoding="ascii").splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024 / MIB
    return max_rss_mib()


def insert_memo(store: Store, n: int) -> float:
    """Insert one memo in its own transaction; return seconds spent waiting to enter it."""
    now = utcnow()
    start = time.perf_counter()
    with store.transaction() as conn:
        waited = time.perf_counter() - start
        conn.execute(
            schema.memos.insert().values(
                target_kind="study",
                target_id="s",
                text=MEMO_TEXT.format(n=n),
                created_at=now,
                updated_at=now,
            )
        )
    return waited


# -- 1. opening --------------------------------------------------------------------------------


def open_twice(folder: Path) -> tuple[float, float]:
    """Open a fresh study copy (creating and migrating its database), close, open again."""
    first, study = timed(lambda: research_kit.open_study(folder))
    head = study.store.head_revision
    if study.store.schema_version != head:
        raise RuntimeError(f"the first open did not migrate the database to {head}")
    study.close()
    second, study = timed(lambda: research_kit.open_study(folder))
    study.close()
    return first, second


def bench_open() -> list[Figure]:
    """Time opening a study, each round on its own fresh copy."""
    rounds = []
    for _ in range(REPEATS):
        with study_copy() as folder:
            rounds.append(open_twice(folder))
    section = "open_study"
    return [
        Figure(section, "first open, migrates (cold, in this process)", rounds[0][0] * 1e3, "ms"),
        Figure(section, "first open, migrates (best of 3)", min(r[0] for r in rounds) * 1e3, "ms"),
        Figure(section, "second open (best of 3)", min(r[1] for r in rounds) * 1e3, "ms"),
    ]


# -- 2. loading --------------------------------------------------------------------------------


def loading_figures(study: Study, folder: Path) -> list[Figure]:
    """Time each loader on an open study (best of 3), with the sizes of what it read."""
    section = "loading (best of 3)"
    figures = []
    loaders: dict[str, Callable[[], Any]] = {
        "documents()": study.documents,
        "codebook()": study.codebook,
        "survey()": study.survey,
        "event_log()": study.event_log,
        "check_folder()": lambda: check_folder(folder),
    }
    for name, loader in loaders.items():
        seconds, result = best_of(loader)
        figures.append(Figure(section, name, seconds * 1e3, "ms"))
        if name in ("survey()", "event_log()"):
            figures.append(Figure(section, f"{name} rows", len(result), "rows"))
            figures.append(Figure(section, f"{name} rate", len(result) / seconds, "rows/s"))
        elif name == "documents()":
            figures.append(Figure(section, "documents() notes", len(result), "notes"))
        elif name == "check_folder()":
            figures.append(Figure(section, "check_folder() problems", len(result), "problems"))
    return figures


def bench_loading() -> list[Figure]:
    """Time reading the sample's raw files through a Study."""
    with study_copy() as folder:
        study = research_kit.open_study(folder)
        try:
            return loading_figures(study, folder)
        finally:
            study.close()


# -- 3. store writes ---------------------------------------------------------------------------


def bench_serial_writes() -> list[Figure]:
    """Insert memos one transaction each from one process."""
    with study_copy() as folder:
        study = research_kit.open_study(folder)
        try:
            seconds, waits = timed(
                lambda: [insert_memo(study.store, n) for n in range(SERIAL_MEMOS)]
            )
            stored = study.store.count("memos")
        finally:
            study.close()
    section = "store, 1 process"
    return [
        Figure(section, "memos attempted", SERIAL_MEMOS, "memos"),
        Figure(section, "memos stored", stored, "memos"),
        Figure(section, "commits", SERIAL_MEMOS / seconds, "commits/s"),
        Figure(section, "mean time per commit", seconds / SERIAL_MEMOS * 1e3, "ms"),
        Figure(section, "max wait for the write lock", max(waits) * 1e3, "ms"),
    ]


def write_memos(folder: str, count: int, barrier: Any, reports: Any) -> None:
    """Writer process: open the study, wait for the others, insert ``count`` memos."""
    study = research_kit.open_study(folder, create=False)
    waits: list[float] = []
    failed = 0
    barrier.wait(timeout=WRITER_TIMEOUT_S)
    started = time.time()
    for n in range(count):
        try:
            waits.append(insert_memo(study.store, n))
        except ResearchKitError:
            failed += 1
    finished = time.time()
    study.close()
    report = WriterReport(
        count,
        len(waits),
        failed,
        started,
        finished,
        max(waits, default=0.0),
        sum(waits),
        own_peak_rss_mib(),
    )
    reports.put(asdict(report))


def run_writers(folder: Path) -> list[WriterReport]:
    """Start the writer processes (spawned) together; return their reports."""
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(WRITERS)
    reports = context.Queue()
    processes = [
        context.Process(target=write_memos, args=(str(folder), MEMOS_PER_WRITER, barrier, reports))
        for _ in range(WRITERS)
    ]
    for process in processes:
        process.start()
    results = [WriterReport(**reports.get(timeout=WRITER_TIMEOUT_S)) for _ in processes]
    for process in processes:
        process.join(timeout=WRITER_TIMEOUT_S)
    return results


def bench_concurrent_writes() -> list[Figure]:
    """Several processes insert memos into the same fresh study at the same time."""
    with study_copy() as folder:
        research_kit.open_study(folder).close()  # create and migrate before the race
        reports = run_writers(folder)
        with research_kit.open_study(folder, create=False) as study:
            stored = study.store.count("memos")
    attempted = sum(r.attempted for r in reports)
    mean_wait = sum(r.total_wait for r in reports) / max(1, sum(r.written for r in reports))
    elapsed = max(r.finished for r in reports) - min(r.started for r in reports)
    section = f"store, {WRITERS} processes"
    return [
        Figure(section, "memos attempted", attempted, "memos"),
        Figure(section, "memos stored", stored, "memos"),
        Figure(section, "writes that raised", sum(r.failed for r in reports), "memos"),
        Figure(section, "throughput (all writers)", stored / elapsed, "commits/s"),
        Figure(section, "mean wait for the write lock", mean_wait * 1e3, "ms"),
        Figure(
            section, "max wait for the write lock", max(r.max_wait for r in reports) * 1e3, "ms"
        ),
        Figure(section, "peak RSS, largest writer", max(r.peak_rss_mib for r in reports), "MiB"),
    ]


# -- 4. text pipeline --------------------------------------------------------------------------


def open_ended_texts(study: Study) -> list[str]:
    """The non-blank answers to the first survey's open-ended questions."""
    frame = study.survey()
    texts: list[str] = []
    for column in study.settings.surveys[0].open_ended:
        texts += [str(answer) for answer in frame[column].dropna() if str(answer).strip()]
    return texts


def survey_texts() -> list[str]:
    """Read the open-ended answers from a fresh copy of the sample."""
    with study_copy() as folder:
        study = research_kit.open_study(folder)
        try:
            return open_ended_texts(study)
        finally:
            study.close()


def scaled_lemmatize_figures(
    lemmatize: Callable[..., Any], nlp: Any, texts: list[str]
) -> list[Figure]:
    """Lemmatize ``SCALED_TEXTS`` texts: speed and RSS, then a traced run for Python memory."""
    many = list(itertools.islice(itertools.cycle(texts), SCALED_TEXTS))
    section = f"text, {SCALED_TEXTS:,} texts"
    gc.collect()
    rss_before = max_rss_mib()
    seconds, lemmas = timed(lambda: lemmatize(many, nlp, progress=False))
    rss_increase = max_rss_mib() - rss_before
    del lemmas
    gc.collect()
    tracemalloc.start()
    lemmatize(many, nlp, progress=False)
    _, traced_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return [
        Figure(section, "lemmatize() rate", len(many) / seconds, "texts/s"),
        Figure(section, "lemmatize() time", seconds, "s"),
        Figure(section, "peak RSS increase (ru_maxrss)", rss_increase, "MiB"),
        Figure(section, "tracemalloc peak (separate run)", traced_peak / MIB, "MiB"),
    ]


def bench_text() -> list[Figure]:
    """Build the offline pipeline and lemmatize the survey's open-ended answers."""
    texts = survey_texts()
    import_s, text = timed(lambda: importlib.import_module("research_kit.text"))
    cold_s, nlp = timed(lambda: text.build_pipeline("blank"))
    warm_s, _ = best_of(lambda: text.build_pipeline("blank"))
    lemma_s, _ = best_of(lambda: text.lemmatize(texts, nlp, progress=False))
    section = "text, survey answers"
    figures = [
        Figure(section, "import research_kit.text (spaCy)", import_s * 1e3, "ms"),
        Figure(section, "build_pipeline('blank'), first", cold_s * 1e3, "ms"),
        Figure(section, "build_pipeline('blank'), best of 3", warm_s * 1e3, "ms"),
        Figure(section, "open-ended answers", len(texts), "texts"),
        Figure(section, "lemmatize() rate (best of 3)", len(texts) / lemma_s, "texts/s"),
    ]
    return figures + scaled_lemmatize_figures(text.lemmatize, nlp, texts)


# -- 5. memory and reporting -------------------------------------------------------------------


def memory_figures() -> list[Figure]:
    """Peak resident memory of this (the benchmark) process over the whole run."""
    return [Figure("memory", "peak RSS of the whole run (main process)", max_rss_mib(), "MiB")]


def format_value(value: float) -> str:
    """Readable number: thousands separators, 3 significant digits for small ones."""
    if float(value).is_integer() and abs(value) >= 1:
        return f"{int(value):,}"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    return f"{value:.3g}"


def print_table(figures: list[Figure], total_s: float) -> None:
    """Print the figures grouped by section."""
    width = max(len(f.name) for f in figures)
    section = None
    for figure in figures:
        if figure.section != section:
            section = figure.section
            print(f"\n{section}")
        print(f"  {figure.name:<{width}}  {format_value(figure.value):>10}  {figure.unit}")
    print(f"\nwhole run: {total_s:.1f} s; results in {RESULTS_FILE.relative_to(REPO_ROOT)}")


def write_json(figures: list[Figure], total_s: float, ok: bool) -> None:
    """Write the figures, with what they were measured on, to ``RESULTS_FILE``."""
    RESULTS_FILE.parent.mkdir(parents=True, exist_ok=True)
    payload = {
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "research_kit": research_kit.__version__,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpu_count": multiprocessing.cpu_count(),
        "total_seconds": round(total_s, 2),
        "ok": ok,
        "figures": [asdict(figure) for figure in figures],
    }
    RESULTS_FILE.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")


def writes_lost(figures: list[Figure]) -> bool:
    """True if any writer benchmark stored fewer memos than it attempted."""
    values = {(f.section, f.name): f.value for f in figures}
    sections = {f.section for f in figures if f.section.startswith("store")}
    return any(
        values[(section, "memos stored")] != values[(section, "memos attempted")]
        for section in sections
    )


def capability_figures() -> list[Figure]:
    """Figures from every ``benchmarks/bench_*.py`` module's ``figures()`` function.

    Each returns (section, name, value, unit) tuples; a module that fails is reported, not
    allowed to hide the other figures.
    """
    found: list[Figure] = []
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    for path in sorted(Path(__file__).resolve().parent.glob("bench_*.py")):
        module = importlib.import_module(path.stem)
        try:
            found += [Figure(*row) for row in module.figures()]
        except (ResearchKitError, RuntimeError, ValueError, OSError) as exc:
            print(f"{path.name} failed: {exc}", file=sys.stderr)
            found.append(Figure(path.stem, "FAILED", float("nan"), str(exc)[:60]))
    return found


def main() -> int:
    """Run every benchmark, print and save the figures; 1 if writes were lost."""
    start = time.perf_counter()
    # The text benchmark runs before the loaders, so that its ru_maxrss increase is not hidden
    # by the peak of reading the event log; it is still reported in order.
    figures = bench_open()
    text_figures = bench_text()
    for bench in (bench_loading, bench_serial_writes, bench_concurrent_writes):
        figures += bench()
    figures += text_figures + capability_figures() + memory_figures()
    total_s = time.perf_counter() - start
    ok = not writes_lost(figures)
    print_table(figures, total_s)
    write_json(figures, total_s, ok)
    if not ok:
        print("FAILED: concurrent writers lost memos", file=sys.stderr)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
