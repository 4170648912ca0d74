"""Tests of course_lib.data: the datasets, their splits, integrity checks and helpers.

No test touches the network: an autouse fixture makes every socket connection fail,
and downloads are exercised with local files standing in for them (``file://``).
"""

from __future__ import annotations

import hashlib
import shutil
import socket
import sys
import time
import types
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from course_lib import data

REPO_DATA = Path(data.__file__).resolve().parent.parent / "data"

# (name, split) -> (n_rows, image shape, n_classes)
EXPECTED = {
    ("mnist", "train"): (8000, (28, 28), 10),
    ("mnist", "test"): (2000, (28, 28), 10),
    ("kannada_mnist", "train"): (8000, (28, 28), 10),
    ("kannada_mnist", "test"): (2000, (28, 28), 10),
    ("dig_mnist", "test"): (10240, (28, 28), 10),
    ("cifar10", "train"): (4000, (32, 32, 3), 10),
    ("cifar10", "test"): (4000, (32, 32, 3), 10),
    ("lfw_people", "train"): (2267, (62, 47), 62),
    ("lfw_people", "test"): (756, (62, 47), 62),
    ("uci_digits", "train"): (1347, (8, 8), 10),
    ("uci_digits", "test"): (450, (8, 8), 10),
}

_CACHE: dict = {}


def loaded(name, split):
    """Load once per test session (standard profile, quiet); never mutate the result."""
    if (name, split) not in _CACHE:
        _CACHE[name, split] = data.load(name, split, profile="standard", verbose=False)
    return _CACHE[name, split]


@pytest.fixture(autouse=True)
def _isolated(monkeypatch, tmp_path):
    """Fixed profile, repository data, a private cache and no network."""
    monkeypatch.delenv("COURSE_PROFILE", raising=False)
    monkeypatch.delenv(data.DATA_DIR_ENV, raising=False)
    monkeypatch.setenv(data.CACHE_DIR_ENV, str(tmp_path / "cache"))

    def no_network(*args, **kwargs):
        raise OSError("network disabled in the tests")

    monkeypatch.setattr(socket, "create_connection", no_network)


def copy_data(tmp_path, monkeypatch, names) -> Path:
    """Copy some shipped files to tmp_path/data and point COURSE_DATA_DIR there."""
    target = tmp_path / "data"
    target.mkdir()
    for name in names:
        shutil.copyfile(REPO_DATA / name, target / name)  # copyfile: writable copy
    monkeypatch.setenv(data.DATA_DIR_ENV, str(target))
    return target


def row_hashes(X, y) -> Counter:
    return Counter(
        hashlib.sha1(row.tobytes() + bytes([int(label) % 256])).hexdigest()
        for row, label in zip(X, y, strict=True)
    )


def whole_file(name):
    """The underlying shipped file(s) of a split dataset, as (X uint8, y)."""
    if name in ("mnist", "kannada_mnist"):
        prefix = "mnist_t10k" if name == "mnist" else "kannada_mnist_test"
        X = data._read_idx(REPO_DATA / f"{prefix}_images_idx3_ubyte.gz")
        y = data._read_idx(REPO_DATA / f"{prefix}_labels_idx1_ubyte.gz")
        return X, y.astype(np.int64)
    if name == "lfw_people":
        parts = [np.load(REPO_DATA / f"lfw_people_{i}.npz") for i in range(3)]
        return (
            np.concatenate([p["x"] for p in parts]),
            np.concatenate([p["y"] for p in parts]).astype(np.int64),
        )
    from sklearn.datasets import load_digits

    digits = load_digits()
    return np.rint(digits.images * 255 / 16).astype(np.uint8), digits.target


# ---- shapes, dtypes, labels ---------------------------------------------------------
@pytest.mark.parametrize(("name", "split"), sorted(EXPECTED))
def test_shape_dtype_and_labels(name, split):
    n, shape, n_classes = EXPECTED[name, split]
    X, y = loaded(name, split)
    assert X.shape == (n, *shape)
    assert X.dtype == np.uint8 and y.dtype == np.int64
    assert X.flags.writeable and X.flags.c_contiguous
    assert X.min() == 0 and X.max() == 255  # the 0..255 range for every dataset
    assert set(np.unique(y).tolist()) == set(range(n_classes))


def test_uci_digits_are_rescaled_from_0_16():
    X, _ = loaded("uci_digits", "train")
    allowed = np.rint(np.arange(17) * 255 / 16).astype(np.uint8)
    assert set(np.unique(X).tolist()) <= set(allowed.tolist())
    assert 128 in allowed and 255 in allowed


def test_load_prints_one_line(capsys):
    data.load("mnist")
    out = capsys.readouterr().out
    assert out == (
        "mnist/train: shipped subset data/mnist_t10k_images_idx3_ubyte.gz "
        "(8000 images, 10 classes)\n"
    )
    data.load("mnist")  # every call says it
    assert capsys.readouterr().out == out


def test_profile_comes_from_the_environment(monkeypatch, capsys):
    monkeypatch.setenv("COURSE_PROFILE", "smoke")
    X, _ = data.load("mnist", "test")
    assert X.shape[0] == 2000  # smoke uses the shipped subset at its full size
    monkeypatch.setenv("COURSE_PROFILE", "turbo")
    with pytest.raises(ValueError, match="smoke, standard, full"):
        data.load("mnist")


# ---- the course's splits ------------------------------------------------------------
@pytest.mark.parametrize("name", ["mnist", "kannada_mnist", "lfw_people", "uci_digits"])
def test_splits_are_disjoint_and_cover_the_file(name):
    X_train, y_train = loaded(name, "train")
    X_test, y_test = loaded(name, "test")
    X_all, y_all = whole_file(name)
    assert len(y_train) + len(y_test) == len(y_all)
    # as multisets of (image, label) rows: train + test is exactly the file
    assert row_hashes(X_train, y_train) + row_hashes(X_test, y_test) == row_hashes(
        X_all, y_all
    )


def test_cifar10_train_and_test_do_not_overlap():
    train = set(row_hashes(*loaded("cifar10", "train")))
    test = set(row_hashes(*loaded("cifar10", "test")))
    assert not train & test


@pytest.mark.parametrize("name", ["mnist", "kannada_mnist", "lfw_people", "uci_digits"])
def test_splits_are_stratified(name):
    _, y_all = whole_file(name)
    classes = np.unique(y_all)
    p_all = np.array([np.mean(y_all == c) for c in classes])
    for split in ("train", "test"):
        _, y = loaded(name, split)
        p = np.array([np.mean(y == c) for c in classes])
        assert np.max(np.abs(p - p_all)) <= 0.01, split


def test_splits_are_deterministic():
    for name in ("mnist", "lfw_people"):
        X1, y1 = data.load(name, "test", verbose=False)
        X2, y2 = data.load(name, "test", verbose=False)
        assert np.array_equal(X1, X2) and np.array_equal(y1, y2)
        X3, y3 = loaded(name, "test")
        assert np.array_equal(X1, X3) and np.array_equal(y1, y3)


def test_dig_mnist_is_test_only():
    with pytest.raises(ValueError, match="no split 'train'; valid: test"):
        data.load("dig_mnist", "train")


# ---- bad names, splits, profiles ----------------------------------------------------
def test_unknown_name_lists_the_valid_ones():
    with pytest.raises(ValueError) as err:
        data.load("fashion_mnist")
    for name in data.DATASETS:
        assert name in str(err.value)


def test_unknown_split_lists_the_valid_ones():
    with pytest.raises(ValueError, match="train, test"):
        data.load("mnist", "validation")


def test_unknown_profile_lists_the_valid_ones():
    with pytest.raises(ValueError, match="smoke, standard, full"):
        data.load("mnist", profile="quick")


# ---- integrity ----------------------------------------------------------------------
MNIST_FILES = ["mnist_t10k_images_idx3_ubyte.gz", "mnist_t10k_labels_idx1_ubyte.gz"]


def test_flipped_byte_raises_integrity_error(tmp_path, monkeypatch):
    folder = copy_data(tmp_path, monkeypatch, MNIST_FILES)
    path = folder / MNIST_FILES[0]
    raw = bytearray(path.read_bytes())
    raw[len(raw) // 2] ^= 0xFF
    path.write_bytes(bytes(raw))
    with pytest.raises(data.DataIntegrityError) as err:
        data.load("mnist")
    message = str(err.value)
    assert MNIST_FILES[0] in message
    assert data.DATASETS["mnist"]["files"][MNIST_FILES[0]] in message  # expected
    assert hashlib.sha256(bytes(raw)).hexdigest() in message  # actual
    assert f"git checkout -- data/{MNIST_FILES[0]}" in message
    assert isinstance(err.value, ValueError)


def test_truncated_file_raises_integrity_error(tmp_path, monkeypatch):
    folder = copy_data(tmp_path, monkeypatch, MNIST_FILES)
    path = folder / MNIST_FILES[1]
    path.write_bytes(path.read_bytes()[:1000])
    with pytest.raises(data.DataIntegrityError, match=MNIST_FILES[1]):
        data.load("mnist", "test")


def test_missing_file_raises_integrity_error(tmp_path, monkeypatch):
    copy_data(tmp_path, monkeypatch, MNIST_FILES[:1])
    with pytest.raises(data.DataIntegrityError, match="missing"):
        data.load("mnist")


def test_intact_copy_loads_and_is_hashed_once(tmp_path, monkeypatch):
    copy_data(tmp_path, monkeypatch, MNIST_FILES)
    calls = []
    real = hashlib.file_digest
    monkeypatch.setattr(
        hashlib, "file_digest", lambda f, d: calls.append(f) or real(f, d)
    )
    X, _ = data.load("mnist", verbose=False)
    data.load("mnist", "test", verbose=False)
    assert len(calls) == 2  # each file once per process
    assert np.array_equal(X, loaded("mnist", "train")[0])


def sha256(path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def test_manifest_files_and_the_dataset_table_agree():
    manifest = (REPO_DATA / "MANIFEST.md").read_text()
    shipped = sorted(p.name for p in REPO_DATA.iterdir() if p.suffix in (".gz", ".npz"))
    table = {f: sha for e in data.DATASETS.values() for f, sha in e["files"].items()}
    assert shipped == sorted(table)
    for fname, sha in table.items():
        line = next(ln for ln in manifest.splitlines() if f"`{fname}`" in ln)
        assert sha in line, fname
        assert sha256(REPO_DATA / fname) == sha, fname
    for name, entry in data.DATASETS.items():
        # the manifest's split table: | `name` | files | N | train | test |
        row = next(ln for ln in manifest.splitlines() if ln.startswith(f"| `{name}` |"))
        cells = [cell.strip() for cell in row.split("|")[3:6]]
        n_train, n_test = entry["shipped"].get("train"), entry["shipped"]["test"]
        assert cells[0] == str(sum(entry["shipped"].values())) or name == "cifar10"
        assert cells[1].startswith(str(n_train) if n_train else "none"), name
        assert cells[2].startswith(str(n_test)), name
        for url, sha in entry.get("full", {}).get("files", {}).values():
            assert not sha or sha in manifest, url


# ---- no pickle ----------------------------------------------------------------------
def test_object_arrays_are_refused(tmp_path, monkeypatch):
    folder = copy_data(tmp_path, monkeypatch, [])
    path = folder / "lfw_people_0.npz"
    with open(path, "wb") as fh:
        np.savez(fh, x=np.array([{"a": 1}], dtype=object), y=np.zeros(1))
    monkeypatch.setitem(data.DATASETS["lfw_people"]["files"], path.name, sha256(path))
    with pytest.raises(ValueError, match="allow_pickle"):
        data.load("lfw_people")


def test_every_np_load_disallows_pickle(monkeypatch):
    calls = []
    real = np.load

    def spy(*args, **kwargs):
        calls.append(kwargs.get("allow_pickle"))
        return real(*args, **kwargs)

    monkeypatch.setattr(np, "load", spy)
    data.load("cifar10", "test", verbose=False)
    data.load("lfw_people", verbose=False)
    data.info("lfw_people")
    assert calls and all(flag is False for flag in calls)


# ---- the full profile: offline fallback and local files standing in for downloads ---
def test_offline_full_falls_back_quickly(capsys):
    start = time.perf_counter()
    X, _ = data.load("mnist", "train", profile="full")
    elapsed = time.perf_counter() - start
    out = capsys.readouterr().out
    assert elapsed < 5
    assert X.shape == (8000, 28, 28)
    assert len(out.splitlines()) == 1
    assert out.startswith("mnist/train: shipped subset data/mnist_t10k_images")
    assert "full dataset not used (network unreachable: storage.googleapis.com" in out


def test_probe_never_hangs(monkeypatch, capsys):
    monkeypatch.setattr(data, "PROBE_TIMEOUT", 0.2)

    def stalled_connection(*args, **kwargs):
        time.sleep(5)  # a stalled DNS lookup or SYN, which ends in a timeout
        raise TimeoutError("timed out")

    monkeypatch.setattr(socket, "create_connection", stalled_connection)
    start = time.perf_counter()
    X, _ = data.load("cifar10", "train", profile="full")
    assert time.perf_counter() - start < 3
    assert X.shape == (4000, 32, 32, 3)
    assert "network unreachable" in capsys.readouterr().out


def test_full_profile_of_complete_sets_uses_them(capsys):
    X, _ = data.load("lfw_people", "test", profile="full")
    assert X.shape[0] == 756
    assert "complete set" in capsys.readouterr().out


def test_kannada_full_without_a_known_sha256_falls_back(monkeypatch, capsys):
    probes = []
    monkeypatch.setattr(data, "_unreachable", lambda url: probes.append(url))
    X, _ = data.load("kannada_mnist", "train", profile="full")
    out = capsys.readouterr().out
    assert X.shape == (8000, 28, 28)
    assert "no verified sha256 is known for X_kannada_MNIST_train" in out
    assert probes == []  # nothing is fetched without a hash to check it against


@pytest.fixture
def tiny_mnist(tmp_path, monkeypatch):
    """A local mnist.npz standing in for the download (a file:// url, its sha256)."""
    rng = np.random.default_rng(0)
    arrays = {
        "x_train": rng.integers(0, 256, (30, 28, 28), dtype=np.uint8),
        "y_train": np.arange(30, dtype=np.uint8) % 10,
        "x_test": rng.integers(0, 256, (10, 28, 28), dtype=np.uint8),
        "y_test": np.arange(10, dtype=np.uint8),
    }
    path = tmp_path / "source" / "mnist.npz"
    path.parent.mkdir()
    np.savez_compressed(path, **arrays)
    files = data.DATASETS["mnist"]["full"]["files"]
    monkeypatch.setitem(files, "mnist.npz", [path.as_uri(), sha256(path)])
    return path, arrays


def test_local_file_stands_in_for_a_download(tmp_path, capsys, tiny_mnist):
    source, arrays = tiny_mnist
    X, y = data.load("mnist", "train", profile="full")
    assert np.array_equal(X, arrays["x_train"]) and y.dtype == np.int64
    assert np.array_equal(y, arrays["y_train"])
    out = capsys.readouterr().out
    assert "Downloading data from file://" in out
    assert out.splitlines()[-1].startswith("mnist/train: full dataset in ")
    assert out.endswith("(30 images, 10 classes)\n")
    cached = tmp_path / "cache" / "keras" / "mnist.npz"
    assert cached.read_bytes() == source.read_bytes()
    source.unlink()  # the next load uses the cache
    X_test, _ = data.load("mnist", "test", profile="full")
    assert np.array_equal(X_test, arrays["x_test"])


def test_download_with_wrong_sha_raises_naming_the_file(monkeypatch, tiny_mnist):
    files = data.DATASETS["mnist"]["full"]["files"]
    monkeypatch.setitem(files, "mnist.npz", [tiny_mnist[0].as_uri(), "0" * 64])
    with pytest.raises(data.DataIntegrityError, match=r"mnist\.npz.*delete it"):
        data.load("mnist", profile="full", verbose=False)


def test_corrupt_cache_file_is_fetched_again_or_says_how_to_fix(tmp_path, tiny_mnist):
    source, arrays = tiny_mnist
    cached = tmp_path / "cache" / "keras" / "mnist.npz"
    cached.parent.mkdir(parents=True)
    cached.write_bytes(source.read_bytes()[:-100])
    X, _ = data.load("mnist", profile="full", verbose=False)  # the hash fails: fetched
    assert np.array_equal(X, arrays["x_train"])
    cached.write_bytes(source.read_bytes()[:-100])
    source.unlink()
    with pytest.raises(data.DataIntegrityError, match=r"mnist\.npz.*delete it"):
        data.load("mnist", profile="full", verbose=False)


def test_cifar10_full_goes_through_tensorflow_datasets(tmp_path, monkeypatch):
    calls = []
    fake = types.SimpleNamespace(
        load=lambda name, **kwargs: calls.append((name, kwargs)) or ("X", "y"),
        as_numpy=lambda pair: (np.zeros((2, 32, 32, 3), np.uint8), np.arange(2)),
    )
    monkeypatch.setitem(sys.modules, "tensorflow_datasets", fake)
    (tmp_path / "cache" / "tensorflow_datasets" / "cifar10").mkdir(parents=True)
    X, y = data.load("cifar10", "test", profile="full", verbose=False)
    assert X.shape == (2, 32, 32, 3) and y.tolist() == [0, 1]
    where = tmp_path / "cache" / "tensorflow_datasets"
    assert calls == [
        (
            "cifar10",
            dict(split="test", batch_size=-1, as_supervised=True, data_dir=where),
        )
    ]


# ---- the data folder ----------------------------------------------------------------
def test_data_dir_defaults_to_the_repository():
    assert data.data_dir() == REPO_DATA


def test_data_dir_from_environment(tmp_path, monkeypatch):
    monkeypatch.setenv(data.DATA_DIR_ENV, str(tmp_path))
    assert data.data_dir() == tmp_path.resolve()
    monkeypatch.setenv(data.DATA_DIR_ENV, str(tmp_path / "nowhere"))
    with pytest.raises(ValueError, match=data.DATA_DIR_ENV):
        data.data_dir()


def test_data_dir_from_a_notebooks_folder(tmp_path, monkeypatch):
    monkeypatch.setattr(data, "_PACKAGE_DATA_DIR", tmp_path / "no_package_data")
    monkeypatch.setattr(data, "_COLAB_DATA_DIR", tmp_path / "no_colab")
    (tmp_path / "course" / "data").mkdir(parents=True)
    (tmp_path / "course" / "data" / "MANIFEST.md").write_text("manifest")
    (tmp_path / "course" / "notebooks").mkdir()
    monkeypatch.chdir(tmp_path / "course" / "notebooks")
    assert data.data_dir() == (tmp_path / "course" / "data").resolve()


def test_data_dir_where_the_colab_cell_clones_the_course(tmp_path, monkeypatch):
    """A non-editable install (Colab) has no data/ beside the package: the data is
    found in ./course/data, where the install cell clones the course."""
    monkeypatch.setattr(data, "_PACKAGE_DATA_DIR", tmp_path / "site-packages" / "data")
    monkeypatch.setattr(data, "_COLAB_DATA_DIR", tmp_path / "no_colab")
    (tmp_path / "content" / "course" / "data").mkdir(parents=True)
    (tmp_path / "content" / "course" / "data" / "MANIFEST.md").write_text("manifest")
    monkeypatch.chdir(tmp_path / "content")
    assert data.data_dir() == (tmp_path / "content" / "course" / "data").resolve()


def test_repo_url_comes_from_the_project_metadata(tmp_path, monkeypatch):
    import importlib.metadata
    import tomllib

    pyproject = tomllib.loads((REPO_DATA.parent / "pyproject.toml").read_text())
    assert data.REPO_URL == pyproject["project"]["urls"]["Repository"]
    # installed without the source tree (pip install ./course): the wheel's metadata
    monkeypatch.setattr(data, "_PACKAGE_DATA_DIR", tmp_path / "site-packages" / "data")
    meta = {"Project-URL": ["Repository, https://example.org/fork/course/"]}
    monkeypatch.setattr(
        importlib.metadata,
        "metadata",
        lambda name: types.SimpleNamespace(get_all=lambda key: meta.get(key)),
    )
    assert data._repo_url() == "https://example.org/fork/course"


def test_missing_data_dir_says_how_to_get_one(tmp_path, monkeypatch):
    monkeypatch.setattr(data, "_PACKAGE_DATA_DIR", tmp_path / "no_package_data")
    monkeypatch.setattr(data, "_COLAB_DATA_DIR", tmp_path / "no_colab")
    (tmp_path / "a" / "b").mkdir(parents=True)
    monkeypatch.chdir(tmp_path / "a" / "b")
    with pytest.raises(FileNotFoundError) as err:
        data.load("mnist")
    assert isinstance(err.value, ValueError)
    assert "git clone" in str(err.value) and data.DATA_DIR_ENV in str(err.value)


# ---- info ---------------------------------------------------------------------------
@pytest.mark.parametrize("name", data.DATASETS)
def test_info(name):
    meta = data.info(name)
    for key in ("description", "image_shape", "class_names", "license", "citation"):
        assert meta[key], key
    assert meta["n_classes"] == len(meta["class_names"])
    for split, n in meta["shipped"].items():
        assert EXPECTED[name, split][0] == n
        assert EXPECTED[name, split][1] == meta["image_shape"]
        assert EXPECTED[name, split][2] == meta["n_classes"]


def test_info_class_names_match_the_files():
    lfw = data.info("lfw_people")["class_names"]
    assert len(lfw) == 62 and lfw[14] == "George_W_Bush"
    with np.load(REPO_DATA / "cifar10_test_lossless.npz") as npz:
        assert data.info("cifar10")["class_names"] == npz["class_names"].tolist()
    assert "1908.01242" in data.info("kannada_mnist")["citation"]
    with pytest.raises(ValueError, match="uci_digits"):
        data.info("svhn")


# ---- helpers ------------------------------------------------------------------------
def test_to_unit():
    X = np.array([[0, 51, 255]], dtype=np.uint8)
    unit = data.to_unit(X)
    assert unit.dtype == np.float32
    np.testing.assert_allclose(unit, [[0.0, 0.2, 1.0]], rtol=1e-6)
    again = data.to_unit(np.array([0.0, 0.5, 1.0]))
    assert again.dtype == np.float32 and again.tolist() == [0.0, 0.5, 1.0]
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        data.to_unit(np.array([0.0, 255.0]))
    with pytest.raises(ValueError, match="uint8"):
        data.to_unit(np.array([0, 255], dtype=np.int64))
    with pytest.raises(ValueError, match="NaN"):
        data.to_unit(np.array([np.nan]))


def test_binarize():
    X = np.array([0, 127, 128, 255], dtype=np.uint8)
    out = data.binarize(X)
    assert out.dtype == np.float32 and out.tolist() == [0, 0, 1, 1]
    assert data.binarize(np.array([0.1, 0.3, 0.9]), threshold=0.2).tolist() == [0, 1, 1]
    with pytest.raises(ValueError, match="threshold"):
        data.binarize(X, threshold=128)


def test_grayscale_against_a_hand_computation():
    X = np.array([[[[255, 0, 0], [10, 20, 30]], [[0, 255, 0], [0, 0, 255]]]], np.uint8)
    gray = data.grayscale(X)
    # .299*255 = 76.245; .299*10+.587*20+.114*30 = 18.15; .587*255 = 149.685;
    # .114*255 = 29.07
    assert gray.dtype == np.uint8 and gray.shape == (1, 2, 2)
    assert gray.tolist() == [[[76, 18], [150, 29]]]
    white = data.grayscale(np.full((1, 1, 1, 3), 255, np.uint8))
    assert white.item() == 255
    as_float = data.grayscale(X.astype(np.float32) / 255)
    assert as_float.dtype == np.float32
    np.testing.assert_allclose(as_float[0, 0, 0], 0.299, rtol=1e-6)
    with pytest.raises(ValueError, match="RGB"):
        data.grayscale(np.zeros((2, 8, 8), np.uint8))


def test_grayscale_of_cifar():
    X, _ = loaded("cifar10", "test")
    gray = data.grayscale(X[:5])
    assert gray.shape == (5, 32, 32) and gray.dtype == np.uint8


@pytest.fixture
def unbalanced_toy():
    y = np.array([0] * 100 + [1] * 100 + [2] * 50)
    X = np.arange(y.size)[:, None] * np.ones((1, 3))
    return X, y


def test_make_imbalanced_counts_order_and_seed(unbalanced_toy):
    X, y = unbalanced_toy
    X_sub, y_sub = data.make_imbalanced(X, y, minority=2, ratio=0.1)
    assert data.class_counts(y_sub) == {0: 100, 1: 100, 2: 10}  # round(0.1 * 100)
    assert np.all(np.diff(X_sub[:, 0]) > 0)  # original order kept
    assert np.array_equal(y_sub, y[X_sub[:, 0].astype(int)])
    again, _ = data.make_imbalanced(X, y, minority=2, ratio=0.1, seed=0)
    other, _ = data.make_imbalanced(X, y, minority=2, ratio=0.1, seed=1)
    assert np.array_equal(X_sub, again) and not np.array_equal(X_sub, other)
    _, y_one = data.make_imbalanced(X, y, minority=0, ratio=0.001)
    assert data.class_counts(y_one)[0] == 1  # at least one row


def test_make_imbalanced_on_mnist():
    X, y = loaded("mnist", "train")
    X_sub, y_sub = data.make_imbalanced(X, y, minority=3, ratio=0.01, seed=0)
    others = [c for k, c in data.class_counts(y).items() if k != 3]
    assert data.class_counts(y_sub)[3] == round(0.01 * np.mean(others))
    assert X_sub.shape[1:] == X.shape[1:] and len(X_sub) == len(y_sub)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"minority": 7, "ratio": 0.1}, "not in y"),
        ({"minority": 2, "ratio": 0.0}, "ratio"),
        ({"minority": 2, "ratio": 1.5}, "ratio"),
    ],
)
def test_make_imbalanced_bad_input(unbalanced_toy, kwargs, match):
    X, y = unbalanced_toy
    with pytest.raises(ValueError, match=match):
        data.make_imbalanced(X, y, **kwargs)


@pytest.mark.parametrize("helper", [data.make_imbalanced, data.subsample])
def test_helpers_reject_mismatched_labels(unbalanced_toy, helper):
    X, y = unbalanced_toy
    kwargs = {"minority": 2, "ratio": 0.5} if helper is data.make_imbalanced else {}
    args = () if kwargs else (5,)
    with pytest.raises(ValueError, match="labels but X has"):
        helper(X, y[:-1], *args, **kwargs)
    with pytest.raises(ValueError, match="1-D"):
        helper(X, y[:, None], *args, **kwargs)


def test_subsample_is_stratified_and_deterministic():
    X, y = loaded("mnist", "train")
    X_sub, y_sub = data.subsample(X, y, 1000, seed=0)
    assert len(y_sub) == 1000 and X_sub.shape == (1000, 28, 28)
    for label, count in data.class_counts(y).items():
        assert abs(np.mean(y_sub == label) - count / len(y)) <= 0.01
    again, _ = data.subsample(X, y, 1000, seed=0)
    other, _ = data.subsample(X, y, 1000, seed=1)
    assert np.array_equal(X_sub, again) and not np.array_equal(X_sub, other)
    # rows come from X, in the original order
    index = {
        h: i for i, h in enumerate(hashlib.sha1(r.tobytes()).hexdigest() for r in X)
    }
    positions = [index[hashlib.sha1(r.tobytes()).hexdigest()] for r in X_sub]
    assert positions == sorted(positions)


def test_subsample_edge_cases():
    X, y = np.arange(10)[:, None], np.array([0] * 5 + [1] * 5)
    for n in (None, 10, 50):
        X_all, y_all = data.subsample(X, y, n)
        assert np.array_equal(X_all, X) and np.array_equal(y_all, y)
    _, y_two = data.subsample(X, y, 2)
    assert sorted(y_two.tolist()) == [0, 1]
    for bad in (0, -1, 2.5):
        with pytest.raises(ValueError, match="n "):
            data.subsample(X, y, bad)


def test_class_counts():
    assert data.class_counts(np.array([2, 0, 2, 2])) == {0: 1, 2: 3}


def test_no_tensorflow_import():
    import subprocess
    import sys

    code = "import sys, course_lib.data; print('tensorflow' in sys.modules)"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "False"
