"""Tests for the sample-quality metrics of course_lib.metrics (notebook 08).

Known answers (the Fréchet distance of two Gaussians in closed form, brute-force
loops) and planted cases (fake = real, fake = a tight cluster inside real, fake far
away) for FID, KID, precision/recall, density/coverage.
"""

import numpy as np
import pytest
from scipy import linalg

from course_lib import metrics


def normal_rows(n, seed, d=8, scale=1.0, shift=0.0):
    return shift + scale * np.random.default_rng(seed).normal(size=(n, d))


def with_moments(n, mean, cov, seed):
    """n rows whose sample mean and (ddof=1) covariance are exactly mean and cov."""
    Z = normal_rows(n, seed, d=len(mean))
    Z -= Z.mean(axis=0)
    Z = Z @ np.linalg.inv(np.linalg.cholesky(np.cov(Z, rowvar=False))).T
    return mean + Z @ np.linalg.cholesky(cov).T


# ---- frechet_distance --------------------------------------------------------------
def test_frechet_distance_equals_closed_form_for_diagonal_gaussians():
    mean_a, var_a = np.array([0.0, 1.0, -2.0]), np.array([1.0, 4.0, 0.25])
    mean_b, var_b = np.array([1.0, 1.0, 0.0]), np.array([9.0, 1.0, 0.25])
    A = with_moments(200, mean_a, np.diag(var_a), seed=0)
    B = with_moments(300, mean_b, np.diag(var_b), seed=1)
    # |mu_a - mu_b|^2 + sum (sqrt(var_a) - sqrt(var_b))^2 = 5 + (4 + 1 + 0)
    expected = np.sum((mean_a - mean_b) ** 2) + np.sum(
        (np.sqrt(var_a) - np.sqrt(var_b)) ** 2
    )
    assert expected == pytest.approx(10.0)
    assert metrics.frechet_distance(A, B, eps=0.0) == pytest.approx(expected, rel=1e-9)


def test_frechet_distance_matches_scipy_sqrtm_formula():
    A, B = normal_rows(100, 0, d=6), normal_rows(80, 1, d=6, scale=1.5, shift=0.3)
    B[:, 1] += B[:, 0]  # correlated features: covariances do not commute
    cov_a, cov_b = np.cov(A, rowvar=False), np.cov(B, rowvar=False)
    covmean = linalg.sqrtm(cov_a @ cov_b).real
    reference = np.sum((A.mean(0) - B.mean(0)) ** 2) + np.trace(
        cov_a + cov_b - 2 * covmean
    )
    assert metrics.frechet_distance(A, B, eps=0.0) == pytest.approx(reference, rel=1e-8)


def test_frechet_distance_of_identical_sets_is_zero_even_when_singular():
    A = normal_rows(50, 0)
    assert metrics.frechet_distance(A, A) == pytest.approx(0.0, abs=1e-8)
    few = normal_rows(5, 0, d=20)  # 5 rows, 20 features: singular covariances
    assert metrics.frechet_distance(few, few) == pytest.approx(0.0, abs=1e-6)
    assert np.isfinite(metrics.frechet_distance(few, normal_rows(5, 1, d=20)))


def test_frechet_distance_is_biased_upward_at_small_n():
    def real_vs_real(n):
        return np.mean(
            [
                metrics.frechet_distance(normal_rows(n, s), normal_rows(n, s + 100))
                for s in range(5)
            ]
        )

    small, large = real_vs_real(50), real_vs_real(1000)
    assert small > 5 * large
    assert large < 0.2


# ---- kernel_inception_distance ------------------------------------------------------
def test_kid_matches_brute_force_loop():
    real, fake = normal_rows(12, 0, d=4), normal_rows(9, 1, d=4, shift=0.5)

    def k(a, b):
        return (a @ b / 4 + 1) ** 3

    m, n = len(real), len(fake)
    xx = sum(k(real[i], real[j]) for i in range(m) for j in range(m) if i != j)
    yy = sum(k(fake[i], fake[j]) for i in range(n) for j in range(n) if i != j)
    xy = sum(k(x, y) for x in real for y in fake)
    expected = xx / (m * (m - 1)) + yy / (n * (n - 1)) - 2 * xy / (m * n)
    assert metrics.kernel_inception_distance(real, fake) == pytest.approx(expected)


def test_kid_is_unbiased_where_fid_is_not():
    pairs = [(normal_rows(30, s), normal_rows(30, s + 100)) for s in range(40)]
    kid = np.array([metrics.kernel_inception_distance(a, b) for a, b in pairs])
    # same distribution: KID averages 0 within its standard error, FID does not
    assert abs(kid.mean()) < 3 * kid.std(ddof=1) / np.sqrt(kid.size)
    assert np.mean([metrics.frechet_distance(a, b) for a, b in pairs]) > 1.0
    shifted = metrics.kernel_inception_distance(
        normal_rows(30, 0), normal_rows(30, 1, shift=1.0)
    )
    assert shifted > 10 * kid.std(ddof=1)


# ---- precision_recall / density_coverage --------------------------------------------
def test_precision_recall_density_coverage_match_brute_force():
    real, fake = normal_rows(15, 0, d=3), normal_rows(11, 1, d=3, shift=0.4)
    d_rr = np.linalg.norm(real[:, None] - real[None], axis=-1)
    d_ff = np.linalg.norm(fake[:, None] - fake[None], axis=-1)
    d_rf = np.linalg.norm(real[:, None] - fake[None], axis=-1)
    r_real3, r_fake3 = np.sort(d_rr, 1)[:, 3], np.sort(d_ff, 1)[:, 3]
    r_real5 = np.sort(d_rr, 1)[:, 5]
    precision = np.mean([any(d_rf[:, j] <= r_real3) for j in range(11)])
    recall = np.mean([any(d_rf[i] <= r_fake3) for i in range(15)])
    density = sum((d_rf[:, j] <= r_real5).sum() for j in range(11)) / (5 * 11)
    coverage = np.mean([any(d_rf[i] <= r_real5[i]) for i in range(15)])
    assert metrics.precision_recall(real, fake, k=3) == pytest.approx(
        {"precision": precision, "recall": recall}
    )
    assert metrics.density_coverage(real, fake, k=5) == pytest.approx(
        {"density": density, "coverage": coverage}
    )


def test_fake_equal_to_real_scores_one():
    real = normal_rows(300, 0)
    assert metrics.precision_recall(real, real) == {"precision": 1.0, "recall": 1.0}
    scores = metrics.density_coverage(real, real, k=5)
    assert scores["coverage"] == 1.0
    # each real row lies in its own ball and, on average, in k others': (k + 1) / k
    assert scores["density"] == pytest.approx(1.2, abs=0.1)


def test_fresh_draws_from_the_same_distribution_score_high():
    # 2-D: k-NN precision and recall of exact draws fall as the dimension grows
    # (about 0.48 at 1000-d in Naeem et al.), density and coverage much less
    real, fake = normal_rows(500, 0, d=2), normal_rows(500, 1, d=2)
    pr = metrics.precision_recall(real, fake)
    dc = metrics.density_coverage(real, fake)
    assert pr["precision"] > 0.9 and pr["recall"] > 0.9
    assert 0.8 < dc["density"] < 1.2 and dc["coverage"] > 0.9


def test_tight_cluster_inside_real_has_precision_but_no_recall():
    real, fake = normal_rows(500, 0), normal_rows(500, 1, scale=0.05)
    pr = metrics.precision_recall(real, fake)
    dc = metrics.density_coverage(real, fake)
    assert pr["precision"] > 0.95
    assert pr["recall"] < 0.1
    assert dc["coverage"] < 0.1


def test_fake_far_away_scores_zero():
    real, fake = normal_rows(200, 0), normal_rows(200, 1, shift=100.0)
    assert metrics.precision_recall(real, fake) == {"precision": 0.0, "recall": 0.0}
    assert metrics.density_coverage(real, fake) == {"density": 0.0, "coverage": 0.0}


def test_metrics_flatten_images():
    images = np.random.default_rng(0).uniform(size=(40, 4, 4))
    assert metrics.precision_recall(images, images)["precision"] == 1.0
    assert metrics.frechet_distance(images, images) == pytest.approx(0.0, abs=1e-6)


@pytest.mark.parametrize(
    "function",
    [
        metrics.frechet_distance,
        metrics.kernel_inception_distance,
        metrics.precision_recall,
        metrics.density_coverage,
    ],
)
def test_bad_features_raise(function):
    real = normal_rows(20, 0)
    with pytest.raises(ValueError, match="features"):
        function(real, normal_rows(20, 1, d=5))
    bad = real.copy()
    bad[3, 2] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        function(real, bad)
    with pytest.raises(ValueError, match="sample|rows"):
        function(real[:1], real[:1])


@pytest.mark.parametrize("k", [0, -1, 2.5, True, 20])
def test_bad_k_raises(k):
    real = normal_rows(20, 0)
    with pytest.raises(ValueError, match="k"):
        metrics.precision_recall(real, real, k=k)
    with pytest.raises(ValueError, match="k"):
        metrics.density_coverage(real, real, k=k)


def test_frechet_distance_bad_eps_raises():
    with pytest.raises(ValueError, match="eps"):
        metrics.frechet_distance(normal_rows(5, 0), normal_rows(5, 1), eps=-1.0)
