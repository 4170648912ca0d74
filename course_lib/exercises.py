"""Automatic checks for the notebooks' exercises.

A flat module of ``check_*`` functions. Each takes the learner's function (or
answer), runs it on cases with known answers, prints whether it is right and, if not,
why (and a hint), and returns ``True`` or ``False``. A stub that still raises
``NotImplementedError`` gets a friendly "not done yet" instead of a traceback, so
notebooks run top to bottom before the exercises are solved.

Every check is one call of :func:`_check` with a table: for each case, the arguments,
the expected answer and the known mistakes, each a wrong answer (or a test of the
answer) with the advice it earns, ``(wrong, why, hint)``. The tables are laid out by
hand (``# fmt: skip``), one mistake per entry. To add a check, write a ``check_*``
function that builds such a table; ``__all__`` picks it up by its name.

Contents
--------
- notebook 00: :func:`check_imbalance_ratio`
- notebook 01: :func:`check_cauchy_ppf`, :func:`check_categorical_sampler`
- notebook 02: :func:`check_mvn_sampler`, :func:`check_class_posterior`
- notebook 03: :func:`check_free_energy`, :func:`check_cd_gradient`
- notebook 04: :func:`check_kl_divergence`, :func:`check_smoothed_memorization`,
  :func:`check_iwae_bound`, :func:`check_label_worth`
- notebook 05: :func:`check_dunn_index`, :func:`check_rgb_features`,
  :func:`check_bigger_code`
- notebook 06: :func:`check_unit_kl`, :func:`check_matched_accuracy`,
  :func:`check_one_domain_labels`
"""

from __future__ import annotations

import numpy as np


class _Wrong(Exception):
    """``_Wrong(why, hint)``: a mistake found while getting the answer."""


def _differs(got, expected) -> str:
    """Where ``got`` first differs from ``expected``, for the learner."""
    got, expected = np.asarray(got), np.asarray(expected)
    at = np.unravel_index(np.argmax(~np.isclose(got, expected)), expected.shape)
    where = f" at index {', '.join(map(str, at))}" if at else ""
    return f"you return {got[at]:.4g}{where}, expected {expected[at]:.4g}"


def _judge(got, expected, mistakes, shape, hint, tol):
    """``None`` when ``got`` is right, else ``(why, hint)``; see :func:`_check`."""
    try:
        answer = np.asarray(got)
    except ValueError:  # ragged nested sequences
        answer = np.array(None)
    if not np.issubdtype(answer.dtype, np.number):
        wrong = f"expected a number or array, got {type(got).__name__}"
        return ("no answer yet (it is None)" if got is None else wrong), hint
    shape = np.shape(expected) if shape is None else shape
    if answer.shape != shape:
        return f"it returned shape {answer.shape}; expected {shape}", hint

    def close(wrong):
        return np.allclose(answer, wrong, *tol)

    if expected is not None and close(expected):
        return None
    for wrong, *advice in mistakes:
        if wrong is None or (wrong(answer) if callable(wrong) else close(wrong)):
            advice[0] = advice[0] or (lambda got: _differs(got, expected))
            return tuple(text(answer) if callable(text) else text for text in advice)
    return None if expected is None else (_differs(answer, expected), "")


def _check(name, fn, cases, right, *, call=None, shape=None, hint="", tol=(1e-6, 1e-9)):
    """Print whether ``fn`` answers every case right; return ``True`` or ``False``.

    Each case is ``(args, expected, mistakes)``. The answer ``call(fn, *args)``
    (default ``fn(*args)``; raise ``_Wrong(why, hint)`` there for a mistake found on
    the way) must be numbers of ``shape`` (default: ``expected``'s; ``hint`` says how
    to get it), close to ``expected`` (``tol`` is ``(rtol, atol)``). Otherwise the
    first mistake ``(wrong, why, hint)`` whose ``wrong`` answer is close to it (or,
    when callable, returns True for it; ``None`` always applies) gives the advice;
    ``why`` and ``hint`` may be functions of the answer, ``why=None`` says where it
    differs. With ``expected=None`` the answer is right unless a mistake applies.
    """
    not_callable = f"expected a function, got {type(fn).__name__}", ""
    outcome = None if callable(fn) else not_callable
    for args, expected, mistakes in cases:
        if outcome:
            break
        try:
            with np.errstate(all="ignore"):  # overflow in the learner's code is judged
                got = call(fn, *args) if call else fn(*args)
            outcome = _judge(got, expected, mistakes, shape, hint, tol)
        except _Wrong as wrong:
            outcome = wrong.args
        except NotImplementedError:
            outcome = "not implemented yet (it raises NotImplementedError)", ""
        except Exception as exc:  # the learner's code may fail in any way
            outcome = f"calling it raised {type(exc).__name__}: {exc}", ""
    if outcome:
        why, advice = outcome
        print(f"Not yet: {name}: {why}" + (f"\nHint: {advice}" if advice else ""))
        return False
    print(f"Right: {name} is correct. {right}".rstrip())
    return True


# ---- notebook 00 -------------------------------------------------------------------
def check_imbalance_ratio(answer, y) -> bool:
    """Notebook 00: the imbalance ratio of labels ``y`` (largest / smallest class)."""
    counts = np.bincount(np.asarray(y, dtype=np.int64))
    expected = counts.max() / counts[counts > 0].min()
    mistakes = [
        (1 / expected, lambda got: f"{got:.4f} is the inverse",
         "divide the largest count by the smallest"),
        (None, lambda got: f"{got:.3g} is not it",
         "np.bincount(y_imb) gives the size of every class"),
    ]  # fmt: skip
    right = f"{expected:.1f}: the largest class is {expected:.0f}x the smallest."
    hint = "count each class with np.bincount(y_imb)"
    cases = [((), expected, mistakes)]
    return _check("the imbalance ratio", lambda: answer, cases, right, hint=hint,
                  tol=(1e-3, 0))  # fmt: skip


# ---- notebook 01 -------------------------------------------------------------------
def check_cauchy_ppf(fn) -> bool:
    """Check ``fn(q, loc=0.0, scale=1.0)``: the Cauchy distribution's inverse CDF.

    The Cauchy CDF is ``F(x) = 1/2 + arctan((x - loc) / scale) / π``; solving
    ``q = F(x)`` gives the answer. Compared with ``scipy.stats.cauchy.ppf``.
    """
    from scipy import stats

    q = np.array([0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.99])

    def case(loc, scale):
        expected = stats.cauchy.ppf(q, loc=loc, scale=scale)
        mistakes = [
            (np.tan(np.pi * q) * scale + loc, "ppf(0.5) should be the median loc, but "
             "you return tan(π q)", "solve q = 1/2 + arctan(z)/π: "
             "z = tan(π (q - 1/2))"),
            (np.tan(np.pi * (q - 0.5)), f"with loc={loc}, scale={scale} you return the "
             "standard Cauchy", "shift and stretch: x = loc + scale * z"),
            (None, lambda got: f"with loc={loc}, scale={scale}, "
             f"{_differs(got, expected)}",
             "invert F(x) = 1/2 + arctan((x - loc) / scale) / π step by step"),
        ]  # fmt: skip
        return (q, loc, scale), expected, mistakes

    cases, right = [case(0.0, 1.0), case(3.0, 2.5)], "It matches scipy.stats.cauchy.ppf"
    hint = "use numpy functions so that q can be an array"
    return _check("cauchy_ppf", fn, cases, right + ".", hint=hint)


def check_categorical_sampler(fn) -> bool:
    """Check ``fn(p, n, rng)``: ``n`` labels in 0..k-1 drawn with probabilities ``p``.

    It should be inverse-transform sampling for a discrete distribution: the CDF is
    ``cumsum(p)``, and label ``k`` is the first index whose cumulative probability
    exceeds ``u ~ Uniform(0, 1)``. Checks shape, values, the frequencies (a
    chi-square test) and that the draws come from ``rng`` (same seed, same labels).
    """
    from scipy import stats

    p, n = np.array([0.1, 0.0, 0.6, 0.3]), 20_000

    def chi_square(labels):
        counts = np.bincount(labels, minlength=p.size)
        return stats.chisquare(counts[p > 0], n * p[p > 0]).pvalue

    def frequencies(labels):
        freq = ", ".join(f"{c / n:.3f}" for c in np.bincount(labels, minlength=p.size))
        return (f"frequencies [{freq}] do not match p = {p.tolist()} (chi-square "
                f"p-value {chi_square(labels):.2g})")  # fmt: skip

    mistakes = [
        (lambda got: not np.issubdtype(got.dtype, np.integer), lambda got: f"labels "
         f"must be integers, got dtype {got.dtype}", "np.searchsorted returns integer "
         "indices"),
        (lambda got: got.min() < 0 or got.max() >= p.size, lambda got: "labels must "
         f"lie in 0..{p.size - 1}, got {got.min()}..{got.max()}", lambda got: "labels "
         "start at 0" if got.min() == 1 and got.max() == p.size else ""),
        (lambda got: not np.array_equal(got, fn(p, n, np.random.default_rng(0))),
         "two calls with np.random.default_rng(0) gave different labels",
         "draw the uniforms from the rng you are given: rng.random(n)"),
        (lambda got: np.any(got == 1), lambda got: "label 1 has probability 0 but was "
         f"drawn {np.sum(got == 1)} times", "use searchsorted(cumsum(p), u, "
         "side='right') so ties skip empty classes"),
        (lambda got: chi_square(got) < 1e-4, frequencies,
         "label k is the first index with u < cumsum(p)[k]"),
    ]  # fmt: skip
    cases = [((p, n, np.random.default_rng(0)), None, mistakes)]
    right = "Its frequencies match p (chi-square test) and it uses rng."
    return _check("categorical_sampler", fn, cases, right, shape=(n,))


# ---- notebook 02 -------------------------------------------------------------------
def check_mvn_sampler(fn) -> bool:
    """Check ``fn(mean, cov, n, rng)``: ``n`` draws from ``N(mean, cov)``, shape (n, d).

    Expected: the Cholesky recipe ``mean + Z @ L.T`` with ``Z`` standard normal from
    ``rng`` and ``L = np.linalg.cholesky(cov)``. Checks the shape, determinism under
    the rng, and the sample mean and covariance against the true ones.
    """
    mean = np.array([1.0, -2.0, 0.5])
    cov = np.array([[2.0, 1.2, 0.4], [1.2, 1.5, -0.6], [0.4, -0.6, 1.0]])
    n, chol = 40_000, np.linalg.cholesky(cov)

    def near(x, target):  # sampling error ~ 1/sqrt(n) = 0.005 relative; allow 6x that
        error = np.cov(x, rowvar=False) - target
        return np.linalg.norm(error) <= 0.06 * np.linalg.norm(cov)

    mistakes = [
        (lambda x: not np.array_equal(x, fn(mean, cov, n, np.random.default_rng(1))),
         "two calls with np.random.default_rng(1) gave different samples",
         "draw Z from the rng you are given: rng.standard_normal((n, d))"),
        (lambda x: np.max(np.abs(x.mean(axis=0) - mean)) > 0.05, lambda x: "the sample "
         f"mean {np.round(x.mean(axis=0), 3).tolist()} is far from mean "
         f"{mean.tolist()}", "add the mean after transforming Z"),
        (lambda x: near(x, chol.T @ chol), "the sample covariance is Lᵀ L, not L Lᵀ = "
         "cov", "with one sample per row, use Z @ L.T (not Z @ L)"),
        (lambda x: near(x, np.diag(np.diag(cov))), "the variances are right but the "
         "correlations are missing", "scaling each coordinate by its standard "
         "deviation ignores the off-diagonal terms; multiply by the Cholesky factor "
         "instead"),
        (lambda x: near(x, cov @ cov), "the sample covariance is cov², not cov",
         "multiply by the Cholesky factor L of cov, not by cov itself"),
        (lambda x: not near(x, cov), lambda x: "the sample covariance is "
         f"{np.round(np.cov(x, rowvar=False), 2).tolist()}, expected {cov.tolist()}",
         "x = mean + Z @ np.linalg.cholesky(cov).T"),
    ]  # fmt: skip
    cases = [((mean, cov, n, np.random.default_rng(1)), None, mistakes)]
    right = "Its mean and covariance match N(mean, cov)."
    hint = "return one row per sample: shape (n, d)"
    return _check("mvn_sampler", fn, cases, right, shape=(n, mean.size), hint=hint)


def check_class_posterior(fn) -> bool:
    """Check ``fn(log_likelihood, log_prior)`` -> ``p(y | x)``, shape (n, k).

    ``log_likelihood`` has shape (n, k) (as from ``GaussianBayesGenerator``), and
    ``log_prior`` shape (k,). The test values are in the thousands, as for 784-pixel
    images, so exponentiating before normalizing underflows: the log-sum-exp trick
    is needed.
    """
    from scipy.special import softmax

    log_likelihood = np.array(
        [[-1500.0, -1502.0, -1510.0], [-3000.0, -2990.0, -2995.0], [900.0, 905.0, 0.0]]
    )
    log_prior = np.log([0.5, 0.3, 0.2])
    mistakes = [
        (lambda got: not np.all(np.isfinite(got)), "it returned NaN or inf: "
         "exp(-1500) underflows to 0 (and exp(900) overflows), so the normalization "
         "divides 0 by 0", "subtract each row's maximum of log_likelihood + log_prior "
         "before exponentiating (the log-sum-exp trick)"),
        (softmax(log_likelihood, axis=1), "the prior is ignored",
         "add log_prior to every row first"),
        (lambda got: not np.allclose(got.sum(axis=1), 1.0), lambda got: "rows sum to "
         f"{np.round(got.sum(axis=1), 4).tolist()}, not 1",
         "divide by the row sum (or subtract logsumexp in log space)"),
        (None, None, "posterior ∝ exp(log_likelihood + log_prior), normalized per row"),
    ]  # fmt: skip
    expected = softmax(log_likelihood + log_prior, axis=1)
    cases = [((log_likelihood, log_prior), expected, mistakes)]
    hint = "one row per sample, one column per class"
    right = "Stable, normalized and it uses the prior."
    return _check("class_posterior", fn, cases, right, hint=hint, tol=(1e-6, 1e-12))


# ---- notebook 03 -------------------------------------------------------------------
def check_free_energy(fn) -> bool:
    """Notebook 03: ``fn(V, W, b, c)`` -> the RBM free energy of each row of ``V``.

    ``F(v) = -v @ b - sum_j log(1 + exp(v @ W[:, j] + c_j))``, shape (n_samples,).
    Then with large pre-activations: ``log(1 + exp(x))`` must not overflow.
    """
    rng = np.random.default_rng(3)
    V = (rng.uniform(size=(6, 5)) < 0.5).astype(np.float64)
    W, b, c = rng.normal(size=(5, 4)), rng.normal(size=5), rng.normal(size=4)
    expected = -V @ b - np.logaddexp(0.0, V @ W + c).sum(axis=1)
    large = -V @ b - np.logaddexp(0.0, V @ (400 * W) + c).sum(axis=1)
    mistakes = [
        (-expected, "the sign is flipped", "F(v) = -v.b - sum log(1 + exp(...))"),
        (expected + V @ b, "the visible-bias term is wrong or missing", ""),
        (expected - V @ b, "the visible-bias term is wrong or missing", ""),
        (None, "the values differ from the free energy",
         "sum softplus(V @ W + c) over the hidden units"),
    ]  # fmt: skip
    overflows = [
        (None, "it overflows for large pre-activations",
         "use np.logaddexp(0, x) for log(1 + exp(x))"),
    ]  # fmt: skip
    cases = [((V, W, b, c), expected, mistakes), ((V, 400 * W, b, c), large, overflows)]
    hint, right = "one free energy per row of V", "it matches the reference, stably."
    return _check("my_free_energy", fn, cases, right, hint=hint)


def check_cd_gradient(fn) -> bool:
    """Notebook 03: ``fn(v0, vk, W, b, c)`` -> ``(dW, db, dc)``, the gradient of
    ``mean F(v0) - mean F(vk)`` (``vk`` held fixed) in closed form, checked against
    ``tf.GradientTape`` on the free energy."""
    import tensorflow as tf

    from .rbm import free_energy

    rng = np.random.default_rng(5)
    v0, vk = rng.random((8, 6)), (rng.random((8, 6)) < 0.5).astype(np.float64)
    params = [rng.normal(size=(6, 4)), rng.normal(size=6), rng.normal(size=4)]
    variables = [tf.Variable(p) for p in params]
    with tf.GradientTape() as tape:  # v0 and vk are constants: only params are watched
        loss = tf.reduce_mean(free_energy(v0, *variables) - free_energy(vk, *variables))
    expected = [g.numpy() for g in tape.gradient(loss, variables)]

    def component(fn, i):
        result = fn(v0, vk, *params)
        if not isinstance(result, (tuple, list)) or len(result) != 3:
            raise _Wrong("return a tuple (dW, db, dc)", "")
        return result[i]

    def case(i, name):
        mistakes = [
            (-expected[i], f"{name}: it has the wrong sign", "F(v) has minus signs"),
            (expected[i] * len(v0), f"{name}: it is a sum, not a mean over rows", ""),
            (None, f"{name}: it differs from tape.gradient of the free-energy "
             "difference", "dF/dW = -v^T sigmoid(v W + c) per row; average over the "
             "batch"),
        ]  # fmt: skip
        return (i,), expected[i], mistakes

    cases = [case(i, name) for i, name in enumerate(["dW", "db", "dc"])]
    right = "it equals tape.gradient of mean F(v0) - mean F(vk)."
    return _check("my_cd_gradient", fn, cases, right, call=component)


# ---- notebook 04 -------------------------------------------------------------------
def check_kl_divergence(fn) -> bool:
    """Notebook 04: ``fn(mean, log_var)`` -> KL(N(mean, diag exp(log_var)) || N(0, I))
    per row, in nats, shape (n_samples,)."""
    rng = np.random.default_rng(4)
    mean, log_var = rng.normal(size=(5, 3)), rng.normal(size=(5, 3))
    expected = 0.5 * np.sum(np.exp(log_var) + mean**2 - 1.0 - log_var, axis=1)
    mistakes = [
        (2 * expected, "it is twice the KL", "keep the factor 1/2"),
        (None, "the values differ from the closed form",
         "KL = 1/2 sum(exp(log_var) + mean**2 - 1 - log_var)"),
    ]  # fmt: skip
    cases = [((mean, log_var), expected, mistakes)]
    hint = "sum over the latent axis (axis=-1)"
    return _check("my_kl", fn, cases, "it matches the closed form.", hint=hint)


def check_smoothed_memorization(fn) -> bool:
    """Notebook 04, exercise 2: ``fn(vae, train, n, seed)`` -> the like-with-like
    memorization ratio: ``n`` samples against the VAE's reconstructions of ``train``.

    Both sides are decoder means (smoothed), so smoothing alone cannot lower the
    ratio. Checked on a stand-in model whose outputs are known arrays.
    """
    from .metrics import memorization_ratio

    train = np.random.default_rng(5).uniform(size=(40, 16))

    class StandIn:  # sample() and reconstruct() like a fitted cl.vae.VAE
        def sample(self, n, y=None, seed=None):
            return np.random.default_rng(seed).uniform(0.3, 0.7, size=(n, 16))

        def reconstruct(self, X, y=None):
            return 0.5 + 0.2 * (np.asarray(X) - 0.5)

    model = StandIn()
    samples = model.sample(30, seed=1)
    mistakes = [
        (memorization_ratio(samples, train), "you compare smoothed samples with the "
         "raw training images", "use vae.reconstruct(train) as the reference set"),
        (None, None, "cl.metrics.memorization_ratio(vae.sample(n, seed=seed), "
         "vae.reconstruct(train))"),
    ]  # fmt: skip
    expected = memorization_ratio(samples, model.reconstruct(train))
    cases = [((model, train, 30, 1), expected, mistakes)]
    return _check("smoothed_memorization", fn, cases,
                  "samples and references are both smoothed.")  # fmt: skip


def check_iwae_bound(fn) -> bool:
    """Notebook 04, exercise 3: ``fn(log_w)`` -> the importance-weighted bound per row.

    ``log_w[k, i] = log p(x_i, z_k) - log q(z_k | x_i)`` for K draws ``z_k ~ q``; the
    bound is ``log (1/K) sum_k exp(log_w[k, i])``, computed stably (log-sum-exp).
    """
    from scipy.special import logsumexp

    log_w = np.random.default_rng(6).normal(-1000.0, 3.0, size=(50, 4))  # as for images
    expected = logsumexp(log_w, axis=0) - np.log(50)
    mistakes = [
        (log_w.mean(axis=0), "that is the ELBO (the mean of log w), not the "
         "importance-weighted bound", "average the weights w = exp(log w), then take "
         "the log"),
        (expected + np.log(50), "it is off by log K", "divide the sum by K"),
        (lambda got: not np.all(np.isfinite(got)), "exp(-1000) underflows to 0, so the "
         "log gives -inf", "use scipy.special.logsumexp(log_w, axis=0) - log(K)"),
        (None, "the values differ from log mean exp(log_w)", ""),
    ]  # fmt: skip
    cases = [((log_w,), expected, mistakes)]
    right = "it is stable and never below the ELBO."
    hint = "one bound per column (image) of log_w"
    return _check("iwae_bound", fn, cases, right, hint=hint)


def check_label_worth(fn) -> bool:
    """Notebook 04, exercise 4: ``fn(class_prior)`` -> the most the label can add to
    the true log-likelihood of an image of each class, in nats.

    Bayes' rule: ``log p(x | y) - log p(x) = log p(y | x) - log p(y) <= -log p(y)``.
    """

    def case(prior):
        mistakes = [
            (-np.log2(prior), "that is in bits", "use the natural log"),
            (np.log(prior), "the sign is flipped: log p(y) < 0", ""),
            (None, lambda got: f"for prior {prior.tolist()}, "
             f"{_differs(got, -np.log(prior))}", "p(y | x) <= 1 bounds "
             "log p(y | x) - log p(y)"),
        ]  # fmt: skip
        return (prior,), -np.log(prior), mistakes

    cases = [case(np.full(10, 0.1)), case(np.array([0.5, 0.25, 0.125, 0.125]))]
    right = "log 10 = 2.30 nats for ten equally likely classes."
    return _check("label_worth", fn, cases, right, hint="one value per class")


# ---- notebook 05 -------------------------------------------------------------------
def check_dunn_index(fn) -> bool:
    """Notebook 05, exercise 1: ``fn(X, labels)`` -> the Dunn index, pair by pair.

    The smallest Euclidean distance between points of different clusters over the
    largest between points of the same cluster; compared with
    ``cl.metrics.dunn_index``.
    """
    from scipy.spatial.distance import pdist, squareform

    from .metrics import dunn_index

    def case(n, k, seed):
        rng = np.random.default_rng(seed)
        X = rng.normal(size=(n, 3)) + 3.0 * rng.integers(0, 2, size=(n, 1))
        labels = rng.permutation(np.arange(n) % k) * 2  # labels need not be 0..k-1
        dist = squareform(pdist(X))
        same = labels[:, None] == labels[None, :]
        inside = dist[same & ~np.eye(n, dtype=bool)]
        mistakes = [
            (inside.max() / dist[~same].min(), "that is the inverse", "the smallest "
             "distance between clusters goes on top, the largest inside a cluster "
             "below"),
            ((dist[~same].min() / inside.max()) ** 2, "you used squared distances",
             "take the Euclidean distance, np.linalg.norm(X[i] - X[j])"),
            (dist[~same].mean() / inside.mean(), "you used mean distances",
             "the Dunn index uses the extremes: min between, max inside"),
            (dist[~same].min() / inside.min(), "the denominator is the smallest "
             "distance inside a cluster", "it should be the largest (the diameter)"),
            (None, lambda got: f"for {n} points in {k} clusters, "
             f"{_differs(got, dunn_index(X, labels))}",
             "check both loops and both extremes"),
        ]  # fmt: skip
        return (X, labels), dunn_index(X, labels), mistakes

    cases = [case(30, 3, 0), case(41, 4, 1)]
    return _check("dunn_index", fn, cases, "It matches cl.metrics.dunn_index.")


def check_rgb_features(fn) -> bool:
    """Notebook 05, exercise 2: ``fn(X)`` -> one row of pixels per RGB image.

    ``X`` is uint8, (n, 32, 32, 3); the answer is (n, 3072) floats in [0, 1], the
    image's values in any fixed order (k-means does not care about the order).
    """
    X = np.random.default_rng(7).integers(0, 256, size=(6, 32, 32, 3), dtype=np.uint8)
    pixels = np.sort(X.reshape(len(X), -1) / 255.0, axis=1)
    mistakes = [
        (lambda got: got.max() > 1.0, lambda got: f"values go up to {got.max():g}",
         "scale to [0, 1] as for the grey pixels: cl.data.to_unit(X)"),
        (lambda got: not np.allclose(np.sort(got, axis=1), pixels, atol=1e-6),
         "the rows do not hold the images' pixel values",
         "keep all three channels: flatten each image, X.reshape(len(X), -1)"),
    ]  # fmt: skip
    hint = "one row of 32 x 32 x 3 = 3072 numbers per image"
    cases, right = [((X,), None, mistakes)], "K-means can take these rows."
    return _check("rgb_features", fn, cases, right, shape=pixels.shape, hint=hint)


def check_bigger_code(fn) -> bool:
    """Notebook 05, exercise 3: ``fn(l1)`` -> the sparse autoencoder with an 8x8x4 code.

    Given the same weights as ``cl.autoencoder.build_sparse_autoencoder(l1,
    code_channels=4, seed=0)``, the learner's model must give the same reconstruction
    of a fixed batch and the same L1 penalty.
    """
    from .autoencoder import build_sparse_autoencoder

    l1 = 1e-3
    reference = build_sparse_autoencoder(l1=l1, code_channels=4, seed=0)[0]
    wanted = [tuple(w.shape) for w in reference.weights]
    batch = np.random.default_rng(8).uniform(size=(4, 32, 32, 1)).astype(np.float32)

    def measure(network):  # the reconstruction of the batch and the L1 penalty
        output = np.asarray(network(batch))
        return output, float(sum(np.asarray(loss) for loss in network.losses))

    def same_weights(fn, part):
        model = fn(l1)
        if (shapes := [tuple(w.shape) for w in model.weights]) != wanted:
            n_weights = model.count_params()
            why = f"its weights have shapes {shapes}, {n_weights} in all"
            hint = "only the encoder's second convolution changes: Conv2D(4, 5, ...)"
            study = "it still has the study's 334 weights: " * (n_weights == 334)
            raise _Wrong(f"{why}; expected {wanted}", study + hint)
        model.set_weights(reference.get_weights())
        return measure(model)[part]

    output, penalty = measure(reference)
    cases = [
        ((0,), output, [(None, "with the same weights, the reconstruction differs",
                         "a ReLU only on the first convolution, a sigmoid on the "
                         "last")]),
        ((1,), penalty, [(0.0, "there is no L1 penalty", "activity_regularizer="
                          "keras.regularizers.L1(l1) on the first convolution"),
                         (None, "the L1 penalty differs", "it goes on the first "
                          "convolution's activations (activity_regularizer), with "
                          "weight l1, nowhere else")]),
    ]  # fmt: skip
    right = "Same reconstruction and penalty as cl.autoencoder's network."
    return _check("bigger_code", fn, cases, right, call=same_weights, tol=(1e-4, 1e-6))


# ---- notebook 06 -------------------------------------------------------------------
def check_unit_kl(fn) -> bool:
    """Notebook 06, exercise 1: ``fn(mu)`` -> UNIT's KL term for latent means ``mu``
    (n, d): KL(N(mu, I) || N(0, I)) per latent dimension, averaged over the batch and
    the dimensions (a number): ``mean(mu**2) / 2``."""
    mu = np.random.default_rng(7).normal(0.5, 1.5, size=(6, 4))
    mistakes = [
        (np.mean(mu**2), "it is twice the KL", "keep the factor 1/2"),
        (0.5 * np.sum(mu**2), "you sum over the batch and the dimensions",
         "the notebook's term is a mean per latent dimension (np.mean)"),
        (0.5 * np.sum(mu**2) / len(mu), "that is the KL per image (summed over the "
         "dimensions)", "average over the dimensions too"),
        (0.5 * np.mean(mu**2 - 1 - np.log(mu**2)), "the variance is fixed at 1, not "
         "mu**2", "with unit variance the KL is mean(mu**2) / 2"),
    ]  # fmt: skip
    cases = [((mu,), 0.5 * np.mean(mu**2), mistakes)]
    right, hint = "A unit-variance Gaussian's KL is |mu|^2/2.", "return one number"
    return _check("unit_kl", fn, cases, right, hint=hint + " (np.mean over both axes)")


def check_matched_accuracy(fn) -> bool:
    """Notebook 06, exercise 2: ``fn(y_true, clusters)`` -> the accuracy after the best
    one-to-one matching of cluster ids to labels (the Hungarian method)."""
    # cluster 2 (5 x '0', 1 x '1') and cluster 0 (4 x '0', 2 x '1') are both mostly
    # '0'; cluster 1 is mostly '2'. Best one-to-one map: 2->0, 0->1, 1->2 (10 of 16)
    from .metrics import clustering_accuracy

    c = np.repeat([2, 2, 0, 0, 1, 1], [5, 1, 4, 2, 3, 1])
    y = np.repeat([0, 1, 0, 1, 2, 1], [5, 1, 4, 2, 3, 1])
    mistakes = [
        (np.mean(y == c), "that is the plain accuracy: cluster ids are not labels",
         "match clusters to labels first (scipy.optimize.linear_sum_assignment)"),
        (12 / 16, "each cluster took its most frequent label, so two clusters share "
         "one label: a many-to-one map scores higher than any one-to-one map",
         "maximise the matched counts with linear_sum_assignment(-counts)"),
        (None, None,
         "count[i, j] = images in cluster i with label j; find the best assignment"),
    ]  # fmt: skip
    cases = [((y, c), clustering_accuracy(y, c), mistakes)]  # 10 / 16
    right = "Matching on the test labels uses them: an oracle."
    return _check("matched_accuracy", fn, cases, right, hint="return one number")


def check_one_domain_labels(fn) -> bool:
    """Notebook 06, exercise 3: ``fn(y_a, y_b, fraction, seed)`` -> ``(labels_a,
    labels_b)``: ``fraction`` of domain a's labels kept (at least 10), the rest and
    all of domain b's set to -1."""
    rng = np.random.default_rng(8)
    y_a, y_b = rng.integers(0, 10, 500), rng.integers(0, 10, 500)
    n_keep = max(10, round(0.04 * 500))

    def kept(got):
        return int(np.sum(got[0] != -1))

    mistakes = [
        (lambda got: np.any(got[1] != -1), "domain b keeps labels",
         "set every label of domain b to -1"),
        (lambda got: np.any((got[0] != -1) & (got[0] != y_a)), "some kept labels of "
         "domain a changed", "copy the kept labels: labels[keep] = y[keep]"),
        (lambda got: kept(got) != n_keep, lambda got: f"{kept(got)} labels kept, "
         f"expected {n_keep}", "keep max(10, round(fraction * n))"),
    ]  # fmt: skip
    hint = "return a pair of label arrays, each as long as its y"
    cases = [((y_a, y_b, 0.04, 0), None, mistakes)]
    return _check("one_domain_labels", fn, cases, "Now train with them.",
                  shape=(2, 500), hint=hint)  # fmt: skip


__all__ = sorted(name for name in dict(globals()) if name.startswith("check_"))
