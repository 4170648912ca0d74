"""Write every notebook's Colab badge and Colab install cell from the project metadata.

The repository's address is written once, in pyproject.toml (``[project.urls]
Repository``). From it this script writes, into every ``notebooks/[0-9]*.ipynb``:

- the Colab badge: the line after the title in the first (Markdown) cell;
- the install cell: the first code cell, tagged ``colab-install`` (inserted before
  the first code cell if a notebook has none). On Colab it clones the course into
  ``./course`` (Colab's working directory is /content) and ``pip install``s it (not
  editable: no runtime restart), and says what went wrong if either step failed;
  anywhere else it only checks that the kernel can import ``course_lib`` and, if it
  cannot, prints the one line to run. nbval skips it (``# NBVAL_SKIP``).

Only those two places change; every other cell and output is left as it is::

    python tools/notebook_header.py          # rewrite the notebooks that differ
    python tools/notebook_header.py --check  # exit 1, naming the notebooks that differ

tests/test_notebooks.py runs the check, so a new or renamed notebook fails the tests
until this script has been run.
"""

from __future__ import annotations

import argparse
import json
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BRANCH = "main"  # the branch the badges open
BADGE_PREFIX = "[![Open In Colab]"
TAG = "colab-install"
INSTALL_CELL = """\
# NBVAL_SKIP
# Colab: clone the course (code + shipped data) into ./course and pip install it.
# Anywhere: check that this kernel can import course_lib, else say what to run.
import importlib.util
import sys

REPO = "{repo}"
if "google.colab" in sys.modules:
    !test -d course || git clone --quiet --depth 1 {{REPO}} course
    !test -d course/data || echo "Could not clone {{REPO}}: check it, then re-run"
    !pip install --quiet ./course || echo "pip install failed (see above): re-run"
elif importlib.util.find_spec("course_lib") is None:
    print("No course_lib: run `%pip install -e ..` here, then restart the kernel")"""


def repo_url(root: Path = ROOT) -> str:
    """The repository's address: pyproject.toml's ``[project.urls] Repository``."""
    meta = tomllib.loads((root / "pyproject.toml").read_text("utf-8"))
    return meta["project"]["urls"]["Repository"].rstrip("/")


def badge(name: str, repo: str) -> str:
    """The Markdown badge that opens ``notebooks/<name>`` of ``repo`` in Colab."""
    path = repo.removeprefix("https://github.com/")
    return (
        f"{BADGE_PREFIX}(https://colab.research.google.com/assets/colab-badge.svg)]"
        f"(https://colab.research.google.com/github/{path}/blob/{BRANCH}/"
        f"notebooks/{name})"
    )


def install_cell(repo: str) -> str:
    return INSTALL_CELL.format(repo=repo)


def _source(cell: dict) -> str:
    return "".join(cell["source"])


def with_header(nb: dict, name: str, repo: str) -> dict:
    """``nb`` (a notebook's JSON) with its badge line and install cell written."""
    cells = nb["cells"]
    lines = _source(cells[0]).split("\n")
    at = next((i for i, ln in enumerate(lines) if ln.startswith(BADGE_PREFIX)), None)
    if at is None:  # a new notebook: the badge goes after the title and a blank line
        lines[1:1] = ["", badge(name, repo)]
    else:
        lines[at] = badge(name, repo)
    cells[0]["source"] = "\n".join(lines).splitlines(keepends=True)
    first = next(i for i, cell in enumerate(cells) if cell["cell_type"] == "code")
    if TAG not in cells[first]["metadata"].get("tags", []):
        cells.insert(
            first,
            {
                "cell_type": "code",
                "execution_count": None,
                "metadata": {"tags": [TAG]},
                "outputs": [],
                "source": [],
            },
        )
    cells[first]["source"] = install_cell(repo).splitlines(keepends=True)
    return nb


def notebooks(root: Path = ROOT) -> list[Path]:
    return sorted((root / "notebooks").glob("[0-9]*.ipynb"))


def dumps(nb: dict) -> str:
    """A notebook's JSON as nbformat writes it (1-space indent, sorted keys)."""
    return json.dumps(nb, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="change nothing")
    args = parser.parse_args(argv)
    repo = repo_url()
    stale = []
    for path in notebooks():
        text = path.read_text("utf-8")
        new = dumps(with_header(json.loads(text), path.name, repo))
        if new != text:
            stale.append(path.name)
            if not args.check:
                path.write_text(new, "utf-8")
    verb = "differ from" if args.check else "rewritten from"
    if stale:
        print(f"{', '.join(stale)}: header {verb} pyproject.toml ({repo})")
        if args.check:
            print("run: python tools/notebook_header.py")
    return 1 if stale and args.check else 0


if __name__ == "__main__":
    sys.exit(main())
