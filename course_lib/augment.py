"""Augmenting a rare class with synthetic rows, the imbalanced-learn way.

Whether augmentation helps a classifier is evaluation, in :mod:`course_lib.experiment`.
The baseline every generator in the course is compared with is imbalanced-learn's
``RandomOverSampler``: it "generates" by resampling training rows with replacement. It
makes nothing new, so a generator earns its place only by beating it on a held-out,
balanced test set.

:class:`GeneratorSampler` turns any course generator into an imbalanced-learn sampler
(``fit_resample``), so it can stand in an ``imblearn.pipeline.Pipeline`` next to
``RandomOverSampler`` and ``SMOTE`` (notebook 08).
"""

from __future__ import annotations

import numpy as np
from imblearn.over_sampling.base import BaseOverSampler
from imblearn.utils import check_target_type
from sklearn.base import clone
from sklearn.utils.validation import validate_data

from ._base import as_rng, check_param

__all__ = ["GeneratorSampler"]


class GeneratorSampler(BaseOverSampler):
    """Any course generator as an imbalanced-learn over-sampler (``fit_resample``).

    ``fit_resample(X, y)`` fits a copy of ``generator`` and appends synthetic rows to
    the classes that ``sampling_strategy`` names, up to its counts, like
    ``imblearn.over_sampling.SMOTE`` but with the course's generators. Images in,
    images out: rows keep their shape. Inside ``imblearn.pipeline.Pipeline`` the
    resampling happens only when the pipeline is fitted, never on the rows it
    predicts (so under ``cross_validate`` test folds stay real).

    Parameters
    ----------
    generator : unfitted course generator (anything with ``fit(X, y=None)`` and
        ``sample(n, y=None, seed=None)``). It is copied, never fitted itself.
    sampling_strategy : str, float, dict or callable, default="auto"
        imbalanced-learn's over-sampling semantics: ``"auto"`` (= ``"not majority"``)
        brings every other class up to the majority's count; a dict maps a class to
        its count after resampling; see ``imblearn.over_sampling.RandomOverSampler``.
    seed : None, int >= 0 or ``np.random.Generator``
        Seeds the ``sample`` calls (one seed per class is drawn from it). The
        generator's own training seed, if it has one, is its own parameter.
    conditional : bool, default=False
        False: one copy of the generator per resampled class, fitted on that
        class's rows only. True: one copy fitted on all rows with their labels (a
        class-conditional generator, which can borrow from the other classes),
        sampled once per resampled class.

    Attributes
    ----------
    sampling_strategy_ : dict, class -> number of synthetic rows to add
    generators_ : dict, class -> the fitted generator that made its rows
    synthetic_mask_ : array of bool, shape (n_samples_resampled,)
        True for synthetic rows. The input rows come first and unchanged, so
        ``X_res[~synthetic_mask_]`` equals ``X``.
    """

    def __init__(
        self, generator, *, sampling_strategy="auto", seed=None, conditional=False
    ):
        super().__init__(sampling_strategy=sampling_strategy)
        self.generator = generator
        self.seed = seed
        self.conditional = conditional

    def _validate_params(self):
        super()._validate_params()  # imbalanced-learn's check of sampling_strategy
        if not all(
            callable(getattr(self.generator, m, None)) for m in ("fit", "sample")
        ):
            raise ValueError(
                f"generator must have fit and sample methods, got {self.generator!r}"
            )
        as_rng(self.seed)
        check_param(self.conditional, "conditional", (bool, np.bool_))

    def _check_X_y(self, X, y, accept_sparse=None):
        # as imbalanced-learn's, but images (n, height, width[, channels]) are allowed
        y, binarize_y = check_target_type(y, indicate_one_vs_all=True)
        X, y = validate_data(self, X=X, y=y, reset=True, allow_nd=True)
        return X, y, binarize_y

    def _fit_resample(self, X, y):
        rng = as_rng(self.seed)
        todo = {c: n for c, n in self.sampling_strategy_.items() if n > 0}
        self.generators_ = {}
        if self.conditional and todo:
            fitted = clone(self.generator).fit(X, y)
            self.generators_ = dict.fromkeys(todo, fitted)
        synthetic, labels = [], []
        for label, n_new in todo.items():
            if not self.conditional:
                rows = X[y == label]
                self.generators_[label] = clone(self.generator).fit(rows)
            seed = int(rng.integers(2**32))
            if self.conditional:
                new = self.generators_[label].sample(n_new, y=label, seed=seed)[0]
            else:
                new = self.generators_[label].sample(n_new, seed=seed)
            new = np.asarray(new)
            if new.shape != (n_new, *X.shape[1:]):
                raise ValueError(
                    f"the generator returned samples of shape {new.shape} for class "
                    f"{label}; expected {(n_new, *X.shape[1:])}"
                )
            synthetic.append(new.astype(X.dtype) if X.dtype.kind == "f" else new)
            labels.append(np.full(n_new, label, dtype=y.dtype))
        X_res = np.concatenate([X, *synthetic])
        y_res = np.concatenate([y, *labels])
        self.synthetic_mask_ = np.arange(y_res.shape[0]) >= y.shape[0]
        return X_res, y_res
