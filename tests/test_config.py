import os
import random
import subprocess
import sys

import numpy as np
import pytest

from course_lib import config


def test_default_profile_is_standard(monkeypatch):
    monkeypatch.delenv("COURSE_PROFILE", raising=False)
    assert config.get_profile() == "standard"


@pytest.mark.parametrize("name", ["smoke", "standard", "full"])
def test_profile_from_environment(monkeypatch, name):
    monkeypatch.setenv("COURSE_PROFILE", name)
    assert config.get_profile() == name


def test_unknown_profile_lists_the_valid_ones(monkeypatch):
    monkeypatch.setenv("COURSE_PROFILE", "fast")
    with pytest.raises(ValueError, match="smoke, standard, full"):
        config.get_profile()
    with pytest.raises(ValueError, match="'tiny'"):
        config.get_profile("tiny")


def test_pick_follows_the_profile(monkeypatch):
    monkeypatch.setenv("COURSE_PROFILE", "smoke")
    assert config.pick(smoke=200, standard=5000, full=None) == 200
    assert config.pick(smoke=200, standard=5000, full=None, profile="full") is None
    assert config.pick(smoke=1, standard=2, profile="standard") == 2
    # full defaults to the standard value when it is not given
    assert config.pick(smoke=1, standard=2, profile="full") == 2


def test_seed_everything_makes_global_draws_repeat():
    config.seed_everything(7)
    first = (random.random(), np.random.rand())  # noqa: NPY002
    config.seed_everything(7)
    assert (random.random(), np.random.rand()) == first  # noqa: NPY002
    with pytest.raises(ValueError, match="between 0"):
        config.seed_everything(-1)


def test_seed_everything_seeds_keras():
    import keras

    config.seed_everything(3)
    a = keras.random.normal((4,)).numpy()
    config.seed_everything(3)
    np.testing.assert_array_equal(a, keras.random.normal((4,)).numpy())


def test_device_summary_names_versions_and_the_training_device():
    import tensorflow as tf

    text = config.device_summary()
    assert tf.__version__ in text and "backend: tensorflow" in text
    gpus = tf.config.list_physical_devices("GPU")
    device = "GPU:0" if gpus else "CPU (TensorFlow sees no GPU)"
    assert f"trains on  {device}" in text


# setup() switches TensorFlow's op determinism on for the whole process, for good: it
# runs in child processes so that the rest of the test session is unaffected.
SETUP_CHILD = r"""
import sys
import course_lib as cl

assert cl.config.setup(seed=1, profile="smoke", deterministic=sys.argv[1] == "1") == (
    "smoke"
)
import tensorflow as tf

try:  # tf.timestamp is the one op TensorFlow refuses under op determinism
    tf.timestamp()
    print("timestamp ran")
except tf.errors.FailedPreconditionError:
    print("timestamp refused")
"""


@pytest.fixture(scope="module")
def setup_outputs():
    """The output of setup() with deterministic=True and False, each in a child."""
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2")
    procs = {
        flag: subprocess.Popen(
            [sys.executable, "-c", SETUP_CHILD, str(int(flag))],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        for flag in (True, False)
    }
    outputs = {}
    for flag, proc in procs.items():
        out, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err[-2000:]
        outputs[flag] = out
    return outputs


def test_setup_says_what_it_switches_on(setup_outputs):
    out = setup_outputs[True]
    assert "profile    smoke" in out and "seed       1  (Python random, NumPy" in out
    assert "determinism on (TensorFlow op determinism;" in out
    assert "deterministic=False" in out  # how to switch it off
    assert "trains on  " in out and "CPU        " in out
    assert out.strip().endswith("timestamp refused")


def test_setup_can_leave_determinism_off(setup_outputs):
    out = setup_outputs[False]
    assert "determinism off (faster on a GPU" in out
    assert out.strip().endswith("timestamp ran")


def test_elapsed_names_seconds_and_the_cpu(monkeypatch):
    monkeypatch.setattr(config, "_started", config.time.perf_counter() - 65.0)
    text = config.elapsed()
    assert text.startswith("65 s since setup on ") and text.endswith(" cores")


# ---- the CPU line on Linux (the other platforms: tests/test_platforms.py) ----------
CPUINFO = """processor\t: 0
vendor_id\t: AuthenticAMD
cpu family\t: 25
model\t\t: 17
model name\t: AMD EPYC
stepping\t: 1

processor\t: 1
model name\t: AMD EPYC
"""


@pytest.fixture
def fake_files(monkeypatch):
    """Point config._read at a dict of path -> text (absent paths: None)."""
    files = {}
    monkeypatch.setattr(config, "_read", files.get)
    monkeypatch.setattr(config.platform, "system", lambda: "Linux")
    return files


def test_cpu_name_on_linux_tells_two_epycs_apart(fake_files):
    fake_files["/proc/cpuinfo"] = CPUINFO
    first = config.cpu_name()
    assert first == "AMD EPYC (family 25, model 17, stepping 1)"
    fake_files["/proc/cpuinfo"] = CPUINFO.replace("model\t\t: 17", "model\t\t: 1")
    assert config.cpu_name() != first


def test_cpu_name_on_arm_linux(fake_files):
    fake_files["/proc/cpuinfo"] = (
        "processor\t: 0\nCPU implementer\t: 0x41\nCPU part\t: 0xd0c\n"
        "CPU revision\t: 1\n"
    )
    assert config.cpu_name().endswith("(implementer 0x41, part 0xd0c, revision 1)")


def test_cpu_name_without_proc_falls_back_to_platform(fake_files, monkeypatch):
    monkeypatch.setattr(config.platform, "processor", lambda: "")
    monkeypatch.setattr(config.platform, "machine", lambda: "x86_64")
    assert config.cpu_name() == "x86_64"


def test_quiet_stderr_hides_fd2_writes_only_inside_the_block(capfd):
    import os

    with config._quiet_stderr():
        os.write(2, b"oneDNN custom operations are on\n")
    os.write(2, b"visible\n")
    assert capfd.readouterr().err == "visible\n"


def test_quiet_stderr_lets_exceptions_through(capfd):
    import os

    with pytest.raises(RuntimeError, match="boom"), config._quiet_stderr():
        raise RuntimeError("boom")
    os.write(2, b"restored\n")
    assert capfd.readouterr().err == "restored\n"
