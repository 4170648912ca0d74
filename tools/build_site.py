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
import posixpath
import re
import shutil
import sys
import time
import tomllib
from pathlib import Path

import mathjax
from mkdocs.commands.build import build
from mkdocs.config import load_config

ROOT = Path(__file__).resolve().parents[1]
STAGE = ROOT / "build" / "site_src"
SITE = ROOT / "build" / "site"
# a Markdown list (items and their indented continuation lines) after the goals line
GOALS = re.compile(
    r"^\*\*(?:Learning goals|You will learn to)\b[^\n]*\n+"
    r"((?:(?:[-*]|\d+\.) .*\n(?:[ \t]+\S.*\n)*)+)",
    re.M,
)
# a Markdown link (not an image): [text](target) or [text](target#anchor)
LINK = re.compile(r"(?<!!)(\[[^\]]*\])\(([^)#\s]*)(#[^)\s]*)?\)")
# the repository's address, written once in pyproject.toml ([project.urls])
_URLS = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]["urls"]
REPO_URL = _URLS["Repository"].rstrip("/") + "/blob/main/"


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

    Notebook names in the syllabus table become links to the notebooks (planned
    notebooks stay plain text), and each notebook's learning goals are listed at
    the end of the Syllabus section. Links are written as in the repository;
    ``rewrite_links`` points them at the pages.

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
        link = f"[`{nb.stem}`](notebooks/{nb.name})"
        readme = readme.replace(f"| `{nb.stem}` |", f"| {link} |")
        found = learning_goals(nb)
        if found:
            goals.append(f"**[{found[0]}](notebooks/{nb.name})**\n\n{found[1]}\n")
    if goals:
        section = "### Learning goals\n\n" + "\n".join(goals) + "\n"
        syllabus = readme.find("\n## Syllabus")
        end = readme.find("\n## ", syllabus + 1) if syllabus >= 0 else -1
        end = len(readme) if end < 0 else end + 1
        readme = readme[:end] + "\n" + section + "\n" + readme[end:]
    return readme


def rewrite_links(markdown, here, pages):
    """Point a page's relative links at the site's pages, or else at the repository.

    Parameters
    ----------
    markdown : str
        The page's Markdown.
    here : str
        The page's path in the repository ("README.md", "data/MANIFEST.md", ...).
    pages : dict
        Repository path -> path in the site's sources, e.g.
        ``{"notebooks/04_vae.ipynb": "04_vae.ipynb", "README.md": "index.md"}``.

    Returns
    -------
    str
        The Markdown with each relative link to a published file leading to its
        page and every other relative link (a script, a workflow file) to the file
        in the course's GitHub repository, so that no link in the site is dead.
    """

    def fix(match):
        text, target, anchor = match.group(1), match.group(2), match.group(3) or ""
        if not target or re.match(r"[a-z][a-z0-9+.-]*:", target):
            return match.group(0)  # an anchor on the page, or http(s):, mailto:
        path = posixpath.normpath(posixpath.join(posixpath.dirname(here), target))
        if path in pages:
            new = posixpath.relpath(pages[path], posixpath.dirname(pages[here]) or ".")
        else:
            new = REPO_URL + path
        return f"{text}({new}{anchor})"

    return LINK.sub(fix, markdown)


def stage(notebooks):
    """Write the mkdocs sources into STAGE; return the navigation."""
    shutil.rmtree(STAGE, ignore_errors=True)
    shutil.copytree(ROOT / "docs" / "site", STAGE)
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    # the Markdown files the README links to (data/MANIFEST.md, ...) are pages too
    reference = []
    for _, target, _ in LINK.findall(readme):
        path = posixpath.normpath(target) if target else ""
        if path.endswith(".md") and (ROOT / path).is_file() and path != "README.md":
            reference += [path] if path not in reference else []
    pages = {"README.md": "index.md"}
    pages |= {f"notebooks/{nb.name}": nb.name for nb in notebooks}
    pages |= {path: path for path in reference}
    for path in reference:
        (STAGE / path).parent.mkdir(parents=True, exist_ok=True)
        text = (ROOT / path).read_text(encoding="utf-8")
        (STAGE / path).write_text(rewrite_links(text, path, pages), "utf-8")
    index = rewrite_links(landing_page(readme, notebooks), "README.md", pages)
    (STAGE / "index.md").write_text(index, encoding="utf-8")
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
