"""Automatic checks for the notebooks' exercises.

A flat module of ``check_*`` functions. Each takes the learner's function (or
answer), runs it on cases with known answers, prints whether it is right and, if not,
why (and a hint), and returns ``True`` or ``False``. A stub that still raises
``NotImplementedError`` gets a friendly "not done yet" instead of a traceback, so
notebooks run top to bottom before the exercises are solved.

To add a check: write a ``check_*`` function here (``_report`` and ``_call`` help);
``__all__`` picks it up by its name.

Contents
--------
- notebook 00: :func:`check_imbalance_ratio`
- notebook 01: :func:`check_cauchy_ppf`, :func:`check_categorical_sampler`
- notebook 02: :func:`check_mvn_sampler`, :func:`check_class_posterior`
- notebook 03: :func:`check_free_energy`, :func:`check_cd_gradient`
- notebook 04: :func:`check_kl_divergence`, :func:`check_smoothed_memorization`,
  :func:`check_iwae_bound`, :func:`check_label_worth`
"""

from __future__ import annotations

import numpy as np


def _report(ok: bool, name: str, why: str = "", hint: str = "") -> bool:
    if ok:
        print(f"Right: {name} is correct. {why}".rstrip())
    else:
        print(f"Not yet: {name}: {why}")
        if hint:
            print(f"Hint: {hint}")
    return ok


def _call(name: str, fn, *args, **kwargs):
    """Run the learner's function; returns (result, None) or (None, message)."""
    if not callable(fn):
        return None, f"expected a function, got {type(fn).__name__}"
    try:
        return fn(*args, **kwargs), None
    except NotImplementedError:
        return None, "not implemented yet (it raises NotImplementedError)"
    except Exception as exc:  # the learner's code may fail in any way
        return None, f"calling it raised {type(exc).__name__}: {exc}"


def _as_float_array(value, shape):
    """``value`` as a float array of ``shape``, or None with a message."""
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        return None, f"it returned {type(value).__name__}, not an array of numbers"
    if arr.shape != shape:
        return None, f"it returned shape {arr.shape}; expected {shape}"
    return arr, None


# ---- notebook 01 -------------------------------------------------------------------
def check_cauchy_ppf(fn) -> bool:
    """Check ``fn(q, loc=0.0, scale=1.0)``: the Cauchy distribution's inverse CDF.

    The Cauchy CDF is ``F(x) = 1/2 + arctan((x - loc) / scale) / π``; solving
    ``q = F(x)`` gives the answer. Compared with ``scipy.stats.cauchy.ppf``.
    """
    from scipy import stats

    name = "cauchy_ppf"
    q = np.array([0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.99])
    for loc, scale in [(0.0, 1.0), (3.0, 2.5)]:
        result, error = _call(name, fn, q, loc=loc, scale=scale)
        if error:
            return _report(False, name, error)
        got, error = _as_float_array(result, q.shape)
        if error:
            return _report(
                False, name, error, "use numpy functions so that q can be an array"
            )
        expected = stats.cauchy.ppf(q, loc=loc, scale=scale)
        if np.allclose(got, expected, rtol=1e-6, atol=1e-9):
            continue
        standard = np.tan(np.pi * (q - 0.5))
        if np.allclose(got, np.tan(np.pi * q) * scale + loc, rtol=1e-6, atol=1e-9):
            why = "ppf(0.5) should be the median loc, but you return tan(π q)"
            hint = "solve q = 1/2 + arctan(z)/π: z = tan(π (q - 1/2))"
        elif np.allclose(got, standard, rtol=1e-6, atol=1e-9) and (loc, scale) != (
            0.0,
            1.0,
        ):
            why = f"with loc={loc}, scale={scale} you return the standard Cauchy"
            hint = "shift and stretch: x = loc + scale * z"
        else:
            bad = int(np.argmax(~np.isclose(got, expected, rtol=1e-6, atol=1e-9)))
            why = (
                f"with loc={loc}, scale={scale}: ppf({q[bad]}) should be "
                f"{expected[bad]:.6g}, you return {got[bad]:.6g}"
            )
            hint = "invert F(x) = 1/2 + arctan((x - loc) / scale) / π step by step"
        return _report(False, name, why, hint)
    return _report(True, name, "It matches scipy.stats.cauchy.ppf.")


def check_categorical_sampler(fn) -> bool:
    """Check ``fn(p, n, rng)``: ``n`` labels in 0..k-1 drawn with probabilities ``p``.

    It should be inverse-transform sampling for a discrete distribution: the CDF is
    ``cumsum(p)``, and label ``k`` is the first index whose cumulative probability
    exceeds ``u ~ Uniform(0, 1)``. Checks shape, values, the frequencies (a
    chi-square test) and that the draws come from ``rng`` (same seed, same labels).
    """
    from scipy import stats

    name = "categorical_sampler"
    p = np.array([0.1, 0.0, 0.6, 0.3])
    n = 20_000
    results = []
    for _ in range(2):
        result, error = _call(name, fn, p, n, np.random.default_rng(0))
        if error:
            return _report(False, name, error)
        try:
            labels = np.asarray(result)
        except Exception:  # an object we cannot turn into an array
            labels = np.array(None)
        if labels.shape != (n,):
            return _report(
                False, name, f"it returned shape {labels.shape}; expected ({n},)"
            )
        if not np.issubdtype(labels.dtype, np.integer):
            return _report(
                False,
                name,
                f"labels must be integers, got dtype {labels.dtype}",
                "np.searchsorted returns integer indices",
            )
        results.append(labels)
    labels = results[0]
    if labels.min() < 0 or labels.max() > p.size - 1:
        off_by_one = labels.min() >= 1 and labels.max() == p.size
        return _report(
            False,
            name,
            f"labels must lie in 0..{p.size - 1}, got {labels.min()}..{labels.max()}",
            "labels start at 0" if off_by_one else "",
        )
    if not np.array_equal(results[0], results[1]):
        return _report(
            False,
            name,
            "two calls with np.random.default_rng(0) gave different labels",
            "draw the uniforms from the rng you are given: rng.random(n)",
        )
    counts = np.bincount(labels, minlength=p.size)
    if counts[1] > 0:
        return _report(
            False,
            name,
            f"label 1 has probability 0 but was drawn {counts[1]} times",
            "use searchsorted(cumsum(p), u, side='right') so ties skip empty classes",
        )
    nonzero = p > 0
    test = stats.chisquare(counts[nonzero], n * p[nonzero])
    if test.pvalue < 1e-4:
        freq = ", ".join(f"{c / n:.3f}" for c in counts)
        return _report(
            False,
            name,
            f"frequencies [{freq}] do not match p = {p.tolist()} "
            f"(chi-square p-value {test.pvalue:.2g})",
            "label k is the first index with u < cumsum(p)[k]",
        )
    return _report(
        True,
        name,
        f"Frequencies match p (chi-square p-value {test.pvalue:.2f}) and it uses rng.",
    )


# ---- notebook 02 -------------------------------------------------------------------
def check_mvn_sampler(fn) -> bool:
    """Check ``fn(mean, cov, n, rng)``: ``n`` draws from ``N(mean, cov)``, shape (n, d).

    Expected: the Cholesky recipe ``mean + Z @ L.T`` with ``Z`` standard normal from
    ``rng`` and ``L = np.linalg.cholesky(cov)``. Checks the shape, determinism under
    the rng, and the sample mean and covariance against the true ones.
    """
    name = "mvn_sampler"
    mean = np.array([1.0, -2.0, 0.5])
    cov = np.array([[2.0, 1.2, 0.4], [1.2, 1.5, -0.6], [0.4, -0.6, 1.0]])
    n = 40_000
    draws = []
    for _ in range(2):
        result, error = _call(name, fn, mean, cov, n, np.random.default_rng(1))
        if error:
            return _report(False, name, error)
        got, error = _as_float_array(result, (n, mean.size))
        if error:
            return _report(
                False, name, error, "return one row per sample: shape (n, d)"
            )
        draws.append(got)
    samples = draws[0]
    if not np.array_equal(draws[0], draws[1]):
        return _report(
            False,
            name,
            "two calls with np.random.default_rng(1) gave different samples",
            "draw Z from the rng you are given: rng.standard_normal((n, d))",
        )
    # Sampling error of the estimates is ~ 1/sqrt(n) = 0.005 relative; allow 6x that.
    mean_error = np.max(np.abs(samples.mean(axis=0) - mean))
    if mean_error > 0.05:
        return _report(
            False,
            name,
            f"the sample mean {np.round(samples.mean(axis=0), 3).tolist()} is far "
            f"from mean {mean.tolist()}",
            "add the mean after transforming Z",
        )
    sample_cov = np.cov(samples, rowvar=False)
    chol = np.linalg.cholesky(cov)
    tolerance = 0.06

    def close(matrix):
        return np.linalg.norm(sample_cov - matrix) <= tolerance * np.linalg.norm(cov)

    if close(cov):
        return _report(True, name, "Its mean and covariance match N(mean, cov).")
    if close(chol.T @ chol):
        why, hint = (
            "the sample covariance is Lᵀ L, not L Lᵀ = cov",
            "with one sample per row, use Z @ L.T (not Z @ L)",
        )
    elif close(np.diag(np.diag(cov))):
        why, hint = (
            "the variances are right but the correlations are missing",
            "scaling each coordinate by its standard deviation ignores the "
            "off-diagonal terms; multiply by the Cholesky factor instead",
        )
    elif close(cov @ cov):
        why, hint = (
            "the sample covariance is cov², not cov",
            "multiply by the Cholesky factor L of cov, not by cov itself",
        )
    else:
        why, hint = (
            "the sample covariance is "
            f"{np.round(sample_cov, 2).tolist()}, expected {cov.tolist()}",
            "x = mean + Z @ np.linalg.cholesky(cov).T",
        )
    return _report(False, name, why, hint)


def check_class_posterior(fn) -> bool:
    """Check ``fn(log_likelihood, log_prior)`` -> ``p(y | x)``, shape (n, k).

    ``log_likelihood`` has shape (n, k) (as from ``GaussianBayesGenerator``), and
    ``log_prior`` shape (k,). The test values are in the thousands, as for 784-pixel
    images, so exponentiating before normalizing underflows: the log-sum-exp trick
    is needed.
    """
    name = "class_posterior"
    log_likelihood = np.array(
        [[-1500.0, -1502.0, -1510.0], [-3000.0, -2990.0, -2995.0], [900.0, 905.0, 0.0]]
    )
    log_prior = np.log([0.5, 0.3, 0.2])
    joint = log_likelihood + log_prior
    expected = np.exp(joint - joint.max(axis=1, keepdims=True))
    expected /= expected.sum(axis=1, keepdims=True)
    with np.errstate(all="ignore"):
        result, error = _call(name, fn, log_likelihood, log_prior)
    if error:
        return _report(False, name, error)
    got, error = _as_float_array(result, log_likelihood.shape)
    if error:
        return _report(False, name, error, "one row per sample, one column per class")
    if not np.all(np.isfinite(got)):
        return _report(
            False,
            name,
            "it returned NaN or inf: exp(-1500) underflows to 0 (and exp(900) "
            "overflows), so the normalization divides 0 by 0",
            "subtract each row's maximum of log_likelihood + log_prior before "
            "exponentiating (the log-sum-exp trick)",
        )
    if np.allclose(got, expected, rtol=1e-6, atol=1e-12):
        return _report(True, name, "Stable, normalized and it uses the prior.")
    no_prior = np.exp(log_likelihood - log_likelihood.max(axis=1, keepdims=True))
    no_prior /= no_prior.sum(axis=1, keepdims=True)
    if np.allclose(got, no_prior, rtol=1e-6, atol=1e-12):
        return _report(
            False, name, "the prior is ignored", "add log_prior to every row first"
        )
    if not np.allclose(got.sum(axis=1), 1.0):
        return _report(
            False,
            name,
            f"rows sum to {np.round(got.sum(axis=1), 4).tolist()}, not 1",
            "divide by the row sum (or subtract logsumexp in log space)",
        )
    return _report(
        False,
        name,
        f"first row is {np.round(got[0], 4).tolist()}, "
        f"expected {np.round(expected[0], 4).tolist()}",
        "posterior ∝ exp(log_likelihood + log_prior), normalized per row",
    )


# ---- notebook 00 -------------------------------------------------------------------
def check_imbalance_ratio(answer, y) -> bool:
    """Notebook 00: the imbalance ratio of labels ``y`` (largest / smallest class)."""
    counts = np.bincount(np.asarray(y, dtype=np.int64))
    counts = counts[counts > 0]
    expected = counts.max() / counts.min()
    name = "the imbalance ratio"
    if answer is None:
        return _report(
            False,
            name,
            "no answer yet (answer is None)",
            "count each class with np.bincount(y_imb)",
        )
    try:
        value = float(answer)
    except (TypeError, ValueError):
        return _report(False, name, f"expected a number, got {type(answer).__name__}")
    if np.isclose(value, expected, rtol=1e-3):
        return _report(
            True, name, f"{value:.1f}: the largest class is {value:.0f}x the smallest."
        )
    if np.isclose(value, 1 / expected, rtol=1e-3):
        return _report(
            False,
            name,
            f"{value:.4f} is the inverse",
            "divide the largest count by the smallest",
        )
    return _report(
        False,
        name,
        f"{value:.3g} is not it",
        "np.bincount(y_imb) gives the size of every class",
    )


# Every public check, found by name, so that adding one needs no second edit.


# ---- notebook 03 -------------------------------------------------------------------
def check_free_energy(fn) -> bool:
    """Notebook 03: ``fn(V, W, b, c)`` -> the RBM free energy of each row of ``V``.

    ``F(v) = -v @ b - sum_j log(1 + exp(v @ W[:, j] + c_j))``, shape (n_samples,).
    """
    name = "my_free_energy"
    rng = np.random.default_rng(3)
    V = (rng.uniform(size=(6, 5)) < 0.5).astype(np.float64)
    W, b, c = rng.normal(size=(5, 4)), rng.normal(size=5), rng.normal(size=4)
    # large pre-activations: log(1 + exp(x)) must not overflow
    W_big = W * 400.0
    expected = -V @ b - np.logaddexp(0.0, V @ W + c).sum(axis=1)
    expected_big = -V @ b - np.logaddexp(0.0, V @ W_big + c).sum(axis=1)
    result, error = _call(name, fn, V, W, b, c)
    if error:
        return _report(False, name, error)
    arr, error = _as_float_array(result, (6,))
    if error:
        return _report(False, name, error, "return one free energy per row of V")
    if np.allclose(arr, -expected):
        return _report(
            False, name, "the sign is flipped", "F(v) = -v.b - sum log(1 + exp(...))"
        )
    if np.allclose(arr, expected + V @ b) or np.allclose(arr, expected - V @ b):
        return _report(False, name, "the visible-bias term is wrong or missing")
    if not np.allclose(arr, expected, rtol=1e-6, atol=1e-8):
        return _report(
            False,
            name,
            "the values differ from the free energy",
            "sum softplus(V @ W + c) over the hidden units",
        )
    big, _ = _call(name, fn, V, W_big, b, c)
    big, error = _as_float_array(big, (6,)) if big is not None else (None, "failed")
    if error or not np.all(np.isfinite(big)) or not np.allclose(big, expected_big):
        return _report(
            False,
            name,
            "it overflows for large pre-activations",
            "use np.logaddexp(0, x) for log(1 + exp(x))",
        )
    return _report(True, name, "it matches the reference, stably.")


def check_cd_gradient(fn) -> bool:
    """Notebook 03: ``fn(v0, vk, W, b, c)`` -> ``(dW, db, dc)``, the gradient of
    ``mean F(v0) - mean F(vk)`` (``vk`` held fixed) in closed form, checked against
    ``tf.GradientTape`` on the free energy."""
    import tensorflow as tf

    name = "my_cd_gradient"
    rng = np.random.default_rng(5)
    v0, vk = rng.random((8, 6)), (rng.random((8, 6)) < 0.5).astype(np.float64)
    params = [rng.normal(size=(6, 4)), rng.normal(size=6), rng.normal(size=4)]
    variables = [tf.Variable(p) for p in params]

    def free_energy(v, W, b, c):
        return -tf.linalg.matvec(v, b) - tf.reduce_sum(tf.nn.softplus(v @ W + c), 1)

    with tf.GradientTape() as tape:
        loss = tf.reduce_mean(free_energy(v0, *variables)) - tf.reduce_mean(
            free_energy(tf.stop_gradient(vk), *variables)
        )
    expected = [g.numpy() for g in tape.gradient(loss, variables)]
    result, error = _call(name, fn, v0, vk, *params)
    if error:
        return _report(False, name, error)
    if not isinstance(result, (tuple, list)) or len(result) != 3:
        return _report(False, name, "return a tuple (dW, db, dc)")
    for got, want, label in zip(result, expected, ("dW", "db", "dc"), strict=True):
        arr, error = _as_float_array(got, want.shape)
        if error:
            return _report(False, name, f"{label}: {error}")
        if np.allclose(arr, -want, atol=1e-8):
            return _report(
                False, name, f"{label} has the wrong sign", "F(v) has minus signs"
            )
        if np.allclose(arr, want * len(v0), atol=1e-8):
            return _report(False, name, f"{label} is a sum, not a mean over rows")
        if not np.allclose(arr, want, rtol=1e-6, atol=1e-9):
            return _report(
                False,
                name,
                f"{label} differs from tape.gradient of the free-energy difference",
                "dF/dW = -v^T sigmoid(v W + c) per row; average over the batch",
            )
    return _report(True, name, "it equals tape.gradient of mean F(v0) - mean F(vk).")


# ---- notebook 04 -------------------------------------------------------------------
def check_kl_divergence(fn) -> bool:
    """Notebook 04: ``fn(mean, log_var)`` -> KL(N(mean, diag exp(log_var)) || N(0, I))
    per row, in nats, shape (n_samples,)."""
    name = "my_kl"
    rng = np.random.default_rng(4)
    mean, log_var = rng.normal(size=(5, 3)), rng.normal(size=(5, 3))
    expected = 0.5 * np.sum(np.exp(log_var) + mean**2 - 1.0 - log_var, axis=1)
    result, error = _call(name, fn, mean, log_var)
    if error:
        return _report(False, name, error)
    arr, error = _as_float_array(result, (5,))
    if error:
        return _report(False, name, error, "sum over the latent axis (axis=-1)")
    if np.allclose(arr, 2 * expected):
        return _report(False, name, "it is twice the KL", "keep the factor 1/2")
    if not np.allclose(arr, expected, rtol=1e-6):
        return _report(
            False,
            name,
            "the values differ from the closed form",
            "KL = 1/2 sum(exp(log_var) + mean**2 - 1 - log_var)",
        )
    return _report(True, name, "it matches the closed form.")


def check_smoothed_memorization(fn) -> bool:
    """Notebook 04, exercise 2: ``fn(vae, train, n, seed)`` -> the like-with-like
    memorization ratio: ``n`` samples against the VAE's reconstructions of ``train``.

    Both sides are decoder means (smoothed), so smoothing alone cannot lower the
    ratio. Checked on a stand-in model whose outputs are known arrays.
    """
    from .metrics import memorization_ratio

    name = "smoothed_memorization"
    rng = np.random.default_rng(5)
    train = rng.uniform(size=(40, 16))

    class StandIn:  # sample() and reconstruct() like a fitted cl.vae.VAE
        def sample(self, n, y=None, seed=None):
            return np.random.default_rng(seed).uniform(0.3, 0.7, size=(n, 16))

        def reconstruct(self, X, y=None):
            return 0.5 + 0.2 * (np.asarray(X) - 0.5)

    model = StandIn()
    expected = memorization_ratio(model.sample(30, seed=1), model.reconstruct(train))
    result, error = _call(name, fn, model, train, 30, 1)
    if error:
        return _report(False, name, error)
    try:
        value = float(result)
    except (TypeError, ValueError):
        return _report(False, name, f"expected a number, got {type(result).__name__}")
    if np.isclose(value, expected, rtol=1e-9):
        return _report(True, name, "samples and references are both smoothed.")
    if np.isclose(value, memorization_ratio(model.sample(30, seed=1), train)):
        return _report(
            False,
            name,
            "you compare smoothed samples with the raw training images",
            "use vae.reconstruct(train) as the reference set",
        )
    return _report(
        False,
        name,
        f"{value:.4g}, expected {expected:.4g}",
        "cl.metrics.memorization_ratio(vae.sample(n, seed=seed), "
        "vae.reconstruct(train))",
    )


def check_iwae_bound(fn) -> bool:
    """Notebook 04, exercise 3: ``fn(log_w)`` -> the importance-weighted bound per row.

    ``log_w[k, i] = log p(x_i, z_k) - log q(z_k | x_i)`` for K draws ``z_k ~ q``; the
    bound is ``log (1/K) sum_k exp(log_w[k, i])``, computed stably (log-sum-exp).
    """
    from scipy.special import logsumexp

    name = "iwae_bound"
    rng = np.random.default_rng(6)
    log_w = rng.normal(-1000.0, 3.0, size=(50, 4))  # as for real images
    expected = logsumexp(log_w, axis=0) - np.log(50)
    with np.errstate(all="ignore"):
        result, error = _call(name, fn, log_w)
    if error:
        return _report(False, name, error)
    arr, error = _as_float_array(result, (4,))
    if error:
        return _report(False, name, error, "one bound per column (image) of log_w")
    if np.allclose(arr, log_w.mean(axis=0)):
        return _report(
            False,
            name,
            "that is the ELBO (the mean of log w), not the importance-weighted bound",
            "average the weights w = exp(log w), then take the log",
        )
    if np.allclose(arr, expected + np.log(50)):
        return _report(False, name, "it is off by log K", "divide the sum by K")
    if not np.all(np.isfinite(arr)):
        return _report(
            False,
            name,
            "exp(-1000) underflows to 0, so the log gives -inf",
            "use scipy.special.logsumexp(log_w, axis=0) - log(K)",
        )
    if not np.allclose(arr, expected, rtol=1e-9):
        return _report(False, name, "the values differ from log mean exp(log_w)")
    if np.all(arr >= log_w.mean(axis=0)):
        return _report(True, name, "it is stable and never below the ELBO.")
    return _report(False, name, "it falls below the ELBO somewhere")


def check_label_worth(fn) -> bool:
    """Notebook 04, exercise 4: ``fn(class_prior)`` -> the most the label can add to
    the true log-likelihood of an image of each class, in nats.

    Bayes' rule: ``log p(x | y) - log p(x) = log p(y | x) - log p(y) <= -log p(y)``.
    """
    name = "label_worth"
    cases = [np.full(10, 0.1), np.array([0.5, 0.25, 0.125, 0.125])]
    for prior in cases:
        result, error = _call(name, fn, prior)
        if error:
            return _report(False, name, error)
        arr, error = _as_float_array(result, prior.shape)
        if error:
            return _report(False, name, error, "one value per class")
        if np.allclose(arr, -np.log2(prior)):
            return _report(False, name, "that is in bits", "use the natural log")
        if np.allclose(arr, np.log(prior)):
            return _report(False, name, "the sign is flipped: log p(y) < 0")
        if not np.allclose(arr, -np.log(prior)):
            return _report(
                False,
                name,
                f"for prior {prior.tolist()} you return {np.round(arr, 3).tolist()}",
                "p(y | x) <= 1 bounds log p(y | x) - log p(y)",
            )
    return _report(True, name, "log 10 = 2.30 nats for ten equally likely classes.")


__all__ = sorted(name for name in dict(globals()) if name.startswith("check_"))
