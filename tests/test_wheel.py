"""research_kit installed as users install it: a wheel, in a fresh virtual environment.

The wheel is built from a copy of the source, installed with ``pip install --no-deps`` into a
new virtual environment outside the repository, and the ``research-kit`` command of that
environment runs the demo on a copy of the bundled sample (made by the demo itself, in an
empty working folder) and exports the findings brief as PDF and HTML. Everything the brief
needs (templates, brief notebooks, the sample study) must therefore come from the wheel.

Why not a plain ``pip install`` of the wheel with its dependencies: that downloads and builds
about 150 packages (spaCy, WeasyPrint, JupyterLab, …), minutes of network and CPU in every
run, and fails offline. The dependencies are the same files either way, so the new
environment sees the project environment's ``site-packages`` through a ``.pth`` file instead.
That ``site-packages`` holds research_kit only as an *editable* hook, which a ``.pth``-added
path does not run, so the repository itself stays out of reach; the test checks it, by where
``research_kit`` is imported from, run from a folder outside the repository.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
#: Not part of the source: environments, caches, build output, a database a run left behind.
_NOT_SOURCE = shutil.ignore_patterns(
    ".venv", ".git", "build", "dist", "*.egg-info", "__pycache__", ".pytest_cache",
    ".ruff_cache", "study.db*", "out", "benchmarks", "tests", ".ipynb_checkpoints",
)  # fmt: skip
#: Files every brief needs from the wheel.
_PACKAGED = (
    "research_kit/templates/report/findings.html.j2",
    "research_kit/templates/report/findings.css",
    "research_kit/templates/voila/templates/research_kit/conf.json",
    "research_kit/briefs/notebooks/findings.ipynb",
    "research_kit/interview_data/study.yml",
    "research_kit/interview_data/codings/sample_codings.csv",
    "research_kit/starter/codebook.yml",
)


def _run(args: list[str], *, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess:
    done = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    assert done.returncode == 0, f"{' '.join(map(str, args))}\n{done.stdout}\n{done.stderr}"
    return done


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """The wheel, built offline (no build isolation) from a copy of the source tree."""
    source = tmp_path_factory.mktemp("source") / "research_kit_src"
    # symlinks=True: the clone's links (research_kit/interview_data, briefs/notebooks) are
    # copied as links, so the build follows them as it does in the repository.
    shutil.copytree(ROOT, source, ignore=_NOT_SOURCE, symlinks=True)
    out = tmp_path_factory.mktemp("wheel")
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check"]
    _run(
        [*pip, "wheel", "--no-deps", "--no-build-isolation", "--no-index", "-w", str(out), "."],
        cwd=source,
        env=dict(os.environ),
    )
    (built,) = out.glob("research_kit-*.whl")
    return built


@pytest.fixture(scope="module")
def installed(wheel, tmp_path_factory) -> tuple[Path, dict[str, str]]:
    """A fresh virtual environment with the wheel installed; its bin folder and environment."""
    venv = tmp_path_factory.mktemp("venv") / "env"
    _run(
        [sys.executable, "-m", "venv", "--without-pip", str(venv)],
        cwd=venv.parent,
        env=dict(os.environ),
    )
    python = venv / "bin" / "python"
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "--python", str(python)]
    _run(
        [*pip, "install", "--no-deps", "--no-index", str(wheel)],
        cwd=venv.parent,
        env=dict(os.environ),
    )
    purelib = _run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        cwd=venv.parent,
        env=dict(os.environ),
    ).stdout.strip()
    # The dependencies, already installed in the project environment (see the docstring).
    (Path(purelib) / "research_kit_test_dependencies.pth").write_text(
        sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8"
    )
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("RESEARCH_KIT_", "PYTHON", "VIRTUAL_ENV"))
    }
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    env["MPLBACKEND"] = "Agg"
    return venv / "bin", env


def test_the_wheel_holds_templates_briefs_and_the_sample(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    assert set(_PACKAGED) <= names
    assert not [name for name in names if "study.db" in name or "__pycache__" in name]


def test_the_installed_command_makes_briefs_from_a_copy_of_the_sample(installed, tmp_path):
    bin_folder, env = installed
    work = tmp_path / "work"  # an empty folder outside the repository, as a new user has
    work.mkdir()
    where = _run(
        [str(bin_folder / "python"), "-c", "import research_kit; print(research_kit.__file__)"],
        cwd=work,
        env=env,
    ).stdout.strip()
    assert Path(where).is_relative_to(bin_folder.parent), where
    assert not Path(where).resolve().is_relative_to(ROOT)

    demo = _run([str(bin_folder / "research-kit"), "demo"], cwd=work, env=env).stdout
    # Where the README says: a copy of the sample in ./sample_study, the brief in ./out.
    assert "copied the bundled sample study to sample_study" in demo
    assert (work / "sample_study" / "study.yml").is_file()
    assert (work / "sample_study" / "study.db").is_file()
    assert (work / "out" / "findings.pdf").read_bytes().startswith(b"%PDF")
    assert "<html" in (work / "out" / "findings.html").read_text(encoding="utf-8").lower()
    assert "privacy audit: no findings" in demo
    packaged_sample = Path(where).parent / "interview_data"
    assert not list(packaged_sample.glob("study.db*")), "the demo wrote into the installation"

    command = [str(bin_folder / "research-kit"), "brief", "export", "--study", "sample_study"]
    _run([*command, "--to", "pdf", "-o", "briefs/findings.pdf"], cwd=work, env=env)
    _run([*command, "--to", "html", "-o", "briefs/findings.html"], cwd=work, env=env)
    assert (work / "briefs" / "findings.pdf").read_bytes().startswith(b"%PDF")
    html = (work / "briefs" / "findings.html").read_text(encoding="utf-8")
    assert "Port Alder" in html  # the study's name, from the copied study.yml


def test_the_installed_command_refuses_to_open_the_sample_where_it_is_installed(
    installed, tmp_path
):
    bin_folder, env = installed
    refused = subprocess.run(
        [str(bin_folder / "research-kit"), "brief", "export", "--to", "html", "-o", "x.html"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert refused.returncode == 2
    assert "site-packages" in refused.stderr and "--study" in refused.stderr
    assert not (tmp_path / "x.html").exists()


def test_the_installed_voila_template_is_where_voila_looks(installed, tmp_path):
    bin_folder, env = installed
    code = (
        "from research_kit.briefs.serve import TEMPLATE_DIR, BRIEFS_DIR, voila_env\n"
        "import os\n"
        "assert (TEMPLATE_DIR / 'conf.json').is_file(), TEMPLATE_DIR\n"
        "assert (BRIEFS_DIR / 'findings.ipynb').is_file(), BRIEFS_DIR\n"
        "first = voila_env(base={})['JUPYTER_PATH'].split(os.pathsep)[0]\n"
        "print(first)\n"
    )
    first = _run([str(bin_folder / "python"), "-c", code], cwd=tmp_path, env=env).stdout.strip()
    assert Path(first).is_relative_to(bin_folder.parent)
    assert (Path(first) / "voila" / "templates" / "research_kit" / "page.html").is_file()
