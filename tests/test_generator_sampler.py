"""Tests for course_lib.augment.GeneratorSampler: a generator as an imblearn sampler."""

import numpy as np
import pytest
from imblearn.over_sampling import RandomOverSampler as ImblearnROS
from imblearn.pipeline import make_pipeline
from sklearn.base import BaseEstimator
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_validate

from course_lib import augment


def imbalanced_images(seed=0, counts=(40, 30, 6)):
    """4x4 'images' in [0, 1], one cluster per class, classes of unequal size."""
    rng = np.random.default_rng(seed)
    y = np.repeat(np.arange(len(counts)), counts)
    centres = rng.uniform(0.2, 0.8, size=(len(counts), 4, 4))
    X = np.clip(centres[y] + rng.normal(0, 0.1, (y.size, 4, 4)), 0, 1)
    return X.astype(np.float32), y


class JitterGenerator(BaseEstimator):
    """Test double with the course's generator API: training rows plus noise."""

    def __init__(self, scale=0.05):
        self.scale = scale

    def fit(self, X, y=None):
        self.rows_ = np.asarray(X, dtype=float)
        return self

    def sample(self, n, y=None, seed=None):
        rng = np.random.default_rng(seed)
        picked = self.rows_[rng.integers(len(self.rows_), size=n)]
        return picked + rng.normal(0, self.scale, picked.shape)


class CopyGenerator(BaseEstimator):
    """Test double: copies of training rows (of the class asked for, when fitted
    with labels), like imbalanced-learn's RandomOverSampler."""

    def fit(self, X, y=None):
        self.rows_, self.labels_ = np.asarray(X), y
        self.classes_ = None if y is None else np.unique(y)
        return self

    def sample(self, n, y=None, seed=None):
        pool = np.arange(len(self.rows_))
        if y is not None:
            pool = np.flatnonzero(self.labels_ == y)
        X_new = self.rows_[np.random.default_rng(seed).choice(pool, n)]
        return X_new if y is None else (X_new, np.full(n, y))


def rows_of(X):
    return {row.tobytes() for row in X.reshape(len(X), -1)}


@pytest.mark.parametrize(
    "strategy", ["auto", "minority", "not majority", "all", {1: 35, 2: 20}]
)
def test_counts_follow_imblearn_sampling_strategy(strategy):
    X, y = imbalanced_images()
    sampler = augment.GeneratorSampler(
        CopyGenerator(), sampling_strategy=strategy, seed=0
    )
    X_res, y_res = sampler.fit_resample(X, y)
    _, y_ref = ImblearnROS(sampling_strategy=strategy).fit_resample(
        X.reshape(len(X), -1), y
    )
    np.testing.assert_array_equal(np.bincount(y_res), np.bincount(y_ref))
    assert X_res.shape == (len(y_res), 4, 4)  # images in, images out
    assert X_res.dtype == X.dtype


def test_synthetic_rows_are_flagged_and_come_from_their_own_class():
    X, y = imbalanced_images()
    sampler = augment.GeneratorSampler(CopyGenerator(), seed=0)
    X_res, y_res = sampler.fit_resample(X, y)
    mask = sampler.synthetic_mask_
    assert mask.shape == y_res.shape and mask.dtype == bool
    assert mask.sum() == len(y_res) - len(y) == 10 + 34
    np.testing.assert_array_equal(X_res[~mask], X)
    np.testing.assert_array_equal(y_res[~mask], y)
    assert sampler.sampling_strategy_ == {1: 10, 2: 34}
    for label in (1, 2):  # each class's generator saw only that class's rows
        new = X_res[mask & (y_res == label)]
        assert rows_of(new) <= rows_of(X[y == label])
        assert sampler.generators_[label].rows_.shape[0] == np.sum(y == label)


def test_inputs_and_the_given_generator_are_not_touched():
    X, y = imbalanced_images()
    X_copy, y_copy = X.copy(), y.copy()
    generator = JitterGenerator()
    sampler = augment.GeneratorSampler(generator, seed=0)
    X_res, _ = sampler.fit_resample(X, y)
    np.testing.assert_array_equal(X, X_copy)
    np.testing.assert_array_equal(y, y_copy)
    assert not hasattr(generator, "rows_")  # copies were fitted, not the original
    assert sampler.generators_[2] is not generator
    X_res[:] = 0  # the output does not share memory with the input
    np.testing.assert_array_equal(X, X_copy)


def test_seed_makes_resampling_reproducible():
    X, y = imbalanced_images()

    def resample(seed):
        return augment.GeneratorSampler(JitterGenerator(), seed=seed).fit_resample(
            X, y
        )[0]

    np.testing.assert_array_equal(resample(3), resample(3))
    assert not np.allclose(resample(3), resample(4))


def test_conditional_fits_one_generator_on_all_rows():
    X, y = imbalanced_images()
    sampler = augment.GeneratorSampler(CopyGenerator(), conditional=True, seed=0)
    X_res, y_res = sampler.fit_resample(X, y)
    fitted = sampler.generators_[1]
    assert sampler.generators_[2] is fitted
    np.testing.assert_array_equal(fitted.classes_, [0, 1, 2])
    for label in (1, 2):
        new = X_res[sampler.synthetic_mask_ & (y_res == label)]
        assert rows_of(new) <= rows_of(X[y == label])


class CountingClassifier(LogisticRegression):
    """Logistic regression that records what it is fitted on and asked to predict."""

    def fit(self, X, y):
        self.fit_counts_ = np.bincount(y)
        return super().fit(X, y)

    def predict(self, X):
        self.predicted_rows_ = len(X)
        return super().predict(X)


@pytest.mark.parametrize("generator_cls", [JitterGenerator, CopyGenerator])
def test_works_in_a_pipeline_under_cross_validate(generator_cls):
    X, y = imbalanced_images(counts=(60, 45, 15))
    X = X.reshape(len(X), -1)
    pipeline = make_pipeline(
        augment.GeneratorSampler(generator_cls(), seed=0), CountingClassifier()
    )
    folds = StratifiedKFold(n_splits=3, shuffle=True, random_state=0)
    result = cross_validate(
        pipeline, X, y, cv=folds, return_estimator=True, scoring="balanced_accuracy"
    )
    assert np.all(result["test_score"] > 0.9)
    for fitted in result["estimator"]:
        # fitted on a balanced fold (majority 40 of 60 rows), predicted on real rows
        np.testing.assert_array_equal(fitted[-1].fit_counts_, [40, 40, 40])
        assert fitted[-1].predicted_rows_ == len(y) // 3
        assert fitted[0].synthetic_mask_.sum() == (40 - 30) + (40 - 10)


@pytest.mark.parametrize(
    "params, match",
    [
        (dict(generator=object()), "generator"),
        (dict(generator=JitterGenerator(), seed=-1), "seed"),
        (dict(generator=JitterGenerator(), conditional="yes"), "conditional"),
        (dict(generator=JitterGenerator(), sampling_strategy={2: 3}), "sampling"),
        (dict(generator=JitterGenerator(), sampling_strategy={7: 50}), "7"),
        (dict(generator=JitterGenerator(), sampling_strategy="nonsense"), "sampling"),
    ],
)
def test_bad_parameters_raise(params, match):
    X, y = imbalanced_images()
    with pytest.raises(ValueError, match=match):
        augment.GeneratorSampler(**params).fit_resample(X, y)


def test_bad_data_raises():
    X, y = imbalanced_images()
    sampler = augment.GeneratorSampler(JitterGenerator())
    bad = X.copy()
    bad[0, 0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        sampler.fit_resample(bad, y)
    with pytest.raises(ValueError, match="inconsistent|samples"):
        sampler.fit_resample(X, y[:-1])
    with pytest.raises(ValueError, match="continuous|Unknown label"):
        sampler.fit_resample(X, y + 0.5)
    from course_lib.bayes import GaussianBayesGenerator

    one_row = np.concatenate([y[y != 2], [2]])
    X_one = np.concatenate([X[y != 2], X[y == 2][:1]])
    with pytest.raises(ValueError):  # a covariance needs more than one row
        augment.GeneratorSampler(GaussianBayesGenerator()).fit_resample(X_one, one_row)
