import random

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
    with pytest.raises(ValueError, match="non-negative"):
        config.seed_everything(-1)


def test_seed_everything_seeds_keras():
    import keras

    config.seed_everything(3)
    a = keras.random.normal((4,)).numpy()
    config.seed_everything(3)
    np.testing.assert_array_equal(a, keras.random.normal((4,)).numpy())


def test_device_summary_names_versions():
    import tensorflow as tf

    text = config.device_summary()
    assert tf.__version__ in text
    assert "GPUs" in text and "backend: tensorflow" in text


def test_setup_prints_profile(capsys):
    assert config.setup(seed=1, profile="smoke") == "smoke"
    out = capsys.readouterr().out
    assert "profile    smoke" in out and "op determinism on" in out


def test_setup_switches_op_determinism_on():
    import tensorflow as tf

    config.setup(seed=1, profile="smoke")
    # tf.timestamp is the one op TensorFlow refuses to run under op determinism
    # (its value differs by nature from run to run)
    with pytest.raises(tf.errors.FailedPreconditionError, match="determinism"):
        tf.timestamp()


def test_elapsed_names_seconds_and_the_cpu(monkeypatch):
    monkeypatch.setattr(config, "_started", config.time.perf_counter() - 65.0)
    text = config.elapsed()
    assert text.startswith("65 s since setup on ") and "cores" in text


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
