"""A Bernoulli restricted Boltzmann machine trained with CD-k or PCD in ``tf.function``.

The model
---------
Visible units ``v`` (the pixels, in [0, 1]) and hidden units ``h`` (binary feature
detectors) are joined by weights ``W`` (n_features, n_hidden), with visible bias ``b``
and hidden bias ``c``. The energy of a joint state is ``E(v, h) = -v·b - h·c - v W h``
and summing out the hidden units gives the *free energy* of a visible vector::

    F(v) = -v·b - sum_j softplus(c_j + (v W)_j),      p(v) = exp(-F(v)) / Z

Both conditionals factorize, which is what makes block Gibbs sampling cheap::

    p(h_j = 1 | v) = sigmoid(c_j + (v W)_j),   p(v_i = 1 | h) = sigmoid(b_i + (W h)_i)

The log-likelihood gradient is "data statistics minus model statistics". CD-k
estimates the model term with k Gibbs steps started at the data; persistent CD (PCD)
keeps the chains running from one update to the next. Either way the estimate is the
gradient of ``mean F(v_data) - mean F(v_k)`` with the chain's end ``v_k`` held fixed
(:func:`cd_gradient`, written so that a notebook can check its own update against it).

Implementation
--------------
One ``tf.function`` per (k_steps, persistent) runs a whole epoch: it permutes the rows
of the training tensor and loops over mini-batches with ``tf.range``, so an epoch is one
call into TensorFlow, traced once per process and shared by every model and refit.
All state (parameters, momentum, persistent chains) is created in ``fit``, outside
traced code. The Gibbs draws are stateless random numbers keyed by a seed, so nothing
here reads or changes global random state.
"""

from __future__ import annotations

import functools
import time
from numbers import Integral, Real

import numpy as np
import tensorflow as tf
from scipy.special import expit

from ._base import (
    INTERRUPTED,
    BaseGenerator,
    as_rng,
    check_array,
    check_choice,
    check_n_samples,
    check_param,
    check_training_params,
    forget_fit,
    store_params,
)

__all__ = ["BernoulliRBM", "bernoulli", "cd_gradient", "free_energy"]

#: largest number of training rows kept for monitoring and data-initialized chains
_N_MONITOR = 1000
fold_in = tf.random.experimental.stateless_fold_in
_MATRIX, _VECTOR = tf.TensorSpec([None, None]), tf.TensorSpec([None])


def _variable(value):
    """A float32 variable of unspecified shape, so that one trace fits every size."""
    value = np.asarray(value, np.float32)
    return tf.Variable(value, shape=tf.TensorShape([None] * value.ndim))


def bernoulli(prob, seed):
    """A binary sample: 1 where a stateless uniform keyed by ``seed`` is < ``prob``."""
    return tf.cast(tf.random.stateless_uniform(tf.shape(prob), seed) < prob, prob.dtype)


def free_energy(v, W, b, c):
    """F(v) = -v·b - sum_j softplus(c_j + (vW)_j), one value per row of ``v``."""
    return -tf.linalg.matvec(v, b) - tf.reduce_sum(tf.nn.softplus(v @ W + c), axis=1)


def cd_gradient(v_pos, W, b, c, seed, k_steps=1, chain=None):
    """The CD-k (``chain=None``) or PCD-k gradient estimate on one mini-batch
    (``k_steps`` is the k: Gibbs steps per update).

    Returns ``([dW, db, dc], h_k)``: the gradients of ``mean F(v_pos) - mean F(v_k)``
    with ``v_k`` held fixed (minus the log-likelihood gradient estimate: descend it),
    and for PCD the binary hidden state after step k (the chains' next start).

    Draws, all ``bernoulli(p, fold_in(seed, i))``: CD starts from h_0 ~ p(h|v_pos)
    with i = 0, PCD from ``chain``; Gibbs step s = 1..k draws v_s ~ p(v|h_{s-1}) with
    i = 2s - 1 and (except the last step of CD) h_s ~ p(h|v_s) with i = 2s.
    """
    h_pos = tf.sigmoid(v_pos @ W + c)
    h = bernoulli(h_pos, fold_in(seed, 0)) if chain is None else chain
    for step in range(1, k_steps + 1):
        v_prob = tf.sigmoid(tf.matmul(h, W, transpose_b=True) + b)
        v_neg = bernoulli(v_prob, fold_in(seed, 2 * step - 1))
        h_neg = tf.sigmoid(v_neg @ W + c)
        if step < k_steps or chain is not None:
            h = bernoulli(h_neg, fold_in(seed, 2 * step))
    inv_n = 1.0 / tf.cast(tf.shape(v_pos)[0], v_pos.dtype)
    # both phases in one matmul: [v+; v-]^T [-h+; h-] / n
    dW = tf.matmul(
        tf.concat([v_pos, v_neg], 0),
        tf.concat([-h_pos, h_neg], 0) * inv_n,
        transpose_a=True,
    )
    grads = [dW, tf.reduce_mean(v_neg - v_pos, 0), tf.reduce_mean(h_neg - h_pos, 0)]
    return grads, h


@functools.cache
def _epoch_fn(k_steps: int, persistent: bool, momentum: bool, decay: bool):
    """The traced epoch: ``n_samples // batch_size`` (momentum) SGD updates in place.

    One variant per (k_steps, persistent, momentum > 0, weight decay > 0): each pass
    over W costs about as much as a fifth of a batch's matrix multiplies, so plain SGD
    skips the velocity and a model without weight decay skips that term.
    """

    @tf.function
    def epoch(X, params, velocities, chain, seed, batch_size, lr, mom, weight_decay):
        W, b, c = params
        order = tf.argsort(tf.random.stateless_uniform(tf.shape(X)[:1], seed))
        for i in tf.range(tf.shape(X)[0] // batch_size):
            v_pos = tf.gather(X, order[i * batch_size : (i + 1) * batch_size])
            start = chain if persistent else None
            seed_i = fold_in(seed, i + 1)
            grads, h = cd_gradient(v_pos, W, b, c, seed_i, k_steps, start)
            if persistent:
                chain.assign(h)
            if decay:
                grads[0] += weight_decay * W  # L2 penalty on W only
            for param, velocity, grad in zip(params, velocities, grads, strict=True):
                if momentum:
                    param.assign_add(velocity.assign(mom * velocity - lr * grad))
                else:
                    param.assign_sub(lr * grad)

    return epoch


@tf.function(
    input_signature=[_MATRIX, tf.TensorSpec([None], tf.int64)]
    + [_MATRIX, _VECTOR, _VECTOR]
)
def _scores(v, flips, W, b, c):
    """Per row: the mean-field reconstruction error and the pseudo-log-likelihood."""
    pre = v @ W + c
    recon = tf.sigmoid(tf.matmul(tf.sigmoid(pre), W, transpose_b=True) + b)
    # flipping pixel i changes v·b by sign*b_i and vW + c by sign*W[i] (no matmul)
    sign = 1.0 - 2.0 * tf.gather(v, flips, batch_dims=1)
    pre_flip = pre + sign[:, None] * tf.gather(W, flips)
    gap = tf.reduce_sum(tf.nn.softplus(pre) - tf.nn.softplus(pre_flip), 1)
    gap -= sign * tf.gather(b, flips)  # F(v flipped) - F(v)
    n_features = tf.cast(tf.shape(v)[1], v.dtype)
    return tf.reduce_mean((v - recon) ** 2, 1), n_features * tf.math.log_sigmoid(gap)


@tf.function(
    input_signature=[_MATRIX, _MATRIX, _VECTOR, _VECTOR]
    + [tf.TensorSpec([], tf.int32), tf.TensorSpec([2], tf.int64)]
)
def _gibbs(v, W, b, c, sample_steps, seed):
    """``sample_steps`` block Gibbs steps v -> h -> v; returns p(v|h) of the last."""
    v_prob = v
    for step in tf.range(sample_steps):
        h = bernoulli(tf.sigmoid(v @ W + c), fold_in(seed, 2 * step))
        v_prob = tf.sigmoid(tf.matmul(h, W, transpose_b=True) + b)
        v = bernoulli(v_prob, fold_in(seed, 2 * step + 1))
    return v_prob


class BernoulliRBM(BaseGenerator):
    """Bernoulli–Bernoulli RBM trained with CD-k or persistent CD (PCD).

    Parameters
    ----------
    n_hidden : int
        Number of binary hidden units (feature detectors).
    k_steps : int
        Gibbs steps per parameter update (the k of CD-k / PCD-k).
    persistent : bool
        False: CD-k, chains restart at the mini-batch. True: PCD, ``batch_size``
        chains persist across mini-batches and epochs (scikit-learn's algorithm).
    learning_rate : float
        Step size; the gradient is averaged over the mini-batch.
    batch_size : int
        Rows per update (capped at the number of training rows). Each epoch visits
        ``n_samples // batch_size`` full batches of a fresh permutation.
    epochs : int
        Passes over the training data.
    momentum : float in [0, 1)
        Classical momentum on all parameters (0 = plain SGD).
    weight_decay : float
        L2 penalty on ``W`` (not on the biases).
    seed : int or None
        Seeds the initial weights, the shuffling and the Gibbs draws of training.
    verbose : bool
        Print one progress line per epoch (of each class's RBM when fitted with
        labels).
    sample_steps : int
        Gibbs steps (v -> h -> v) of :meth:`sample` (its default; :meth:`sample`
        and :meth:`gibbs` take ``sample_steps`` too).
    sample_init : ``"random"`` or ``"data"``
        Start of the chains of :meth:`sample`: every pixel a fair coin, or random
        training rows kept by ``fit``.

    Attributes
    ----------
    weights_ : ndarray (n_features, n_hidden)
    visible_bias_ : ndarray (n_features,)
    hidden_bias_ : ndarray (n_hidden,)
    history_ : dict of lists, one entry per epoch: ``reconstruction_error`` (mean
        squared error per pixel), ``pseudo_likelihood`` (mean, nats per image) -- both
        on a fixed subset of up to 1000 training rows -- and ``epoch_time`` (s).
        Fitted with labels: a dict ``class -> history``.
    models_ : dict ``class -> BernoulliRBM`` (only when fitted with labels: one RBM per
        class, which is what ``sample(n, y=...)`` draws from).

    Notes
    -----
    Grey inputs in [0, 1] are used as they are in the positive phase (the usual
    practice for MNIST-like images); the negative phase uses binary samples, as
    scikit-learn does.
    """

    def __init__(
        self,
        *,
        n_hidden: int = 256,
        k_steps: int = 1,
        persistent: bool = False,
        learning_rate: float = 0.05,
        batch_size: int = 64,
        epochs: int = 10,
        momentum: float = 0.5,
        weight_decay: float = 1e-4,
        seed: int | None = None,
        verbose: bool = True,
        sample_steps: int = 1000,
        sample_init: str = "random",
    ):
        store_params(self, locals())

    def _check_params(self):
        check_training_params(
            self, integers=("n_hidden", "k_steps"), nonnegative=("weight_decay",)
        )
        check_param(self.sample_steps, "sample_steps", Integral, min_val=0)
        check_param(self.momentum, "momentum", Real, min_val=0, max_val=1,
                    include_boundaries="left")  # fmt: skip
        check_param(self.persistent, "persistent", (bool, np.bool_))
        check_choice(self.sample_init, "sample_init", ("random", "data"))

    def _check_unconditional(self, method: str):
        self._check_fitted()
        if self.conditional_:
            raise ValueError(
                f"this BernoulliRBM was fitted with labels (one RBM per class); call "
                f"{method} on a class's model, e.g. rbm.models_[c].{method}(...)"
            )

    def _check_X(self, X, name="X"):
        X = check_array(X, name=name, value_range=(0, 1),
                        n_features=self.n_features_in_, dtype=np.float32)  # fmt: skip
        if X.ndim < 2:
            raise ValueError(f"{name} must have shape (n_samples, n_features, ...)")
        return tf.constant(X.reshape(X.shape[0], -1), tf.float32)

    # ---- fitting --------------------------------------------------------------------
    def fit(self, X, y=None):
        """Train on ``X`` (values in [0, 1]), one RBM per class when ``y`` is given.

        Ctrl-C during training keeps the weights of the finished epochs (and says
        so) before the ``KeyboardInterrupt`` goes on; with labels, a fit interrupted
        in one class's RBM leaves this model unfitted.
        """
        forget_fit(self)
        self._check_params()
        X2d, y, data = self._validate_fit(X, y, value_range=(0, 1), dtype=np.float32)
        rng = as_rng(self.seed)
        if y is None:
            return self._fitted(data, models_=None, **self._train(X2d, rng, data))
        models, histories = {}, {}
        for cls in data["classes_"]:
            seed = int(rng.integers(2**31 - 1))
            rows = X2d[y == cls].reshape(-1, *data["feature_shape_"])
            if self.verbose:
                print(f"class {cls}: {len(rows)} rows", flush=True)
            params = {**self.get_params(), "seed": seed}
            models[int(cls)] = model = BernoulliRBM(**params).fit(rows)
            histories[int(cls)] = model.history_
        return self._fitted(data, models_=models, history_=histories)

    def _train(self, X2d, rng, data) -> dict:
        """Train one RBM on ``X2d``; returns its learned attributes."""
        n_samples, n_features = X2d.shape
        batch_size = min(self.batch_size, n_samples)
        # small random weights and zero biases, as scikit-learn does
        W = rng.normal(0.0, 0.01, (n_features, self.n_hidden)).astype(np.float32)
        b, c = np.zeros(n_features), np.zeros(self.n_hidden)
        params = [_variable(value) for value in (W, b, c)]
        velocities = [_variable(np.zeros_like(value)) for value in (W, b, c)]
        # PCD chains: hidden samples of batch_size chains, started from data rows
        start = expit(X2d[rng.choice(n_samples, batch_size, replace=False)] @ W)
        chain = _variable(rng.random(start.shape) < start)
        seeds = tf.random.Generator.from_seed(int(rng.integers(2**31 - 1)))
        monitor = rng.choice(n_samples, min(n_samples, _N_MONITOR), replace=False)
        flips = tf.constant(rng.integers(n_features, size=len(monitor)))
        variant = bool(self.persistent), self.momentum > 0, self.weight_decay > 0
        epoch = _epoch_fn(self.k_steps, *variant)
        hyper = [tf.constant(batch_size)] + [
            tf.constant(value, tf.float32)
            for value in (self.learning_rate, self.momentum, self.weight_decay)
        ]
        # trace for data of any shape (a no-op once traced): one trace serves all fits
        spec = [_MATRIX, params, velocities, chain, tf.TensorSpec([2], tf.int64)]
        epoch.get_concrete_function(*spec, *hyper)
        X_tf = tf.constant(X2d)
        keys = ("reconstruction_error", "pseudo_likelihood", "epoch_time")
        history = {key: [] for key in keys}
        learned = dict(params_=params, init_rows_=X2d[monitor], history_=history)
        try:
            for i in range(1, self.epochs + 1):
                started = time.perf_counter()
                seed = seeds.uniform_full_int([2], tf.int64)
                epoch(X_tf, params, velocities, chain, seed, *hyper)
                recon, pseudo = _scores(learned["init_rows_"], flips, *params)
                values = (float(tf.reduce_mean(recon)), float(tf.reduce_mean(pseudo)))
                values += (time.perf_counter() - started,)
                for key, value in zip(keys, values, strict=True):
                    history[key].append(value)
                if self.verbose:
                    print(
                        f"epoch {i:3d}/{self.epochs}  recon {values[0]:.4f}  "
                        f"pseudo-LL {values[1]:8.2f}  {values[2]:5.2f} s",
                        flush=True,
                    )
        except KeyboardInterrupt:  # keep what was trained, as keras.Model.fit does
            self._fitted(data, models_=None, **learned)
            print(INTERRUPTED.format(len(history["epoch_time"])), flush=True)
            raise
        return learned

    # ---- learned parameters and inference -------------------------------------------
    def _param(self, i, name):
        self._check_unconditional(name)
        return self.params_[i].numpy()

    weights_ = property(lambda self: self._param(0, "weights_"))
    visible_bias_ = property(lambda self: self._param(1, "visible_bias_"))
    hidden_bias_ = property(lambda self: self._param(2, "hidden_bias_"))

    def transform(self, X) -> np.ndarray:
        """Hidden-unit probabilities p(h=1|v), shape (n_samples, n_hidden), float32."""
        self._check_unconditional("transform")
        W, _, c = self.params_
        return tf.sigmoid(self._check_X(X) @ W + c).numpy()

    def free_energy(self, X) -> np.ndarray:
        """F(v) = -v·b - sum_j softplus(c_j + (vW)_j) per row, shape (n_samples,)."""
        self._check_unconditional("free_energy")
        return free_energy(self._check_X(X), *self.params_).numpy().astype(np.float64)

    def reconstruction_error(self, X) -> np.ndarray:
        """Mean squared error per pixel of the mean-field reconstruction, per row.

        The reconstruction is p(v|h) with h set to p(h|v) (no sampling), so the value
        is deterministic. Shape (n_samples,).
        """
        return self._score(X, 0, "reconstruction_error")

    def pseudo_likelihood(self, X, seed=0) -> np.ndarray:
        """Stochastic pseudo-log-likelihood per row (scikit-learn's ``score_samples``).

        For each row one feature i (drawn with ``seed``) is flipped, v_i -> 1 - v_i,
        and ``n_features * log sigmoid(F(v_flipped) - F(v))`` is returned, shape
        (n_samples,), in nats per image. Higher is better.
        """
        return self._score(X, 1, "pseudo_likelihood", seed)

    def _score(self, X, which, method, seed=0):
        self._check_unconditional(method)
        v = self._check_X(X)
        flips = as_rng(seed).integers(v.shape[1], size=v.shape[0])
        return _scores(v, flips, *self.params_)[which].numpy().astype(np.float64)

    # ---- sampling -------------------------------------------------------------------
    def gibbs(self, v, sample_steps=1, seed=None) -> np.ndarray:
        """Run ``sample_steps`` block-Gibbs steps (v -> h -> v) from each row of ``v``.

        Returns the visible probabilities p(v|h) of the last step, shaped like ``v``.
        """
        self._check_unconditional("gibbs")
        sample_steps = check_n_samples(sample_steps)
        v = np.asarray(v)
        out = self._run_gibbs(self._check_X(v, name="v"), sample_steps, seed)
        return out.reshape(v.shape)

    def _run_gibbs(self, v2d, sample_steps, seed):
        seed = as_rng(seed).integers(0, 2**62, size=2)
        return _gibbs(v2d, *self.params_, sample_steps, seed).numpy()

    def _start_chains(self, n, rng):
        if self.sample_init == "random":
            return (rng.random((n, self.n_features_in_)) < 0.5).astype(np.float32)
        return self.init_rows_[rng.integers(len(self.init_rows_), size=n)]

    def sample(self, n: int, y=None, seed=None, *, sample_steps: int | None = None):
        """Draw ``n`` rows by running ``n`` independent Gibbs chains for
        ``sample_steps``.

        Parameters
        ----------
        n : number of rows.
        y : None, int or array of n labels (only when fitted with labels).
        seed : int, None or np.random.Generator (chain starts and all Gibbs draws).
        sample_steps : Gibbs steps per chain (v -> h -> v counts as one); None uses
            the ``sample_steps`` the model was built with.

        Returns
        -------
        X_new : ndarray (n, *feature_shape_), float32 in [0, 1]: the visible
            *probabilities* p(v|h) of the last step (grey images)
            and, when fitted with labels, ``y_new`` (n,) int64.
        """
        n, labels, rng = self._prepare_sample(n, y, seed)
        steps = self.sample_steps if sample_steps is None else sample_steps
        sample_steps = check_n_samples(steps)
        flat = np.empty((n, self.n_features_in_), np.float32)
        for k, where in self._class_rows(labels):
            model = self if labels is None else self.models_[int(self.classes_[k])]
            start = model._start_chains(len(flat[where]), rng)
            flat[where] = model._run_gibbs(start, sample_steps, rng) if n else start
        return self._finish_sample(flat, labels)
