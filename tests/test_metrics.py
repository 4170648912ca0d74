"""Tests for course_lib.metrics: nearest neighbours and the memorization ratio."""

import numpy as np
import pytest

from course_lib import metrics


def gaussian_rows(n, seed, d=8):
    return np.random.default_rng(seed).normal(size=(n, d))


# ---- nearest_neighbours / leave_one_out_distances ------------------------------------
def test_nearest_neighbours_matches_brute_force():
    queries, reference = gaussian_rows(20, 0), gaussian_rows(50, 1)
    indices, distances = metrics.nearest_neighbours(queries, reference, k=3)
    assert indices.shape == distances.shape == (20, 3)
    assert indices.dtype == np.int64
    brute = np.linalg.norm(queries[:, None] - reference[None], axis=-1)
    np.testing.assert_array_equal(indices, np.argsort(brute, axis=1)[:, :3])
    np.testing.assert_allclose(distances, np.sort(brute, axis=1)[:, :3])


def test_nearest_neighbours_flattens_images():
    images = np.random.default_rng(0).uniform(size=(10, 4, 4))
    indices, distances = metrics.nearest_neighbours(images[:3], images)
    np.testing.assert_array_equal(indices[:, 0], [0, 1, 2])
    np.testing.assert_allclose(distances, 0.0, atol=1e-12)


def test_leave_one_out_excludes_self_but_not_duplicates():
    X = np.array([[0.0, 0.0], [3.0, 4.0], [3.0, 4.0], [0.0, 1.0]])
    np.testing.assert_allclose(metrics.leave_one_out_distances(X), [1.0, 0.0, 0.0, 1.0])


# ---- memorization_ratio -----------------------------------------------------------
def test_fresh_draws_score_about_one():
    train = gaussian_rows(1000, 0)
    ratios = [
        metrics.memorization_ratio(gaussian_rows(1000, seed), train)
        for seed in (1, 2, 3)
    ]
    assert all(0.9 < r < 1.1 for r in ratios), ratios


def test_exact_copies_score_zero():
    train = gaussian_rows(300, 0)
    assert metrics.memorization_ratio(train[::3], train) == 0.0


def test_copies_of_images_are_exactly_zero_distance():
    """No rounding residue from the |a|^2 - 2ab + |b|^2 shortcut in high dimension."""
    images = np.random.default_rng(0).uniform(size=(200, 28, 28)).astype(np.float32)
    _, distances = metrics.nearest_neighbours(images[::7], images)
    assert np.all(distances == 0.0)
    assert metrics.memorization_ratio(images[::2], images) == 0.0


def test_planted_copies_drive_the_ratio_to_zero():
    """Mix fresh draws with copies of training rows: more copies, lower ratio."""
    rng = np.random.default_rng(7)
    train = gaussian_rows(1000, 0)
    fresh = gaussian_rows(1000, 1)
    ratios = []
    for fraction in (0.0, 0.2, 0.4, 0.6):
        n_copies = int(fraction * len(fresh))
        copies = train[rng.choice(len(train), n_copies, replace=False)]
        synthetic = np.concatenate([copies, fresh[n_copies:]])
        ratios.append(metrics.memorization_ratio(synthetic, train))
    assert ratios[0] > 0.9
    assert all(a > b for a, b in zip(ratios, ratios[1:], strict=False)), ratios
    assert ratios[-1] == 0.0  # over half are copies: the median distance is 0


def test_near_copies_score_near_zero():
    train = gaussian_rows(500, 0)
    noisy = train + np.random.default_rng(1).normal(scale=0.01, size=train.shape)
    assert metrics.memorization_ratio(noisy, train) < 0.02


def test_samples_off_the_data_score_above_one():
    train = gaussian_rows(500, 0)
    assert metrics.memorization_ratio(gaussian_rows(200, 1) + 5.0, train) > 1.5


# ---- bad input -----------------------------------------------------------------------
@pytest.mark.parametrize(
    "synthetic, train, match",
    [
        (np.zeros((3, 4)), np.zeros((3, 5)), "features"),
        (np.zeros((3, 4)), np.zeros((1, 4)), "minimum of 2"),
        (np.full((3, 4), np.nan), np.ones((3, 4)), "NaN"),
        (np.zeros((0, 4)), np.eye(4), "0 sample"),
        (np.zeros((3, 2)), np.zeros((4, 2)), "duplicate"),
    ],
)
def test_memorization_ratio_bad_input(synthetic, train, match):
    with pytest.raises(ValueError, match=match):
        metrics.memorization_ratio(synthetic, train)


@pytest.mark.parametrize("k", [0, 6, 1.5, True])
def test_nearest_neighbours_bad_k(k):
    with pytest.raises(ValueError, match=r"k \(neighbours\)"):
        metrics.nearest_neighbours(np.zeros((2, 3)), np.eye(5, 3), k=k)


# ---- memorization in a feature space ------------------------------------------------
def test_embed_maps_both_sets_before_measuring():
    train = gaussian_rows(300, 0)
    moved = train + np.r_[0.0, 5.0, 5.0, 5.0, 5.0, 5.0, 5.0, 5.0]  # only dims 1..7
    assert metrics.memorization_ratio(moved, train) > 1.5
    first = lambda rows: np.asarray(rows)[:, :1]  # noqa: E731  a space that ignores them
    assert metrics.memorization_ratio(moved, train, embed=first) == 0.0
    assert metrics.memorization_ratio(moved, train, embed=None) > 1.5


@pytest.fixture(scope="module")
def digit_controls():
    """The memorization controls of one class in a small CNN's feature space.

    The CNN (``CNNClassifier("small")``, as the capstone's extractor but smaller)
    learns UCI digits' training split; ``train`` is 20 training images of digit 8,
    and every control holds 20 images: held-out 8s of the test split, copies of
    ``train``, noisy copies (iid Gaussian noise of rms 0.25, clipped to [0, 1])
    and smoothed copies (a Gaussian blur of 0.5 pixel: on these 8x8 images a pixel
    is about 3.5 of MNIST's).
    """
    from scipy.ndimage import gaussian_filter

    from course_lib import data
    from course_lib.classifiers import CNNClassifier

    X, y = data.load("uci_digits")
    X_test, y_test = data.load("uci_digits", "test")
    X, X_test = data.to_unit(X), data.to_unit(X_test)
    cnn = CNNClassifier("small", epochs=10, batch_size=32, seed=0).fit(X, y)
    train = X[y == 8][:20]
    noise = np.random.default_rng(0).normal(0, 0.25, train.shape)
    controls = {
        "held-out": X_test[y_test == 8][:20],
        "copies": train,
        "noisy copies": np.clip(train + noise, 0, 1),
        "smoothed copies": gaussian_filter(train, sigma=(0, 0.5, 0.5)),
    }
    return {
        name: metrics.memorization_ratio(rows, train, embed=cnn.features)
        for name, rows in controls.items()
    }


def test_memorization_controls_in_a_feature_space(digit_controls):
    held_out = digit_controls["held-out"]
    assert 0.7 <= held_out <= 1.3  # new real images of the class read as new
    assert digit_controls["copies"] == 0.0
    # smoothed copies read as copies: clearly below held-out (measured 0.63 vs 1.00)
    assert digit_controls["smoothed copies"] < 0.8 * held_out, digit_controls


@pytest.mark.xfail(
    strict=True,
    reason="measured: in this feature space noisy copies (rms 0.25) score 0.93 "
    "against held-out 1.00 (pixel space on MNIST: 0.68-0.82 vs 0.99-1.07); a "
    "feature space where noise does not mimic novelty is still to be found",
)
def test_noisy_copies_read_as_copies_in_a_feature_space(digit_controls):
    assert digit_controls["noisy copies"] < 0.8 * digit_controls["held-out"]
