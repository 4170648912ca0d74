"""The one generator API and the course's own input checks.

Every generator in the course is a scikit-learn estimator (``get_params``,
``set_params``, ``repr`` and ``sklearn.base.clone`` come from
:class:`sklearn.base.BaseEstimator`), so the capstone can swap them::

    gen = SomeGenerator(**hyperparameters)  # no data in __init__
    gen.fit(X, y=None)                # returns self; learned attributes end in "_"
    gen.sample(n, y=None, seed=None)  # n new rows, shaped like the rows of X

A generator fitted with labels (``fit(X, y)``) is *class-conditional*: its ``sample``
returns ``(X_new, y_new)``; ``y`` may be ``None`` (labels drawn from the class prior),
an int (all ``n`` rows of that class) or an array of ``n`` labels. A generator fitted
without labels returns ``X_new`` only.

The fit contract, as scikit-learn's estimators keep it and visible in every ``fit``:
forget the previous fit, validate the hyperparameters, then the data, compute into
local variables and set the learned attributes last (:meth:`BaseGenerator._fitted`).
So a fit or refit that raises leaves the model unfitted (``sample`` raises
``NotFittedError``), with no wrapper around ``fit``. The one exception is Ctrl-C
during a long training: like ``keras.Model.fit``, the model keeps the weights trained
so far (the learned attributes are set from them, and the fit says so) before the
``KeyboardInterrupt`` goes on.

Samplers never touch global RNG state: they take ``seed`` (an int, ``None`` or a
``np.random.Generator``).
"""

from __future__ import annotations

from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.utils import check_array as _sklearn_check_array
from sklearn.utils import check_scalar
from sklearn.utils.validation import check_is_fitted

_NOT_FITTED = "This %(name)s is not fitted yet; call fit first"
#: Keras ``compile(steps_per_execution=...)`` of the CNN classifier and the VAEs: the
#: same training steps, bitwise, with less Python between them (measured: 10-25 %
#: faster for their small models on 2 CPU cores). Not the DDPM: its noise draws
#: would change.
STEPS_PER_EXECUTION = 32
INTERRUPTED = "interrupted: the model keeps the weights of the {} finished epoch(s)"


def as_rng(seed) -> np.random.Generator:
    """Turn ``None``, an int or a ``np.random.Generator`` into a Generator.

    (Not scikit-learn's ``check_random_state``, which returns a legacy
    ``RandomState``.)"""
    try:
        return np.random.default_rng(seed)  # a Generator is returned unchanged
    except (TypeError, ValueError):
        msg = "seed must be None, an int >= 0 or a numpy.random.Generator"
        raise ValueError(f"{msg}, got {seed!r}") from None


def seed_stream(seed):
    """``next_seed()``: a new int seed drawn from ``seed`` at every call, one per
    weight initializer or dropout layer, so a seeded network is reproducible
    without global state; always ``None`` (Keras's global seed) when ``seed`` is None.
    """
    rng = None if seed is None else np.random.default_rng(seed)
    return lambda: None if rng is None else int(rng.integers(2**31 - 1))


def check_param(value, name: str, kind, **bounds):
    """A scalar hyperparameter: ``sklearn.utils.check_scalar`` (type and bounds such
    as ``min_val=0``), raising ``ValueError`` for bools, NaN/inf and wrong types too."""
    kinds = kind if isinstance(kind, tuple) else (kind,)
    if isinstance(value, bool) and bool not in kinds:
        names = " or ".join(k.__name__ for k in kinds)
        raise ValueError(f"{name} must be of type {names}, got {value!r}")
    if isinstance(value, Real) and not np.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value!r}")
    try:
        return check_scalar(value, name, kind, **bounds)
    except TypeError as exc:
        raise ValueError(str(exc)) from None


def check_choice(value, name: str, choices) -> None:
    """A string hyperparameter that must be one of ``choices``."""
    if not isinstance(value, str) or value not in choices:
        raise ValueError(f"{name} must be one of {tuple(choices)}, got {value!r}")


def check_training_params(estimator, *, integers=(), nonnegative=()) -> None:
    """The hyperparameters of a model trained by gradient steps: ``epochs``,
    ``batch_size`` and each name in ``integers`` whole numbers >= 1, ``learning_rate``
    > 0, each name in ``nonnegative`` a number >= 0 and ``seed`` a seed
    (:func:`as_rng`)."""
    for name in ("epochs", "batch_size", *integers):
        check_param(getattr(estimator, name), name, Integral, min_val=1)
    for name in nonnegative:
        check_param(getattr(estimator, name), name, Real, min_val=0)
    rate = estimator.learning_rate
    check_param(rate, "learning_rate", Real, min_val=0, include_boundaries="neither")
    as_rng(estimator.seed)


def check_layer_sizes(sizes, name: str) -> tuple[int, ...]:
    """A non-empty sequence of positive ints (layer widths or filter counts)."""
    sizes = tuple(np.atleast_1d(sizes).tolist())
    if not sizes or not all(isinstance(s, int) and s >= 1 for s in sizes):
        raise ValueError(f"{name} must hold positive ints, got {sizes!r}")
    return sizes


def check_n_samples(n) -> int:
    """Validate the number of samples to draw: an integer >= 0."""
    return int(check_param(n, "n", Integral, min_val=0))


def check_array(
    X,
    *,
    name: str = "X",
    ndim: int | None = None,
    min_samples: int = 1,
    value_range: tuple[float, float] | None = None,
    n_features: int | None = None,
    dtype=np.float64,
) -> np.ndarray:
    """Validate an array of samples (first axis = samples) and return it as ``dtype``.

    scikit-learn's ``check_array`` (numeric, finite, at least ``min_samples`` rows,
    any number of dimensions) plus the course's own checks: ``ndim``, ``n_features``
    (features per row: the product of the trailing dimensions) and every value in
    ``value_range`` (e.g. ``(0, 1)``). ``dtype=None`` keeps the input's numeric
    dtype. Raises ``ValueError`` saying what was wrong.
    """
    if np.ndim(X) == 0:
        raise ValueError(f"{name} must have a samples axis, got a scalar")
    X = _sklearn_check_array(  # numeric, finite, >= min_samples rows, any ndim
        X,
        dtype="numeric" if dtype is None else dtype,
        ensure_2d=False,
        allow_nd=True,
        ensure_min_samples=min_samples,
        ensure_min_features=0,
        input_name=name,
    )
    if ndim is not None and X.ndim != ndim:
        raise ValueError(f"{name} must be {ndim}-D, got shape {X.shape}")
    row_size = int(np.prod(X.shape[1:], dtype=np.int64))
    if n_features is not None and row_size != n_features:
        raise ValueError(
            f"{name} has {row_size} features per sample (shape {X.shape}); "
            f"expected {n_features}"
        )
    if value_range is not None and X.size:
        (low, high), lo, hi = value_range, X.min(), X.max()
        if lo < low or hi > high:
            raise ValueError(
                f"{name} must lie in [{low}, {high}], got values in [{lo:g}, {hi:g}]; "
                "scale images with course_lib.data.to_unit() first"
            )
    return X


def check_labels(y, n_samples: int, *, name: str = "y") -> np.ndarray:
    """Validate integer class labels for ``n_samples`` rows; returns an int64 array."""
    y = np.asarray(y)
    if y.ndim != 1:
        raise ValueError(f"{name} must be 1-D, got shape {y.shape}")
    if y.shape[0] != n_samples:
        raise ValueError(
            f"{name} has {y.shape[0]} labels but X has {n_samples} samples"
        )
    integral = y.dtype.kind in "iu" or (
        y.dtype.kind == "f" and np.all(np.isfinite(y)) and np.all(y == np.round(y))
    )
    if y.size and not integral:
        raise ValueError(f"{name} must hold integer class labels, got {y.dtype}")
    return y.astype(np.int64)


def check_images(X, *, name="X", shape=None, min_samples=1) -> np.ndarray:
    """Images (N, H, W[, C]) in [0, 1] as float32 (N, H, W, C); ``shape``, if given,
    is the (H, W, C) they must have."""
    X = check_array(X, name=name, min_samples=min_samples, value_range=(0, 1),
                    dtype=np.float32)  # fmt: skip
    X = X[..., None] if X.ndim == 3 else X
    if X.ndim != 4:
        raise ValueError(f"{name} must be images (N, H, W[, C]), got shape {X.shape}")
    if shape is not None and X.shape[1:] != tuple(shape):
        raise ValueError(
            f"{name} has images of shape {X.shape[1:]}; expected {tuple(shape)}"
        )
    return X


def store_params(estimator, params: dict) -> None:
    """The whole body of an estimator's ``__init__``, ``store_params(self,
    locals())``: each argument kept under its own name, unchanged and unchecked, as
    scikit-learn's ``get_params``, ``set_params`` and ``clone`` expect."""
    vars(estimator).update((k, v) for k, v in params.items() if k != "self")


def forget_fit(estimator) -> None:
    """Delete every learned attribute (names ending in "_"): the first step of a
    ``fit``, so that a fit or refit that raises leaves the estimator unfitted."""
    for key in [k for k in vars(estimator) if k.endswith("_") and k[:2] != "__"]:
        delattr(estimator, key)


def check_known(labels, classes) -> None:
    """Every label must be one of the ``classes`` seen in fit."""
    unseen = np.setdiff1d(labels, classes)
    if unseen.size:
        raise ValueError(
            f"label {unseen[0]} was never seen in fit; "
            f"known classes: {np.asarray(classes).tolist()}"
        )


def history_dict(history) -> dict:
    """A ``keras.callbacks.History``'s per-epoch logs as lists of floats."""
    return {key: [float(v) for v in values] for key, values in history.history.items()}


def fit_keras(estimator, model, data, learned, *, callbacks=(), verbose=0, **kwargs):
    """The end of a Keras-trained ``fit``: ``model.fit(data, **kwargs)`` (the dataset
    shuffles itself, from its seed), then ``learned(history)``, the learned
    attributes, set on ``estimator``, which is returned. Ctrl-C keeps the weights
    trained so far, as ``keras.Model.fit`` does: the attributes are set from them and
    :data:`INTERRUPTED` says so before the ``KeyboardInterrupt`` goes on."""
    import keras

    history = keras.callbacks.History()
    try:
        model.fit(data, shuffle=False, verbose=verbose,
                  callbacks=[history, *callbacks], **kwargs)  # fmt: skip
    except KeyboardInterrupt:
        vars(estimator).update(learned(history))
        print(INTERRUPTED.format(len(history.epoch)), flush=True)
        raise
    vars(estimator).update(learned(history))
    return estimator


class BaseGenerator(BaseEstimator):
    """Base class: the ``sample`` contract and the class-conditional label handling.

    A subclass's ``fit`` reads, in order::

        forget_fit(self)                                   # an earlier fit goes
        ... check the hyperparameters ...
        X2d, y, data = self._validate_fit(X, y, **checks)  # then the data
        ... compute into local variables ...
        return self._fitted(data, means_=means, ...)       # learned attributes last

    and its ``sample`` starts with ``n, labels, rng = self._prepare_sample(n, y,
    seed)`` and ends with ``return self._finish_sample(X_new, labels)``.
    """

    #: smallest number of training rows a class needs (e.g. 2 for a covariance)
    _min_samples_per_class = 1

    def _validate_fit(self, X, y=None, **checks):
        """Validate X (with :func:`check_array` ``checks``) and y; set nothing.

        Returns ``(X2d, y, data)``: X as (n_samples, n_features), y as int64 or None,
        and ``data``, the learned attributes that describe the training data, for
        :meth:`_fitted`: ``feature_shape_``, ``n_features_in_``, ``conditional_``
        and, with labels, ``classes_`` and ``class_prior_``.
        """
        X = check_array(X, **checks)
        if X.ndim < 2:
            raise ValueError(
                f"X must have shape (n_samples, n_features, ...), got {X.shape}; "
                "for a single feature use X.reshape(-1, 1)"
            )
        data = {"feature_shape_": tuple(X.shape[1:]), "conditional_": y is not None}
        data["n_features_in_"] = int(np.prod(data["feature_shape_"]))
        if y is not None:
            y = check_labels(y, X.shape[0])
            classes, counts = np.unique(y, return_counts=True)
            if counts.min() < self._min_samples_per_class:
                raise ValueError(
                    f"class {classes[counts.argmin()]} has {counts.min()} training "
                    f"sample(s); {type(self).__name__} needs at least "
                    f"{self._min_samples_per_class} per class"
                )
            data.update(classes_=classes, class_prior_=counts / counts.sum())
        return X.reshape(X.shape[0], -1), y, data

    def _fitted(self, data, **learned):
        """Set the learned attributes (``data`` from :meth:`_validate_fit` and
        ``learned``) in one step, at the end of ``fit``; returns self."""
        vars(self).update(data, **learned)
        return self

    def _check_fitted(self):
        check_is_fitted(self, "n_features_in_", msg=_NOT_FITTED)

    def _prepare_sample(self, n, y=None, seed=None):
        """Validate ``sample`` arguments; returns ``(n, labels or None, rng)``.

        For a class-conditional generator, ``labels`` holds the ``n`` classes to draw:
        from the class prior when ``y`` is None, all equal to ``y`` when it is an int,
        or ``y`` itself when it is an array of ``n`` labels.
        """
        self._check_fitted()
        n, rng = check_n_samples(n), as_rng(seed)
        if not self.conditional_:
            if y is not None:
                msg = "was fitted without labels; fit(X, y) to sample a chosen class"
                raise ValueError(f"this {type(self).__name__} {msg}")
            return n, None, rng
        if y is None:
            labels = rng.choice(self.classes_, size=n, p=self.class_prior_)
        else:
            labels = check_labels(np.full(n, y) if np.ndim(y) == 0 else y, n)
        check_known(labels, self.classes_)
        return n, labels.astype(np.int64), rng

    def _class_rows(self, labels):
        """``(k, rows)`` for each class among ``labels``: its index in ``classes_`` and
        a mask of its rows; without labels, one group ``(0, all rows)``."""
        if labels is None:
            return [(0, slice(None))]
        index = np.searchsorted(self.classes_, labels)
        return [(k, index == k) for k in np.unique(index)]

    def _finish_sample(self, X2d, labels):
        """Reshape flat samples to the training rows' shape; attach labels if any."""
        X_new = np.asarray(X2d).reshape((X2d.shape[0], *self.feature_shape_))
        return (X_new, labels) if labels is not None else X_new
