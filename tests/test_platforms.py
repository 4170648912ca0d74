"""The course on macOS and Windows, simulated on Linux.

Each test takes away what only Linux has (``os.sched_getaffinity``, ``/proc``;
``os.process_cpu_count`` too, which Python < 3.13 lacks; joblib counts 8 cores), makes
``sys.platform`` and ``platform.system()`` answer as the other system would, stands in
for its commands (``sysctl``) or registry (``winreg``), and then runs what every
notebook runs: the setup cell, a generator fit, and the results cell's ``elapsed()``.
"""

from __future__ import annotations

import subprocess
import sys
import types

import numpy as np
import pytest

import course_lib as cl
from course_lib import config

SYSCTL = {  # an Intel Mac; Apple silicon answers only the brand string
    "machdep.cpu.brand_string": "Intel(R) Core(TM) i7-8850H CPU @ 2.60GHz",
    "machdep.cpu.family": "6",
    "machdep.cpu.model": "158",
    "machdep.cpu.stepping": "10",
}
WINDOWS_PROCESSOR = "Intel64 Family 6 Model 158 Stepping 10, GenuineIntel"


def fake_sysctl(answers):
    """subprocess.run as macOS would answer ``sysctl -n KEY`` (any other command:
    not found, as on a machine without it)."""

    def run(args, **kwargs):
        if args[:2] != ("sysctl", "-n"):
            raise FileNotFoundError(args[0])
        if args[2] not in answers:
            return subprocess.CompletedProcess(args, 1, "", "unknown oid")
        return subprocess.CompletedProcess(args, 0, answers[args[2]] + "\n", "")

    return run


@pytest.fixture
def not_linux(monkeypatch):
    """No Linux-only call or file; 8 cores (as joblib would count them there);
    returns a function to pick the system."""
    config.import_tensorflow()  # imported on Linux first, as the real one is
    for name in ("sched_getaffinity", "process_cpu_count"):
        monkeypatch.delattr(config.os, name, raising=False)
    monkeypatch.setattr("joblib.cpu_count", lambda: 8)
    monkeypatch.setattr(config, "_read", lambda path: None)  # no /proc, no /sys
    monkeypatch.setattr(config.subprocess, "run", fake_sysctl({}))

    def become(system, sys_platform, processor):
        monkeypatch.setattr(sys, "platform", sys_platform)
        monkeypatch.setattr(config.platform, "system", lambda: system)
        monkeypatch.setattr(config.platform, "processor", lambda: processor)

    return become


def run_a_notebook(capsys) -> str:
    """The setup cell, a small generator fit and the results cell's elapsed()."""
    profile = cl.config.setup(seed=42, profile="smoke", deterministic=False)
    out = capsys.readouterr().out
    X = np.random.default_rng(0).normal(size=(90, 6))
    y = np.repeat([0, 1, 2], 30)
    gen = cl.bayes.GaussianBayesGenerator(reg=0.05).fit(X, y)
    X_new, y_new = gen.sample(12, seed=0)
    assert profile == "smoke" and X_new.shape == (12, 6) and y_new.shape == (12,)
    assert cl.config.elapsed().endswith(" cores")
    return out


def test_macos_intel(not_linux, monkeypatch, capsys):
    not_linux("Darwin", "darwin", "i386")
    monkeypatch.setattr(config.subprocess, "run", fake_sysctl(SYSCTL))
    out = run_a_notebook(capsys)
    assert "(Darwin)" in out
    assert (
        "CPU        Intel(R) Core(TM) i7-8850H CPU @ 2.60GHz "
        "(family 6, model 158, stepping 10), 8 cores"
    ) in out


def test_macos_apple_silicon(not_linux, monkeypatch, capsys):
    not_linux("Darwin", "darwin", "arm")
    brand = {"machdep.cpu.brand_string": "Apple M2 Pro"}
    monkeypatch.setattr(config.subprocess, "run", fake_sysctl(brand))
    assert "CPU        Apple M2 Pro, 8 cores" in run_a_notebook(capsys)


def test_macos_without_sysctl(not_linux, capsys):
    not_linux("Darwin", "darwin", "arm")  # subprocess finds no sysctl at all
    assert "CPU        arm, 8 cores" in run_a_notebook(capsys)


def test_windows_with_its_registry(not_linux, monkeypatch, capsys):
    not_linux("Windows", "win32", WINDOWS_PROCESSOR)
    name = "Intel(R) Core(TM) i7-8750H CPU @ 2.20GHz"

    class Key:
        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

    winreg = types.SimpleNamespace(
        HKEY_LOCAL_MACHINE=object(),
        OpenKey=lambda root, path: Key(),
        QueryValueEx=lambda key, value: (name + "  ", 1),
    )
    monkeypatch.setitem(sys.modules, "winreg", winreg)
    out = run_a_notebook(capsys)
    assert "(Windows)" in out
    assert f"CPU        {name} ({WINDOWS_PROCESSOR}), 8 cores" in out


def test_windows_without_its_registry(not_linux, monkeypatch, capsys):
    not_linux("Windows", "win32", WINDOWS_PROCESSOR)
    monkeypatch.setitem(sys.modules, "winreg", None)  # import winreg fails
    assert f"CPU        {WINDOWS_PROCESSOR}, 8 cores" in run_a_notebook(capsys)
