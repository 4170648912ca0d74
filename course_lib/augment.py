"""Augmenting a rare class: the random-oversampling baseline and class augmentation.

Whether augmentation helps a classifier is evaluation, in :mod:`course_lib.experiment`.

The baseline every generator in the course is compared with is
:class:`RandomOversampler`: it "generates" by resampling training rows with
replacement, per class. It makes nothing new, so a generator earns its place only by
beating it on a held-out, balanced test set.
"""

from __future__ import annotations

import numpy as np

from ._base import BaseGenerator, check_array, check_labels

__all__ = [
    "RandomOversampler",
    "augment_class",
]


class RandomOversampler(BaseGenerator):
    """Resample training rows with replacement (per class when fitted with labels).

    The generator-API twin of ``imblearn.over_sampling.RandomOverSampler``: every
    sample is an exact copy of a training row, which is why it cannot add information
    and why a classifier tends to overfit the few minority rows it repeats.

    Attributes
    ----------
    rows_ : array, shape (n_samples, n_features)
        The training rows (kept in their original dtype).
    """

    def fit(self, X, y=None):
        X2d, y = self._validate_fit(X, y, dtype=None)
        self.rows_ = X2d.copy()
        if y is not None:
            # Row indices of each class, in class order, so sampling is one gather.
            self.class_rows_ = [np.flatnonzero(y == c) for c in self.classes_]
        return self

    def sample(self, n, y=None, seed=None):
        n, labels, rng = self._prepare_sample(n, y, seed)
        if labels is None:
            picked = rng.integers(0, self.rows_.shape[0], size=n)
        else:
            picked = np.empty(n, dtype=np.int64)
            for k, c in enumerate(self.classes_):
                where = np.flatnonzero(labels == c)
                picked[where] = rng.choice(self.class_rows_[k], size=where.size)
        return self._finish_sample(self.rows_[picked], labels)


def augment_class(X, y, generator: BaseGenerator, *, label: int, n_new: int, seed=None):
    """Fit ``generator`` on the rows of one class and append ``n_new`` samples of it.

    Parameters
    ----------
    X : array, shape (n_samples, ...)
    y : array of int, shape (n_samples,)
    generator : an unfitted generator (it is fitted here, without labels).
    label : the class to augment.
    n_new : number of synthetic rows to add.

    Returns
    -------
    X_aug : array, shape (n_samples + n_new, ...), float32
    y_aug : array of int64, shape (n_samples + n_new,)
    """
    X = check_array(X, dtype=np.float32)
    y = check_labels(y, X.shape[0])
    rows = X[y == label]
    if rows.shape[0] == 0:
        raise ValueError(f"class {label} has no rows in y; nothing to fit on")
    synthetic = generator.fit(rows).sample(n_new, seed=seed)
    synthetic = np.asarray(synthetic, dtype=np.float32).reshape((n_new, *X.shape[1:]))
    X_aug = np.concatenate([X, synthetic])
    y_aug = np.concatenate([y, np.full(n_new, label, dtype=np.int64)])
    return X_aug, y_aug
