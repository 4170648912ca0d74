"""Static checks over every notebook: one intro format, one Colab install cell.

Nothing is executed here (nbval does that); these tests read the .ipynb files.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

NOTEBOOKS = sorted((Path(__file__).parent.parent / "notebooks").glob("[0-9]*.ipynb"))
BADGE = (
    "[![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)]"
    "(https://colab.research.google.com/github/generating-data/course/blob/main/"
    "notebooks/{name})"
)
# The one install cell: skipped by nbval, a no-op outside Colab, and a plain
# (non-editable) pip install of the clone, so Colab needs no runtime restart.
INSTALL_CELL = """\
# NBVAL_SKIP
# Colab only: fetch the course (code + shipped data) and install course_lib.
# Everywhere else this cell does nothing; `make run` has set everything up.
import sys

if "google.colab" in sys.modules:
    !git clone --depth 1 https://github.com/generating-data/course /content/course
    !pip install --quiet /content/course"""
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
    assert lines[1] == "" and lines[2] == BADGE.format(name=path.name), lines[2]
    assert "\n**You will learn to**\n" in intro["text"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_first_code_cell_is_the_one_colab_install_cell(path):
    first = _code(path)[0]
    assert first["text"] == INSTALL_CELL
    assert "colab-install" in first["metadata"].get("tags", [])


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
