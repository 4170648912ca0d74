import numpy as np
import pytest
from sklearn.base import BaseEstimator

from course_lib import augment


def imbalanced_blobs(seed=0):
    rng = np.random.default_rng(seed)
    counts = {0: 60, 1: 60, 2: 6}
    y = np.concatenate([np.full(n, c) for c, n in counts.items()])
    centres = rng.uniform(0, 1, size=(3, 4, 4))
    X = np.clip(centres[y] + rng.normal(0, 0.15, (y.size, 4, 4)), 0, 1)
    return X.astype(np.float32), y


class MeanGenerator(BaseEstimator):
    """Test double: every sample is the mean of the rows it was fitted on."""

    def fit(self, X, y=None):
        self.mean_ = np.mean(X, axis=0)
        return self

    def sample(self, n, y=None, seed=None):
        return np.repeat(self.mean_[None], n, axis=0)


def test_a_generator_is_fitted_on_the_class_rows_and_its_samples_appended():
    X, y = imbalanced_blobs()
    X_aug, y_aug = augment.augment_class(X, y, MeanGenerator(), label=2, n_new=5)
    assert X_aug.shape == (131, 4, 4) and X_aug.dtype == np.float32
    np.testing.assert_array_equal(X_aug[:126], X)
    np.testing.assert_array_equal(y_aug, np.r_[y, [2] * 5])
    np.testing.assert_allclose(X_aug[126:], X[y == 2].mean(axis=0)[None].repeat(5, 0))


def test_augment_class_rejects_a_missing_class():
    X, y = imbalanced_blobs()
    with pytest.raises(ValueError, match="class 5 has no rows"):
        augment.augment_class(X, y, MeanGenerator(), label=5, n_new=3)
