"""Profiles, seeding and the device summary: where the course reads its settings.

One switch sizes every notebook: the environment variable ``COURSE_PROFILE``.

- ``smoke``: CI and nbval; tiny subsets, a notebook runs in about a minute on 2 cores.
- ``standard`` (default): the shipped data at full size, real training, at most ~10
  minutes per notebook on 2 CPU cores. Committed notebook outputs come from here.
- ``full``: the complete datasets (downloaded) and the original training lengths;
  meant for GPU runners and Colab.

Notebooks never branch on the profile by hand; they ask :func:`pick` for a value::

    n_train = cl.config.pick(smoke=500, standard=5000, full=None)
"""

from __future__ import annotations

import contextlib
import os
import platform
import random
import sys
import time

import numpy as np

PROFILES = ("smoke", "standard", "full")
DEFAULT_PROFILE = "standard"
ENV_VAR = "COURSE_PROFILE"

_UNSET = object()


def check_profile(name: str) -> str:
    """Return ``name`` if it is a valid profile, else raise a ``ValueError``."""
    if name not in PROFILES:
        raise ValueError(
            f"unknown course profile {name!r}; "
            f"valid profiles are {', '.join(PROFILES)} "
            f"(set the {ENV_VAR} environment variable to one of them)"
        )
    return name


def get_profile(profile: str | None = None) -> str:
    """The active profile: ``profile`` if given, else ``$COURSE_PROFILE``, else
    ``standard``.

    This is the only place in the course that reads ``COURSE_PROFILE``.
    """
    if profile is None:
        profile = os.environ.get(ENV_VAR, "").strip() or DEFAULT_PROFILE
    return check_profile(profile)


def pick(*, smoke, standard, full=_UNSET, profile: str | None = None):
    """Choose a per-profile value, e.g. ``pick(smoke=200, standard=5000, full=None)``.

    ``full`` defaults to the ``standard`` value when it is not given (``None`` is a real
    value, conventionally meaning "everything").
    """
    values = {"smoke": smoke, "standard": standard}
    values["full"] = standard if full is _UNSET else full
    return values[get_profile(profile)]


@contextlib.contextmanager
def _quiet_stderr():
    """Send file descriptor 2 to /dev/null for a moment.

    TensorFlow's C++ start-up logs (oneDNN notice, CPU features, CUDA probing on a
    machine without a GPU) are written straight to fd 2, before its log level is
    read, and would fill the first cell of every notebook. Python exceptions are
    unaffected: they propagate normally once the block ends.
    """
    sys.stderr.flush()
    try:
        saved = os.dup(2)
    except OSError:  # no usable fd 2 (some embedded interpreters): change nothing
        yield
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


def import_tensorflow():
    """Import TensorFlow (and probe its devices) without its start-up log lines.

    Returns the ``tensorflow`` module. Set ``COURSE_TF_LOGS=1`` to see the logs.
    """
    if "tensorflow" in sys.modules or os.environ.get("COURSE_TF_LOGS") == "1":
        import tensorflow as tf

        return tf
    with _quiet_stderr():
        import tensorflow as tf

        tf.config.list_physical_devices("GPU")  # the CUDA probe logs here
    return tf


def seed_everything(seed: int) -> None:
    """Seed Python's ``random``, NumPy's legacy global RNG and Keras/TensorFlow.

    Library samplers in ``course_lib`` never use these global states (they take a
    ``seed``); this exists so that notebook-level code such as Keras weight
    initialisation and shuffling is reproducible too.
    """
    if not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    seed = int(seed)
    random.seed(seed)
    np.random.seed(seed)  # noqa: NPY002 (seeding the global state is the point)
    import_tensorflow()  # deferred: importing TensorFlow costs seconds
    import keras

    keras.utils.set_random_seed(seed)


def enable_gpu_memory_growth() -> list:
    """Let TensorFlow allocate GPU memory as needed (instead of all of it up front).

    Returns the list of physical GPUs (empty on a CPU-only machine).
    """
    tf = import_tensorflow()

    gpus = tf.config.list_physical_devices("GPU")
    for gpu in gpus:
        try:
            tf.config.experimental.set_memory_growth(gpu, True)
        except RuntimeError:
            # Raised once the GPU is initialised; growth is then already fixed.
            pass
    return gpus


def device_summary() -> str:
    """One line per fact: Python, TensorFlow, Keras (and backend), GPUs found."""
    tf = import_tensorflow()
    import keras

    gpus = enable_gpu_memory_growth()
    gpu_text = ", ".join(g.name for g in gpus) if gpus else "none (running on CPU)"
    return "\n".join(
        [
            f"python     {platform.python_version()}",
            f"tensorflow {tf.__version__}",
            f"keras      {keras.__version__} (backend: {keras.backend.backend()})",
            f"CPU        {cpu_model()}",
            f"GPUs       {gpu_text}",
        ]
    )


def cpu_model() -> str:
    """The processor's model name and the number of cores this process may use."""
    name = platform.processor() or platform.machine()
    with contextlib.suppress(OSError):
        with open("/proc/cpuinfo") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    name = line.split(":", 1)[1].strip()
                    break
    return f"{name}, {len(os.sched_getaffinity(0))} cores"


_started = time.perf_counter()


def elapsed() -> str:
    """Wall time since :func:`setup`, with the machine it ran on (for results cells)."""
    return f"{time.perf_counter() - _started:.0f} s since setup on {cpu_model()}"


def enable_determinism() -> None:
    """Make TensorFlow ops give the same result for the same inputs, run after run.

    Multithreaded float reductions (a matmul's or convolution's sums split over
    threads) otherwise add in an order that changes from run to run, and a trained
    network drifts in its last digits, then more. With op determinism every op picks
    an order-preserving algorithm; ops that have none raise an error instead of
    running. Same seed + same hardware + same versions -> the same numbers;
    another CPU model may still round differently (other SIMD kernels).
    The switch is process-wide and cannot be turned off again.
    """
    tf = import_tensorflow()
    tf.config.experimental.enable_op_determinism()


def setup(
    seed: int = 42, profile: str | None = None, deterministic: bool = True
) -> str:
    """The notebooks' setup cell: check the profile, seed everything, print a summary.

    With ``deterministic`` (the default), TensorFlow's op determinism is switched on
    (:func:`enable_determinism`), so a re-run reproduces the committed numbers.

    Returns the active profile name.
    """
    global _started
    _started = time.perf_counter()
    active = get_profile(profile)
    seed_everything(seed)
    if deterministic:
        enable_determinism()
    print(f"profile    {active}  (set {ENV_VAR}=smoke|standard|full to change)")
    print(f"seed       {seed}" + ("  (TensorFlow op determinism on)" * deterministic))
    print(device_summary())
    return active
