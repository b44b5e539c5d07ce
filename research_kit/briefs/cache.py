"""What a dashboard's filters do not change, kept between calls of ``assemble_findings``.

A filter change on the findings dashboard re-assembles the brief. Most of it does not depend
on the filter that changed: the survey's weights and answer themes depend on none, the
process section only on the ward, the interviews section only on the ward and the theme.
A :class:`FindingsCache` keeps each part under the filters it depends on, so a change
recomputes only the sections it touches, and a second visit to a filter recomputes nothing.

The cache belongs to one open study and assumes the study does not change while it is used
(a dashboard reads; make a new cache after editing codings or files). It holds no global
state: the dashboard notebook keeps it, and dropping it frees everything.

Examples
--------
>>> cache = FindingsCache()
>>> calls = []
>>> def build(facts):
...     calls.append(1)
...     facts["n"] = 3
...     return "section"
>>> facts = {}
>>> cache.section(("survey", "Ward 2"), build, facts), facts
('section', {'n': 3})
>>> later = {}
>>> cache.section(("survey", "Ward 2"), build, later), later, len(calls)
('section', {'n': 3}, 1)
>>> cache.value("weights", lambda: 42), cache.value("weights", lambda: 0)
(42, 42)
>>> len(cache)
2
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Hashable
from contextlib import AbstractContextManager
from typing import Any, TypeVar

T = TypeVar("T")


class FindingsCache:
    """Parts of a study's findings, each kept under the filters it depends on.

    Pass one to :func:`research_kit.briefs.assemble_findings` (``cache=``) on every call of a
    dashboard; the findings are the same as without it.

    Attributes
    ----------
    hits, misses : int
        How many parts were found in the cache, and how many were computed.
    guard : callable or None
        ``guard()`` gives a context in which a part is computed (found missing, then made):
        a dashboard preparing briefs in a thread makes it a lock shared with the reader's
        changes, so that two parts are never drawn at once and the reader goes first
        (:meth:`research_kit.briefs.dashboard.BriefPreparer.guard`).
    """

    def __init__(self) -> None:
        self._parts: dict[Hashable, Any] = {}
        self.hits = 0
        self.misses = 0
        self.guard: Callable[[], AbstractContextManager] | None = None

    def __len__(self) -> int:
        return len(self._parts)

    def __contains__(self, key: Hashable) -> bool:
        return key in self._parts

    def _guarded(self, key: Hashable, get: Callable[[], T]) -> T:
        """``get()``, inside the guard when the part is missing (and a guard is set)."""
        if self.guard is None or key in self._parts:
            return get()
        with self.guard():
            return get()

    def value(self, key: Hashable, build: Callable[[], T]) -> T:
        """The part kept under ``key``, made by ``build()`` the first time.

        Examples
        --------
        >>> FindingsCache().value(("gate", True), lambda: "gate")
        'gate'
        """
        return self._guarded(key, lambda: self._value(key, build))

    def _value(self, key: Hashable, build: Callable[[], T]) -> T:
        if key in self._parts:
            self.hits += 1
        else:
            self.misses += 1
            self._parts[key] = build()
        return self._parts[key]

    def section(
        self,
        key: Hashable,
        build: Callable[[dict], T],
        facts: dict,
        counts: Counter | None = None,
    ) -> T:
        """A section kept under ``key``; the facts it adds for the headlines are kept with it.

        ``build(facts)`` makes the section and records what the headlines need in ``facts``
        (the sections' habit); the same facts are added to ``facts`` when the section comes
        from the cache, so the headlines are the same either way. ``counts`` (the privacy
        gate's tally of how quotes were attributed, which the method reports) is likewise
        increased by what the section added to it when it was made.

        Examples
        --------
        >>> cache, facts = FindingsCache(), {"kept": 1}
        >>> cache.section("s", lambda f: f.setdefault("new", 2) and "done", facts), facts
        ('done', {'kept': 1, 'new': 2})
        """

        def built() -> tuple[T, dict, Counter]:
            own: dict = {}
            before = Counter(counts)
            part = build(own)
            return part, own, Counter(counts) - before

        def get() -> tuple[bool, tuple[T, dict, Counter]]:
            # Whether it was kept is known only in the guard: another thread may add it.
            return key in self._parts, self._value(key, built)

        kept, (part, own, added) = self._guarded(key, get)
        facts.update(own)
        if kept and counts is not None:  # a fresh section has added its counts itself
            counts.update(added)
        return part
