"""The classifiers that judge synthetic data, and the scores they are judged by.

A generator is only as useful as what it does for a downstream model, so the course
keeps the downstream model fixed and simple:

- ``"logreg"``: multinomial logistic regression on the pixels (scikit-learn). Fast,
  deterministic, and sensitive to class imbalance: a good probe.
- ``"cnn"``: a small Keras convolutional network for image inputs
  (:class:`CNNClassifier` with ``architecture="small"``).

:class:`CNNClassifier` also builds the Kannada-MNIST paper's baseline (Prabhu 2019,
Keras' ``mnist_cnn`` example); its penultimate dense layer, named
``"features"``, is the feature space the course's sample-quality metrics use.

All follow scikit-learn's ``fit(X, y)`` / ``predict(X)`` convention and take images
of any shape (they flatten or add a channel axis as needed).
"""

from __future__ import annotations

import warnings

import numpy as np
from scipy.special import softmax
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import balanced_accuracy_score, f1_score, recall_score
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer
from sklearn.utils.class_weight import compute_class_weight
from sklearn.utils.validation import check_is_fitted
from threadpoolctl import threadpool_limits

from ._base import (
    STEPS_PER_EXECUTION,
    as_rng,
    check_choice,
    check_images,
    check_labels,
    check_training_params,
    fit_keras,
    forget_fit,
    history_dict,
    seed_stream,
)

__all__ = [
    "ARCHITECTURES",
    "CLASSIFIERS",
    "CNNClassifier",
    "build_cnn",
    "make_classifier",
    "scores",
]

CLASSIFIERS = ("logreg", "cnn")
ARCHITECTURES = ("mnist_cnn", "small")
_PREDICT_BATCH = 128


def flatten(X) -> np.ndarray:
    """Rows of any shape (e.g. images) as float32 vectors, shape (n, n_features)."""
    X = np.asarray(X, dtype=np.float32)
    return X.reshape(len(X), -1)


class _OneThreadLogisticRegression(LogisticRegression):
    """scikit-learn's logistic regression, fitted on one BLAS thread and quietly.

    lbfgs on a few thousand rows does many small matrix products, where BLAS threads
    cost more than they give (measured: 0.4 s on one thread vs 18 s with the default
    threads on a busy 2-core machine). ``max_iter`` is a deliberate early stop (C
    and max_iter together set the regularisation of this probe), so lbfgs not
    converging is expected and not warned about.
    """

    def fit(self, X, y, sample_weight=None):
        with threadpool_limits(limits=1, user_api="blas"), warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            return super().fit(X, y, sample_weight)


# ---- the CNNs ----------------------------------------------------------------------
def build_cnn(architecture: str, input_shape, n_classes: int, *, seed=None):
    """Build one of the course's CNNs (functional API); it outputs class logits.

    - ``"mnist_cnn"`` (Prabhu 2019's Kannada-MNIST baseline, Keras' ``mnist_cnn``):
      conv 32 -> conv 64 -> max-pool -> dropout 0.25 -> dense 128 -> dropout 0.5.
    - ``"small"``: conv 16 with stride 2 -> conv 32 -> max-pool -> dense 64 (fast:
      the strided convolution does the first pooling's work in a quarter of the
      multiply-adds; 3 epochs on 8,000 MNIST digits take 5 s against 8 s with a
      conv-then-pool first layer, at the same test accuracy, 0.95).

    Every convolution is 3x3 with ReLU; the last hidden dense layer is named
    ``"features"`` (the penultimate layer, see :meth:`CNNClassifier.features`).

    Parameters
    ----------
    input_shape : (height, width, channels)
    n_classes : number of output logits
    seed : int or None; each initializer and dropout layer gets a seed drawn from it

    Returns
    -------
    keras.Model, images -> logits of shape (n, n_classes)
    """
    import keras
    from keras import layers

    check_choice(architecture, "architecture", ARCHITECTURES)
    next_seed = seed_stream(seed)

    def conv(filters, padding, strides=1):
        init = keras.initializers.GlorotUniform(next_seed())
        options = dict(padding=padding, activation="relu", kernel_initializer=init)
        return layers.Conv2D(filters, 3, strides=strides, **options)

    def dense(units, **kwargs):
        init = keras.initializers.GlorotUniform(next_seed())
        return layers.Dense(units, kernel_initializer=init, **kwargs)

    def dropout(rate):
        return layers.Dropout(rate, seed=next_seed())

    if architecture == "mnist_cnn":
        body = [conv(32, "valid"), conv(64, "valid"), layers.MaxPooling2D()]
        body += [dropout(0.25), layers.Flatten()]
        head = [dense(128, activation="relu", name="features"), dropout(0.5)]
    else:
        body = [conv(16, "same", strides=2)]  # not conv + pool: 1.5x faster, as good
        body += [conv(32, "same"), layers.MaxPooling2D(), layers.Flatten()]
        head = [dense(64, activation="relu", name="features")]
    x = inputs = keras.Input(shape=tuple(input_shape))
    for layer in [*body, *head, dense(n_classes, name="logits")]:
        x = layer(x)
    return keras.Model(inputs, x, name=architecture)


class CNNClassifier(ClassifierMixin, BaseEstimator):
    """A Keras CNN as a scikit-learn classifier, trained with Adam.

    Parameters
    ----------
    architecture : ``"mnist_cnn"`` (default) or ``"small"``
        (see :func:`build_cnn`)
    epochs, batch_size, learning_rate : training length, minibatch size, Adam step
    seed : int or None; seeds the weights, the dropout masks and the shuffling
    class_weight : None, ``"balanced"`` or dict label -> weight
        weights of each class's rows in the loss, as scikit-learn's
        ``LogisticRegression(class_weight=...)`` (``"balanced"``:
        ``n_samples / (n_classes * count)``, through
        ``sklearn.utils.class_weight.compute_class_weight``); passed to Keras's
        ``fit(class_weight=...)``. None: every row counts once.

    Attributes
    ----------
    model_ : keras.Model, images -> logits
    classes_ : the sorted labels seen in ``fit``
    input_shape_ : (height, width, channels) of the training images
    history_ : dict of per-epoch lists (``loss``, ``accuracy``)
    """

    def __init__(
        self,
        architecture="mnist_cnn",
        *,
        epochs=8,
        batch_size=128,
        learning_rate=1e-3,
        seed=0,
        class_weight=None,
    ):
        self.architecture = architecture
        self.epochs = epochs
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.seed = seed
        self.class_weight = class_weight

    def fit(self, X, y):
        """Train on images ``X`` (N, H, W[, C]) in [0, 1] with labels ``y``; returns
        self. Ctrl-C keeps the weights trained so far, as ``keras.Model.fit`` does."""
        import keras
        import tensorflow as tf

        forget_fit(self)
        check_choice(self.architecture, "architecture", ARCHITECTURES)
        check_training_params(self)
        rng = as_rng(self.seed)
        X = check_images(X, min_samples=2)
        y = check_labels(y, X.shape[0])
        classes = np.unique(y)
        weights = None
        if self.class_weight is not None:  # Keras wants them by class index
            found = compute_class_weight(self.class_weight, classes=classes, y=y)
            weights = {i: float(w) for i, w in enumerate(found)}

        seed = int(rng.integers(2**31 - 1))
        model = build_cnn(self.architecture, X.shape[1:], classes.size, seed=seed)
        model.compile(
            optimizer=keras.optimizers.Adam(self.learning_rate),
            loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
            metrics=["accuracy"],
            steps_per_execution=STEPS_PER_EXECUTION,
        )
        train = (
            tf.data.Dataset.from_tensor_slices((X, np.searchsorted(classes, y)))
            .shuffle(X.shape[0], seed=int(rng.integers(2**31 - 1)))
            .batch(int(self.batch_size))
        )
        learned = dict(classes_=classes, input_shape_=X.shape[1:], model_=model)
        return fit_keras(self, model, train,
                         lambda history: {**learned, "history_": history_dict(history)},
                         epochs=int(self.epochs), class_weight=weights)  # fmt: skip

    def _logits(self, X):
        check_is_fitted(self, "model_")
        X = check_images(X, min_samples=0, shape=self.input_shape_)
        return _predict(self.model_, X)

    def predict_proba(self, X):
        """Class probabilities (softmax of the logits), shape (N, n_classes)."""
        return softmax(self._logits(X).astype(np.float64), axis=1)

    def predict(self, X):
        """The most probable class of each image."""
        logits = self._logits(X)
        return self.classes_[np.argmax(logits, axis=1)]

    def features(self, X):
        """Activations of the penultimate layer (``"features"``), shape (N, units).

        For ``"mnist_cnn"`` these are the 128 ReLU units before the last dropout:
        the network's learned description of an image, used to compare sets of
        images (real vs synthetic) in a space where distances mean something.
        """
        import keras

        check_is_fitted(self, "model_")
        X = check_images(X, min_samples=0, shape=self.input_shape_)
        if getattr(self, "_extractor", (None,))[0] is not self.model_:  # built once
            layer = self.model_.get_layer("features")
            model = keras.Model(self.model_.inputs, layer.output)
            self._extractor = (self.model_, model)
        return _predict(self._extractor[1], X)


def _predict(model, X):
    """The model's outputs in batches of exactly ``_PREDICT_BATCH`` images, the last
    one padded: an image's output then does not depend on the images computed with
    it (the kernels a CPU picks, and their rounding, change with the batch size;
    copies of an image must get the very same features wherever they are computed).
    ``predict_on_batch``, not ``predict``: the same numbers, without ``predict``'s
    per-call set-up (2.5x faster on 200 images)."""
    n, size = len(X), _PREDICT_BATCH
    pad = np.zeros((-n % size if n else size, *X.shape[1:]), X.dtype)
    X = np.concatenate([X, pad])  # an empty X: one batch of padding, for the shape
    out = [model.predict_on_batch(X[i : i + size]) for i in range(0, len(X), size)]
    return np.concatenate(out)[:n]


def make_classifier(kind: str = "logreg", *, seed: int = 0, **params):
    """A fresh, unfitted classifier of the given kind (see ``CLASSIFIERS``).

    ``"logreg"``: logistic regression on flattened pixels (``C=0.1``,
    ``max_iter=100`` unless given), as a scikit-learn ``Pipeline`` (images in,
    labels out), so it clones and cross-validates like any estimator. ``"cnn"``:
    ``CNNClassifier("small", epochs=5)``.
    """
    if kind == "logreg":
        params = {"C": 0.1, "max_iter": 100, **params}
        logreg = _OneThreadLogisticRegression(random_state=seed, **params)
        return Pipeline([("flatten", FunctionTransformer(flatten)), ("logreg", logreg)])
    if kind == "cnn":
        params = {"epochs": 5, **params}
        return CNNClassifier("small", seed=seed, **params)
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
