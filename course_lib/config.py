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

import os
import platform
import random

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
    import keras  # deferred: importing TensorFlow costs seconds

    keras.utils.set_random_seed(seed)


def enable_gpu_memory_growth() -> list:
    """Let TensorFlow allocate GPU memory as needed (instead of all of it up front).

    Returns the list of physical GPUs (empty on a CPU-only machine).
    """
    import tensorflow as tf

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
    import keras
    import tensorflow as tf

    gpus = enable_gpu_memory_growth()
    gpu_text = ", ".join(g.name for g in gpus) if gpus else "none (running on CPU)"
    return "\n".join(
        [
            f"python     {platform.python_version()}",
            f"tensorflow {tf.__version__}",
            f"keras      {keras.__version__} (backend: {keras.backend.backend()})",
            f"GPUs       {gpu_text}",
        ]
    )


def setup(seed: int = 42, profile: str | None = None) -> str:
    """The notebooks' setup cell: check the profile, seed everything, print a summary.

    Returns the active profile name.
    """
    active = get_profile(profile)
    seed_everything(seed)
    print(f"profile    {active}  (set {ENV_VAR}=smoke|standard|full to change)")
    print(f"seed       {seed}")
    print(device_summary())
    return active
