"""Execute course notebooks headless, in place, and print their results tables.

Used by ``make course PROFILE=...`` (which produces the committed outputs with the
``standard`` profile)::

    COURSE_PROFILE=standard python tools/run_notebooks.py notebooks/*.ipynb

Each notebook runs in its own kernel with ``notebooks/`` as the working directory.
The last code cell of every notebook is its results cell; its printed output is
collected into one table at the end.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

from course_lib import config


def _results_text(nb) -> str:
    code_cells = [c for c in nb.cells if c.cell_type == "code"]
    if not code_cells:
        return ""
    outputs = code_cells[-1].get("outputs", [])
    return "".join(
        o.get("text", "") for o in outputs if o.get("output_type") == "stream"
    )


def run(path: Path, timeout: int) -> tuple[float, str]:
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(
        nb,
        timeout=timeout,
        kernel_name="python3",
        resources={"metadata": {"path": str(path.parent)}},
    )
    start = time.perf_counter()
    try:
        client.execute()
    finally:
        # Keep the partial outputs: they show where it failed.
        nbformat.write(nb, path)
    return time.perf_counter() - start, _results_text(nb)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="+", type=Path)
    parser.add_argument("--timeout", type=int, default=1800, help="seconds per cell")
    args = parser.parse_args(argv)
    profile = config.get_profile()  # $COURSE_PROFILE, checked like everywhere else
    # TensorFlow's C++ log lines (e.g. a harmless tf.data attribute note under op
    # determinism) go straight to the kernels' stderr; keep them out of the outputs.
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    print(f"profile: {profile}")
    summary, failed = [], []
    for path in sorted(args.notebooks):
        print(f"--> {path.name} ...", flush=True)
        try:
            seconds, results = run(path, args.timeout)
        except CellExecutionError as exc:
            print(f"FAILED {path.name}:\n{str(exc)[-3000:]}", flush=True)
            failed.append(path.name)
            continue
        print(f"    {seconds:6.1f} s", flush=True)
        summary.append((path.name, seconds, results))
    print(f"\n=== results ({profile} profile) ===")
    for name, seconds, results in summary:
        print(f"\n## {name}  ({seconds:.0f} s)\n{results.rstrip()}")
    if failed:
        print(f"\nfailed: {', '.join(failed)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
