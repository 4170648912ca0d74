"""The course's datasets: one loader, verified files, and small image helpers.

::

    X, y = cl.data.load("mnist")                # uint8 (8000, 28, 28), int64 labels
    X_test, y_test = cl.data.load("mnist", split="test")

Every dataset comes back as ``uint8`` images with values 0..255, shaped (N, H, W) for
greyscale and (N, H, W, 3) for colour, and ``int64`` labels.

Datasets and the course's splits of the shipped files
-----------------------------------------------------
The repository ships real subsets of each dataset in ``data/`` (see
``data/MANIFEST.md`` for sources, licenses and checksums). Where a shipped file holds
only one split of the original, the course splits it once, stratified by class, with
a fixed seed (:data:`SPLIT_SEED` = 0, scikit-learn's
``train_test_split(stratify=y, random_state=0)``). The two splits are disjoint, cover
the file, and are the same on every machine. Rows of a split come in that fixed
shuffled order.

=============== ======================================================= =====  =====
name            shipped source                                          train  test
=============== ======================================================= =====  =====
mnist           MNIST t10k (10000), split 8000 / 2000                   8000   2000
kannada_mnist   Kannada-MNIST test set (10000), split 8000 / 2000       8000   2000
dig_mnist       Dig-MNIST (10240), a test-only set: ``split="test"``       --  10240
cifar10         train: 4 lossless parts of data_batch_1 (4000);         4000   4000
                test: lossless test_batch[0:1000] + 3 JPEG parts (3000)
lfw_people      LFW, people with >= 20 images (3023), split 75 / 25     2267    756
uci_digits      scikit-learn's bundled digits (1797), 8x8, split 75/25  1347    450
=============== ======================================================= =====  =====

UCI digits hold values 0..16; they are rescaled to 0..255 as
``np.rint(x * 255 / 16).astype(np.uint8)``. The CIFAR-10 test split's last 3000
images are JPEG-recompressed (about 7.6 grey levels RMSE), the rest are lossless.

Profiles and sources
--------------------
``smoke`` and ``standard`` ALWAYS use the shipped subset, so results are the same on
every machine. ``full`` tries, in order:

1. a local cache of a full download under ``<data dir>/cache/`` (or
   ``$COURSE_CACHE_DIR``);
2. the online full dataset, downloaded into that cache (see :data:`DOWNLOADS`):
   MNIST from the Keras mirror (``mnist.npz``, 60000 / 10000), CIFAR-10 from the
   authors' *binary* release (``cifar-10-binary.tar.gz``, 50000 / 10000; the python
   pickle release is never used), Kannada-MNIST from the official release files in
   github.com/vinayprabhu/Kannada_MNIST (60000 / 10000);
3. the shipped subset, with a printed line saying why.

For ``lfw_people``, ``dig_mnist`` and ``uci_digits`` the shipped set already IS the
complete set (LFW: every person with >= 20 images, the set of scikit-learn's
``fetch_lfw_people(min_faces_per_person=20)``; Dig-MNIST: all 10240 images; UCI
digits: bundled with scikit-learn), so ``full`` uses it directly.

Kannada-MNIST under ``full``: the course knows no published sha256 for the official
*train* files (only md5 sums circulate), and every download must be sha256-verified.
Their ``sha256`` entries in :data:`DOWNLOADS` are therefore ``None``, and ``full``
falls back to the shipped subset with a printed message. Fill in a sha256 you have
checked yourself to enable the download.

The full profile's splits are the datasets' official ones, which are not the course's
splits of the shipped files (MNIST's shipped "train" rows belong to the official test
set, for example): never mix data loaded under different profiles.

Every call prints exactly one line saying which source was used and how many items,
e.g. ``mnist/train: shipped subset data/mnist_t10k_images_idx3_ubyte.gz (8000 images,
10 classes)`` (a download also prints a "downloading ..." line first).

Integrity and safety
--------------------
Every shipped or cached file is sha256-checked (against :data:`SHIPPED_SHA256`, which
matches ``data/MANIFEST.md``, or :data:`DOWNLOADS`) on its first use in a process. A
corrupt, truncated or missing file raises :class:`DataIntegrityError` (a
``ValueError``) naming the file, the expected and actual sha256 and how to fix it.
Downloads go to a temporary file in the cache folder, are verified, and only then
moved into place with ``os.replace``; a mismatch deletes the temporary file. Before a
download a reachability probe (3 s) runs, so a machine without network falls back at
once instead of hanging. ``.npz`` files are always read with ``allow_pickle=False``:
no pickle is ever loaded.

The data folder
---------------
:func:`data_dir` looks in: ``$COURSE_DATA_DIR``; ``data/`` next to the package (the
repository, also after ``pip install -e .``); ``./data`` and ``../data`` (notebooks run
from ``notebooks/``); ``/content/course/data`` (Colab, where the install cell clones
the repository into ``/content/course``).
"""

from __future__ import annotations

import gzip
import hashlib
import numbers
import os
import socket
import tarfile
import tempfile
import threading
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import numpy as np

from . import config
from ._base import check_labels, check_random_state

__all__ = [
    "DATASETS",
    "DOWNLOADS",
    "SHIPPED_SHA256",
    "SPLITS",
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

DATASETS = (
    "mnist",
    "kannada_mnist",
    "dig_mnist",
    "cifar10",
    "lfw_people",
    "uci_digits",
)
SPLITS = ("train", "test")
#: datasets that only have a test split
TEST_ONLY = ("dig_mnist",)
#: the seed of the course's stratified splits of the shipped files
SPLIT_SEED = 0

DATA_DIR_ENV = "COURSE_DATA_DIR"
CACHE_DIR_ENV = "COURSE_CACHE_DIR"
REPO_URL = "https://github.com/generating-data/course"
PROBE_TIMEOUT = 3.0  # seconds
DOWNLOAD_TIMEOUT = 60.0  # seconds without data before a download gives up

# Where data_dir() looks after $COURSE_DATA_DIR (module-level so tests can move them).
_PACKAGE_DATA_DIR = Path(__file__).resolve().parent.parent / "data"
_COLAB_DATA_DIR = Path("/content/course/data")


class DataIntegrityError(ValueError):
    """A data file is missing, truncated or does not match its recorded sha256."""


class DataNotFoundError(FileNotFoundError, ValueError):
    """No course data folder was found."""


#: sha256 of every shipped file in data/ (the same values as data/MANIFEST.md)
SHIPPED_SHA256 = {
    "mnist_t10k_images_idx3_ubyte.gz": (
        "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6"
    ),
    "mnist_t10k_labels_idx1_ubyte.gz": (
        "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6"
    ),
    "kannada_mnist_test_images_idx3_ubyte.gz": (
        "4628f3fa7b1d32137449dd356be4601da0c28c420b79f1b745a5134504ca35ca"
    ),
    "kannada_mnist_test_labels_idx1_ubyte.gz": (
        "645db5902d290681c9e5b452428e24636963a50a3036c2201240351b88786272"
    ),
    "dig_mnist_images_idx3_ubyte.gz": (
        "abda37c59d3d65ef89505860c18e7b7f7e80bfb2ba361ec1df68949e0c630aaa"
    ),
    "dig_mnist_labels_idx1_ubyte.gz": (
        "321fa413dc0f4bc4342da1f3418c656cd346f91d6d479ea67b1a107e920b907b"
    ),
    "cifar10_train_lossless_0.npz": (
        "c2abddbf6c55b62bd387872faad81864b484052104df6e638ec446a469d3f925"
    ),
    "cifar10_train_lossless_1.npz": (
        "d85fc6d2755a41a0de3cdac26805da648d3081fe60fde08055625f9637038236"
    ),
    "cifar10_train_lossless_2.npz": (
        "9f10bff1f558997466bead02ab49b909e49a47d9e0f60a7d232e464e5e1d810a"
    ),
    "cifar10_train_lossless_3.npz": (
        "09863e9406db2b40f878a39aabdfbd84473c6c2ad89d4c08ee2bc9c301500107"
    ),
    "cifar10_test_lossless.npz": (
        "322cfbdfee21afc4d3a6cf1f88b215bac7f3dc0fc933e7e947228e8afa267d14"
    ),
    "cifar10_test_jpeg_0.npz": (
        "d3c272807107852e417903214487be989ccea95e6576b9fbb33abd499e6c6cf0"
    ),
    "cifar10_test_jpeg_1.npz": (
        "ea47f813873b342c1350af152f8efb752706b4b6ae97cdad524d2724513d28c3"
    ),
    "cifar10_test_jpeg_2.npz": (
        "f09adba681723b505a413a9e8a39132304ab1742e09c28603ee460950b896ffe"
    ),
    "lfw_people_0.npz": (
        "87922a783082416e250236bab01bd6044f3c40ccd3749258b466d9369b748891"
    ),
    "lfw_people_1.npz": (
        "6691fe7131ea1de6c972758cbd54e0188635043c0f0740f46d2adac3eea2374d"
    ),
    "lfw_people_2.npz": (
        "77ef301aaf10faedfabb471c2b5ec68b1f4311b75f577c206972096391afc426"
    ),
}

_KANNADA_RAW = (
    "https://raw.githubusercontent.com/vinayprabhu/Kannada_MNIST/"
    "f8390ece0c6990551e6f35189ccc42757bb29c43/data/output_tensors/MNIST_format/"
)

#: Files of the full datasets: cache file name -> url, sha256 (None: unknown, so never
#: downloaded) and size in bytes (informational). ``file://`` urls skip the probe.
DOWNLOADS = {
    # keras.datasets.mnist.load_data(): same url and file_hash
    "mnist.npz": {
        "url": "https://storage.googleapis.com/tensorflow/tf-keras-datasets/mnist.npz",
        "sha256": "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1",
        "size": 11490434,
    },
    # tensorflow-datasets url_checksums/cifar10.txt
    "cifar-10-binary.tar.gz": {
        "url": "https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz",
        "sha256": "c4a38c50a1bc5f3a1c5537f2155ab9d68f9f25eb1ed8d9ddda3db29a59bca1dd",
        "size": 170052171,
    },
    # The official Kannada-MNIST release. No published sha256 is known for the train
    # files (only md5), so they stay None and `full` falls back to the shipped subset.
    "X_kannada_MNIST_train-idx3-ubyte.gz": {
        "url": _KANNADA_RAW + "X_kannada_MNIST_train-idx3-ubyte.gz",
        "sha256": None,
        "size": None,
    },
    "y_kannada_MNIST_train-idx1-ubyte.gz": {
        "url": _KANNADA_RAW + "y_kannada_MNIST_train-idx1-ubyte.gz",
        "sha256": None,
        "size": None,
    },
    # byte-identical to the shipped kannada_mnist_test_* files
    "X_kannada_MNIST_test-idx3-ubyte.gz": {
        "url": _KANNADA_RAW + "X_kannada_MNIST_test-idx3-ubyte.gz",
        "sha256": SHIPPED_SHA256["kannada_mnist_test_images_idx3_ubyte.gz"],
        "size": 1120203,
    },
    "y_kannada_MNIST_test-idx1-ubyte.gz": {
        "url": _KANNADA_RAW + "y_kannada_MNIST_test-idx1-ubyte.gz",
        "sha256": SHIPPED_SHA256["kannada_mnist_test_labels_idx1_ubyte.gz"],
        "size": 103,
    },
}

#: the DOWNLOADS files each downloadable dataset needs (all of them, for both splits)
FULL_FILES = {
    "mnist": ("mnist.npz",),
    "cifar10": ("cifar-10-binary.tar.gz",),
    "kannada_mnist": (
        "X_kannada_MNIST_train-idx3-ubyte.gz",
        "y_kannada_MNIST_train-idx1-ubyte.gz",
        "X_kannada_MNIST_test-idx3-ubyte.gz",
        "y_kannada_MNIST_test-idx1-ubyte.gz",
    ),
}

_COMPLETE_NOTE = {
    "lfw_people": " (every person with >= 20 images, as scikit-learn's "
    "fetch_lfw_people(min_faces_per_person=20))",
    "dig_mnist": " (all 10240 Dig-MNIST images)",
    "uci_digits": "",
}

CIFAR10_CLASSES = (
    "airplane",
    "automobile",
    "bird",
    "cat",
    "deer",
    "dog",
    "frog",
    "horse",
    "ship",
    "truck",
)

_KANNADA_CITATION = (
    'V. U. Prabhu, "Kannada-MNIST: A new handwritten digits dataset for the Kannada '
    'language", arXiv:1908.01242 (2019)'
)

_INFO = {
    "mnist": {
        "description": "MNIST handwritten digits 0-9, 28x28 greyscale",
        "image_shape": (28, 28),
        "class_names": tuple(str(d) for d in range(10)),
        "license": "CC BY-SA 3.0 (Yann LeCun and Corinna Cortes hold the copyright; "
        "a derivative work of NIST data)",
        "citation": "Y. LeCun, C. Cortes, C. J. C. Burges, The MNIST database of "
        "handwritten digits (1998)",
        "shipped": {"train": 8000, "test": 2000},
        "full": "mnist.npz from the Keras mirror (60000 train / 10000 test)",
    },
    "kannada_mnist": {
        "description": "Kannada-MNIST: handwritten Kannada digits 0-9, 28x28 greyscale",
        "image_shape": (28, 28),
        "class_names": tuple(str(d) for d in range(10)),
        "license": "none stated by the source repository (the author asks for a "
        "citation); do not assume MIT",
        "citation": _KANNADA_CITATION,
        "shipped": {"train": 8000, "test": 2000},
        "full": "official release files (60000 / 10000); disabled until a verified "
        "sha256 of the train files is recorded in DOWNLOADS",
    },
    "dig_mnist": {
        "description": "Dig-MNIST: a harder, out-of-domain test set of handwritten "
        "Kannada digits 0-9 (mostly non-native writers), 28x28 greyscale; test only",
        "image_shape": (28, 28),
        "class_names": tuple(str(d) for d in range(10)),
        "license": "none stated by the source repository (the author asks for a "
        "citation); do not assume MIT",
        "citation": _KANNADA_CITATION,
        "shipped": {"test": 10240},
        "full": "the shipped set is complete",
    },
    "cifar10": {
        "description": "CIFAR-10: 32x32 colour photos of 10 object classes",
        "image_shape": (32, 32, 3),
        "class_names": CIFAR10_CLASSES,
        "license": "no license published by the authors (Hugging Face lists 'unknown')",
        "citation": 'A. Krizhevsky, "Learning Multiple Layers of Features from Tiny '
        'Images", tech. report, University of Toronto (2009)',
        "shipped": {"train": 4000, "test": 4000},
        "full": "cifar-10-binary.tar.gz from cs.toronto.edu (50000 / 10000)",
    },
    "lfw_people": {
        "description": "Labeled Faces in the Wild: 62 people with >= 20 images each, "
        "62x47 greyscale face crops (scikit-learn fetch_lfw_people style)",
        "image_shape": (62, 47),
        "class_names": None,  # read from the npz `target_names`
        "license": "no license stated by the LFW authors; news photographs whose "
        "copyright stays with the photographers; used for research and teaching",
        "citation": 'G. B. Huang, M. Ramesh, T. Berg, E. Learned-Miller, "Labeled '
        "Faces in the Wild: A Database for Studying Face Recognition in "
        'Unconstrained Environments", UMass TR 07-49 (2007)',
        "shipped": {"train": 2267, "test": 756},
        "full": "the shipped set is complete",
    },
    "uci_digits": {
        "description": "UCI optical handwritten digits 0-9 as bundled with "
        "scikit-learn (load_digits), 8x8, rescaled from 0..16 to 0..255",
        "image_shape": (8, 8),
        "class_names": tuple(str(d) for d in range(10)),
        "license": "CC BY 4.0 (as listed by the UCI Machine Learning Repository)",
        "citation": "E. Alpaydin, C. Kaynak, Optical Recognition of Handwritten "
        "Digits, UCI Machine Learning Repository (1998), doi:10.24432/C50P49",
        "shipped": {"train": 1347, "test": 450},
        "full": "the shipped set is complete",
    },
}

# (path, size, mtime_ns) of files whose sha256 was checked in this process
_VERIFIED: set[tuple[str, int, int]] = set()


# ---- folders ------------------------------------------------------------------------
def _looks_like_data_dir(path: Path) -> bool:
    if not path.is_dir():
        return False
    names = ("MANIFEST.md", *SHIPPED_SHA256)
    return any((path / name).is_file() for name in names)


def _candidate_dirs() -> list[Path]:
    cwd = Path.cwd()
    return [_PACKAGE_DATA_DIR, cwd / "data", cwd.parent / "data", _COLAB_DATA_DIR]


def data_dir() -> Path:
    """The folder holding the shipped data files (see the module docstring for where
    it is looked for). Raises :class:`DataNotFoundError` saying how to get one."""
    env = os.environ.get(DATA_DIR_ENV, "").strip()
    if env:
        path = Path(env).expanduser()
        if not path.is_dir():
            raise DataNotFoundError(
                f"{DATA_DIR_ENV}={env!r} is not a folder; point it at the course's "
                "data/ folder (or unset it to use the repository's data/)"
            )
        return path.resolve()
    candidates = _candidate_dirs()
    for path in candidates:
        if _looks_like_data_dir(path):
            return path.resolve()
    looked = ", ".join(str(p) for p in candidates)
    raise DataNotFoundError(
        f"no course data folder found (looked in {looked}). Get one by cloning the "
        f"course repository (git clone {REPO_URL}) and running from inside it, or set "
        f"{DATA_DIR_ENV} to a folder holding the files listed in data/MANIFEST.md"
    )


def cache_dir() -> Path:
    """Where full downloads are kept: ``$COURSE_CACHE_DIR`` or ``<data dir>/cache``."""
    env = os.environ.get(CACHE_DIR_ENV, "").strip()
    if env:
        return Path(env).expanduser().resolve()
    return data_dir() / "cache"


def _shown(ddir: Path, name: str) -> str:
    """How a shipped file is named in messages (stable across machines)."""
    return f"data/{name}" if ddir.name == "data" else str(ddir / name)


# ---- integrity ----------------------------------------------------------------------
def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _verify(path: Path, expected: str, fix: str) -> None:
    """sha256-check ``path`` once per process (again if it changes on disk)."""
    if not path.is_file():
        raise DataIntegrityError(f"data file {path} is missing; {fix}")
    stat = path.stat()
    key = (str(path.resolve()), stat.st_size, stat.st_mtime_ns)
    if key in _VERIFIED:
        return
    actual = _sha256(path)
    if actual != expected:
        raise DataIntegrityError(
            f"data file {path} is corrupt or truncated ({stat.st_size} bytes): "
            f"sha256 {actual}, expected {expected}; {fix}"
        )
    _VERIFIED.add(key)


def _shipped_path(ddir: Path, name: str) -> Path:
    path = ddir / name
    _verify(
        path,
        SHIPPED_SHA256[name],
        f"restore it with `git checkout -- data/{name}` in the course repository "
        f"(or clone {REPO_URL} again)",
    )
    return path


# ---- file formats -------------------------------------------------------------------
_IDX_MAGIC = {0x803: 3, 0x801: 1}


def _read_idx(path: Path, magic: int) -> np.ndarray:
    """Read a gzip-compressed IDX file (uint8 data, magic 0x803 or 0x801)."""
    try:
        with gzip.open(path, "rb") as fh:
            raw = fh.read()
    except (OSError, EOFError) as exc:
        raise ValueError(
            f"{path} is not a complete gzip file ({exc}); restore or re-download it"
        ) from None
    ndim = _IDX_MAGIC[magic]
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise ValueError(f"{path}: IDX header truncated ({len(raw)} bytes)")
    found = int.from_bytes(raw[:4], "big")
    if found != magic:
        raise ValueError(
            f"{path}: IDX magic 0x{found:08x}, expected 0x{magic:08x} "
            f"({'images' if magic == 0x803 else 'labels'})"
        )
    dims = tuple(int.from_bytes(raw[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim))
    expected = int(np.prod(dims, dtype=np.int64))
    if len(raw) - header != expected:
        raise ValueError(
            f"{path}: IDX payload has {len(raw) - header} bytes but the header "
            f"{dims} needs {expected} (truncated or corrupt file)"
        )
    return np.frombuffer(raw, dtype=np.uint8, offset=header).reshape(dims)


def _read_idx_pair(images: Path, labels: Path) -> tuple[np.ndarray, np.ndarray]:
    X = _read_idx(images, 0x803)
    y = _read_idx(labels, 0x801)
    if X.shape[0] != y.shape[0]:
        raise ValueError(
            f"{images} holds {X.shape[0]} images but {labels} holds {y.shape[0]} labels"
        )
    return X, y.astype(np.int64)


def _load_npz(path: Path, keys: tuple[str, ...]) -> dict[str, np.ndarray]:
    """Read arrays from an ``.npz`` file; never unpickles anything."""
    try:
        with np.load(path, allow_pickle=False) as npz:
            missing = [k for k in keys if k not in npz.files]
            if missing:
                raise ValueError(f"arrays {missing} missing (it has {npz.files})")
            return {k: npz[k] for k in keys}
    except ValueError as exc:
        raise ValueError(f"{path}: {exc}") from None
    except (OSError, EOFError) as exc:  # zip errors are OSError/BadZipFile
        raise ValueError(f"{path}: not a readable .npz file ({exc})") from None


def _read_npz_parts(ddir: Path, names: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Concatenate the ``x`` and ``y`` arrays of shipped npz parts, in part order."""
    xs, ys = [], []
    for name in names:
        arrays = _load_npz(_shipped_path(ddir, name), ("x", "y"))
        if arrays["x"].dtype != np.uint8:
            raise ValueError(
                f"{ddir / name}: x has dtype {arrays['x'].dtype}, not uint8"
            )
        xs.append(arrays["x"])
        ys.append(arrays["y"].astype(np.int64))
    return np.concatenate(xs), np.concatenate(ys)


_CIFAR_RECORD = 1 + 32 * 32 * 3


def _read_cifar_binary(path: Path, split: str) -> tuple[np.ndarray, np.ndarray]:
    """Read CIFAR-10's *binary* release: records of 1 label byte + 3072 CHW pixels."""
    if split == "train":
        wanted = [f"cifar-10-batches-bin/data_batch_{i}.bin" for i in range(1, 6)]
    else:
        wanted = ["cifar-10-batches-bin/test_batch.bin"]
    found: dict[str, bytes] = {}
    try:
        with tarfile.open(path, "r|gz") as tar:  # one streaming pass, nothing extracted
            for member in tar:
                if member.name in wanted and member.isfile():
                    found[member.name] = tar.extractfile(member).read()
    except (tarfile.TarError, OSError, EOFError) as exc:
        raise ValueError(f"{path}: not a readable tar.gz file ({exc})") from None
    xs, ys = [], []
    for name in wanted:
        if name not in found:
            raise ValueError(f"{path}: member {name} missing")
        raw = found[name]
        if len(raw) == 0 or len(raw) % _CIFAR_RECORD:
            raise ValueError(
                f"{path}: {name} has {len(raw)} bytes, not a multiple of "
                f"{_CIFAR_RECORD} (truncated or corrupt)"
            )
        records = np.frombuffer(raw, dtype=np.uint8).reshape(-1, _CIFAR_RECORD)
        ys.append(records[:, 0].astype(np.int64))
        xs.append(records[:, 1:].reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1))
    return np.concatenate(xs), np.concatenate(ys)


# ---- the course's splits ------------------------------------------------------------
def _stratified_split(y: np.ndarray, test_size) -> tuple[np.ndarray, np.ndarray]:
    """(train_idx, test_idx): the course's one fixed, stratified split of a file."""
    from sklearn.model_selection import train_test_split

    index = np.arange(len(y))
    train_idx, test_idx = train_test_split(
        index, test_size=test_size, stratify=y, random_state=SPLIT_SEED
    )
    return train_idx, test_idx


def _pick_split(X, y, split, test_size):
    train_idx, test_idx = _stratified_split(y, test_size)
    idx = train_idx if split == "train" else test_idx
    return X[idx], y[idx]


def _uci_digits() -> tuple[np.ndarray, np.ndarray]:
    from sklearn.datasets import load_digits

    digits = load_digits()
    images = np.asarray(digits.images)
    if images.shape != (1797, 8, 8) or images.min() < 0 or images.max() > 16:
        raise ValueError(
            f"scikit-learn's load_digits() returned shape {images.shape} with values "
            f"in [{images.min()}, {images.max()}]; expected (1797, 8, 8) in 0..16"
        )
    X = np.rint(images * 255.0 / 16.0).astype(np.uint8)
    return X, np.asarray(digits.target, dtype=np.int64)


def _load_shipped(name: str, split: str, ddir: Path):
    """(X, y, description) from the shipped files (scikit-learn's for uci_digits)."""
    if name in ("mnist", "kannada_mnist", "dig_mnist"):
        prefix = {
            "mnist": "mnist_t10k",
            "kannada_mnist": "kannada_mnist_test",
            "dig_mnist": "dig_mnist",
        }[name]
        images = f"{prefix}_images_idx3_ubyte.gz"
        labels = f"{prefix}_labels_idx1_ubyte.gz"
        X, y = _read_idx_pair(_shipped_path(ddir, images), _shipped_path(ddir, labels))
        if name != "dig_mnist":
            X, y = _pick_split(X, y, split, test_size=2000)
        return X, y, f"shipped subset {_shown(ddir, images)}"
    if name == "cifar10":
        if split == "train":
            names = [f"cifar10_train_lossless_{i}.npz" for i in range(4)]
            shown = _shown(ddir, "cifar10_train_lossless_{0..3}.npz")
        else:
            names = ["cifar10_test_lossless.npz"]
            names += [f"cifar10_test_jpeg_{i}.npz" for i in range(3)]
            shown = (
                f"{_shown(ddir, 'cifar10_test_lossless.npz')} + "
                f"{_shown(ddir, 'cifar10_test_jpeg_{0..2}.npz')} (JPEG-recompressed)"
            )
        X, y = _read_npz_parts(ddir, names)
        return X, y, f"shipped subset {shown}"
    if name == "lfw_people":
        names = [f"lfw_people_{i}.npz" for i in range(3)]
        X, y = _read_npz_parts(ddir, names)
        X, y = _pick_split(X, y, split, test_size=0.25)
        return X, y, f"shipped subset {_shown(ddir, 'lfw_people_{0..2}.npz')}"
    if name == "uci_digits":
        X, y = _uci_digits()
        X, y = _pick_split(X, y, split, test_size=0.25)
        return (
            X,
            y,
            ("scikit-learn's bundled digits (load_digits(), 0..16 rescaled to 0..255)"),
        )
    raise AssertionError(name)  # pragma: no cover - names are validated first


# ---- the full datasets --------------------------------------------------------------
def _probe(url: str) -> str | None:
    """None if ``url``'s host answers within PROBE_TIMEOUT s, else the reason."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme == "file":
        return None
    host = parts.hostname or ""
    port = parts.port or (80 if parts.scheme == "http" else 443)
    result: list[str | None] = []

    def attempt():
        try:
            sock = socket.create_connection((host, port), timeout=PROBE_TIMEOUT)
        except OSError as exc:
            result.append(f"{host}:{port} did not answer ({exc})")
        else:
            sock.close()
            result.append(None)

    # a thread bounds the wait even when name resolution itself stalls
    thread = threading.Thread(target=attempt, daemon=True)
    thread.start()
    thread.join(PROBE_TIMEOUT + 0.5)
    if not result:
        return f"{host}:{port} did not answer within {PROBE_TIMEOUT:g} s"
    return result[0]


def _download(fname: str, cache: Path) -> Path:
    """Download DOWNLOADS[fname] into ``cache`` atomically, verifying its sha256."""
    entry = DOWNLOADS[fname]
    url, expected = entry["url"], entry["sha256"]
    cache.mkdir(parents=True, exist_ok=True)
    target = cache / fname
    fd, tmp_name = tempfile.mkstemp(prefix=f".{fname}.", suffix=".part", dir=cache)
    tmp = Path(tmp_name)
    digest = hashlib.sha256()
    try:
        with os.fdopen(fd, "wb") as out:
            with urllib.request.urlopen(url, timeout=DOWNLOAD_TIMEOUT) as response:
                for chunk in iter(lambda: response.read(1 << 20), b""):
                    digest.update(chunk)
                    out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        actual = digest.hexdigest()
        if actual != expected:
            raise DataIntegrityError(
                f"download of {url} for {target} failed verification: sha256 "
                f"{actual}, expected {expected}; nothing was kept. Run again to retry; "
                "if it keeps failing the server's file changed: use another profile "
                "(smoke/standard use the shipped data)"
            )
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    stat = target.stat()
    _VERIFIED.add((str(target.resolve()), stat.st_size, stat.st_mtime_ns))
    return target


def _parse_full(name: str, split: str, paths: dict[str, Path]):
    if name == "mnist":
        path = paths["mnist.npz"]
        arrays = _load_npz(path, (f"x_{split}", f"y_{split}"))
        X, y = arrays[f"x_{split}"], arrays[f"y_{split}"]
        if X.dtype != np.uint8 or X.ndim != 3 or X.shape[1:] != (28, 28):
            raise ValueError(
                f"{path}: x_{split} is {X.dtype} {X.shape}, not uint8 28x28"
            )
        return X, y.astype(np.int64)
    if name == "cifar10":
        return _read_cifar_binary(paths["cifar-10-binary.tar.gz"], split)
    if name == "kannada_mnist":
        return _read_idx_pair(
            paths[f"X_kannada_MNIST_{split}-idx3-ubyte.gz"],
            paths[f"y_kannada_MNIST_{split}-idx1-ubyte.gz"],
        )
    raise AssertionError(name)  # pragma: no cover


def _try_full(name: str, split: str, verbose: bool):
    """("ok", X, y, description) or ("fallback", reason, detail)."""
    files = FULL_FILES[name]
    unknown = [f for f in files if not DOWNLOADS[f]["sha256"]]
    if unknown:
        return (
            "fallback",
            f"no verified sha256 is known for {', '.join(unknown)}, so the full set "
            "is not downloaded",
            "add a checked sha256 to course_lib.data.DOWNLOADS to enable it",
        )
    cache = cache_dir()
    missing = [f for f in files if not (cache / f).is_file()]
    for url in dict.fromkeys(DOWNLOADS[f]["url"] for f in missing):
        reason = _probe(url)
        if reason is not None:
            return ("fallback", "network unreachable", reason)
    downloaded = []
    for fname in missing:
        url = DOWNLOADS[fname]["url"]
        if verbose:
            size = DOWNLOADS[fname].get("size")
            size_text = f" ({size / 1e6:.1f} MB)" if size else ""
            print(f"{name}/{split}: downloading {url}{size_text} ...", flush=True)
        try:
            _download(fname, cache)
        except (urllib.error.URLError, OSError) as exc:
            return ("fallback", f"download of {url} failed", str(exc))
        downloaded.append(url)
    paths = {}
    for fname in files:
        path = cache / fname
        _verify(
            path,
            DOWNLOADS[fname]["sha256"],
            f"delete it (rm {path}) and load again to download it afresh",
        )
        paths[fname] = path
    X, y = _parse_full(name, split, paths)
    where = ", ".join(str(paths[f]) for f in files)
    if downloaded:
        text = f"full dataset downloaded from {', '.join(downloaded)} into {where}"
    else:
        text = f"full dataset from the local cache {where}"
    return ("ok", X, y, text)


# ---- the loader ---------------------------------------------------------------------
def _check_name_split(name, split) -> None:
    if name not in DATASETS:
        raise ValueError(
            f"unknown dataset {name!r}; valid names: {', '.join(DATASETS)}"
        )
    if split not in SPLITS:
        raise ValueError(f"unknown split {split!r}; valid splits: {', '.join(SPLITS)}")
    if name in TEST_ONLY and split != "test":
        raise ValueError(
            f"{name} is a test-only set (10240 images, an out-of-domain test set); "
            "load it with split='test'"
        )


def load(
    name: str, split: str = "train", profile: str | None = None, *, verbose: bool = True
) -> tuple[np.ndarray, np.ndarray]:
    """Load a dataset split as ``(X, y)``: uint8 images 0..255 and int64 labels.

    Parameters
    ----------
    name : one of :data:`DATASETS`.
    split : ``"train"`` or ``"test"`` (``dig_mnist`` is test-only).
    profile : ``"smoke"``, ``"standard"`` or ``"full"``; None reads
        ``$COURSE_PROFILE`` (see :func:`course_lib.config.get_profile`). smoke and
        standard always use the shipped subset; full prefers the complete dataset.
    verbose : print the one line saying which source was used (default True).

    Raises
    ------
    ValueError
        for an unknown name, split or profile (listing the valid ones);
        :class:`DataIntegrityError` for a corrupt or missing file;
        :class:`DataNotFoundError` when no data folder is found.
    """
    _check_name_split(name, split)
    active = config.get_profile(profile)
    tail = ""
    if active == "full" and name in FULL_FILES:
        full = _try_full(name, split, verbose)
        if full[0] == "ok":
            _, X, y, text = full
        else:
            _, reason, detail = full
            X, y, shown = _load_shipped(name, split, data_dir())
            text = f"{reason}: falling back to the {shown}"
            tail = f"; {detail}"
    else:
        X, y, text = _load_shipped(name, split, data_dir())
        if active == "full":
            text = text.replace("shipped subset", "shipped", 1)
            text += f", which is the complete set{_COMPLETE_NOTE[name]}"
    X = np.require(X, dtype=np.uint8, requirements=["C", "W"])
    y = np.asarray(y, dtype=np.int64)
    if verbose:
        n_classes = len(np.unique(y))
        print(f"{name}/{split}: {text} ({len(y)} images, {n_classes} classes){tail}")
    return X, y


def info(name: str) -> dict:
    """What a dataset is: description, image shape, classes, license, citation and
    the shipped split sizes."""
    if name not in DATASETS:
        raise ValueError(
            f"unknown dataset {name!r}; valid names: {', '.join(DATASETS)}"
        )
    entry = dict(_INFO[name])
    if name == "lfw_people":
        names = _load_npz(
            _shipped_path(data_dir(), "lfw_people_0.npz"), ("target_names",)
        )
        entry["class_names"] = tuple(str(n) for n in names["target_names"])
    entry["class_names"] = list(entry["class_names"])
    entry["n_classes"] = len(entry["class_names"])
    entry["shipped"] = dict(entry["shipped"])
    entry["name"] = name
    return entry


# ---- helpers ------------------------------------------------------------------------
def to_unit(X) -> np.ndarray:
    """Scale images to float32 in [0, 1]: uint8 is divided by 255; float data already
    in [0, 1] is returned as float32; anything else raises ``ValueError``."""
    arr = np.asarray(X)
    if arr.dtype == np.uint8:
        return arr.astype(np.float32) / np.float32(255.0)
    if np.issubdtype(arr.dtype, np.floating):
        if arr.size:
            if not np.all(np.isfinite(arr)):
                raise ValueError("X contains NaN or infinite values")
            lo, hi = float(arr.min()), float(arr.max())
            if lo < 0.0 or hi > 1.0:
                raise ValueError(
                    "float X must already lie in [0, 1], got values in "
                    f"[{lo:g}, {hi:g}]; pass uint8 images (0..255) or rescale first"
                )
        return arr.astype(np.float32)
    raise ValueError(
        f"to_unit expects uint8 images (0..255) or floats in [0, 1], got dtype "
        f"{arr.dtype}; convert with X.astype(np.uint8) if the values are 0..255"
    )


def binarize(X, threshold: float = 0.5) -> np.ndarray:
    """float32 {0, 1} images: 1 where the [0, 1]-scaled value is > ``threshold``."""
    if (
        isinstance(threshold, bool)
        or not isinstance(threshold, numbers.Real)
        or not (0.0 <= threshold <= 1.0)
    ):
        raise ValueError(f"threshold must be a number in [0, 1], got {threshold!r}")
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
        gray = arr.astype(np.float64) @ _LUMA
        return np.clip(np.rint(gray), 0, 255).astype(np.uint8)
    if np.issubdtype(arr.dtype, np.floating):
        return (arr @ _LUMA.astype(arr.dtype)).astype(arr.dtype)
    raise ValueError(f"grayscale expects uint8 or float images, got dtype {arr.dtype}")


def _check_xy(X, y) -> tuple[np.ndarray, np.ndarray]:
    X = np.asarray(X)
    if X.ndim == 0:
        raise ValueError("X must have a samples axis, got a scalar")
    return X, check_labels(y, X.shape[0])


def class_counts(y) -> dict[int, int]:
    """``{label: count}`` for every label in ``y``, sorted by label."""
    labels, counts = np.unique(np.asarray(y), return_counts=True)
    return {int(k): int(c) for k, c in zip(labels, counts, strict=True)}


def make_imbalanced(X, y, *, minority, ratio, seed=0):
    """Keep only a few rows of one class: the imbalanced-data problem on demand.

    Keeps ``max(1, round(ratio * m))`` randomly chosen rows of class ``minority``,
    where ``m`` is the mean count of the other classes (at most all of its rows),
    and every row of the other classes, in the original order.
    Returns ``(X_sub, y_sub)``.
    """
    X, y = _check_xy(X, y)
    if (
        isinstance(ratio, bool)
        or not isinstance(ratio, numbers.Real)
        or not (0.0 < ratio <= 1.0)
    ):
        raise ValueError(f"ratio must be a number in (0, 1], got {ratio!r}")
    labels, counts = np.unique(y, return_counts=True)
    if minority not in labels.tolist():
        raise ValueError(
            f"minority class {minority!r} is not in y; classes present: "
            f"{labels.tolist()}"
        )
    others = counts[labels != minority]
    if others.size == 0:
        raise ValueError("y holds a single class; nothing to make imbalanced against")
    rows = np.flatnonzero(y == minority)
    keep = min(rows.size, max(1, round(float(ratio) * float(others.mean()))))
    rng = check_random_state(seed)
    chosen = rng.choice(rows, size=keep, replace=False)
    mask = y != minority
    mask[chosen] = True
    return X[mask], y[mask]


def subsample(X, y, n, seed=0):
    """A deterministic, stratified subset of ``n`` rows, in the original order.

    Each class gets its proportional share (largest remainders round it to ``n``).
    ``n=None`` or ``n >= len(y)`` returns all rows unchanged.
    """
    X, y = _check_xy(X, y)
    if n is None:
        return X, y
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"n must be None or an integer >= 1, got {n!r}")
    if n >= y.shape[0]:
        return X, y
    labels, inverse, counts = np.unique(y, return_inverse=True, return_counts=True)
    quota = n * counts / y.shape[0]
    share = np.floor(quota).astype(np.int64)
    order = np.lexsort((np.arange(labels.size), -(quota - share)))
    share[order[: n - int(share.sum())]] += 1
    rng = check_random_state(seed)
    picked = [
        rng.choice(np.flatnonzero(inverse == k), size=share[k], replace=False)
        for k in range(labels.size)
        if share[k]
    ]
    keep = np.sort(np.concatenate(picked))
    return X[keep], y[keep]
