"""The preheating kernel manager says when a preheated kernel has run the brief.

:class:`research_kit.briefs.preheat.ReadyPools` stands in for Voila's kernel pools; the tests
play Voila's part with asyncio tasks: a task that starts a kernel, whose result holds the task
that runs the notebook. The ready file is written when (and only when) that run ends well.
"""

from __future__ import annotations

import asyncio
import contextlib

from research_kit.briefs.preheat import ReadyPools


async def _pool_run(pools: ReadyPools, finish_run: bool, fail: bool = False) -> None:
    """Voila's fill_if_needed and _initialize, in short."""
    pool = pools.get("brief.ipynb", [])
    pools["brief.ipynb"] = pool
    release = asyncio.Event()

    async def run_notebook() -> None:
        await release.wait()
        if fail:
            raise RuntimeError("a cell failed")

    async def start_kernel() -> dict:
        return {"task": asyncio.get_running_loop().create_task(run_notebook()), "kernel_id": "k"}

    started = asyncio.get_running_loop().create_task(start_kernel())
    pool.append(started)
    content = await started
    await asyncio.sleep(0)  # the done callbacks run
    if finish_run:
        release.set()
        with contextlib.suppress(RuntimeError):  # the failing run, awaited to its end
            await content["task"]
        await asyncio.sleep(0)
    else:
        content["task"].cancel()


def test_ready_only_once_the_notebook_has_run(tmp_path):
    ready = tmp_path / "ready"
    asyncio.run(_pool_run(ReadyPools(str(ready)), finish_run=False))
    assert not ready.exists()
    asyncio.run(_pool_run(ReadyPools(str(ready)), finish_run=True))
    assert ready.read_text(encoding="utf-8").splitlines() == ["brief.ipynb"]


def test_not_ready_when_the_notebook_failed(tmp_path):
    ready = tmp_path / "ready"
    asyncio.run(_pool_run(ReadyPools(str(ready)), finish_run=True, fail=True))
    assert not ready.exists()


def test_no_file_no_report(tmp_path):
    asyncio.run(_pool_run(ReadyPools(None), finish_run=True))
    assert list(tmp_path.iterdir()) == []
