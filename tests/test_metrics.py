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
