"""The Markdown transformations of tools/build_site.py (no browser, no build)."""

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools"))

import build_site  # noqa: E402

PAGES = {
    "README.md": "index.md",
    "notebooks/04_vae.ipynb": "04_vae.ipynb",
    "data/MANIFEST.md": "data/MANIFEST.md",
}


def test_links_lead_to_pages_or_to_the_repository():
    md = (
        "[nb](notebooks/04_vae.ipynb#train) [m](data/MANIFEST.md) "
        "[wf](.github/workflows/gpu-standard.yml) [web](https://example.org/x) "
        "[top](#syllabus) ![figure](figures/a.png)"
    )
    assert build_site.rewrite_links(md, "README.md", PAGES) == (
        "[nb](04_vae.ipynb#train) [m](data/MANIFEST.md) "
        f"[wf]({build_site.REPO_URL}.github/workflows/gpu-standard.yml) "
        "[web](https://example.org/x) [top](#syllabus) ![figure](figures/a.png)"
    )


def test_links_from_a_page_in_a_folder():
    md = "[home](../README.md) [nb](../notebooks/04_vae.ipynb) [f](mnist.npz)"
    assert build_site.rewrite_links(md, "data/MANIFEST.md", PAGES) == (
        f"[home](../index.md) [nb](../04_vae.ipynb) [f]({build_site.REPO_URL}"
        "data/mnist.npz)"
    )


def _notebook(path, first_cell):
    cells = [{"cell_type": "markdown", "metadata": {}, "source": first_cell}]
    path.write_text(json.dumps({"cells": cells}), encoding="utf-8")
    return path


def test_landing_page_links_notebooks_and_lists_their_goals(tmp_path):
    nb = _notebook(
        tmp_path / "01_ppf.ipynb",
        "# 01 · Sampling\n\nIntro.\n\n**Learning goals.** You can\n\n"
        "1. sample $x = F^{-1}(u)$,\n   with a continuation line;\n2. test it.\n\n"
        "More prose.\n",
    )
    readme = (
        "# Course\n\n## Syllabus\n\n| # | notebook |\n|---|---|\n"
        "| 01 | `01_ppf` |\n| 02 | `02_planned` |\n\n## Results\n\nnumbers\n"
    )
    page = build_site.landing_page(readme, [nb])
    assert "| 01 | [`01_ppf`](notebooks/01_ppf.ipynb) |" in page
    assert "| 02 | `02_planned` |" in page  # no page yet: stays text
    goals = (
        "### Learning goals\n\n**[01 · Sampling](notebooks/01_ppf.ipynb)**\n\n"
        "1. sample $x = F^{-1}(u)$,\n   with a continuation line;\n2. test it.\n"
    )
    assert goals in page
    assert page.index(goals) < page.index("## Results")  # inside the Syllabus
    assert "More prose" not in page


def test_a_notebook_without_goals_adds_no_section(tmp_path):
    nb = _notebook(tmp_path / "00_x.ipynb", "# 00 · Title\n\nNo list here.\n")
    assert build_site.learning_goals(nb) is None
    readme = "# Course\n\n## Syllabus\n\n| 00 | `00_x` |\n"
    assert "Learning goals" not in build_site.landing_page(readme, [nb])
