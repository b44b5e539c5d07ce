"""JupyterLab for the browser tests and the panel benchmark: served on loopback, no token,
its settings and runtime files kept in a scratch folder, the app exposed to the page so a
test can run a notebook's cells."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import nbformat

KERNEL = {"name": "python3", "display_name": "Python 3", "language": "python"}


def write_notebook(path: Path, *sources: str) -> Path:
    """A notebook of code cells with the ``python3`` kernel (so JupyterLab asks nothing)."""
    notebook = nbformat.v4.new_notebook()
    notebook.metadata["kernelspec"] = KERNEL
    notebook.cells = [nbformat.v4.new_code_cell(source) for source in sources]
    nbformat.write(notebook, path)
    return path


@contextmanager
def jupyterlab(root: Path) -> Iterator[str]:
    """JupyterLab serving ``root``; its base URL."""
    from research_kit.briefs.serve import free_port, wait_until_ready

    port = free_port()
    scratch = root / ".jupyter-scratch"
    scratch.mkdir(exist_ok=True)
    env = {
        **os.environ,
        "JUPYTER_CONFIG_DIR": str(scratch / "config"),
        "JUPYTER_RUNTIME_DIR": str(scratch / "runtime"),
        "JUPYTERLAB_SETTINGS_DIR": str(scratch / "settings"),
        "JUPYTERLAB_WORKSPACES_DIR": str(scratch / "workspaces"),
    }
    command = [
        sys.executable,
        "-m",
        "jupyterlab",
        "--no-browser",
        "--ip=127.0.0.1",
        f"--port={port}",
        f"--ServerApp.root_dir={root}",
        "--ServerApp.token=",
        "--ServerApp.password=",
        "--allow-root",  # the test machines run as root
        "--LabApp.expose_app_in_browser=True",
        "--LabApp.extension_manager=readonly",  # nothing asks PyPI
        "--LabApp.news_url=",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
    ]
    log = (scratch / "jupyterlab.log").open("wb")
    process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/"
    try:
        wait_until_ready(url, timeout=600, process=process)  # a hang guard
        yield url
    finally:
        process.terminate()
        process.wait(timeout=600)  # a hang guard
        log.close()


def run_notebook(page, url: str, name: str) -> None:
    """Open ``name`` in JupyterLab and run all its cells (the kernel is started if needed)."""
    page.goto(f"{url}lab/tree/{name}", timeout=600_000)
    page.wait_for_function(
        "() => window.jupyterapp && window.jupyterapp.shell.currentWidget"
        " && window.jupyterapp.shell.currentWidget.sessionContext"
        " && window.jupyterapp.shell.currentWidget.sessionContext.session",
        timeout=600_000,
        polling=200,
    )
    page.evaluate(
        "async () => { const panel = window.jupyterapp.shell.currentWidget;"
        " await panel.sessionContext.ready;"
        " await window.jupyterapp.commands.execute('notebook:run-all-cells'); }"
    )


# The centres of the characters ``at`` (UTF-16 indices into ``needle``) where ``needle`` is
# found in the note view's text.
POINTS_OF = """([needle, at]) => {
  const doc = document.querySelector('.rk-doc');
  const walker = document.createTreeWalker(doc, NodeFilter.SHOW_TEXT);
  const nodes = []; let text = ''; let node;
  while ((node = walker.nextNode())) {
    if (node.parentElement.closest('style')) continue;
    nodes.push([node, text.length]); text += node.data;
  }
  const base = text.indexOf(needle);
  // Bring the passage into view: the page to the note view, the note view to the passage.
  const scroller = doc.closest('.rk-note').parentElement;
  scroller.scrollIntoView({block: 'center'});
  const [first, offset] = nodes.filter(([n, s]) => s <= base && base < s + n.data.length)[0];
  const probe = document.createRange();
  probe.setStart(first, base - offset); probe.setEnd(first, base - offset + 1);
  const top = probe.getBoundingClientRect().top - scroller.getBoundingClientRect().top;
  scroller.scrollTop += top - scroller.clientHeight / 2;
  return at.map((index) => {
    const want = base + index;
    const [hit, from] = nodes.filter(([n, s]) => s <= want && want < s + n.data.length)[0];
    const range = document.createRange();
    range.setStart(hit, want - from); range.setEnd(hit, want - from + 1);
    const box = range.getBoundingClientRect();
    return [box.x + box.width / 2, box.y + box.height / 2];
  });
}"""


def drag_over(page, needle: str, first: int, last: int) -> None:
    """Select with the mouse from the character ``first`` to ``last`` of ``needle``."""
    (x1, y1), (x2, y2) = page.evaluate(POINTS_OF, [needle, [first, last]])
    page.mouse.move(x1, y1)
    page.mouse.down()
    page.mouse.move(x2, y2, steps=8)
    page.mouse.up()
