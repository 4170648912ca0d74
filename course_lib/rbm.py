"""A Bernoulli restricted Boltzmann machine trained with CD-k or PCD in ``tf.function``.

The model
---------
Visible units ``v`` (the pixels, in [0, 1]) and hidden units ``h`` (binary feature
detectors) are joined by weights ``W`` (n_features, n_hidden), with visible bias ``b``
and hidden bias ``c``. The energy of a joint state is::

    E(v, h) = -v·b - h·c - v W h

and summing out the hidden units gives the *free energy* of a visible vector::

    F(v) = -v·b - sum_j softplus(c_j + (v W)_j),      p(v) = exp(-F(v)) / Z

Both conditionals factorize, which is what makes block Gibbs sampling cheap::

    p(h_j = 1 | v) = sigmoid(c_j + (v W)_j),   p(v_i = 1 | h) = sigmoid(b_i + (W h)_i)

The log-likelihood gradient is a difference of two expectations, one under the data
(the "positive phase") and one under the model (the "negative phase")::

    d log p(v) / dW = v p(h|v)^T  -  E_model[v h^T]

Contrastive divergence (CD-k) estimates the model term with k Gibbs steps started at
the data; persistent CD (PCD) keeps the chains running from one update to the next.

Implementation notes
--------------------
All TensorFlow state (weights, biases, momentum buffers, the persistent chains and the
``tf.random.Generator`` seeded from ``seed`` that gives each epoch its random seed) is
created in ``fit``, outside traced code. One ``tf.function`` runs a whole epoch: it
permutes the rows of the float32 training tensor and loops over its mini-batches with
``tf.range``, so an epoch is a single call into the TensorFlow runtime. The variables
have unspecified shapes and the data, batch size and k are tensors, so that function
is traced once per process and reused by every model, refit and class model. The
Gibbs draws are stateless random numbers keyed by the epoch seed and the batch and
step numbers; ``sample`` and ``gibbs`` derive theirs from their ``seed`` argument, so
nothing here reads or changes global random state.

Performance (``benchmarks/bench_rbm.py``, 2 CPU cores): about 1.8x scikit-learn's
``BernoulliRBM`` throughput at 784-256, batch 64, at the same pseudo-likelihood; a
CD-1 epoch at 784-500, batch 100, takes about 1.8x the time of its bare matrix
multiplies.
"""

from __future__ import annotations

import functools
import time
from numbers import Integral, Real

import numpy as np

from ._base import BaseGenerator, check_array, check_n_samples, check_random_state

__all__ = ["BernoulliRBM"]

#: largest number of training rows kept for monitoring and data-initialized chains
_N_MONITOR = 1000
_SEED_HIGH = 2**31 - 1


def _sigmoid_np(x):
    return 0.5 * (1.0 + np.tanh(0.5 * x))


# ---- traced kernels ---------------------------------------------------------------
# tf.functions shared by every model in the process, each traced once. The training
# epoch takes the parameters, momentum buffers and persistent chains as variables
# created with unspecified shapes, the data as a (None, None) tensor and the batch
# size and k as tensors, so one trace serves every model, refit and class model (only
# whether k > 1 and whether the chains persist select one of four variants). The
# sampler only reads the parameters and takes them as tensors with a fully dynamic
# signature. Random draws are stateless, keyed by a seed tensor folded with the
# batch and Gibbs-step numbers.


def _variable(value):
    """A float32 variable whose shape is left unspecified, so that traced code is
    shape-generic (its value can have any shape)."""
    import tensorflow as tf

    value = np.asarray(value, np.float32)
    return tf.Variable(value, shape=tf.TensorShape([None] * value.ndim))


def _bernoulli(prob, seed):
    import tensorflow as tf

    return tf.cast(tf.random.stateless_uniform(tf.shape(prob), seed) < prob, tf.float32)


@functools.cache
def _train_epoch_fn(multi_step: bool, persistent: bool):
    """The traced epoch of CD-k (or PCD-k) updates; one per (k > 1, persistent).

    ``train_epoch(X, params, velocities, chain_hidden, seed, batch_size, k,
    learning_rate, momentum, weight_decay)`` permutes the rows of ``X`` (n_samples,
    n_features) and performs ``n_samples // batch_size`` updates of
    ``params = [W, b, c]`` in place. ``chain_hidden`` (batch_size, n_hidden) holds the
    persistent chains (read and written only when ``persistent``).
    """
    import tensorflow as tf

    fold_in = tf.random.experimental.stateless_fold_in
    apply_momentum = tf.raw_ops.ResourceApplyKerasMomentum

    def half_steps(h_sample, W, b, c, seed):
        """v ~ p(v|h), then p(h|v): the rest of one block Gibbs step."""
        v_prob = tf.sigmoid(tf.nn.bias_add(tf.matmul(h_sample, W, transpose_b=True), b))
        v_sample = _bernoulli(v_prob, seed)
        return v_sample, tf.sigmoid(tf.nn.bias_add(tf.matmul(v_sample, W), c))

    @tf.function
    def train_epoch(
        X,
        params,
        velocities,
        chain_hidden,
        seed,
        batch_size,
        k,
        learning_rate,
        momentum,
        weight_decay,
    ):
        W, b, c = params
        inv_batch = 1.0 / tf.cast(batch_size, tf.float32)
        order = tf.argsort(tf.random.stateless_uniform(tf.shape(X)[:1], seed))
        for batch in tf.range(tf.shape(X)[0] // batch_size):
            batch_seed = fold_in(seed, batch + 1)
            rows = order[batch * batch_size : (batch + 1) * batch_size]
            v_pos = tf.gather(X, rows)
            h_pos = tf.sigmoid(tf.nn.bias_add(tf.matmul(v_pos, W), c))
            # The chain is carried as hidden samples (as in scikit-learn): a Gibbs
            # step draws v ~ p(v|h) and computes p(h|v); the next step samples h.
            if persistent:
                h_sample = chain_hidden.read_value()
            else:
                h_sample = _bernoulli(h_pos, fold_in(batch_seed, 0))
            v_neg, h_neg = half_steps(h_sample, W, b, c, fold_in(batch_seed, 1))
            if multi_step:  # a Python bool: CD-1 traces no inner loop at all
                for step in tf.range(1, k):
                    h_sample = _bernoulli(h_neg, fold_in(batch_seed, 2 * step))
                    v_neg, h_neg = half_steps(
                        h_sample, W, b, c, fold_in(batch_seed, 2 * step + 1)
                    )
            if persistent:
                chain_hidden.assign(_bernoulli(h_neg, fold_in(batch_seed, 2 * k)))
            # The descent direction (minus the log-likelihood gradient estimate),
            # both phases in one matmul: [v+; v-]^T [-h+; h-] / batch_size.
            descent = [
                tf.matmul(
                    tf.concat([v_pos, v_neg], 0),
                    tf.concat([-h_pos, h_neg], 0) * inv_batch,
                    transpose_a=True,
                )
                + weight_decay * W,
                tf.reduce_mean(v_neg - v_pos, 0),
                tf.reduce_mean(h_neg - h_pos, 0),
            ]
            # velocity = momentum * velocity - lr * descent; param += velocity: one
            # fused kernel per parameter instead of five element-wise passes over W.
            for param, velocity, direction in zip(
                params, velocities, descent, strict=True
            ):
                apply_momentum(
                    var=param.handle,
                    accum=velocity.handle,
                    lr=learning_rate,
                    grad=direction,
                    momentum=momentum,
                    use_nesterov=False,
                )

    return train_epoch


@functools.cache
def _gibbs_fn():
    """Traced block Gibbs sampler: ``gibbs(v, W, b, c, steps, seed) -> (v, p(v|h))``."""
    import tensorflow as tf

    fold_in = tf.random.experimental.stateless_fold_in
    matrix, vector = tf.TensorSpec([None, None]), tf.TensorSpec([None])

    @tf.function(
        input_signature=[
            matrix,
            matrix,
            vector,
            vector,
            tf.TensorSpec([], tf.int32),
            tf.TensorSpec([2], tf.int64),
        ]
    )
    def gibbs(v, W, b, c, steps, seed):
        v_prob = v
        for step in tf.range(steps):
            h_prob = tf.sigmoid(tf.nn.bias_add(tf.matmul(v, W), c))
            h = _bernoulli(h_prob, fold_in(seed, 2 * step))
            v_prob = tf.sigmoid(tf.nn.bias_add(tf.matmul(h, W, transpose_b=True), b))
            v = _bernoulli(v_prob, fold_in(seed, 2 * step + 1))
        return v, v_prob

    return gibbs


class BernoulliRBM(BaseGenerator):
    """Bernoulli–Bernoulli RBM trained with CD-k or persistent CD (PCD).

    Parameters
    ----------
    n_hidden : int
        Number of binary hidden units (feature detectors).
    k : int
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
        Print one progress line per epoch (one per class when fitted with labels).
    sample_steps : int
        Default number of Gibbs steps of :meth:`sample` (so that code which only
        calls ``sample(n, seed=...)``, like the augmentation experiment, can be set).
    sample_init : ``"random"`` or ``"data"``
        Default start of the chains of :meth:`sample`.

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
    Inputs may be grey values in [0, 1]; they are used as probabilities in the
    positive phase (the usual practice for MNIST-like images). The negative phase uses
    binary samples, as scikit-learn does.
    """

    _api_input = "unit"
    _api_test_params = {
        "n_hidden": 16,
        "epochs": 20,
        "batch_size": 4,
        "learning_rate": 0.1,
        "verbose": False,
    }

    def __init__(
        self,
        *,
        n_hidden: int = 256,
        k: int = 1,
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
        self.n_hidden = n_hidden
        self.k = k
        self.persistent = persistent
        self.learning_rate = learning_rate
        self.batch_size = batch_size
        self.epochs = epochs
        self.momentum = momentum
        self.weight_decay = weight_decay
        self.seed = seed
        self.verbose = verbose
        self.sample_steps = sample_steps
        self.sample_init = sample_init

    # ---- validation -----------------------------------------------------------------
    def _check_params(self):
        def positive_int(name):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, Integral) or value < 1:
                raise ValueError(f"{name} must be an integer >= 1, got {value!r}")

        for name in ("n_hidden", "k", "batch_size", "epochs"):
            positive_int(name)
        lr = self.learning_rate
        if isinstance(lr, bool) or not isinstance(lr, Real) or not lr > 0:
            raise ValueError(f"learning_rate must be a number > 0, got {lr!r}")
        mom = self.momentum
        if isinstance(mom, bool) or not isinstance(mom, Real) or not 0 <= mom < 1:
            raise ValueError(f"momentum must be a number in [0, 1), got {mom!r}")
        wd = self.weight_decay
        if isinstance(wd, bool) or not isinstance(wd, Real) or not wd >= 0:
            raise ValueError(f"weight_decay must be a number >= 0, got {wd!r}")
        if not isinstance(self.persistent, (bool, np.bool_)):
            raise ValueError(
                f"persistent must be True or False, got {self.persistent!r}"
            )
        check_random_state(self.seed)
        steps = self.sample_steps
        if isinstance(steps, bool) or not isinstance(steps, Integral) or steps < 0:
            raise ValueError(f"sample_steps must be an integer >= 0, got {steps!r}")
        if self.sample_init not in ("random", "data"):
            raise ValueError(
                f"sample_init must be 'random' or 'data', got {self.sample_init!r}"
            )

    def _check_unconditional(self, method: str):
        self._check_fitted()
        if self.conditional_:
            raise ValueError(
                f"this BernoulliRBM was fitted with labels (one RBM per class); call "
                f"{method} on a class's model, e.g. rbm.models_[c].{method}(...)"
            )

    def _check_X(self, X, name="X"):
        X = check_array(
            X,
            name=name,
            value_range=(0, 1),
            n_features=self.n_features_in_,
            dtype=np.float32,
        )
        if X.ndim < 2:
            raise ValueError(f"{name} must have shape (n_samples, n_features, ...)")
        return X.reshape(X.shape[0], -1)

    # ---- fitting --------------------------------------------------------------------
    def fit(self, X, y=None):
        """Train on ``X`` (values in [0, 1]), one RBM per class when ``y`` is given.

        Parameters
        ----------
        X : array-like (n_samples, ...) with values in [0, 1]
        y : array-like (n_samples,) of int class labels, optional

        Returns
        -------
        self
        """
        self._check_params()
        X2d, y = self._validate_fit(X, y, value_range=(0, 1), dtype=np.float32)
        rng = check_random_state(self.seed)
        if y is None:
            self.models_ = None
            self._fit_one(X2d, rng)
            return self
        self._drop_state()
        params = self.get_params()
        self.models_, self.history_ = {}, {}
        for cls in self.classes_:
            params.update(seed=int(rng.integers(_SEED_HIGH)), verbose=False)
            start = time.perf_counter()
            rows = X2d[y == cls].reshape(-1, *self.feature_shape_)
            model = BernoulliRBM(**params).fit(rows)
            self.models_[int(cls)] = model
            self.history_[int(cls)] = model.history_
            if self.verbose:
                recon = model.history_["reconstruction_error"][-1]
                pseudo = model.history_["pseudo_likelihood"][-1]
                print(
                    f"class {cls}: {int(np.sum(y == cls)):5d} rows, "
                    f"{self.epochs} epochs  recon {recon:.4f}"
                    f"  pseudo-LL {pseudo:8.2f}"
                    f"  {time.perf_counter() - start:6.1f} s",
                    flush=True,
                )
        return self

    def _drop_state(self):
        for attr in ("_W", "_b", "_c", "_params", "_chain_hidden", "_init_rows_"):
            if hasattr(self, attr):
                delattr(self, attr)

    def _fit_one(self, X2d, rng):
        import tensorflow as tf

        n_samples, n_features = X2d.shape
        batch_size = min(int(self.batch_size), n_samples)
        # Small random weights and zero biases, as scikit-learn does. (Starting the
        # visible biases at the log-odds of the pixel means, as Hinton's practical
        # guide suggests, gave a slightly lower pseudo-likelihood on MNIST here.)
        weights = rng.normal(0.0, 0.01, (n_features, self.n_hidden)).astype(np.float32)
        visible_bias = np.zeros(n_features, np.float32)
        hidden_bias = np.zeros(self.n_hidden, np.float32)
        self._build(weights, visible_bias, hidden_bias)

        # Training state, all created here, outside traced code.
        velocities = [_variable(np.zeros_like(v.numpy())) for v in self._params]
        start_rows = X2d[rng.choice(n_samples, batch_size, replace=False)]
        start_hidden = _sigmoid_np(start_rows @ weights + hidden_bias)
        # PCD state: hidden samples of batch_size chains, started from data.
        self._chain_hidden = _variable(rng.random(start_hidden.shape) < start_hidden)
        seeds = tf.random.Generator.from_seed(int(rng.integers(_SEED_HIGH)))
        train_epoch = _train_epoch_fn(self.k > 1, bool(self.persistent))
        self._train_epoch = train_epoch  # kept so tests can count its traces

        monitor = rng.choice(n_samples, min(n_samples, _N_MONITOR), replace=False)
        self._init_rows_ = X2d[monitor]
        monitor_flips = rng.integers(n_features, size=len(monitor))
        X_tf = tf.constant(X2d)
        hyper = [tf.constant(batch_size, tf.int32), tf.constant(self.k, tf.int32)]
        hyper += [
            tf.constant(value, tf.float32)
            for value in (self.learning_rate, self.momentum, self.weight_decay)
        ]
        state = [self._params, velocities, self._chain_hidden]
        # Trace for data of any shape up front (a no-op once traced): calls with any
        # X then reuse this one trace.
        train_epoch.get_concrete_function(
            tf.TensorSpec([None, None], tf.float32),
            *state,
            tf.zeros([2], tf.int64),
            *hyper,
        )

        self.history_ = {
            "reconstruction_error": [],
            "pseudo_likelihood": [],
            "epoch_time": [],
        }
        for epoch in range(1, self.epochs + 1):
            start = time.perf_counter()
            epoch_seed = seeds.uniform_full_int([2], tf.int64)
            train_epoch(X_tf, *state, epoch_seed, *hyper)
            recon = float(np.mean(self.reconstruction_error(self._init_rows_)))
            pseudo = float(
                np.mean(self._pseudo_likelihood(self._init_rows_, monitor_flips))
            )
            seconds = time.perf_counter() - start
            for key, value in zip(self.history_, (recon, pseudo, seconds), strict=True):
                self.history_[key].append(value)
            if self.verbose:
                print(
                    f"epoch {epoch:3d}/{self.epochs}  recon {recon:.4f}  "
                    f"pseudo-LL {pseudo:8.2f}  {seconds:5.2f} s",
                    flush=True,
                )

    def _build(self, weights, visible_bias, hidden_bias):
        """Create the parameter variables (outside any traced code)."""
        self._W, self._b, self._c = map(_variable, (weights, visible_bias, hidden_bias))
        self._params = [self._W, self._b, self._c]

    def _run_gibbs(self, v2d, steps, rng, binary):
        import tensorflow as tf

        seed = tf.constant(rng.integers(0, 2**62, size=2), tf.int64)
        v, v_prob = _gibbs_fn()(
            tf.constant(v2d, tf.float32),
            *self._params,
            tf.constant(steps, tf.int32),
            seed,
        )
        return (v if binary else v_prob).numpy()

    # ---- learned parameters ---------------------------------------------------------
    @property
    def weights_(self) -> np.ndarray:
        self._check_unconditional("weights_")
        return self._W.numpy()

    @property
    def visible_bias_(self) -> np.ndarray:
        self._check_unconditional("visible_bias_")
        return self._b.numpy()

    @property
    def hidden_bias_(self) -> np.ndarray:
        self._check_unconditional("hidden_bias_")
        return self._c.numpy()

    # ---- inference ------------------------------------------------------------------
    def _hidden_input(self, X2d):
        import tensorflow as tf

        return tf.matmul(X2d, self._W) + self._c

    def transform(self, X) -> np.ndarray:
        """Hidden-unit probabilities p(h=1|v), shape (n_samples, n_hidden), float32."""
        self._check_unconditional("transform")
        import tensorflow as tf

        return tf.sigmoid(self._hidden_input(self._check_X(X))).numpy()

    def _free_energy(self, X2d):
        import tensorflow as tf

        visible_term = tf.linalg.matvec(X2d, self._b)
        hidden_term = tf.reduce_sum(tf.nn.softplus(self._hidden_input(X2d)), axis=1)
        return -visible_term - hidden_term

    def free_energy(self, X) -> np.ndarray:
        """F(v) = -v·b - sum_j softplus(c_j + (vW)_j) per row, shape (n_samples,)."""
        self._check_unconditional("free_energy")
        return self._free_energy(self._check_X(X)).numpy().astype(np.float64)

    def reconstruction_error(self, X) -> np.ndarray:
        """Mean squared error per pixel of the mean-field reconstruction, per row.

        The reconstruction is p(v|h) with h set to p(h|v) (no sampling), so the value
        is deterministic. Shape (n_samples,).
        """
        self._check_unconditional("reconstruction_error")
        import tensorflow as tf

        X2d = self._check_X(X)
        hidden = tf.sigmoid(self._hidden_input(X2d))
        recon = tf.sigmoid(tf.matmul(hidden, self._W, transpose_b=True) + self._b)
        return tf.reduce_mean(tf.square(X2d - recon), axis=1).numpy().astype(np.float64)

    def pseudo_likelihood(self, X, seed=0) -> np.ndarray:
        """Stochastic pseudo-log-likelihood per row (scikit-learn's ``score_samples``).

        For each row one feature i (drawn with ``seed``) is flipped, v_i -> 1 - v_i,
        and ``n_features * log sigmoid(F(v_flipped) - F(v))`` is returned, shape
        (n_samples,), in nats per image. Higher is better.
        """
        self._check_unconditional("pseudo_likelihood")
        X2d = self._check_X(X)
        flips = check_random_state(seed).integers(X2d.shape[1], size=X2d.shape[0])
        return self._pseudo_likelihood(X2d, flips)

    def _pseudo_likelihood(self, X2d, flips):
        import tensorflow as tf

        X2d = tf.convert_to_tensor(X2d, tf.float32)
        mask = tf.one_hot(flips, X2d.shape[1], dtype=tf.float32)
        flipped = X2d + mask * (1.0 - 2.0 * X2d)
        gap = self._free_energy(flipped) - self._free_energy(X2d)
        n_features = float(X2d.shape[1])
        return (n_features * tf.math.log_sigmoid(gap)).numpy().astype(np.float64)

    # ---- sampling -------------------------------------------------------------------
    def gibbs(self, v, steps: int = 1, seed=None, binary: bool = False) -> np.ndarray:
        """Run ``steps`` block-Gibbs steps (v -> h -> v) from each row of ``v``.

        Returns the visible probabilities p(v|h) of the last step (``binary=False``)
        or the binary visible sample (``binary=True``), shaped like ``v``.
        """
        self._check_unconditional("gibbs")
        steps = check_n_samples(steps)
        v = np.asarray(v)
        v2d = self._check_X(v, name="v")
        out = self._run_gibbs(v2d, steps, check_random_state(seed), binary)
        return out.reshape(v.shape)

    def _start_chains(self, n, init, rng):
        n_features = self.n_features_in_
        if isinstance(init, str) and init == "random":
            return (rng.random((n, n_features)) < 0.5).astype(np.float32)
        if isinstance(init, str) and init == "data":
            if not hasattr(self, "_init_rows_"):
                raise ValueError(
                    "init='data' needs the training rows kept by fit (not saved by "
                    "save_weights); pass init=<array of starting rows> instead"
                )
            rows = self._init_rows_
            return rows[rng.integers(len(rows), size=n)]
        if isinstance(init, str):
            raise ValueError(f"init must be 'random', 'data' or an array, got {init!r}")
        rows = self._check_X(init, name="init")
        return rows[np.arange(n) % len(rows)]

    def sample(
        self,
        n: int,
        y=None,
        seed=None,
        *,
        n_steps: int | None = None,
        init=None,
        binary: bool = False,
    ):
        """Draw ``n`` rows by running ``n`` independent Gibbs chains for ``n_steps``.

        Parameters
        ----------
        n : number of rows.
        y : None, int or array of n labels (only when fitted with labels).
        seed : int, None or np.random.Generator (chain starts and all Gibbs draws).
        n_steps : Gibbs steps per chain (v -> h -> v counts as one); None uses
            ``sample_steps``.
        init : None (use ``sample_init``), ``"random"`` (every pixel an
            independent fair coin), ``"data"``
            (random training rows kept by ``fit``) or an array of starting rows
            (used cyclically).
        binary : False returns the visible *probabilities* p(v|h) of the last step
            (grey images, nicer to look at and to train on); True returns the binary
            visible sample.

        Returns
        -------
        X_new : ndarray (n, *feature_shape_), float32 in [0, 1]
            and, when fitted with labels, ``y_new`` (n,) int64.
        """
        n, labels, rng = self._prepare_sample(n, y, seed)
        n_steps = check_n_samples(self.sample_steps if n_steps is None else n_steps)
        init = self.sample_init if init is None else init
        if labels is None:
            start = self._start_chains(n, init, rng)
            flat = self._run_gibbs(start, n_steps, rng, binary) if n else start
            return self._finish_sample(flat, None)
        flat = np.empty((n, self.n_features_in_), np.float32)
        for cls in np.unique(labels):
            where = labels == cls
            model = self.models_[int(cls)]
            start = model._start_chains(int(where.sum()), init, rng)
            flat[where] = model._run_gibbs(start, n_steps, rng, binary)
        return self._finish_sample(flat, labels)

    # ---- persistence ----------------------------------------------------------------
    def _arrays(self) -> dict:
        return {
            "weights": self._W.numpy(),
            "visible_bias": self._b.numpy(),
            "hidden_bias": self._c.numpy(),
        }

    def save_weights(self, path) -> None:
        """Save the learned parameters to an ``.npz`` file (plain arrays, no pickle).

        Saved: weights, biases, the feature shape and, when fitted with labels, the
        classes and their counts. Not saved: training history, PCD chains, momentum
        and the rows used by ``init='data'``.
        """
        self._check_fitted()
        arrays = {"feature_shape": np.asarray(self.feature_shape_, np.int64)}
        if self.conditional_:
            arrays["classes"] = self.classes_
            arrays["class_counts"] = self.class_counts_
            for i, cls in enumerate(self.classes_):
                for key, value in self.models_[int(cls)]._arrays().items():
                    arrays[f"{key}_{i}"] = value
        else:
            arrays.update(self._arrays())
        np.savez(path, **arrays)

    def load_weights(self, path):
        """Load parameters written by :meth:`save_weights`; returns ``self``.

        ``n_hidden`` must match the saved weights.
        """
        with np.load(path, allow_pickle=False) as data:
            arrays = {key: data[key] for key in data.files}
        try:
            feature_shape = tuple(int(d) for d in arrays["feature_shape"])
            if "classes" in arrays:
                classes = arrays["classes"].astype(np.int64)
                per_class = [
                    {
                        key: arrays[f"{key}_{i}"]
                        for key in ("weights", "visible_bias", "hidden_bias")
                    }
                    for i in range(len(classes))
                ]
            else:
                per_class = [
                    {
                        key: arrays[key]
                        for key in ("weights", "visible_bias", "hidden_bias")
                    }
                ]
        except KeyError as exc:
            raise ValueError(
                f"{path} is not a BernoulliRBM weights file: missing {exc}"
            ) from None
        n_features = int(np.prod(feature_shape))
        for params in per_class:
            if params["weights"].shape != (n_features, self.n_hidden):
                raise ValueError(
                    f"{path} holds weights of shape {params['weights'].shape}; this "
                    f"model expects ({n_features}, {self.n_hidden}) (n_hidden="
                    f"{self.n_hidden})"
                )

        def restore(model, params):
            model._drop_state()
            model.feature_shape_ = feature_shape
            model.n_features_in_ = n_features
            model.conditional_ = False
            model.models_ = None
            model._build(
                *(
                    params[key].astype(np.float32)
                    for key in ("weights", "visible_bias", "hidden_bias")
                )
            )

        if "classes" in arrays:
            self._drop_state()
            self.feature_shape_ = feature_shape
            self.n_features_in_ = n_features
            self.conditional_ = True
            self.classes_ = classes
            self.class_counts_ = arrays["class_counts"].astype(np.int64)
            self.class_prior_ = self.class_counts_ / self.class_counts_.sum()
            self.models_ = {}
            for cls, params in zip(classes, per_class, strict=True):
                model = BernoulliRBM(**self.get_params())
                restore(model, params)
                self.models_[int(cls)] = model
        else:
            restore(self, per_class[0])
            for attr in ("classes_", "class_prior_", "class_counts_"):
                if hasattr(self, attr):
                    delattr(self, attr)
        return self
