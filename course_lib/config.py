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
import subprocess
import sys
import time

PROFILES = ("smoke", "standard", "full")
DEFAULT_PROFILE = "standard"
ENV_VAR = "COURSE_PROFILE"

_UNSET = object()


def get_profile(profile: str | None = None) -> str:
    """The active profile: ``profile`` if given, else ``$COURSE_PROFILE``, else
    ``standard``; an unknown name raises a ``ValueError`` listing the valid ones.

    This is the only place in the course that reads ``COURSE_PROFILE``.
    """
    if profile is None:
        profile = os.environ.get(ENV_VAR, "").strip() or DEFAULT_PROFILE
    if profile not in PROFILES:
        raise ValueError(
            f"unknown course profile {profile!r}; "
            f"valid profiles are {', '.join(PROFILES)} "
            f"(set the {ENV_VAR} environment variable to one of them)"
        )
    return profile


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
    """Seed Python's ``random``, NumPy's global RNG and TensorFlow, in one call to
    ``keras.utils.set_random_seed``.

    Library samplers in ``course_lib`` never use these global states (they take a
    ``seed``); this exists so that notebook-level code such as Keras weight
    initialisation and shuffling is reproducible too. Keras checks the seed (an int
    in 0..2**32 - 1, else ``ValueError``).
    """
    import_tensorflow()  # deferred and quiet: importing TensorFlow costs seconds
    import keras

    keras.utils.set_random_seed(seed)


def device_summary() -> str:
    """One line per fact: Python, TensorFlow, Keras (and backend), the CPU, and the
    device Keras trains on (TensorFlow's first GPU if it sees one, else the CPU)."""
    tf = import_tensorflow()
    import keras

    gpus = tf.config.list_physical_devices("GPU")
    for gpu in gpus:  # allocate GPU memory as needed, not all of it up front
        try:
            tf.config.experimental.set_memory_growth(gpu, True)
        except RuntimeError:  # the GPU is initialised already: growth is fixed
            pass
    if gpus:
        details = tf.config.experimental.get_device_details(gpus[0])
        name = details.get("device_name", gpus[0].name)
        device = f"GPU:0 ({name}); {len(gpus)} GPU(s) visible to TensorFlow"
    else:
        device = "CPU (TensorFlow sees no GPU)"
    return "\n".join(
        [
            f"python     {platform.python_version()} ({platform.system()})",
            f"tensorflow {tf.__version__}",
            f"keras      {keras.__version__} (backend: {keras.backend.backend()})",
            f"CPU        {cpu_model()}",
            f"trains on  {device}",
        ]
    )


def _read(path: str) -> str | None:
    """The text of a small system file, or None where it does not exist."""
    try:
        with open(path, encoding="utf-8") as fh:
            return fh.read()
    except OSError:
        return None


def _command(*args: str) -> str:
    """The stripped output of a short command, or "" if it fails or does not exist."""
    try:
        done = subprocess.run(args, capture_output=True, text=True, timeout=5)
    except (OSError, subprocess.SubprocessError):
        return ""
    return done.stdout.strip() if done.returncode == 0 else ""


def cpu_name() -> str:
    """The processor's name, precise enough to tell two machines apart.

    Linux: ``/proc/cpuinfo``'s model name with its family/model/stepping (x86) or its
    implementer/part/revision (ARM). macOS: ``sysctl``'s brand string, with family,
    model and stepping where the CPU reports them (Intel). Windows: the registry's
    ProcessorNameString with ``platform.processor()`` ("... Family 6 Model 158
    Stepping 10 ..."). Anywhere else, or when those fail: ``platform.processor()``
    or ``platform.machine()``.
    """
    fallback = platform.processor() or platform.machine() or "unknown CPU"
    system = platform.system()
    if system == "Linux" and (cpuinfo := _read("/proc/cpuinfo")):
        first = cpuinfo.split("\n\n")[0]  # the first processor's block
        fields = dict(
            (key.strip(), value.strip())
            for key, _, value in (line.partition(":") for line in first.splitlines())
        )
        name = fields.get("model name") or fields.get("Hardware") or fallback
        keys = ("cpu family", "model", "stepping")
        if "cpu family" not in fields:
            keys = ("CPU implementer", "CPU part", "CPU revision")
        ids = [f"{key.split()[-1]} {fields[key]}" for key in keys if key in fields]
        return f"{name} ({', '.join(ids)})" if ids else name
    if system == "Darwin":
        name = _command("sysctl", "-n", "machdep.cpu.brand_string") or fallback
        keys = ("family", "model", "stepping")
        ids = [(k, _command("sysctl", "-n", f"machdep.cpu.{k}")) for k in keys]
        ids = [f"{key} {value}" for key, value in ids if value]
        return f"{name} ({', '.join(ids)})" if ids else name
    if system == "Windows":
        try:
            import winreg

            key = r"HARDWARE\DESCRIPTION\System\CentralProcessor\0"
            with winreg.OpenKey(winreg.HKEY_LOCAL_MACHINE, key) as handle:
                name = winreg.QueryValueEx(handle, "ProcessorNameString")[0].strip()
        except (ImportError, OSError):
            return fallback
        return f"{name} ({fallback})" if fallback != name else name
    return fallback


def cpu_model() -> str:
    """The processor (:func:`cpu_name`) and the cores this process may use
    (``joblib.cpu_count()``: its CPU affinity, capped by a container's CPU quota)."""
    import joblib  # scikit-learn's own way to count usable cores

    return f"{cpu_name()}, {joblib.cpu_count()} cores"


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
    another CPU model may still round differently (other SIMD kernels). On a CPU it
    costs nothing measurable; on a GPU it can cost speed (slower deterministic
    kernels). The switch is process-wide and cannot be turned off again.
    """
    global _deterministic
    tf = import_tensorflow()
    tf.config.experimental.enable_op_determinism()
    _deterministic = True


_deterministic = False  # whether enable_determinism() ran in this process


def setup(
    seed: int = 42, profile: str | None = None, deterministic: bool = True
) -> str:
    """The notebooks' setup cell: check the profile, seed everything, print a summary.

    Prints what it switched on: the seed of Python's ``random``, NumPy and TensorFlow
    (:func:`seed_everything`) and, with ``deterministic`` (the default), TensorFlow's
    op determinism (:func:`enable_determinism`), so that a re-run reproduces the
    committed numbers. ``deterministic=False`` leaves it off, which can be faster on a
    GPU; once on, it stays on until the kernel restarts. The last line names the
    device Keras will train on.

    Returns the active profile name.
    """
    global _started
    _started = time.perf_counter()
    active = get_profile(profile)
    seed_everything(seed)
    if deterministic:
        enable_determinism()
    if _deterministic:
        how = "stays on until the kernel restarts"
        if deterministic:
            how = "setup(deterministic=False) is faster on a GPU"
        state = f"on (TensorFlow op determinism; {how})"
    else:
        state = "off (faster on a GPU; re-runs may differ in the last digits)"
    print(f"profile    {active}  (set {ENV_VAR}=smoke|standard|full to change)")
    print(f"seed       {seed}  (Python random, NumPy, TensorFlow)")
    print(f"determinism {state}")
    print(device_summary())
    return active
