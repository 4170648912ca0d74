"""Build the course website into ``build/site/`` (``make site``).

The landing page is README.md (so the syllabus and the results table are written
once); each ``notebooks/*.ipynb`` becomes a page with its committed outputs (nothing
is executed). The steps:

1. stage ``docs/site/`` (assets), README.md as ``index.md`` (with each notebook's
   learning goals added to the syllabus), the Markdown files the README links to,
   and every notebook into ``build/site_src/``;
2. run mkdocs with ``mkdocs.yml`` (mkdocs-material + mkdocs-jupyter), the navigation
   listing the notebooks in file order;
3. copy MathJax 3 (its browser build, from the ``django-static-mathjax`` package,
   which is only static files) into the site, so math renders with no request to
   another host.

Usage: ``python tools/build_site.py`` (from anywhere; paths are the repository's).
"""

import json
import logging
import re
import shutil
import sys
import time
from pathlib import Path

import mathjax
from mkdocs.commands.build import build
from mkdocs.config import load_config

ROOT = Path(__file__).resolve().parents[1]
STAGE = ROOT / "build" / "site_src"
SITE = ROOT / "build" / "site"
# a relative Markdown link: [text](target.md) or [text](target.md#anchor)
# a Markdown list (items and their indented continuation lines) after the goals line
GOALS = re.compile(
    r"^\*\*(?:Learning goals|You will learn to)\b[^\n]*\n+"
    r"((?:(?:[-*]|\d+\.) .*\n(?:[ \t]+\S.*\n)*)+)",
    re.M,
)
MD_LINK = re.compile(r"\]\((?!https?://|#)([^)#\s]+\.md)(#[^)]*)?\)")


def learning_goals(notebook):
    """The title and the learning-goals list of a notebook (from its first cells).

    The list is the one after a "**Learning goals**" or "**You will learn to**"
    line; ``None`` when the notebook has no such list.
    """
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"][:4]
    prose = "\n\n".join(
        "".join(c["source"]) for c in cells if c["cell_type"] == "markdown"
    )
    title = re.search(r"^# (.+)$", prose, re.M)
    goals = GOALS.search(prose + "\n")
    if not (title and goals):
        return None
    return title.group(1).strip(), goals.group(1).rstrip()


def landing_page(readme, notebooks):
    """README.md as the landing page, the syllabus linked to the notebook pages.

    Notebook names in the syllabus table become links to their pages (planned
    notebooks stay plain text), and each notebook's learning goals are listed at
    the end of the Syllabus section.

    Parameters
    ----------
    readme : str
        The README's Markdown.
    notebooks : list of pathlib.Path
        The notebooks that exist.

    Returns
    -------
    str
        Markdown for ``index.md``.
    """
    goals = []
    for nb in notebooks:
        readme = readme.replace(f"| `{nb.stem}` |", f"| [`{nb.stem}`]({nb.name}) |")
        found = learning_goals(nb)
        if found:
            goals.append(f"**[{found[0]}]({nb.name})**\n\n{found[1]}\n")
    if goals:
        section = "### Learning goals\n\n" + "\n".join(goals) + "\n"
        syllabus = readme.find("\n## Syllabus")
        end = readme.find("\n## ", syllabus + 1) if syllabus >= 0 else -1
        end = len(readme) if end < 0 else end + 1
        readme = readme[:end] + "\n" + section + "\n" + readme[end:]
    return readme


def stage(notebooks):
    """Write the mkdocs sources into STAGE; return the navigation."""
    shutil.rmtree(STAGE, ignore_errors=True)
    shutil.copytree(ROOT / "docs" / "site", STAGE)
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    (STAGE / "index.md").write_text(landing_page(readme, notebooks), encoding="utf-8")
    reference = []
    for target, _ in MD_LINK.findall(readme):  # e.g. data/MANIFEST.md
        if (ROOT / target).is_file() and target not in reference:
            (STAGE / target).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / target, STAGE / target)
            reference.append(target)
    for nb in notebooks:
        shutil.copy2(nb, STAGE / nb.name)
    nav = [{"Home": "index.md"}, {"Notebooks": [nb.name for nb in notebooks]}]
    if reference:
        nav.append({"Reference": reference})
    return nav


def main():
    logging.basicConfig(format="%(levelname)s - %(name)s: %(message)s")
    logging.getLogger("traitlets").setLevel(logging.ERROR)  # nbconvert: alt texts
    start = time.perf_counter()
    notebooks = sorted((ROOT / "notebooks").glob("*.ipynb"))
    if not notebooks:
        sys.exit("no notebooks/*.ipynb to publish")
    nav = stage(notebooks)
    config = load_config(
        str(ROOT / "mkdocs.yml"), docs_dir=str(STAGE), site_dir=str(SITE), nav=nav
    )
    build(config)
    shutil.copytree(
        Path(mathjax.__file__).parent / "static" / "mathjax" / "es5",
        SITE / "assets" / "mathjax",
        ignore=shutil.ignore_patterns("sre", "*svg*", "*speech*", "node-main.js"),
    )
    elapsed = time.perf_counter() - start
    print(
        f"site: {len(notebooks)} notebooks -> {SITE.relative_to(ROOT)}/ in "
        f"{elapsed:.1f} s; open {SITE.relative_to(ROOT)}/index.html"
    )


if __name__ == "__main__":
    main()
