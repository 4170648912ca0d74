"""Tests for the clustering scores of course_lib.metrics (notebook 05)."""

import numpy as np
import pytest
from sklearn import metrics as skm
from sklearn.datasets import make_blobs

from course_lib import metrics


def brute_force_dunn(X, labels):
    inside, between = 0.0, np.inf
    for i in range(len(X)):
        for j in range(i + 1, len(X)):
            d = np.linalg.norm(X[i] - X[j])
            if labels[i] == labels[j]:
                inside = max(inside, d)
            else:
                between = min(between, d)
    return between / inside


def test_dunn_toy_case():
    # clusters {0, 1} and {5, 7} on a line: closest pair 1-5 (4), widest 5-7 (2)
    X = np.array([[0.0], [1.0], [5.0], [7.0]])
    assert metrics.dunn_index(X, [0, 0, 1, 1]) == pytest.approx(2.0)


@pytest.mark.parametrize("seed", [0, 1])
def test_dunn_matches_brute_force(seed):
    X, y = make_blobs(120, n_features=5, centers=4, random_state=seed)
    labels = np.random.default_rng(seed).permutation(y)[:120]  # also a bad clustering
    for lab in (y, labels):
        assert metrics.dunn_index(X, lab) == pytest.approx(brute_force_dunn(X, lab))


def test_clustering_scores_silhouette_is_sklearns_and_samples_large_sets():
    X, y = make_blobs(300, n_features=4, centers=3, random_state=0)
    full = metrics.clustering_scores(X, y)["silhouette"]
    assert full == pytest.approx(skm.silhouette_score(X, y))
    sampled = metrics.clustering_scores(X, y, max_samples=100, seed=0)["silhouette"]
    assert sampled == pytest.approx(
        skm.silhouette_score(X, y, sample_size=100, random_state=0)
    )
    assert sampled != pytest.approx(full, abs=1e-9)


def test_clustering_accuracy_uses_the_best_matching():
    y_true = np.array([0, 0, 0, 1, 1, 2, 2, 2])
    assert metrics.clustering_accuracy(y_true, (y_true + 1) % 3) == 1.0
    # cluster 5 holds two 0s and one 1; cluster 7 the rest: best is 5->0, 7->2 (or 1)
    labels = np.array([5, 5, 7, 5, 7, 7, 7, 7])
    assert metrics.clustering_accuracy(y_true, labels) == pytest.approx(5 / 8)


def test_clustering_accuracy_against_brute_force_permutations():
    from itertools import permutations

    rng = np.random.default_rng(0)
    y_true, labels = rng.integers(4, size=200), rng.integers(4, size=200)
    best = max(
        np.mean(np.asarray(perm)[labels] == y_true) for perm in permutations(range(4))
    )
    assert metrics.clustering_accuracy(y_true, labels) == pytest.approx(best)


def test_clustering_scores_collects_all():
    X, y = make_blobs(200, n_features=3, centers=3, random_state=0)
    scores = metrics.clustering_scores(X, y, y)
    assert scores["accuracy"] == scores["nmi"] == scores["ari"] == 1.0
    assert scores["fowlkes_mallows"] == pytest.approx(1.0)
    assert scores["silhouette"] > 0.5 and scores["dunn"] > 0
    assert set(metrics.clustering_scores(X, y)) == {"silhouette", "dunn"}


def test_bad_input_raises():
    X = np.zeros((4, 2))
    with pytest.raises(ValueError, match="2 clusters"):
        metrics.dunn_index(X, [0, 0, 0, 0])
    with pytest.raises(ValueError, match="labels"):
        metrics.clustering_scores(X, [0, 1, 0])
    with pytest.raises(ValueError, match="NaN"):
        metrics.dunn_index(np.array([[np.nan], [1.0]]), [0, 1])
    with pytest.raises(ValueError, match="labels"):
        metrics.clustering_accuracy([0, 1], [0, 1, 1])
