"""Simulate Colab: the notebooks' install cell, then notebooks 00 and 04 (``smoke``).

``make colab-sim`` (and so ``.ci/run``) runs ``python3 tools/colab_sim.py``:

1. Colab's runtime: a fresh virtual environment in ``build/colab-sim/runtime`` with
   Python 3.12 (Colab's; the first ``python3.12`` found, else this Python, said in
   the output) and Colab's preinstalled versions of what the course uses
   (``tools/colab_runtime.txt``: TensorFlow 2.19.0, Keras 3.10.0, ...).
2. The install cell's messages: outside Colab, with no ``course_lib``, it prints the
   one line to run; on Colab with an address that does not answer, it says that the
   clone failed.
3. Colab itself: notebooks 00 and 04 are copied to ``build/colab-sim/content`` (as
   Colab's /content, outside the repository), with ``google.colab`` importable and
   the repository address replaced by this repository (``file://``: its committed
   state, as a clone would see it). Their first cell clones the course into
   ``./course`` and ``pip install``s it (not editable); then they run in ``smoke``,
   finding the shipped data in ``./course/data`` as on Colab.
4. Checks: ``course_lib`` was imported from the environment's site-packages, not
   from a source tree; ``pip install`` of the course kept every preinstalled version.

Needs only the standard library (and the network to the package index the first
time). Exits non-zero on any failure, with the reason.
"""

from __future__ import annotations

import glob
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WORK = ROOT / "build" / "colab-sim"
RUNTIME = ROOT / "tools" / "colab_runtime.txt"
NOTEBOOKS = ("00_setup_and_data.ipynb", "04_vae.ipynb")
FAKE_COLAB = (
    "import sys, types\n"
    'sys.modules["google.colab"] = types.ModuleType("google.colab")  # as on Colab'
)

sys.path.insert(0, str(ROOT / "tools"))
import notebook_header  # noqa: E402


def colab_python() -> str:
    """Python 3.12 as Colab runs it, if this machine has one; else this Python."""
    found = [os.environ.get("COLAB_PYTHON"), shutil.which("python3.12")]
    found += sorted(
        glob.glob(os.path.expanduser("~/.pyenv/versions/3.12*/bin/python3"))
    )
    for python in filter(None, found):
        if subprocess.run([python, "--version"], capture_output=True).returncode == 0:
            return python
    return sys.executable


def run(*args, log: Path | None = None, **kwargs) -> str:
    """Run a command; on failure print its output (or the tail of ``log``) and exit."""
    done = subprocess.run(args, capture_output=True, text=True, **kwargs)
    if log is not None:
        log.write_text(done.stdout + done.stderr)
    if done.returncode:
        print(
            f"FAILED: {' '.join(map(str, args))}\n{(done.stdout + done.stderr)[-3000:]}"
        )
        sys.exit(1)
    return done.stdout


def runtime() -> Path:
    """The runtime's python, (re)built when colab_runtime.txt or the Python changed."""
    venv, python = WORK / "runtime", colab_python()
    stamp = venv / "colab-runtime.txt"
    wanted = f"# {python}\n{RUNTIME.read_text()}"
    if not (stamp.is_file() and stamp.read_text() == wanted):
        shutil.rmtree(venv, ignore_errors=True)
        print(f"building Colab's runtime with {python} (first time: a few minutes)")
        run(python, "-m", "venv", venv)
        pip = [venv / "bin" / "python", "-m", "pip", "install", "--quiet"]
        run(*pip, "-r", RUNTIME, log=WORK / "pip-runtime.log")
        stamp.write_text(wanted)
    bin_python = venv / "bin" / "python"
    run(bin_python, "-m", "pip", "uninstall", "--quiet", "--yes", "course-lib")
    return bin_python


def freeze(python: Path) -> dict[str, str]:
    lines = run(python, "-m", "pip", "list", "--format=json")
    return {p["name"].lower(): p["version"] for p in json.loads(lines)}


def notebook(cells: list[str]) -> dict:
    return {
        "cells": [
            {
                "cell_type": "code",
                "execution_count": None,
                "metadata": {},
                "outputs": [],
                "source": text,
            }
            for text in cells
        ],
        "metadata": {},
        "nbformat": 4,
        "nbformat_minor": 5,
    }


def execute(python: Path, path: Path, env: dict) -> dict:
    """Execute a notebook in place in the runtime (cwd: its folder); its JSON."""
    code = (
        "import sys, nbformat\n"
        "from nbclient import NotebookClient\n"
        "nb = nbformat.read(sys.argv[1], as_version=4)\n"
        "try:\n"
        "    NotebookClient(nb, timeout=900, kernel_name='python3').execute()\n"
        "finally:\n"
        "    nbformat.write(nb, sys.argv[1])\n"
    )
    run(python, "-c", code, path.name, cwd=path.parent, env=env)
    return json.loads(path.read_text("utf-8"))


def printed(cell: dict) -> str:
    return "".join(
        "".join(out.get("text", "")) for out in cell["outputs"] if "text" in out
    )


def main() -> int:
    start = time.perf_counter()
    WORK.mkdir(parents=True, exist_ok=True)
    python = runtime()
    before = freeze(python)
    version = run(python, "--version").strip()
    versions = ", ".join(f"{k} {before[k]}" for k in ("tensorflow", "keras", "numpy"))
    print(f"Colab runtime: {version}, {versions} ({time.perf_counter() - start:.0f} s)")
    if not version.startswith("Python 3.12"):
        print(
            "  (Colab runs Python 3.12; no python3.12 here, so this one simulates it)"
        )
    # as on Colab, `pip` and `python` on the PATH are the kernel's own
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env.update(COURSE_PROFILE="smoke", TF_CPP_MIN_LOG_LEVEL="3", MPLBACKEND="Agg")
    env.update(PATH=f"{python.parent}{os.pathsep}{env['PATH']}")
    env["VIRTUAL_ENV"] = str(python.parent.parent)
    pip = run("sh", "-c", "command -v pip", env=env).strip()
    assert pip == str(python.parent / "pip"), f"`pip` is {pip}, not the runtime's"
    repo = notebook_header.repo_url()
    cell = notebook_header.install_cell(repo)
    content = WORK / "content"
    shutil.rmtree(content, ignore_errors=True)
    content.mkdir()

    # the install cell's messages, before anything is installed
    (content / "local.ipynb").write_text(json.dumps(notebook([cell])))
    out = printed(execute(python, content / "local.ipynb", env)["cells"][0]).strip()
    assert out.startswith("No course_lib: run `%pip install -e ..`"), out
    assert len(out.splitlines()) == 1, out
    wrong = cell.replace(repo, (content / "no-such-repository").as_uri())
    (content / "wrong.ipynb").write_text(json.dumps(notebook([FAKE_COLAB, wrong])))
    out = printed(execute(python, content / "wrong.ipynb", env)["cells"][1])
    assert "Could not clone" in out and "pip install failed" in out, out
    print("install cell: one line to run outside Colab; a failed clone is reported")

    # Colab: the install cell clones and installs, then the notebooks run in smoke
    for name in NOTEBOOKS:
        nb = json.loads((ROOT / "notebooks" / name).read_text("utf-8"))
        first = next(c for c in nb["cells"] if c["cell_type"] == "code")
        assert "".join(first["source"]) == cell, f"{name}: run tools/notebook_header.py"
        first["source"] = [FAKE_COLAB + "\n", cell.replace(repo, ROOT.as_uri())]
        (content / name).write_text(json.dumps(nb))
        began = time.perf_counter()
        nb = execute(python, content / name, env)
        setup = printed([c for c in nb["cells"] if c["cell_type"] == "code"][1])
        assert f"tensorflow {before['tensorflow']}" in setup, setup
        print(f"{name}: ran in smoke in {time.perf_counter() - began:.0f} s")

    where = run(
        python,
        "-c",
        "import course_lib as cl; print(cl.__file__); print(cl.data.data_dir())",
        cwd=content,
        env=env,
    ).split()
    site_packages = run(
        python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"
    )
    assert where[0].startswith(site_packages.strip()), where  # not from a source tree
    assert where[1] == str((content / "course" / "data").resolve()), where
    after = freeze(python)
    changed = {k: (v, after.get(k)) for k, v in before.items() if after.get(k) != v}
    assert not changed, f"pip install of the course changed Colab's packages: {changed}"
    print(f"course_lib {after['course-lib']} installed (not editable) in {where[0]}")
    print(f"data found in {where[1]}; every preinstalled version kept")
    print(f"Colab simulation passed in {time.perf_counter() - start:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
