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

It relies on two names of Voila's ``VoilaKernelManager`` (the ``notebook_data`` it assigns in
its constructor and its ``_pools``); if a Voila release renames them, the manager behaves like
the plain one.
"""

from __future__ import annotations

from typing import Any

from jupyter_server.services.kernels.kernelmanager import AsyncMappingKernelManager


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


class PoolFirstKernelManager(AsyncMappingKernelManager):
    """Jupyter's kernel manager, with Voila's notebook data that counts starting kernels."""

    @property
    def notebook_data(self) -> dict:
        """The notebooks Voila has preheated or is preheating (see :class:`PendingNotebooks`)."""
        return self.__dict__.setdefault("_rk_notebook_data", PendingNotebooks(self))

    @notebook_data.setter
    def notebook_data(self, value: dict) -> None:
        self.__dict__["_rk_notebook_data"] = PendingNotebooks(self, value)
