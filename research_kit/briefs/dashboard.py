"""The findings dashboard's helpers: which boxes a filter change redraws, and what to prepare.

The findings notebook (``notebooks/briefs/findings.ipynb``) keeps a
:class:`~research_kit.briefs.cache.FindingsCache`, so a filter change recomputes only the
sections it touches; :func:`changed_boxes` tells it which of its boxes the new brief changes,
so it sends only those to the browser.

A :class:`BriefPreparer` assembles the likeliest next filters (:func:`likely_filters`: each
ward, each survey group) into that cache in a thread, while the reader reads, so a first
visit to them is answered from the cache. A thread, not a step of the kernel's event loop: a
kernel busy in a step answers no widget message until the step ends, whereas the thread leaves
the kernel's own thread free to answer (measured with ``benchmarks/bench_dashboard.py``). The
reader's own change goes first: each part of a brief is computed under the preparer's lock
(the cache's ``guard`` is :meth:`BriefPreparer.guard`), which the thread takes only while no
reader's change is running; a filter seen before needs no part computed, so it never waits.
One part is computed at a time, because the charts are drawn with matplotlib, whose figures
and styles are global.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any


def changed_boxes(shown: Mapping[str, str], new: Mapping[str, str]) -> dict[str, str]:
    """The boxes whose HTML differs from what is shown, with their new HTML.

    Boxes the new brief has no content for are left as they are.

    Examples
    --------
    >>> changed_boxes({"survey": "<p>1</p>", "process": "<p>2</p>"},
    ...               {"survey": "<p>1</p>", "process": "<p>3</p>", "other": "<p>4</p>"})
    {'process': '<p>3</p>'}
    """
    return {key: html for key, html in new.items() if key in shown and shown[key] != html}


def likely_filters(choices: Mapping[str, Sequence[str]]) -> list[dict[str, str]]:
    """The filters a reader is likeliest to choose next: each ward, then each survey group.

    ``choices`` is :func:`research_kit.briefs.findings.filter_choices`; each filter changes one
    thing from the dashboard's first view (all wards, the survey by ward, all themes).

    Examples
    --------
    >>> likely_filters({"ward": ["Ward 1", "Ward 2"], "group": ["ward", "age_band"]})
    [{'ward': 'Ward 1'}, {'ward': 'Ward 2'}, {'by': 'age_band'}]
    """
    wards = [{"ward": ward} for ward in choices.get("ward", [])]
    groups = [{"by": group} for group in choices.get("group", []) if group != "ward"]
    return wards + groups


class BriefPreparer:
    """Assembles briefs for filters a reader has not chosen yet, in a thread, one at a time.

    Parameters
    ----------
    assemble : callable
        ``assemble(**filters)`` makes the brief for ``filters`` and keeps what it computes
        (``assemble_findings`` with the dashboard's cache); its result is dropped.
    filters : iterable of dict
        The filters to prepare, in order (see :func:`likely_filters`).

    Attributes
    ----------
    prepared : list of dict
        The filters prepared so far.
    error : Exception or None
        What stopped the preparation (a failure only leaves the rest unprepared).

    Examples
    --------
    >>> made = []
    >>> preparer = BriefPreparer(lambda **f: made.append(f), [{"ward": "Ward 1"}])
    >>> preparer.start().join()
    >>> made, preparer.prepared
    ([{'ward': 'Ward 1'}], [{'ward': 'Ward 1'}])
    >>> with preparer.first(), preparer.guard():  # the reader's change, computing a part
    ...     made.append("the reader's")
    """

    #: How often a waiting thread looks whether the reader is done (seconds).
    POLL_S = 0.05

    def __init__(self, assemble: Callable[..., Any], filters: Iterable[Mapping[str, str]]):
        self._assemble = assemble
        self._filters = [dict(f) for f in filters]
        self._lock = threading.Lock()
        self._readers = 0
        self._thread: threading.Thread | None = None
        self.prepared: list[dict] = []
        self.error: Exception | None = None

    @property
    def reader_waiting(self) -> bool:
        """Whether a reader's own change waits for, or holds, the lock."""
        return self._readers > 0

    @contextlib.contextmanager
    def first(self) -> Iterator[None]:
        """Hold the thread back while the reader's own brief is assembled.

        The thread finishes the part it is computing (if any) and starts no other meanwhile.
        """
        self._readers += 1
        try:
            yield
        finally:
            self._readers -= 1

    @contextlib.contextmanager
    def guard(self) -> Iterator[None]:
        """The context a part of a brief is computed in: one part at a time, the reader first.

        Pass it as the cache's ``guard``. In the preparer's thread it waits until no reader's
        change runs; in any other thread it waits only for the part being computed.
        """
        if threading.current_thread() is self._thread:
            self._take_turn()
        else:
            self._lock.acquire()
        try:
            yield
        finally:
            self._lock.release()

    def start(self) -> threading.Thread:
        """Start preparing in a daemon thread (it never keeps the kernel from stopping)."""
        self._thread = threading.Thread(target=self._run, name="rk-brief-preparer", daemon=True)
        self._thread.start()
        return self._thread

    def _run(self) -> None:
        for filters in self._filters:
            while self._readers:  # no new brief while the reader's change runs
                time.sleep(self.POLL_S)
            try:
                self._assemble(**filters)
            except Exception as exc:  # any failure: the dashboard still answers the reader
                self.error = exc
                return
            self.prepared.append(filters)

    def _take_turn(self) -> None:
        """Take the lock when no reader waits for it (the reader goes first)."""
        while True:
            while self._readers:
                time.sleep(self.POLL_S)
            self._lock.acquire()
            if not self._readers:
                return
            self._lock.release()
