"""Static checks over every notebook: one intro format, one Colab install cell.

Nothing is executed here (nbval does that); these tests read the .ipynb files.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))

import notebook_header  # noqa: E402

NOTEBOOKS = notebook_header.notebooks(ROOT)
REPO = notebook_header.repo_url(ROOT)  # pyproject.toml's [project.urls] Repository
MAX_LINES, MAX_ALGORITHM_LINES, MAX_COLUMNS = 15, 30, 88


def _cells(path: Path) -> list[dict]:
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    for cell in cells:
        source = cell["source"]
        cell["text"] = "".join(source) if isinstance(source, list) else source
    return cells


def _code(path: Path) -> list[dict]:
    return [cell for cell in _cells(path) if cell["cell_type"] == "code"]


def test_there_are_notebooks():
    assert len(NOTEBOOKS) >= 3


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_intro_title_badge_and_goals(path):
    intro = _cells(path)[0]
    lines = intro["text"].splitlines()
    number = path.name[:2]
    assert intro["cell_type"] == "markdown"
    assert re.fullmatch(rf"# {number} · \S.*", lines[0]), lines[0]
    assert lines[1] == "" and lines[2] == notebook_header.badge(path.name, REPO)
    assert "\n**You will learn to**\n" in intro["text"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_first_code_cell_is_the_one_colab_install_cell(path):
    first = _code(path)[0]
    assert first["text"] == notebook_header.install_cell(REPO)
    assert first["text"].startswith("# NBVAL_SKIP\n")  # nbval never runs it
    assert "colab-install" in first["metadata"].get("tags", [])


def test_badges_and_install_cells_are_written_from_pyproject(capsys):
    """`python tools/notebook_header.py --check` passes: every badge and install
    cell names the address in pyproject.toml, and so does course_lib.data."""
    from course_lib import data

    assert notebook_header.main(["--check"]) == 0, capsys.readouterr().out
    assert REPO.startswith("https://github.com/")
    assert data.REPO_URL == REPO
    install = notebook_header.install_cell(REPO)
    assert f'REPO = "{REPO}"' in install and "pip install --quiet ./course" in install


def test_the_header_tool_writes_a_new_notebook(tmp_path):
    """A notebook without badge or install cell gets both; other cells stay."""
    nb = {
        "cells": [
            {"cell_type": "markdown", "metadata": {}, "source": ["# 09 · New\n", "x"]},
            {"cell_type": "code", "metadata": {}, "outputs": [], "source": ["1"]},
        ]
    }
    out = notebook_header.with_header(nb, "09_new.ipynb", "https://github.com/a/b")
    intro = "".join(out["cells"][0]["source"]).splitlines()
    assert intro[:3] == [
        "# 09 · New",
        "",
        notebook_header.badge("09_new.ipynb", "https://github.com/a/b"),
    ]
    assert "colab.research.google.com/github/a/b/blob/main/notebooks/09_new" in intro[2]
    assert out["cells"][1]["metadata"]["tags"] == ["colab-install"]
    assert out["cells"][2]["source"] == ["1"]
    again = notebook_header.with_header(out, "09_new.ipynb", "https://github.com/a/b")
    assert len(again["cells"]) == 3  # idempotent


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_setup_cell_and_elapsed_time(path):
    code = [cell["text"] for cell in _code(path)]
    assert "import course_lib as cl" in code[1]
    assert "PROFILE = cl.config.setup(seed=42)" in code[1]
    assert "cl.config.elapsed()" in code[-1], "the results cell prints elapsed()"
    assert "check_bands(" in code[-1] or (
        "results_table" in code[-1] and "band" in code[-1]
    ), "the results cell prints its figures with their bands"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_code_cells_are_short(path):
    lines = {i: cell["text"].splitlines() for i, cell in enumerate(_code(path))}
    long = {i: len(text) for i, text in lines.items() if len(text) > MAX_LINES}
    assert len(long) <= 1, f"code cells over {MAX_LINES} lines: {long}"
    assert all(n <= MAX_ALGORITHM_LINES for n in long.values()), long
    wide = [
        (i, line)
        for i, text in lines.items()
        for line in text
        if len(line) > MAX_COLUMNS
    ]
    assert not wide, f"lines over {MAX_COLUMNS} columns: {wide[:3]}"


# TensorFlow's C++ start-up lines (absl's "I0000 00:00:...", the oneDNN notice, the
# CUDA probe). cl.config.setup imports TensorFlow with them silenced, so a notebook
# that imports TensorFlow or Keras itself must call setup in an earlier cell.
TF_STARTUP_LOG = re.compile(r"^[IWE]\d{4} \d\d:\d\d:|absl::InitializeLog", re.M)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_committed_outputs_carry_no_tensorflow_startup_logs(path):
    noisy = [
        i
        for i, cell in enumerate(_code(path))
        for output in cell.get("outputs", [])
        if TF_STARTUP_LOG.search("".join(output.get("text", "")))
    ]
    assert not noisy, f"code cells {noisy} show TensorFlow's start-up logs"
