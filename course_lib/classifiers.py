"""The classifiers that judge synthetic data, and the scores they are judged by.

A generator is only as useful as what it does for a downstream model, so the course
keeps the downstream model fixed and simple:

- ``"logreg"``: multinomial logistic regression on the pixels (scikit-learn). Fast,
  deterministic, and sensitive to class imbalance: a good probe.
- ``"cnn"``: a small Keras convolutional network for image inputs.

Both follow scikit-learn's ``fit(X, y)`` / ``predict(X)`` convention and take images
of any shape (they flatten or add a channel axis as needed).
"""

from __future__ import annotations

import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import balanced_accuracy_score, f1_score, recall_score
from threadpoolctl import threadpool_limits

from ._base import check_array, check_labels

__all__ = ["CLASSIFIERS", "SmallCNN", "make_classifier", "scores"]

CLASSIFIERS = ("logreg", "cnn")


class _FlattenLogReg:
    """Logistic regression on flattened pixels; images in, labels out."""

    def __init__(self, *, C: float = 0.1, max_iter: int = 100, seed: int = 0):
        self.C = C
        self.max_iter = max_iter
        self.seed = seed

    def fit(self, X, y):
        X = check_array(X, min_samples=2, dtype=np.float32)
        y = check_labels(y, X.shape[0])
        self.model_ = LogisticRegression(
            C=self.C, max_iter=self.max_iter, random_state=self.seed
        )
        # lbfgs on a few thousand rows does many small matrix products, where BLAS
        # threads cost more than they give (measured: 0.4 s on one thread vs 18 s
        # with the default threads on a busy 2-core machine).
        with threadpool_limits(limits=1, user_api="blas"), warnings.catch_warnings():
            # max_iter is a deliberate early stop (C and max_iter together set the
            # regularisation of this probe), so lbfgs not converging is expected.
            warnings.simplefilter("ignore", ConvergenceWarning)
            self.model_.fit(X.reshape(X.shape[0], -1), y)
        self.classes_ = self.model_.classes_
        return self

    def predict(self, X):
        X = check_array(X, dtype=np.float32)
        return self.model_.predict(X.reshape(X.shape[0], -1))


class SmallCNN:
    """Two conv blocks and a dense head; ``fit``/``predict`` on (N, H, W[, C]) images.

    Parameters
    ----------
    epochs, batch_size, learning_rate : training settings (Adam).
    seed : seeds Keras weight initialisation and shuffling for this fit.
    """

    def __init__(self, *, epochs=5, batch_size=128, learning_rate=1e-3, seed=0):
        self.epochs = epochs
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.seed = seed

    @staticmethod
    def _with_channels(X):
        return X[..., None] if X.ndim == 3 else X

    def fit(self, X, y):
        import keras

        X = self._with_channels(check_array(X, min_samples=2, dtype=np.float32))
        if X.ndim != 4:
            raise ValueError(f"SmallCNN needs images (N, H, W[, C]), got {X.shape}")
        y = check_labels(y, X.shape[0])
        self.classes_ = np.unique(y)
        index = np.searchsorted(self.classes_, y)
        keras.utils.set_random_seed(self.seed)
        model = keras.Sequential(
            [
                keras.Input(X.shape[1:]),
                keras.layers.Conv2D(16, 3, activation="relu", padding="same"),
                keras.layers.MaxPooling2D(),
                keras.layers.Conv2D(32, 3, activation="relu", padding="same"),
                keras.layers.MaxPooling2D(),
                keras.layers.Flatten(),
                keras.layers.Dense(64, activation="relu"),
                keras.layers.Dense(self.classes_.size),
            ]
        )
        model.compile(
            optimizer=keras.optimizers.Adam(self.learning_rate),
            loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        )
        model.fit(X, index, epochs=self.epochs, batch_size=self.batch_size, verbose=0)
        self.model_ = model
        return self

    def predict(self, X):
        X = self._with_channels(check_array(X, dtype=np.float32))
        logits = self.model_.predict(X, batch_size=1024, verbose=0)
        return self.classes_[np.argmax(logits, axis=1)]


def make_classifier(kind: str = "logreg", *, seed: int = 0, **params):
    """A fresh, unfitted classifier of the given kind (see ``CLASSIFIERS``)."""
    if kind == "logreg":
        return _FlattenLogReg(seed=seed, **params)
    if kind == "cnn":
        return SmallCNN(seed=seed, **params)
    raise ValueError(f"unknown classifier {kind!r}; valid: {', '.join(CLASSIFIERS)}")


def scores(y_true, y_pred, *, minority: int) -> dict:
    """Minority-class recall, balanced accuracy and macro-F1 of a prediction."""
    y_true = check_labels(y_true, len(y_true), name="y_true")
    y_pred = check_labels(y_pred, y_true.shape[0], name="y_pred")
    if not np.any(y_true == minority):
        raise ValueError(f"the test labels hold no sample of the minority {minority}")
    return {
        "minority_recall": float(
            recall_score(y_true, y_pred, labels=[minority], average="macro")
        ),
        "balanced_accuracy": float(balanced_accuracy_score(y_true, y_pred)),
        "macro_f1": float(f1_score(y_true, y_pred, average="macro")),
    }
