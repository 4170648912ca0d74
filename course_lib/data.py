"""The course's datasets: one loader, verified files, and small image helpers.

::

    X, y = cl.data.load("mnist")                # uint8 (8000, 28, 28), int64 labels
    X_test, y_test = cl.data.load("mnist", split="test")

Every dataset comes back as ``uint8`` images with values 0..255, shaped (N, H, W) for
greyscale and (N, H, W, 3) for colour, and ``int64`` labels. Every call prints one
line saying which source was used and how many items.

The facts about each dataset (files and their sha256, shipped split sizes, license,
citation, full-profile source) are written once, in ``course_lib/datasets.toml``
(:data:`DATASETS`); the tests check ``data/MANIFEST.md`` against it.

Profiles
--------
``smoke`` and ``standard`` ALWAYS use the real subsets shipped in ``data/``, so
results are the same on every machine. Where a shipped file holds only one split of
the original, the course splits it once, stratified by class, with scikit-learn's
``train_test_split(stratify=y, random_state=0)``: the splits are disjoint, cover the
file and are the same everywhere. UCI digits (0..16) are rescaled to 0..255 as
``np.rint(x * 255 / 16)``.

``full`` loads the complete dataset through the ecosystem's tools, into their cache
(``$COURSE_CACHE_DIR``, default ``<data dir>/cache``): MNIST through
``keras.utils.get_file`` with Keras' own ``file_hash`` (60000 / 10000), CIFAR-10
through ``tensorflow_datasets`` (the binary release, checked against its recorded
sha256; 50000 / 10000). Both check every file's sha256. If the host does not answer
within :data:`PROBE_TIMEOUT` seconds, or no sha256 is known (Kannada-MNIST's
official train files), ``full`` falls back to the shipped subset and says why in its
one line. For ``lfw_people``, ``dig_mnist`` and ``uci_digits`` the shipped set is
already complete. The full profile's splits are the official ones: never mix data
loaded under different profiles.

Safety: every shipped file is sha256-checked on first use in a process; a corrupt or
missing file raises :class:`DataIntegrityError` naming the file and the fix. ``.npz``
files are read with ``allow_pickle=False``: no pickle is ever loaded.

:func:`data_dir` looks in ``$COURSE_DATA_DIR``, ``data/`` next to the package (a
clone, or an editable install), ``./data``, ``../data`` (notebooks run from
``notebooks/``), ``./course/data`` and ``/content/course/data``: where the notebooks'
Colab cell clones the course (from Colab's working directory, /content) before a
non-editable ``pip install``, which leaves the data in the clone.
"""

from __future__ import annotations

import copy
import gzip
import hashlib
import importlib.metadata
import os
import socket
import tomllib
import urllib.parse
from concurrent.futures import ThreadPoolExecutor
from numbers import Integral, Real
from pathlib import Path

import numpy as np

from . import config
from ._base import check_array, check_labels, check_param

__all__ = [
    "DATASETS",
    "DataIntegrityError",
    "DataNotFoundError",
    "binarize",
    "cache_dir",
    "class_counts",
    "data_dir",
    "grayscale",
    "info",
    "load",
    "make_imbalanced",
    "subsample",
    "to_unit",
]

SPLITS = ("train", "test")
SPLIT_SEED = 0  #: the seed of the course's stratified splits of the shipped files
DATA_DIR_ENV, CACHE_DIR_ENV = "COURSE_DATA_DIR", "COURSE_CACHE_DIR"
PROBE_TIMEOUT = 3.0  # seconds a host has to answer before `full` falls back
_PACKAGE_DATA_DIR = Path(__file__).resolve().parent.parent / "data"
_COLAB_DATA_DIR = Path("/content/course/data")


def _repo_url() -> str:
    """The repository's address, written once: pyproject.toml's ``[project.urls]
    Repository``, read from the source tree or else from the installed metadata."""
    pyproject = _PACKAGE_DATA_DIR.parent / "pyproject.toml"
    if pyproject.is_file():  # a clone, or an editable install
        meta = tomllib.loads(pyproject.read_text("utf-8"))
        return meta["project"]["urls"]["Repository"].rstrip("/")
    try:  # a non-editable install (Colab): the same field, in the package metadata
        urls = importlib.metadata.metadata("course-lib").get_all("Project-URL") or []
    except importlib.metadata.PackageNotFoundError:
        urls = []
    found = [url.split(",", 1)[1].strip() for url in urls if url.startswith("Reposi")]
    return found[0].rstrip("/") if found else "the course repository"


REPO_URL = _repo_url()


class DataIntegrityError(ValueError):
    """A data file is missing, truncated or does not match its recorded sha256."""


class DataNotFoundError(FileNotFoundError, ValueError):
    """No course data folder was found."""


#: Everything the course knows about each dataset (files and their sha256, split
#: sizes, license, citation, full-profile source), from ``datasets.toml``.
DATASETS = tomllib.loads(Path(__file__).with_name("datasets.toml").read_text("utf-8"))
_VERIFIED: set[tuple[str, int, int]] = set()  # (path, size, mtime) checked this run


# ---- folders and integrity ----------------------------------------------------------
def data_dir() -> Path:
    """The folder holding the shipped data files (see the module docstring)."""
    env = os.environ.get(DATA_DIR_ENV, "").strip()
    if env:
        if not Path(env).expanduser().is_dir():
            raise DataNotFoundError(
                f"{DATA_DIR_ENV}={env!r} is not a folder; point it at the course's "
                "data/ folder (or unset it to use the repository's data/)"
            )
        return Path(env).expanduser().resolve()
    cwd = Path.cwd()
    candidates = [_PACKAGE_DATA_DIR, cwd / "data", cwd.parent / "data"]
    candidates += [cwd / "course" / "data", _COLAB_DATA_DIR]
    for path in candidates:
        if (path / "MANIFEST.md").is_file():
            return path.resolve()
    raise DataNotFoundError(
        f"no course data folder found (looked in {', '.join(map(str, candidates))}). "
        f"Clone the course repository (git clone {REPO_URL}) and run from inside it, "
        f"or set {DATA_DIR_ENV} to a folder holding the files of data/MANIFEST.md"
    )


def cache_dir() -> Path:
    """Where full downloads are kept: ``$COURSE_CACHE_DIR`` or ``<data dir>/cache``."""
    env = os.environ.get(CACHE_DIR_ENV, "").strip()
    return Path(env).expanduser().resolve() if env else data_dir() / "cache"


def _shipped(name: str, fname: str) -> Path:
    """The path of a shipped file, sha256-checked once per process."""
    path = data_dir() / fname
    fix = f"restore it with `git checkout -- data/{fname}` (or clone {REPO_URL} again)"
    if not path.is_file():
        raise DataIntegrityError(f"data file {path} is missing; {fix}")
    stat = path.stat()
    key = (str(path), stat.st_size, stat.st_mtime_ns)
    if key not in _VERIFIED:
        with open(path, "rb") as fh:
            actual = hashlib.file_digest(fh, "sha256").hexdigest()
        expected = DATASETS[name]["files"][fname]
        if actual != expected:
            raise DataIntegrityError(
                f"data file {path} is corrupt or truncated ({stat.st_size} bytes): "
                f"sha256 {actual}, expected {expected}; {fix}"
            )
        _VERIFIED.add(key)
    return path


# ---- reading the (verified) files ---------------------------------------------------
def _read_idx(path) -> np.ndarray:
    """A gzip-compressed IDX file (LeCun's MNIST format) of uint8 values."""
    with gzip.open(path, "rb") as fh:
        raw = fh.read()
    ndim = raw[3]  # magic: 0x0803 for images, 0x0801 for labels
    dims = np.frombuffer(raw, ">u4", count=ndim, offset=4)
    return np.frombuffer(raw, np.uint8, offset=4 + 4 * ndim).reshape(dims)


def _read_npz(path, keys=("x", "y")) -> list[np.ndarray]:
    with np.load(path, allow_pickle=False) as npz:
        return [npz[key] for key in keys]


def _load_shipped(name: str, split: str):
    """(X, y, where) from the shipped files (scikit-learn's for uci_digits)."""
    entry = DATASETS[name]
    files = list(entry["files"])
    if name == "uci_digits":
        from sklearn.datasets import load_digits

        digits = load_digits()
        X, y = np.rint(digits.images * 255 / 16), digits.target
        where = (
            "scikit-learn's bundled digits (load_digits(), 0..16 rescaled to 0..255)"
        )
    elif files[0].endswith(".gz"):
        X, y = (_read_idx(_shipped(name, f)) for f in files)
        where = f"shipped subset data/{files[0]}"
    else:
        prefix = entry.get("parts", {}).get(split, "")
        files = [f for f in files if f.startswith(prefix)]
        parts = [_read_npz(_shipped(name, f)) for f in files]
        X, y = (np.concatenate(arrays) for arrays in zip(*parts, strict=True))
        where = f"shipped subset {entry['shown'][split]}"
    if "test_size" in entry:
        from sklearn.model_selection import train_test_split

        index = train_test_split(
            np.arange(len(y)),
            test_size=entry["test_size"],
            stratify=y,
            random_state=SPLIT_SEED,
        )[SPLITS.index(split)]
        X, y = X[index], y[index]
    return X, y, where


# ---- the full datasets --------------------------------------------------------------
def _unreachable(url: str) -> str | None:
    """Why ``url``'s host cannot be reached within PROBE_TIMEOUT s, or None if it can.

    The connection runs in a worker thread, so even a stalled name lookup cannot make
    the caller wait longer than the timeout.
    """
    parts = urllib.parse.urlsplit(url)
    if parts.scheme == "file":
        return None
    pool = ThreadPoolExecutor(max_workers=1)
    address = (parts.hostname, parts.port or 443)
    future = pool.submit(socket.create_connection, address, PROBE_TIMEOUT)
    pool.shutdown(wait=False)
    try:
        future.result(timeout=PROBE_TIMEOUT + 0.5).close()
    except OSError as exc:  # TimeoutError is an OSError
        return f"{parts.hostname} did not answer within {PROBE_TIMEOUT:g} s ({exc})"
    return None


def _load_full(name: str, split: str):
    """((X, y, where), None) of the full dataset, or (None, why not)."""
    full = DATASETS[name]["full"]
    unknown = [fname for fname, (_, sha256) in full["files"].items() if not sha256]
    if unknown:
        return None, f"no verified sha256 is known for {', '.join(unknown)}"
    keras_files = full["tool"] == "keras.utils.get_file"
    where = cache_dir() / ("keras" if keras_files else "tensorflow_datasets")
    cached = [where / f for f in full["files"]] if keras_files else [where / name]
    if not all(path.exists() for path in cached):
        if why := _unreachable(next(iter(full["files"].values()))[0]):
            return None, f"network unreachable: {why}"
    try:
        if keras_files:  # downloaded once, checked against the sha256 on every use
            import keras

            where.mkdir(parents=True, exist_ok=True)  # else Keras uses /tmp/.keras
            options = dict(cache_dir=cache_dir(), cache_subdir="keras")
            paths = {
                fname: keras.utils.get_file(fname, url, file_hash=sha256, **options)
                for fname, (url, sha256) in full["files"].items()
            }
            # keras.datasets.mnist's file, read without pickle (MNIST's are the only
            # Keras-fetched files whose sha256 are all known; see datasets.toml)
            X, y = _read_npz(paths["mnist.npz"], (f"x_{split}", f"y_{split}"))
        else:  # tensorflow-datasets checks its download against its recorded sha256
            import tensorflow_datasets as tfds

            X, y = tfds.as_numpy(
                tfds.load(
                    name, split=split, batch_size=-1, as_supervised=True, data_dir=where
                )
            )
    except Exception as exc:  # a failed hash check, or a download cut short
        raise DataIntegrityError(
            f"could not get a verified copy of {', '.join(map(str, cached))} ({exc}); "
            "delete it and load again, or use the shipped data (profile standard)"
        ) from None
    return (X, y, f"full dataset in {where}"), None


# ---- the loader ---------------------------------------------------------------------
def load(
    name: str, split: str = "train", profile: str | None = None, *, verbose: bool = True
) -> tuple[np.ndarray, np.ndarray]:
    """Load a dataset split as ``(X, y)``: uint8 images 0..255 and int64 labels.

    Parameters
    ----------
    name : one of :data:`DATASETS`.
    split : ``"train"`` or ``"test"`` (``dig_mnist`` is test-only).
    profile : ``"smoke"``, ``"standard"`` or ``"full"``; None reads
        ``$COURSE_PROFILE`` (see :func:`course_lib.config.get_profile`).
    verbose : print the one line saying which source was used (default True).

    Raises
    ------
    ValueError
        for an unknown name, split or profile (listing the valid ones);
        :class:`DataIntegrityError` for a corrupt or missing file;
        :class:`DataNotFoundError` when no data folder is found.
    """
    entry = _entry(name)
    if split not in entry["shipped"]:
        raise ValueError(
            f"{name} has no split {split!r}; valid: {', '.join(entry['shipped'])}"
        )
    full, note = None, ""
    if config.get_profile(profile) == "full":
        if "full" not in entry:
            note = "; the shipped set is the complete set"
        else:
            full, why = _load_full(name, split)
            note = f"; full dataset not used ({why}), falling back" if why else ""
    X, y, where = full or _load_shipped(name, split)
    X = np.require(X, dtype=np.uint8, requirements=["C", "W"])
    y = np.asarray(y, dtype=np.int64)
    if verbose:
        print(
            f"{name}/{split}: {where} ({len(y)} images, "
            f"{len(np.unique(y))} classes){note}"
        )
    return X, y


def _entry(name: str) -> dict:
    if name not in DATASETS:
        raise ValueError(
            f"unknown dataset {name!r}; valid names: {', '.join(DATASETS)}"
        )
    return copy.deepcopy({**DATASETS[name], "name": name})


def info(name: str) -> dict:
    """What a dataset is: description, image shape, classes, license, citation,
    shipped split sizes, files and full-profile source (a copy of its table row)."""
    entry = _entry(name)
    entry["image_shape"] = tuple(entry["image_shape"])
    if "class_names" not in entry:
        names = _read_npz(_shipped(name, "lfw_people_0.npz"), ("target_names",))[0]
        entry["class_names"] = names
    entry["class_names"] = [str(c) for c in entry["class_names"]]
    entry["n_classes"] = len(entry["class_names"])
    return entry


# ---- helpers ------------------------------------------------------------------------
def to_unit(X) -> np.ndarray:
    """Scale images to float32 in [0, 1]: uint8 is divided by 255; float data already
    in [0, 1] is returned as float32; anything else raises ``ValueError``."""
    arr = np.asarray(X)
    if arr.dtype == np.uint8:
        return arr.astype(np.float32) / np.float32(255.0)
    if arr.dtype.kind != "f":
        raise ValueError(
            f"to_unit expects uint8 images (0..255) or floats in [0, 1], got dtype "
            f"{arr.dtype}; convert with X.astype(np.uint8) if the values are 0..255"
        )
    return check_array(arr, min_samples=0, value_range=(0, 1), dtype=np.float32)


def binarize(X, threshold: float = 0.5) -> np.ndarray:
    """float32 {0, 1} images: 1 where the [0, 1]-scaled value is > ``threshold``."""
    check_param(threshold, "threshold", Real, min_val=0, max_val=1)
    return (to_unit(X) > threshold).astype(np.float32)


_LUMA = np.array([0.299, 0.587, 0.114])


def grayscale(X) -> np.ndarray:
    """RGB (..., H, W, 3) -> (..., H, W) with ITU-R 601 luma weights .299/.587/.114.

    uint8 input gives uint8 output (rounded); float input keeps its float dtype.
    """
    arr = np.asarray(X)
    if arr.ndim < 3 or arr.shape[-1] != 3:
        raise ValueError(
            f"grayscale expects RGB images shaped (N, H, W, 3), got shape {arr.shape}"
        )
    if arr.dtype == np.uint8:
        return np.clip(np.rint(arr @ _LUMA), 0, 255).astype(np.uint8)
    if arr.dtype.kind == "f":
        return (arr @ _LUMA.astype(arr.dtype)).astype(arr.dtype)
    raise ValueError(f"grayscale expects uint8 or float images, got dtype {arr.dtype}")


def class_counts(y) -> dict[int, int]:
    """``{label: count}`` for every label in ``y``, sorted by label."""
    labels, counts = np.unique(np.asarray(y), return_counts=True)
    return {int(k): int(c) for k, c in zip(labels, counts, strict=True)}


def make_imbalanced(X, y, *, minority, ratio, seed=0):
    """Keep only a few rows of one class: the imbalanced-data problem on demand.

    Keeps ``max(1, round(ratio * m))`` randomly chosen rows of class ``minority``
    (``m``: the mean count of the other classes; at most all of its rows) and every
    row of the other classes, in the original order, through imbalanced-learn's
    ``make_imbalance``. Returns ``(X_sub, y_sub)``.
    """
    from imblearn.datasets import make_imbalance

    X = np.asarray(X)
    y = check_labels(y, len(X))
    check_param(ratio, "ratio", Real, min_val=0, max_val=1, include_boundaries="right")
    counts = class_counts(y)
    if minority not in counts:
        raise ValueError(
            f"minority class {minority!r} is not in y; classes present: {list(counts)}"
        )
    others = [c for k, c in counts.items() if k != minority]
    if not others:
        raise ValueError("y holds a single class; nothing to make imbalanced against")
    keep = min(counts[minority], max(1, round(ratio * float(np.mean(others)))))
    rows, _ = make_imbalance(
        np.arange(len(y)).reshape(-1, 1),
        y,
        sampling_strategy={minority: keep},
        random_state=seed,
    )
    rows = np.sort(rows[:, 0])
    return X[rows], y[rows]


def subsample(X, y, n, seed=0):
    """A deterministic subset of ``n`` rows, stratified by class, in the original order.

    scikit-learn's ``train_test_split(train_size=n, stratify=y, random_state=seed)``,
    sorted back into order; ``n=None`` or ``n >= len(y)`` returns all rows unchanged.
    """
    from sklearn.model_selection import train_test_split

    X = np.asarray(X)
    y = check_labels(y, len(X))
    if n is None:
        return X, y
    check_param(n, "n", Integral, min_val=1)
    if n >= y.shape[0]:
        return X, y
    keep = train_test_split(
        np.arange(len(y)), train_size=n, stratify=y, random_state=seed
    )[0]
    keep = np.sort(keep)
    return X[keep], y[keep]
