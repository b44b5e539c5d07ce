"""Serve brief notebooks to stakeholders with Voila: sources stripped, loopback only, branded.

:func:`serve` starts ``python -m voila`` on one brief notebook (or a folder of them, shown as a
small gallery) with research_kit's Voila template (``research_kit/templates/voila/templates/
research_kit``, shipped inside the package:
the lab template with a header, Paul Tol's accessible colours, a print stylesheet and no
resource fetched from the internet), the notebook sources stripped, a preheated kernel so the
first view is fast, and the server bound to 127.0.0.1 unless told otherwise.
:func:`wait_until_ready` waits for it to answer; :func:`serve_forever` is the blocking variant
behind ``research-kit brief serve``.

The template is found through ``JUPYTER_PATH`` (Voila looks for
``<dir>/voila/templates/<name>/`` in every Jupyter data directory), which :func:`voila_env`
points at the packaged ``templates/`` folder (and, first, at ``RESEARCH_KIT_TEMPLATES`` when
that is set). The brief notebooks ship with the package too (:data:`BRIEFS_DIR`), so
``research-kit brief serve`` works from any folder after a plain ``pip install``.

Examples
--------
>>> cmd = voila_command(BRIEFS_DIR / "findings.ipynb", port=8870)
>>> "--strip_sources=True" in cmd and "--Voila.ip=127.0.0.1" in cmd
True
>>> "--VoilaConfiguration.template=research_kit" in cmd
True
>>> any(arg.endswith("PoolFirstKernelManager") for arg in cmd)
True
"""

from __future__ import annotations

import base64
import json
import mimetypes
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path

from research_kit.briefs.parameters import STUDY_ENV, BriefNotebookError, brief_parameters
from research_kit.errors import ResearchKitError
from research_kit.resources import TEMPLATES_ENV, is_installed_package_path, packaged_path
from research_kit.settings import STUDY_FILE, validate_settings

#: The Jupyter data directory holding ``voila/templates/research_kit/`` (packaged).
TEMPLATES_ROOT = packaged_path("templates")
TEMPLATE_NAME = "research_kit"
TEMPLATE_DIR = TEMPLATES_ROOT / "voila" / "templates" / TEMPLATE_NAME
#: The packaged brief notebooks (in a clone, the same files as ``notebooks/briefs/``).
BRIEFS_DIR = packaged_path("briefs", "notebooks")
LOOPBACK = {"127.0.0.1", "localhost", "::1"}
#: Voila's kernel manager when preheating (:mod:`research_kit.briefs.preheat`).
POOL_FIRST = "research_kit.briefs.preheat.PoolFirstKernelManager"
#: Names the file that manager writes once the preheated kernel has run the brief.
READY_ENV = "RESEARCH_KIT_READY_FILE"
#: Thread counts of the BLAS libraries numpy may use, set to 1 for the brief's kernels.
BLAS_THREADS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


class BriefServeError(ResearchKitError):
    """A brief could not be served (missing notebook, busy port, Voila failed to start)."""


def _check_target(target: Path) -> Path:
    target = Path(target).expanduser().resolve()
    if not target.exists():
        raise BriefServeError(
            "no brief notebook or folder here",
            path=target,
            hint="give a .ipynb file (e.g. notebooks/briefs/findings.ipynb) or a folder of them",
        )
    if target.is_file() and target.suffix != ".ipynb":
        raise BriefServeError(
            "a brief must be a Jupyter notebook (.ipynb)",
            path=target,
            hint="pass the notebook file, or the folder of briefs for a gallery",
        )
    if not (TEMPLATE_DIR / "conf.json").exists():
        raise BriefServeError(
            "the research_kit Voila template is missing",
            path=TEMPLATE_DIR,
            hint="reinstall research_kit (pip install --force-reinstall research-kit)",
        )
    return target


def check_port_free(port: int, ip: str = "127.0.0.1") -> None:
    """Raise :class:`BriefServeError` if ``ip:port`` cannot be bound.

    Examples
    --------
    >>> with socket.socket() as s:
    ...     s.bind(("127.0.0.1", 0)); s.listen(); busy = s.getsockname()[1]
    ...     try:
    ...         check_port_free(busy)
    ...     except BriefServeError as exc:
    ...         print("in use" in str(exc))
    True
    """
    family = socket.AF_INET6 if ":" in ip else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        try:
            sock.bind((ip, port))
        except OSError as exc:
            raise BriefServeError(
                f"port {port} on {ip} is in use (or not allowed): {exc.strerror}",
                hint=f"choose another port (--port {port + 1}) or stop the server using it",
            ) from None


def free_port(ip: str = "127.0.0.1") -> int:
    """A port that is free on ``ip`` right now (for tests and benchmarks)."""
    with socket.socket() as sock:
        sock.bind((ip, 0))
        return sock.getsockname()[1]


def _logo_data_uri(logo: str | Path | None) -> str:
    """An image file inlined as a ``data:`` URI, so the page fetches nothing for it."""
    if not logo:
        return ""
    path = Path(logo).expanduser()
    if not path.is_file():
        raise BriefServeError("logo file not found", path=path, hint="give a PNG, JPEG or SVG")
    kind = mimetypes.guess_type(path.name)[0] or "image/png"
    return f"data:{kind};base64,{base64.b64encode(path.read_bytes()).decode('ascii')}"


def voila_command(
    target: str | Path,
    *,
    port: int = 8866,
    ip: str = "127.0.0.1",
    preheat: bool = True,
    open_browser: bool = False,
    organisation: str = "",
    title: str = "",
    logo: str | Path | None = None,
    extra_args: Sequence[str] = (),
) -> list[str]:
    """The ``python -m voila`` command line that serves ``target`` as a brief.

    A folder is served as a gallery (Voila's classic tree view with our template); a
    notebook on its own. ``preheat`` keeps one executed kernel waiting per notebook.
    """
    target = Path(target)
    brand = {"organisation": organisation, "title": title, "logo": _logo_data_uri(logo)}
    cmd = [
        sys.executable,
        "-m",
        "voila",
        str(target),
        f"--VoilaConfiguration.template={TEMPLATE_NAME}",
        "--strip_sources=True",
        f"--Voila.ip={ip}",
        f"--port={port}",
        "--VoilaConfiguration.resources=" + json.dumps({"research_kit": brand}),
        "--VoilaConfiguration.classic_tree=True",
        "--VoilaConfiguration.show_tracebacks=False",
    ]
    if preheat:
        cmd += [
            "--preheat_kernel=True",
            "--pool_size=1",
            # A page opened before the preheated kernel has started waits for it.
            f"--VoilaConfiguration.multi_kernel_manager_class={POOL_FIRST}",
        ]
    cmd.append("--no-browser" if not open_browser else "--Voila.open_browser=True")
    return cmd + list(extra_args)


def voila_env(study: str | Path | None = None, base: Mapping[str, str] | None = None) -> dict:
    """Environment for the Voila process: our template on ``JUPYTER_PATH``, the study path.

    Examples
    --------
    >>> env = voila_env("/tmp/some_study", base={"JUPYTER_PATH": "/x"})
    >>> env["JUPYTER_PATH"].split(os.pathsep) == [str(TEMPLATES_ROOT), "/x"]
    True
    >>> own = voila_env(base={"RESEARCH_KIT_TEMPLATES": "/mine"})["JUPYTER_PATH"]
    >>> own.split(os.pathsep) == ["/mine", str(TEMPLATES_ROOT)]
    True
    >>> env["RESEARCH_KIT_STUDY"]
    '/tmp/some_study'
    >>> env["OPENBLAS_NUM_THREADS"]
    '1'
    """
    env = dict(os.environ if base is None else base)
    # Your own templates first (Voila takes the first research_kit template it finds).
    own = [env[TEMPLATES_ENV]] if env.get(TEMPLATES_ENV) else []
    paths = [*own, str(TEMPLATES_ROOT)]
    paths += [p for p in env.get("JUPYTER_PATH", "").split(os.pathsep) if p]
    env["JUPYTER_PATH"] = os.pathsep.join(dict.fromkeys(paths))
    env.setdefault("MPLBACKEND", "Agg")
    # One thread per kernel for BLAS: the brief's matrices are small (respondents x a few
    # dozen columns), and a server runs several kernels at once; OpenBLAS's threads then spin
    # against each other (a least-squares step of the survey's variances went from about 2 ms
    # to 180 ms on a busy two-core machine).
    for variable in BLAS_THREADS:
        env.setdefault(variable, "1")
    if study is not None:
        env["RESEARCH_KIT_STUDY"] = str(Path(study).expanduser().resolve())
    return env


def _study_of(target: Path, study: str | Path | None) -> str | Path | None:
    """The study a brief will read: ``study``, else ``RESEARCH_KIT_STUDY``, else the notebook's.

    The bundled sample inside an installed research_kit is refused here, before Voila starts:
    a study writes its database into its folder.
    """
    if study is None and not os.environ.get(STUDY_ENV) and target.is_file():
        study = brief_parameters(target).study
    if study is not None and is_installed_package_path(study):
        raise BriefServeError(
            "the brief would read the sample study inside the Python installation",
            path=Path(study),
            hint="give a study folder with --study (research-kit demo makes a copy of the "
            "sample in ./sample_study)",
        )
    return study


def _default_title(study: str | Path | None, target: Path) -> str:
    """The study's name from its ``study.yml`` (empty if it cannot be read).

    For a gallery with no study given, the first brief's study names it.
    """
    folder = study or os.environ.get(STUDY_ENV)
    if folder is None:
        try:
            folder = brief_parameters(min(target.glob("*.ipynb"))).study
        except (ValueError, BriefNotebookError):  # no notebook, or none with a STUDY
            return ""
    # study.yml is parsed in one place; a study with problems still shows its name.
    settings, _problems = validate_settings(folder)
    return settings.name if (Path(folder) / STUDY_FILE).is_file() else ""


def serve(
    notebook_or_folder: str | Path,
    *,
    port: int = 8866,
    ip: str = "127.0.0.1",
    preheat: bool = True,
    open_browser: bool = False,
    study: str | Path | None = None,
    organisation: str = "",
    title: str | None = None,
    logo: str | Path | None = None,
    quiet: bool = True,
    ready_file: str | Path | None = None,
) -> subprocess.Popen:
    """Start Voila serving a brief notebook (or a gallery of them); return the process.

    Parameters
    ----------
    notebook_or_folder : str or Path
        A brief notebook, or a folder of them (served as a gallery).
    port : int
        TCP port (default 8866).
    ip : str
        Interface to listen on. Loopback by default; anything else makes the brief reachable
        from the network, and a warning says so.
    preheat : bool
        Keep a preheated kernel (notebook already executed) per notebook for a fast first view.
    open_browser : bool
        Open a browser tab (off by default).
    study : str or Path, optional
        Study folder the brief reads, passed as ``RESEARCH_KIT_STUDY``; by default the
        variable already set (or the notebook's own default).
    organisation, title, logo
        Header of the page: city or organisation, study name (default: the study's name),
        logo image file (inlined).
    quiet : bool
        Discard Voila's log (stderr is kept for error messages when False).
    ready_file : str or Path, optional
        With ``preheat``, a file the server writes the brief's path to once its preheated
        kernel has run the notebook: from then on a page opened shows its widgets at once.
        Pass the same file to :func:`wait_until_ready`.

    Returns
    -------
    subprocess.Popen
        The running server; stop it with ``terminate()``. Use :func:`wait_until_ready`.

    Raises
    ------
    BriefServeError
        The notebook or folder does not exist, or the port is in use.
    """
    target = _check_target(Path(notebook_or_folder))
    study = _study_of(target, study)
    if ip not in LOOPBACK:
        message = (
            f"serving on {ip}: the brief will be reachable from the network by anyone who can "
            "reach this machine; use ip='127.0.0.1' to keep it local"
        )
        warnings.warn(message, stacklevel=2)
        print(f"warning: {message}", file=sys.stderr)
    check_port_free(port, ip)
    cmd = voila_command(
        target,
        port=port,
        ip=ip,
        preheat=preheat,
        open_browser=open_browser,
        organisation=organisation,
        title=_default_title(study, target) if title is None else title,
        logo=logo,
    )
    env = voila_env(study)
    if ready_file is not None:
        Path(ready_file).unlink(missing_ok=True)  # only this server's run counts
        env[READY_ENV] = str(Path(ready_file).resolve())
    return subprocess.Popen(
        cmd,
        env=env,
        cwd=str(target if target.is_dir() else target.parent),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL if quiet else None,
    )


def url_for(ip: str, port: int) -> str:
    """The base URL of a server on ``ip:port``."""
    host = "127.0.0.1" if ip in ("0.0.0.0", "") else ip
    host = f"[{host}]" if ":" in host else host
    return f"http://{host}:{port}/"


def wait_until_ready(
    url: str,
    timeout: float = 60.0,
    process: subprocess.Popen | None = None,
    ready_file: str | Path | None = None,
) -> None:
    """Wait until the server behind ``url`` accepts connections, else raise.

    Only the TCP port is probed: requesting the page itself would make Voila start (and run)
    a kernel for nothing. With ``ready_file`` (the one given to :func:`serve`), also wait until
    the preheated kernel has run the brief, so that a page opened then shows its widgets at
    once (a page opened earlier waits for that kernel).

    Raises
    ------
    BriefServeError
        The server process exited, or did not listen within ``timeout`` seconds.
    """
    parts = urllib.parse.urlsplit(url)
    address = (parts.hostname or "127.0.0.1", parts.port or 80)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise BriefServeError(
                f"Voila exited with status {process.returncode} before answering",
                hint="run it with quiet=False (or research-kit brief serve) to see its log",
            )
        try:
            with socket.create_connection(address, timeout=1):
                if ready_file is None or Path(ready_file).is_file():
                    return
        except OSError:
            pass
        time.sleep(0.2)
    raise BriefServeError(
        f"Voila did not answer at {url} within {timeout:.0f} s",
        hint="the notebook may be slow to start; try a longer timeout",
    )


def serve_forever(
    notebook_or_folder: str | Path,
    *,
    port: int = 8866,
    ip: str = "127.0.0.1",
    preheat: bool = True,
    open_browser: bool = False,
    study: str | Path | None = None,
    organisation: str = "",
    title: str | None = None,
    logo: str | Path | None = None,
) -> int:
    """Serve until interrupted (Ctrl-C); return Voila's exit status. For the command line.

    With ``preheat``, it also says when the first view is prepared (the preheated kernel has
    run the brief): a page opened from then on shows its widgets at once.
    """
    ready_file = Path(tempfile.mkdtemp(prefix="rk-serve-")) / "ready"
    process = serve(
        notebook_or_folder,
        port=port,
        ip=ip,
        preheat=preheat,
        open_browser=open_browser,
        study=study,
        organisation=organisation,
        title=title,
        logo=logo,
        quiet=False,
        ready_file=ready_file,
    )
    url = url_for(ip, port)
    target = Path(notebook_or_folder)
    print(f"serving {target} on {url} (Ctrl-C to stop)", flush=True)
    try:
        if preheat:
            _announce_ready(process, ready_file, url)
        return process.wait()
    except KeyboardInterrupt:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
        return 0


def _announce_ready(process: subprocess.Popen, ready_file: Path, url: str) -> None:
    """Print once the preheated kernel has run the brief (or return when the server stops)."""
    print("preparing the first view\u2026", flush=True)
    while process.poll() is None:
        if ready_file.is_file():
            print(f"ready: {url} shows its widgets at once", flush=True)
            return
        time.sleep(0.2)
