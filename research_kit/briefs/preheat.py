"""A kernel manager for Voila that makes an early visitor wait for the preheated kernel.

With ``--preheat_kernel``, Voila (0.5) runs the brief in a kernel before anyone asks, but it
only hands that kernel to a request once the kernel has started: a page opened in the first
seconds after the server listens gets a new, cold kernel instead, which then runs the whole
notebook while competing with the preheating one for the processor (both slow down). Voila
decides this from its ``notebook_data``, which is empty until the preheated kernel starts.

:class:`PoolFirstKernelManager` (passed as Voila's ``multi_kernel_manager_class`` by
:func:`research_kit.briefs.serve.voila_command`) answers for a notebook whose pool holds a
kernel still starting as if the notebook were known, so the request takes that kernel and
waits for it; once the pool is used up, requests get cold kernels as before.

It also says when the first view is prepared: with ``RESEARCH_KIT_READY_FILE`` set (as
:func:`research_kit.briefs.serve.serve` does), it writes the notebook's path to that file once a
preheated kernel has run the whole notebook, so :func:`research_kit.briefs.serve.wait_until_ready`
and ``research-kit brief serve`` can tell when a page opened now shows its widgets at once
(:class:`ReadyPools`).

It relies on three names of Voila's ``VoilaKernelManager`` (the ``notebook_data`` and
``_pools`` it assigns in its constructor, and the ``task`` of a pool's entry); if a Voila
release renames them, the manager behaves like the plain one and never reports ready.
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from typing import Any

from jupyter_server.services.kernels.kernelmanager import AsyncMappingKernelManager

from research_kit.briefs.serve import READY_ENV


class PendingNotebooks(dict):
    """Voila's notebook data, which also knows notebooks whose preheated kernel is starting.

    Examples
    --------
    >>> class Manager:
    ...     _pools = {"brief.ipynb": ["starting"]}
    >>> data = PendingNotebooks(Manager())
    >>> bool(data.get("brief.ipynb", {})), data.get("other.ipynb", {})
    (True, {})
    >>> data["brief.ipynb"] = {"template": "research_kit"}
    >>> data.get("brief.ipynb")
    {'template': 'research_kit'}
    """

    def __init__(self, manager: Any, *args: Any) -> None:
        super().__init__(*args)
        self.manager = manager

    def get(self, key: Any, default: Any = None) -> Any:
        """The notebook's data; a placeholder while its preheated kernel is starting."""
        if key in self:
            return self[key]
        if getattr(self.manager, "_pools", {}).get(key):
            # No template or theme: the request's own (if any) then does not match, and
            # Voila starts a kernel for it as usual.
            return {"pending": True}
        return default


def mark_ready(notebook: str, ready_file: str | os.PathLike | None) -> None:
    """Append ``notebook`` to ``ready_file`` (nothing when no file is given).

    Examples
    --------
    >>> import tempfile
    >>> ready = Path(tempfile.mkdtemp()) / "ready"
    >>> mark_ready("brief.ipynb", ready), mark_ready("brief.ipynb", None)
    (None, None)
    >>> ready.read_text().splitlines()
    ['brief.ipynb']
    """
    if ready_file:
        with Path(ready_file).open("a", encoding="utf-8") as out:
            out.write(f"{notebook}\n")


class WatchedPool(list):
    """A notebook's pool of preheating kernels that reports each kernel's finished run.

    Voila appends a task per kernel; the task's result holds the ``task`` that runs the
    notebook in the kernel. When that one is done, :func:`mark_ready` is called.
    """

    def __init__(self, notebook: str, ready_file: str | None) -> None:
        super().__init__()
        self.notebook = notebook
        self.ready_file = ready_file

    def append(self, item: Any) -> None:
        """Add a starting kernel; its run is reported when it ends without error."""
        super().append(item)
        if self.ready_file and isinstance(item, asyncio.Future):
            item.add_done_callback(self._started)

    def _started(self, started: asyncio.Future) -> None:
        if started.cancelled() or started.exception() is not None:
            return
        run = started.result().get("task") if isinstance(started.result(), dict) else None
        if isinstance(run, asyncio.Future):
            run.add_done_callback(self._ran)

    def _ran(self, run: asyncio.Future) -> None:
        if not run.cancelled() and run.exception() is None:
            mark_ready(self.notebook, self.ready_file)


class ReadyPools(dict):
    """Voila's kernel pools, each a :class:`WatchedPool` (Voila fills them through ``get``).

    Examples
    --------
    >>> pools = ReadyPools(None)
    >>> pool = pools.get("brief.ipynb", [])
    >>> type(pool).__name__, pools.get("brief.ipynb", []) is pool
    ('WatchedPool', False)
    >>> pools["brief.ipynb"] = pool
    >>> pools.get("brief.ipynb", []) is pool
    True
    """

    def __init__(self, ready_file: str | None, *args: Any) -> None:
        super().__init__(*args)
        self.ready_file = ready_file

    def get(self, key: Any, default: Any = None) -> Any:
        """The pool of ``key``; a new watched one (in place of a new list) when it has none."""
        if key in self:
            return self[key]
        if isinstance(default, list) and not default:
            return WatchedPool(str(key), self.ready_file)
        return default


class PoolFirstKernelManager(AsyncMappingKernelManager):
    """Jupyter's kernel manager, with Voila's notebook data that counts starting kernels."""

    @property
    def _pools(self) -> dict:
        """Voila's kernel pools, watched (see :class:`ReadyPools`)."""
        return self.__dict__.setdefault("_rk_pools", ReadyPools(os.environ.get(READY_ENV)))

    @_pools.setter
    def _pools(self, value: dict) -> None:
        self.__dict__["_rk_pools"] = ReadyPools(os.environ.get(READY_ENV), value)

    @property
    def notebook_data(self) -> dict:
        """The notebooks Voila has preheated or is preheating (see :class:`PendingNotebooks`)."""
        return self.__dict__.setdefault("_rk_notebook_data", PendingNotebooks(self))

    @notebook_data.setter
    def notebook_data(self, value: dict) -> None:
        self.__dict__["_rk_notebook_data"] = PendingNotebooks(self, value)
