"""The one generator API and its shared input validation.

Every generator in the course follows scikit-learn conventions, so the capstone can
swap them::

    gen = SomeGenerator(**hyperparameters)  # no data in __init__
    gen.fit(X, y=None)                # returns self; learned attributes end in "_"
    gen.sample(n, y=None, seed=None)  # n new rows, shaped like the rows of X

A generator fitted with labels (``fit(X, y)``) is *class-conditional*: its ``sample``
returns ``(X_new, y_new)``; ``y`` may be ``None`` (labels drawn from the class prior),
an int (all ``n`` rows of that class) or an array of ``n`` labels. A generator fitted
without labels returns ``X_new`` only.

Samplers never touch global RNG state: they take ``seed`` (an int, ``None`` or a
``np.random.Generator``).
"""

from __future__ import annotations

import inspect
from typing import ClassVar

import numpy as np

__all__ = [
    "BaseGenerator",
    "all_generators",
    "check_array",
    "check_labels",
    "check_n_samples",
    "check_random_state",
]


def check_random_state(seed) -> np.random.Generator:
    """Turn ``None``, an int or a ``np.random.Generator`` into a Generator."""
    if isinstance(seed, np.random.Generator):
        return seed
    if seed is None or (isinstance(seed, (int, np.integer)) and seed >= 0):
        return np.random.default_rng(seed)
    raise ValueError(
        "seed must be None, a non-negative int or a numpy.random.Generator, "
        f"got {seed!r}"
    )


def check_n_samples(n) -> int:
    """Validate the number of samples to draw: an integer >= 0."""
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)):
        raise ValueError(f"n must be an integer number of samples, got {n!r}")
    if n < 0:
        raise ValueError(f"n must be >= 0, got {n}")
    return int(n)


def check_array(
    X,
    *,
    name: str = "X",
    ndim: int | None = None,
    min_samples: int = 1,
    value_range: tuple[float, float] | None = None,
    binary: bool = False,
    n_features: int | None = None,
    dtype=np.float64,
) -> np.ndarray:
    """Validate an array of samples (first axis = samples) and return it as ``dtype``.

    Parameters
    ----------
    X : array-like, shape (n_samples, ...)
    ndim : required number of dimensions, or None for any >= 1.
    min_samples : smallest acceptable ``n_samples``.
    value_range : (low, high) that every value must lie in, e.g. ``(0, 1)``.
    binary : every value must be exactly 0 or 1 (a Bernoulli model's data).
    n_features : required number of features per row (the product of the trailing
        dimensions), e.g. a fitted model's ``n_features_in_``.
    dtype : the dtype to return, or None to keep the input's.

    Raises
    ------
    ValueError
        saying what was wrong and what was expected.
    """
    try:
        arr = np.asarray(X)
    except Exception as exc:  # ragged lists and the like
        raise ValueError(f"{name} could not be converted to an array: {exc}") from None
    if arr.dtype == object or not (
        np.issubdtype(arr.dtype, np.number) or arr.dtype == bool
    ):
        raise ValueError(f"{name} must be numeric, got dtype {arr.dtype}")
    if arr.ndim == 0:
        raise ValueError(f"{name} must have a samples axis, got a scalar")
    if ndim is not None and arr.ndim != ndim:
        raise ValueError(f"{name} must be {ndim}-D, got shape {arr.shape}")
    if arr.shape[0] < min_samples:
        raise ValueError(
            f"{name} has {arr.shape[0]} samples; at least {min_samples} are needed"
        )
    if dtype is not None:
        arr = arr.astype(dtype, copy=False)
    if np.issubdtype(arr.dtype, np.floating) and not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} contains NaN or infinite values")
    row_size = int(np.prod(arr.shape[1:], dtype=np.int64))
    if n_features is not None and row_size != n_features:
        raise ValueError(
            f"{name} has {row_size} features per sample (shape {arr.shape}); "
            f"expected {n_features}"
        )
    if value_range is not None and arr.size:
        low, high = value_range
        lo, hi = arr.min(), arr.max()
        if lo < low or hi > high:
            raise ValueError(
                f"{name} must lie in [{low}, {high}], got values in [{lo:g}, {hi:g}]; "
                "scale images with course_lib.data.to_unit() first"
            )
    if binary and arr.size and not np.all((arr == 0) | (arr == 1)):
        raise ValueError(
            f"{name} must be binary (only 0 and 1) for a Bernoulli model; "
            "binarize it first, e.g. course_lib.data.binarize(X)"
        )
    return arr


def check_labels(y, n_samples: int, *, name: str = "y") -> np.ndarray:
    """Validate integer class labels for ``n_samples`` rows; returns an int64 array."""
    arr = np.asarray(y)
    if arr.ndim != 1:
        raise ValueError(f"{name} must be 1-D, got shape {arr.shape}")
    if arr.shape[0] != n_samples:
        raise ValueError(
            f"{name} has {arr.shape[0]} labels but X has {n_samples} samples"
        )
    if arr.size and not np.issubdtype(arr.dtype, np.integer):
        if not np.issubdtype(arr.dtype, np.floating) or not np.all(
            np.isfinite(arr) & (arr == np.round(arr))
        ):
            raise ValueError(f"{name} must hold integer class labels, got {arr.dtype}")
    return arr.astype(np.int64)


class BaseGenerator:
    """Base class: parameter handling, input validation and label bookkeeping.

    Subclasses implement ``fit`` (calling :meth:`_validate_fit` first) and ``sample``
    (calling :meth:`_prepare_sample` first). Every concrete subclass is registered and
    checked by ``tests/test_generator_api.py``; it describes a small, fast
    configuration for that test in ``_api_test_params`` and the kind of data it
    accepts in ``_api_input`` (``"real"``, ``"unit"`` for [0, 1] or ``"binary"``).
    """

    _registry: ClassVar[list[type]] = []
    _api_test_params: ClassVar[dict] = {}
    _api_input: ClassVar[str] = "real"
    #: smallest number of training rows a class needs (e.g. 2 for a covariance)
    _min_samples_per_class: ClassVar[int] = 1

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if not cls.__name__.startswith("_") and not inspect.isabstract(cls):
            BaseGenerator._registry.append(cls)

    # ---- parameters -----------------------------------------------------------------
    @classmethod
    def _param_names(cls) -> list[str]:
        signature = inspect.signature(cls.__init__)
        return [
            p.name
            for p in signature.parameters.values()
            if p.name != "self" and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
        ]

    def get_params(self, deep: bool = True) -> dict:
        """The hyperparameters given to ``__init__`` (stored unchanged).

        ``deep`` is accepted (and ignored) so that ``sklearn.base.clone`` works.
        """
        return {name: getattr(self, name) for name in self._param_names()}

    def set_params(self, **params):
        valid = set(self._param_names())
        for key, value in params.items():
            if key not in valid:
                raise ValueError(
                    f"{type(self).__name__} has no parameter {key!r}; "
                    f"valid: {sorted(valid)}"
                )
            setattr(self, key, value)
        return self

    def __repr__(self) -> str:
        defaults = {
            p.name: p.default
            for p in inspect.signature(type(self).__init__).parameters.values()
        }
        changed = []
        for key, value in self.get_params().items():
            default = defaults.get(key, inspect.Parameter.empty)
            try:
                same = bool(value == default)
            except Exception:  # arrays and the like
                same = False
            if not same:
                changed.append(f"{key}={value!r}")
        return f"{type(self).__name__}({', '.join(changed)})"

    # ---- fitting --------------------------------------------------------------------
    def _validate_fit(self, X, y=None, **check_kwargs):
        """Validate training data and record its shape and classes.

        Returns ``(X2d, y)`` with ``X2d`` of shape (n_samples, n_features) and ``y``
        an int64 array or None. Sets ``feature_shape_``, ``n_features_in_``,
        ``conditional_`` and, with labels, ``classes_`` and ``class_prior_``.
        """
        check_kwargs.setdefault("min_samples", 1)
        X = check_array(X, **check_kwargs)
        if X.ndim < 2:
            raise ValueError(
                f"X must have shape (n_samples, n_features, ...), got {X.shape}; "
                "for a single feature use X.reshape(-1, 1)"
            )
        self.feature_shape_ = tuple(X.shape[1:])
        self.n_features_in_ = int(np.prod(self.feature_shape_))
        X2d = X.reshape(X.shape[0], -1)
        self.conditional_ = y is not None
        if y is None:
            for attr in ("classes_", "class_prior_", "class_counts_"):
                if hasattr(self, attr):
                    delattr(self, attr)
            return X2d, None
        y = check_labels(y, X.shape[0])
        classes, counts = np.unique(y, return_counts=True)
        too_small = classes[counts < self._min_samples_per_class]
        if too_small.size:
            raise ValueError(
                f"class {too_small[0]} has {counts[classes == too_small[0]][0]} "
                f"training sample(s); {type(self).__name__} needs at least "
                f"{self._min_samples_per_class} per class"
            )
        self.classes_ = classes
        self.class_counts_ = counts
        self.class_prior_ = counts / counts.sum()
        return X2d, y

    def _check_fitted(self):
        if not hasattr(self, "n_features_in_"):
            raise ValueError(
                f"this {type(self).__name__} is not fitted yet; call fit(X) first"
            )

    # ---- sampling -------------------------------------------------------------------
    def _prepare_sample(self, n, y=None, seed=None):
        """Validate ``sample`` arguments; returns ``(n, labels or None, rng)``.

        For a class-conditional generator, ``labels`` holds the ``n`` classes to draw:
        from the class prior when ``y`` is None, all equal to ``y`` when it is an int,
        or ``y`` itself when it is an array of ``n`` labels.
        """
        self._check_fitted()
        n = check_n_samples(n)
        rng = check_random_state(seed)
        if not self.conditional_:
            if y is not None:
                raise ValueError(
                    f"this {type(self).__name__} was fitted without labels, so it "
                    "cannot sample a chosen class; fit(X, y) to make it "
                    "class-conditional"
                )
            return n, None, rng
        if y is None:
            labels = rng.choice(self.classes_, size=n, p=self.class_prior_)
        elif np.ndim(y) == 0:
            labels = np.full(n, check_labels([y], 1)[0], dtype=np.int64)
        else:
            labels = check_labels(y, n)
        unseen = np.setdiff1d(labels, self.classes_)
        if unseen.size:
            raise ValueError(
                f"label {unseen[0]} was never seen in fit; "
                f"known classes: {self.classes_.tolist()}"
            )
        return n, labels.astype(np.int64), rng

    def _finish_sample(self, X2d, labels):
        """Reshape flat samples to the training rows' shape; attach labels if any."""
        X_new = np.asarray(X2d).reshape((X2d.shape[0], *self.feature_shape_))
        return (X_new, labels) if labels is not None else X_new


def all_generators() -> list[type]:
    """Every concrete generator class in ``course_lib`` (importing its modules)."""
    import importlib
    import pkgutil

    import course_lib

    for info in pkgutil.iter_modules(course_lib.__path__):
        if not info.name.startswith("_"):
            importlib.import_module(f"course_lib.{info.name}")
    return sorted(set(BaseGenerator._registry), key=lambda cls: cls.__name__)
