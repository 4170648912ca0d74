"""A Gaussian class-conditional generator, which is also a Bayes classifier.

The model: a class prior ``p(y)`` from the class frequencies and, for each class,
a multivariate normal ``p(x | y) = N(μ_y, Σ_y)`` with a full covariance matrix.

- Generating: draw ``y ~ p(y)`` (or choose it), then ``x = μ_y + L_y z`` with
  ``z ~ N(0, I)`` and ``L_y`` the Cholesky factor of ``Σ_y`` (``L Lᵀ = Σ``). The factor
  is computed once per class in ``fit``; all samples of a class are then one matrix
  product ``Z @ Lᵀ``.
- Classifying: Bayes' rule ``p(y | x) ∝ p(x | y) p(y)``, computed in log space with
  the log-sum-exp trick, because ``log p(x | y)`` of a 784-pixel image is in the
  hundreds or thousands and ``exp`` of it under- or overflows.

Pixel covariances are singular (border pixels that are always 0 have zero variance,
and ``n`` images span at most ``n - 1`` directions), so they must be regularized:
``reg="ledoit_wolf"`` shrinks it towards a multiple of the identity by the amount
Ledoit & Wolf (2004) derived; a number adds that value to the diagonal.

Nothing here imports TensorFlow.
"""

from __future__ import annotations

from numbers import Real

import numpy as np
from scipy.special import logsumexp
from sklearn.base import ClassifierMixin
from sklearn.covariance import ledoit_wolf

from ._base import (
    BaseGenerator,
    check_array,
    check_choice,
    check_param,
    forget_fit,
    store_params,
)

__all__ = ["GaussianBayesGenerator"]

_LOG_2PI = float(np.log(2.0 * np.pi))


class GaussianBayesGenerator(ClassifierMixin, BaseGenerator):
    """Per-class multivariate normal generator and Bayes classifier (``score`` is
    scikit-learn's ``ClassifierMixin.score``: the accuracy of :meth:`predict`).

    Parameters
    ----------
    reg : "ledoit_wolf" or float >= 0
        Covariance regularization. ``"ledoit_wolf"``: shrink each class covariance
        towards ``μ I`` by the data-driven Ledoit–Wolf amount. A number ``r``: use the
        maximum-likelihood covariance plus ``r I`` (in squared data units, e.g.
        ``1e-2`` for pixels in [0, 1]). ``0`` fails on singular covariances (MNIST),
        with a message saying so. scikit-learn's
        ``QuadraticDiscriminantAnalysis(reg_param=r)`` uses ``(1 - r) Σ + r I``: our
        ``reg = r / (1 - r)`` times ``1 - r``, the same classifier only at ``r = 0``.
    covariance : {"full", "diag"}
        ``"full"``: the whole (regularized) covariance matrix. ``"diag"``: only its
        diagonal, i.e. pixels independent given the class — the same per-pixel
        variances without the correlations (compare their samples in notebook 02).

    Attributes
    ----------
    classes_ : ndarray, shape (n_classes,)    (fitted with labels)
    class_prior_ : ndarray, shape (n_classes,)
    means_ : ndarray, shape (n_classes, n_features)
    covariances_ : ndarray, shape (n_classes, n_features, n_features)
        The regularized covariances (diagonal matrices for ``covariance="diag"``).
    cholesky_ : ndarray, shape (n_classes, n_features, n_features)
        Lower-triangular ``L`` with ``L Lᵀ = covariances_``.
    shrinkage_ : ndarray, shape (n_classes,)
        The Ledoit–Wolf ``δ`` per class (zeros for a numeric ``reg``).

    Without labels (``fit(X)``) the model is a single Gaussian: the arrays above
    have one row, ``sample`` returns only ``X_new`` and the classifier methods raise.
    """

    _min_samples_per_class = 2

    def __init__(self, *, reg="ledoit_wolf", covariance: str = "full"):
        store_params(self, locals())

    # ---- fitting --------------------------------------------------------------------
    def _class_covariance(self, rows: np.ndarray):
        """(mean, regularized covariance, Ledoit–Wolf shrinkage or 0) of ``rows``."""
        mean = rows.mean(axis=0)
        if self.reg == "ledoit_wolf":
            cov, shrinkage = ledoit_wolf(rows)
        else:
            centered = rows - mean
            cov = centered.T @ centered / rows.shape[0]
            cov.flat[:: cov.shape[0] + 1] += float(self.reg)
            shrinkage = 0.0
        if self.covariance == "diag":
            cov = np.diag(np.diag(cov))
        return mean, cov, shrinkage

    def fit(self, X, y=None):
        """Estimate the class prior, per-class means and regularized covariances.

        Parameters
        ----------
        X : array-like, shape (n_samples, n_features, ...)
            e.g. images (n, 28, 28) scaled to [0, 1]; samples come back in this shape.
        y : array-like of int, shape (n_samples,), optional
            Class labels; each class needs at least 2 samples.

        Raises
        ------
        ValueError
            for NaN, mismatched X/y lengths, a class with fewer than 2 samples, or a
            covariance that is not positive definite (then: regularize).
        """
        forget_fit(self)
        check_choice(self.covariance, "covariance", ("full", "diag"))
        if self.reg != "ledoit_wolf":
            check_param(self.reg, "reg ('ledoit_wolf' or a number)", Real, min_val=0)
        X2d, y, data = self._validate_fit(X, y, min_samples=2)
        groups = [X2d] if y is None else [X2d[y == c] for c in data["classes_"]]
        fitted = zip(*[self._class_covariance(rows) for rows in groups], strict=True)
        means, covariances, shrinkage = map(np.array, fitted)
        cholesky = np.empty_like(covariances)
        for k, cov in enumerate(covariances):
            try:
                cholesky[k] = np.linalg.cholesky(cov)
            except np.linalg.LinAlgError:
                which = "the data" if y is None else f"class {data['classes_'][k]}"
                raise ValueError(
                    f"the covariance of {which} is not positive definite (singular: "
                    "some features are constant or there are fewer samples than "
                    f"features) with reg={self.reg!r}; use reg='ledoit_wolf' or a "
                    "positive reg such as 1e-2"
                ) from None
        log_prior = np.zeros(1) if y is None else np.log(data["class_prior_"])
        return self._fitted(
            data,
            means_=means,
            covariances_=covariances,
            cholesky_=cholesky,
            shrinkage_=shrinkage,
            log_prior_=log_prior,
        )

    # ---- generating -----------------------------------------------------------------
    def sample(self, n, y=None, seed=None):
        """Draw ``n`` rows ``μ_y + L_y z`` with ``z ~ N(0, I)``.

        Parameters
        ----------
        n : int
        y : None, int or array of n ints
            The classes to draw (None: from the class prior). Only when fitted with
            labels.
        seed : None, int or numpy.random.Generator

        Returns
        -------
        X_new : ndarray of float64, shape (n, *feature_shape_)
            Unclipped Gaussian samples: pixel values may leave [0, 1].
        y_new : ndarray of int64, shape (n,)   (only when fitted with labels)
        """
        n, labels, rng = self._prepare_sample(n, y, seed)
        z = rng.standard_normal((n, self.n_features_in_))
        X_new = np.empty_like(z)
        for k, rows in self._class_rows(labels):
            X_new[rows] = self.means_[k] + z[rows] @ self.cholesky_[k].T
        return self._finish_sample(X_new, labels)

    # ---- classifying ----------------------------------------------------------------
    def log_likelihood(self, X) -> np.ndarray:
        """``log N(x | μ_k, Σ_k)`` of every row under every class (or the one Gaussian).

        Computed through the Cholesky factor: with ``r = L⁻¹ (x - μ)`` (a triangular
        solve, never an explicit inverse), ``log N = -½ (d log 2π + log|Σ| + rᵀr)``
        and ``log|Σ| = 2 Σ log diag L``.

        Parameters
        ----------
        X : array-like, shape (n_samples, *feature_shape_)

        Returns
        -------
        ndarray, shape (n_samples, n_classes)
            In nats; ``n_classes`` is 1 when fitted without labels.
        """
        from scipy.linalg import solve_triangular  # deferred: scipy.linalg is heavy

        self._check_fitted()
        X = check_array(X, n_features=self.n_features_in_, min_samples=0)
        n_features = self.n_features_in_
        X2d = X.reshape(X.shape[0], n_features)
        out = np.empty((X2d.shape[0], self.means_.shape[0]))
        for k, (mean, chol) in enumerate(zip(self.means_, self.cholesky_, strict=True)):
            whitened = solve_triangular(
                chol, (X2d - mean).T, lower=True, check_finite=False
            )
            log_det = 2.0 * np.sum(np.log(np.diag(chol)))
            out[:, k] = -0.5 * (
                n_features * _LOG_2PI + log_det + np.sum(whitened**2, axis=0)
            )
        return out

    def _check_classifier(self):
        self._check_fitted()
        if not self.conditional_:
            raise ValueError(
                "this GaussianBayesGenerator was fitted without labels, so it is not "
                "a classifier; fit(X, y) first"
            )

    def predict_log_proba(self, X) -> np.ndarray:
        """``log p(y | x)``, shape (n_samples, n_classes), by Bayes' rule in logs."""
        self._check_classifier()
        joint = self.log_likelihood(X) + self.log_prior_
        return joint - logsumexp(joint, axis=1, keepdims=True)

    def predict_proba(self, X) -> np.ndarray:
        """``p(y | x)``, shape (n_samples, n_classes); rows sum to 1."""
        return np.exp(self.predict_log_proba(X))

    def predict(self, X) -> np.ndarray:
        """The most probable class of each row, shape (n_samples,)."""
        most_probable = np.argmax(self.predict_log_proba(X), axis=1)
        return self.classes_[most_probable]

    def score_samples(self, X) -> np.ndarray:
        """``log p(x) = log Σ_y p(x | y) p(y)`` of each row, shape (n_samples,), nats.

        The density of the whole model (the mixture over classes); its mean on
        held-out data measures how well the model generates, not how it classifies.
        """
        return logsumexp(self.log_likelihood(X) + self.log_prior_, axis=1)
