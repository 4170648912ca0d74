"""Tests of course_lib.bayes: the Gaussian class-conditional generator/classifier."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import multivariate_normal
from sklearn.covariance import LedoitWolf

from course_lib.bayes import GaussianBayesGenerator
from course_lib.metrics import adjacent_pixel_correlation


def _three_classes(n_per_class=150, n_features=6, seed=0, draw=0):
    """Three correlated Gaussian classes with different means and covariances.

    ``seed`` fixes the three distributions, ``draw`` the rows drawn from them (so a
    test set is ``draw=1``: the same classes, new rows).
    """
    rng, draws = np.random.default_rng(seed), np.random.default_rng([seed, draw])
    X, y = [], []
    for label in range(3):
        mixing = rng.normal(size=(n_features, n_features))
        mean = rng.normal(scale=2.0, size=n_features)
        X.append(mean + draws.normal(size=(n_per_class, n_features)) @ mixing.T)
        y.append(np.full(n_per_class, label))
    return np.vstack(X), np.concatenate(y)


# ---- fitting -----------------------------------------------------------------------
def test_fit_learns_prior_means_covariances():
    X, y = _three_classes()
    y = np.r_[y[:300], np.full(50, 2)]  # unequal counts: 150, 150, 50
    X = X[:350]
    model = GaussianBayesGenerator(reg=0.0).fit(X, y)
    assert model.fit(X, y) is model
    np.testing.assert_allclose(model.class_prior_, [150 / 350, 150 / 350, 50 / 350])
    np.testing.assert_allclose(model.log_prior_, np.log(model.class_prior_))
    for k in range(3):
        rows = X[y == k]
        np.testing.assert_allclose(model.means_[k], rows.mean(axis=0))
        np.testing.assert_allclose(
            model.covariances_[k], np.cov(rows, rowvar=False, bias=True), rtol=1e-10
        )
        np.testing.assert_allclose(
            model.cholesky_[k] @ model.cholesky_[k].T, model.covariances_[k], rtol=1e-10
        )
    np.testing.assert_array_equal(model.shrinkage_, 0.0)


def test_numeric_reg_adds_to_diagonal():
    X, y = _three_classes()
    plain = GaussianBayesGenerator(reg=0.0).fit(X, y)
    regularized = GaussianBayesGenerator(reg=0.5).fit(X, y)
    np.testing.assert_allclose(
        regularized.covariances_ - plain.covariances_,
        np.broadcast_to(0.5 * np.eye(6), (3, 6, 6)),
        atol=1e-12,
    )


def test_ledoit_wolf_reg_per_class():
    X, y = _three_classes(n_per_class=20, n_features=15)
    model = GaussianBayesGenerator().fit(X, y)
    for k in range(3):
        reference = LedoitWolf().fit(X[y == k])
        np.testing.assert_allclose(
            model.covariances_[k], reference.covariance_, rtol=1e-10, atol=1e-12
        )
        assert model.shrinkage_[k] == pytest.approx(reference.shrinkage_, rel=1e-10)


def test_ledoit_wolf_makes_singular_covariances_usable():
    X = np.random.default_rng(0).normal(size=(20, 40))  # rank <= 9 per class
    X[:, 0] = 0.0  # a constant feature, like an MNIST border pixel
    model = GaussianBayesGenerator().fit(X, np.repeat([0, 1], 10))
    assert np.all(model.shrinkage_ > 0)
    assert np.all(np.isfinite(model.log_likelihood(X)))


def test_diag_keeps_only_the_diagonal():
    X, y = _three_classes()
    full = GaussianBayesGenerator(reg=0.1).fit(X, y)
    diag = GaussianBayesGenerator(reg=0.1, covariance="diag").fit(X, y)
    for k in range(3):
        np.testing.assert_allclose(
            diag.covariances_[k], np.diag(np.diag(full.covariances_[k]))
        )
    samples, _ = diag.sample(20_000, y=0, seed=0)
    off_diagonal = np.corrcoef(samples, rowvar=False)[np.triu_indices(6, 1)]
    assert np.max(np.abs(off_diagonal)) < 0.05


# ---- log-likelihood and classifier -----------------------------------------------
@pytest.mark.parametrize("reg", ["ledoit_wolf", 0.0, 0.3])
def test_log_likelihood_matches_scipy(reg):
    X, y = _three_classes(n_features=8)
    model = GaussianBayesGenerator(reg=reg).fit(X, y)
    X_test, _ = _three_classes(n_per_class=20, n_features=8, seed=1)
    log_likelihood = model.log_likelihood(X_test)
    assert log_likelihood.shape == (60, 3)
    for k in range(3):
        expected = multivariate_normal(model.means_[k], model.covariances_[k]).logpdf(
            X_test
        )
        np.testing.assert_allclose(log_likelihood[:, k], expected, rtol=1e-6)


def test_predict_proba_and_predict():
    X, y = _three_classes()
    model = GaussianBayesGenerator().fit(X, y)
    X_test, y_test = _three_classes(draw=1)  # the same classes, new rows
    proba = model.predict_proba(X_test)
    assert proba.shape == (450, 3)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    np.testing.assert_array_equal(model.predict(X_test), np.argmax(proba, axis=1))
    np.testing.assert_allclose(
        np.exp(model.predict_log_proba(X_test)), proba, rtol=1e-12
    )
    assert model.score(X_test, y_test) > 0.95


@pytest.mark.parametrize("r", [0.0, 0.3])
def test_against_quadratic_discriminant_analysis(r):
    """scikit-learn's QDA(reg_param=r) uses ``(1 - r) Σ + r I`` on each class's
    maximum-likelihood covariance Σ; ours ``Σ + reg I``. With reg = r / (1 - r) ours
    is QDA's covariance divided by (1 - r): the same matrix only at r = 0, where the
    classifiers coincide (for r > 0 the common factor weighs the Mahalanobis term
    against the log-determinant differently, so the posteriors differ)."""
    from sklearn.discriminant_analysis import QuadraticDiscriminantAnalysis

    rng = np.random.default_rng(0)
    y = np.repeat([0, 1, 2], [40, 60, 50])
    mixing = rng.normal(size=(3, 5, 5))  # a different covariance per class
    X = np.einsum("nd,nde->ne", rng.normal(size=(150, 5)), mixing[y]) + y[:, None]
    qda = QuadraticDiscriminantAnalysis(reg_param=r, store_covariance=True).fit(X, y)
    ours = GaussianBayesGenerator(reg=r / (1 - r)).fit(X, y)
    np.testing.assert_allclose((1 - r) * ours.covariances_, qda.covariance_, atol=1e-12)
    if r == 0:
        X_test = rng.normal(size=(30, 5)) * 3
        np.testing.assert_allclose(
            ours.predict_proba(X_test), qda.predict_proba(X_test), atol=1e-10
        )
        np.testing.assert_array_equal(ours.predict(X_test), qda.predict(X_test))


def test_score_samples_is_the_mixture_density():
    X, y = _three_classes(n_features=4)
    model = GaussianBayesGenerator(reg=0.1).fit(X, y)
    X_test = X[::37]
    expected = np.log(
        sum(
            prior * multivariate_normal(mean, cov).pdf(X_test)
            for prior, mean, cov in zip(
                model.class_prior_, model.means_, model.covariances_, strict=True
            )
        )
    )
    np.testing.assert_allclose(model.score_samples(X_test), expected, rtol=1e-10)
    assert model.predict(X[:0]).shape == (0,)


def test_posterior_is_stable_for_huge_log_likelihoods():
    # Far-apart, tight classes: log-likelihoods of order -1e5; naive exp gives 0/0.
    rng = np.random.default_rng(0)
    X = np.r_[rng.normal(0, 0.01, (50, 20)), rng.normal(1, 0.01, (50, 20))]
    y = np.repeat([0, 1], 50)
    model = GaussianBayesGenerator(reg=1e-6).fit(X, y)
    X_far = np.full((2, 20), 0.3)
    assert np.all(model.log_likelihood(X_far) < -1e4)
    proba = model.predict_proba(X_far)
    assert np.all(np.isfinite(proba))
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)


def test_prior_shifts_decisions():
    # Two identical class-conditional densities: only the prior decides.
    rng = np.random.default_rng(0)
    X = rng.normal(size=(400, 3))
    y = np.r_[np.zeros(300, int), np.ones(100, int)]
    X[300:] = X[:100]
    model = GaussianBayesGenerator(reg=0.01).fit(X, y)
    proba = model.predict_proba(X[:5])
    assert np.all(proba[:, 0] > proba[:, 1])


def test_digits_accuracy_full_beats_diagonal():
    # A realistic check on scikit-learn's bundled 8x8 digits (no download).
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(
        X / 16.0, y, test_size=0.25, stratify=y, random_state=0
    )
    full = GaussianBayesGenerator().fit(X_train, y_train).score(X_test, y_test)
    diag = (
        GaussianBayesGenerator(covariance="diag")
        .fit(X_train, y_train)
        .score(X_test, y_test)
    )
    assert full > 0.95
    assert full > diag + 0.03


def test_adjacent_pixel_correlation():
    rng = np.random.default_rng(0)
    noise = rng.normal(size=(500, 6, 6))
    assert abs(adjacent_pixel_correlation(noise)) < 0.05
    smooth = np.repeat(rng.normal(size=(500, 6, 1)), 6, axis=2)  # constant rows
    smooth[:, :, 0] = 0.0  # a dead column is skipped, not a division by zero
    assert adjacent_pixel_correlation(smooth) == pytest.approx(1.0)
    # Two classes with different means: correlated across the mixture, not within.
    labels = np.repeat([0, 1], 250)
    mixture = noise + 3.0 * labels[:, None, None]
    assert adjacent_pixel_correlation(mixture) > 0.6  # 2.25 / (2.25 + 1)
    assert abs(adjacent_pixel_correlation(mixture, labels)) < 0.05
    with pytest.raises(ValueError, match="3-D"):
        adjacent_pixel_correlation(noise.reshape(500, -1))
    with pytest.raises(ValueError, match="labels"):
        adjacent_pixel_correlation(noise, labels[:-1])
    with pytest.raises(ValueError, match="varies"):
        adjacent_pixel_correlation(np.zeros((4, 3, 3)))


# ---- sampling ----------------------------------------------------------------------
def test_sample_moments_converge_to_fitted_ones():
    X, y = _three_classes(n_features=5)
    model = GaussianBayesGenerator(reg=0.1).fit(X, y)
    for k in range(3):
        samples, labels = model.sample(100_000, y=k, seed=k)
        np.testing.assert_array_equal(labels, k)
        scale = np.sqrt(np.diag(model.covariances_[k]))
        assert np.all(np.abs(samples.mean(axis=0) - model.means_[k]) < 0.02 * scale)
        relative = np.linalg.norm(
            np.cov(samples, rowvar=False) - model.covariances_[k]
        ) / np.linalg.norm(model.covariances_[k])
        assert relative < 0.02


def test_sample_labels_follow_prior_and_arrays():
    X, y = _three_classes()
    y = np.r_[np.zeros(350, int), np.ones(50, int), np.full(50, 2)]
    model = GaussianBayesGenerator().fit(X, y)
    X_new, y_new = model.sample(20_000, seed=0)
    assert X_new.shape == (20_000, 6) and X_new.dtype == np.float64
    assert y_new.dtype == np.int64
    np.testing.assert_allclose(
        np.bincount(y_new) / 20_000, model.class_prior_, atol=0.015
    )
    chosen = np.array([2, 0, 2, 1])
    X_chosen, y_chosen = model.sample(4, y=chosen, seed=0)
    np.testing.assert_array_equal(y_chosen, chosen)
    # Row i is mean + L z_i whatever the other rows' classes are.
    X_alone, _ = model.sample(4, y=np.full(4, 2), seed=0)
    np.testing.assert_allclose(X_chosen[[0, 2]], X_alone[[0, 2]])


def test_sample_determinism_and_shape():
    images = np.random.default_rng(0).random((40, 3, 4))
    y = np.repeat([3, 7], 20)
    model = GaussianBayesGenerator().fit(images, y)
    a, labels = model.sample(10, seed=1)
    b, _ = model.sample(10, seed=1)
    c, _ = model.sample(10, seed=2)
    assert a.shape == (10, 3, 4)
    assert set(labels) <= {3, 7}
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)
    assert model.log_likelihood(images).shape == (40, 2)
    np.testing.assert_array_equal(model.classes_[[0, 1]], [3, 7])


def test_unconditional_fit():
    X, _ = _three_classes()
    model = GaussianBayesGenerator().fit(X)
    samples = model.sample(5, seed=0)
    assert isinstance(samples, np.ndarray) and samples.shape == (5, 6)
    assert model.log_likelihood(X).shape == (450, 1)
    with pytest.raises(ValueError, match="without labels"):
        model.predict(X)
    with pytest.raises(ValueError, match="without labels"):
        model.sample(3, y=0)


# ---- bad input ---------------------------------------------------------------------
def test_class_with_one_sample_is_named():
    X, y = _three_classes()
    y = y.copy()
    y[0] = 9  # class 9 has a single sample
    with pytest.raises(ValueError, match="class 9 has 1 training sample"):
        GaussianBayesGenerator().fit(X, y)


def test_singular_covariance_without_reg():
    X = np.random.default_rng(0).random((30, 20))
    X[:, 0] = 0.0
    y = np.repeat([0, 1], 15)
    model = GaussianBayesGenerator(reg=0.0)
    with pytest.raises(ValueError, match="class 0 is not positive definite.*reg"):
        model.fit(X, y)
    with pytest.raises(ValueError, match="not fitted"):
        model.sample(2)
    GaussianBayesGenerator(reg=1e-3).fit(X, y)  # regularized: fine


@pytest.mark.parametrize(
    "make, match",
    [
        (lambda X, y: (np.where(X > 1, np.nan, X), y), "NaN"),
        (lambda X, y: (X, y[:-1]), "labels but X has"),
        (lambda X, y: (X[:1], y[:1]), "minimum of 2"),
        (lambda X, y: (X[:, 0], y), "reshape"),
        (lambda X, y: (X, y + 0.5), "integer class labels"),
    ],
)
def test_fit_rejects_bad_data(make, match):
    X, y = _three_classes()
    X_bad, y_bad = make(X, y.astype(float) if match == "integer class labels" else y)
    with pytest.raises(ValueError, match=match):
        GaussianBayesGenerator().fit(X_bad, y_bad)


@pytest.mark.parametrize(
    "params, match",
    [
        ({"reg": "oas"}, "reg .'ledoit_wolf' or a number. must be"),
        ({"reg": -1.0}, "reg .'ledoit_wolf' or a number. == -1.0, must be >= 0"),
        ({"reg": np.nan}, "must be finite"),
        ({"covariance": "spherical"}, "covariance must be"),
    ],
)
def test_rejects_bad_params(params, match):
    X, y = _three_classes()
    with pytest.raises(ValueError, match=match):
        GaussianBayesGenerator(**params).fit(X, y)


def test_bad_calls_after_fit():
    X, y = _three_classes()
    with pytest.raises(ValueError, match="not fitted"):
        GaussianBayesGenerator().sample(3)
    with pytest.raises(ValueError, match="not fitted"):
        GaussianBayesGenerator().predict(X)
    model = GaussianBayesGenerator().fit(X, y)
    with pytest.raises(ValueError, match="never seen"):
        model.sample(3, y=5)
    with pytest.raises(ValueError, match="n == -2, must be >= 0"):
        model.sample(-2)
    with pytest.raises(ValueError, match="expected 6"):
        model.log_likelihood(X[:, :5])
    with pytest.raises(ValueError, match="NaN"):
        model.predict(np.full((2, 6), np.nan))
