"""The course's question as one experiment: does a generator help a rare class?

One path for every notebook: :func:`rare_class_question` cuts a class of MNIST to a
few images, lets every contender (no augmentation, class weights, random
oversampling, and the notebook's generators, each as an imbalanced-learn sampler)
top it up by one rule, trains the same classifiers on each result
(:func:`resample_and_score`, :func:`utility`) and scores them on the untouched test
split. :func:`paired_summary` compares every contender with random oversampling,
seed by seed on the same test images (:func:`paired_difference`), and applies the
rule for calling a winner stated before any number is seen (:func:`verdict`).
Memorization is measured in one feature space (:func:`mnist_features`) beside its
controls (:func:`memorization_controls`).

The capstone (notebook 08) also scores the samples: :func:`sample_quality` compares
synthetic with real features; added to the runs, its figures are averaged in
:func:`paired_summary`'s rows. Every notebook prints its tables with
:func:`results_table` and ends with :func:`check_bands`, its key figures each
asserted to lie in a band.
"""

from __future__ import annotations

import functools
import numbers
import time
import warnings
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from threadpoolctl import threadpool_limits

from ._base import (
    check_array,
    check_choice,
    check_labels,
    check_param,
)
from .classifiers import make_classifier, scores
from .metrics import (
    density_coverage,
    frechet_distance,
    kernel_inception_distance,
    memorization_ratio,
    precision_recall,
)

__all__ = [
    "as_sampler",
    "check_bands",
    "fit_or_load",
    "results_table",
    "format_mean_std",
    "imbalanced_splits",
    "mean_std",
    "memorization_controls",
    "mnist_cnn",
    "mnist_features",
    "paired_summary",
    "paired_difference",
    "rare_class_question",
    "resample_and_score",
    "sample_quality",
    "tstr_recall",
    "utility",
    "verdict",
]


def mean_std(values: Sequence[float]) -> tuple[float, float]:
    """Mean and sample standard deviation (``ddof=1``; 0 for a single value)."""
    values = np.asarray(values, dtype=float)
    if values.size == 0:
        raise ValueError("values must hold at least one number")
    return float(values.mean()), float(values.std(ddof=1)) if values.size > 1 else 0.0


def format_mean_std(values: Sequence[float], *, digits: int = 3) -> str:
    """``"mean ± std"`` of ``values`` (see :func:`mean_std`)."""
    mean, std = mean_std(values)
    return f"{mean:.{digits}f} ± {std:.{digits}f}"


def paired_difference(contender_hits, reference_hits, *, level: float = 0.95) -> dict:
    """Mean per-seed difference in minority recall, with a paired interval.

    Both methods are scored on the same minority test rows for every seed; the
    difference of their recalls is the mean over seeds and rows of
    ``d[s, r] = contender_hits[s, r] - reference_hits[s, r]`` (paired: each row
    and seed compares the two methods on the same image). The interval counts
    both sources of chance: which seeds were run (each a different draw of the
    surviving rare rows and of the training) and which images the finite test set
    holds, shared by every seed. Seeds x rows is a crossed design, so the variance
    of the mean is ``var_seed / S + var_row / R + var_interaction / (S R)``,
    estimated from the table's mean squares (two-way random-effects ANOVA):
    ``s2(seed means) / S + s2(row means) / R - MS_residual / (S R)``, and at least
    ``MS_residual / (S^2 R)`` (a fraction of the interaction's share), so that
    seeds whose differences happen to agree exactly do not shrink the interval to
    a point. The interval
    is ``mean ± t(S - 1) * sqrt(variance)``: Student's t with S - 1 degrees of
    freedom, since the few seeds are the scarce side.

    Why not a bootstrap over seeds and rows: measured on simulated tables of 5
    seeds x 195 rows (tests/test_experiment.py), this interval covered the true
    difference 95-97 % of the time in every mix of seed, row and interaction
    noise tried; the two-way (pigeonhole) bootstrap covered 91-100 % (too narrow
    with few seeds, too wide when the interaction dominates).

    Parameters
    ----------
    contender_hits, reference_hits : array-like of bool, shape (n_seeds, n_rows)
        per seed (n_seeds >= 2), whether each minority test row was classified
        correctly, e.g. ``(y_pred == y_test)[y_test == minority]``: the same rows
        in the same order for both.
    level : coverage of the interval, in (0, 1)

    Returns
    -------
    dict with ``difference`` (contender minus reference recall, the mean of the
    per-seed differences), ``low`` and ``high`` (the interval)
    """
    from scipy.stats import t

    names = ("contender_hits", "reference_hits")
    contender, reference = (
        check_array(h, name=name, ndim=2, min_samples=2)
        for h, name in zip((contender_hits, reference_hits), names, strict=True)
    )
    if contender.shape != reference.shape:
        raise ValueError(
            f"contender_hits has shape {contender.shape} and reference_hits "
            f"{reference.shape}; both must be (n_seeds, n_rows) of the same rows"
        )
    check_param(level, "level", numbers.Real, min_val=0, max_val=1,
                include_boundaries="neither")  # fmt: skip
    d = contender - reference
    (n_seeds, n_rows), mean = d.shape, d.mean()
    seed_means, row_means = d.mean(axis=1), d.mean(axis=0)
    residual = d - seed_means[:, None] - row_means[None, :] + mean
    ms_residual = np.sum(residual**2) / max((n_seeds - 1) * (n_rows - 1), 1)
    variance = seed_means.var(ddof=1) / n_seeds - ms_residual / d.size
    variance += row_means.var(ddof=1) / n_rows if n_rows > 1 else 0.0
    # seeds that happen to agree exactly must not shrink the interval to a point
    variance = max(variance, ms_residual / d.size / n_seeds)
    half = t.ppf((1 + level) / 2, n_seeds - 1) * np.sqrt(variance)
    low, high = float(mean - half), float(mean + half)
    return {"difference": float(mean), "low": low, "high": high}


def verdict(low: float, high: float) -> str:
    """The rule for calling a contender against the reference, stated beforehand.

    ``"win"`` when the whole interval of the difference (contender minus
    reference, :func:`paired_difference`) lies above 0 (``low > 0``), ``"loss"``
    when it lies below 0 (``high < 0``), otherwise ``"tie"``: the data cannot
    tell the two apart.
    """
    check_param(low, "low", numbers.Real)
    check_param(high, "high", numbers.Real)
    if low > high:
        raise ValueError(f"low must not exceed high, got ({low}, {high})")
    return "win" if low > 0 else "loss" if high < 0 else "tie"


def results_table(
    rows: Sequence[Mapping], *, title: str | None = None, digits=3
) -> str:
    """Format a list of dicts (same keys) as an aligned text table, for printing."""
    if not rows:
        raise ValueError("rows must hold at least one result")
    columns = list(rows[0].keys())
    cells = [[row.get(col, "") for col in columns] for row in rows]
    cells = [
        [
            "-"
            if v is None
            else f"{v:.{digits}f}"
            if isinstance(v, float | np.floating)
            else str(v)
            for v in r
        ]
        for r in cells
    ]
    widths = [
        max(len(col), *(len(r[i]) for r in cells)) for i, col in enumerate(columns)
    ]

    def line(values):
        return "  ".join(
            v.ljust(w) if i == 0 else v.rjust(w)
            for i, (v, w) in enumerate(zip(values, widths, strict=True))
        )

    out = [title] if title else []
    out += [line(columns), line(["-" * w for w in widths])]
    out += [line(r) for r in cells]
    return "\n".join(out)


def check_bands(
    bands: Mapping[str, tuple],
    *,
    sanity: Mapping[str, tuple] | None = None,
    title: str | None = None,
) -> str:
    """The results cell: a table of figures with their bands, and an assert on each.

    Parameters
    ----------
    bands : figure name -> ``(value, (low, high))``. A band is what a correct run
        gives; a wrong result (a broken model, a changed library) would leave it.
    sanity : the same, for checks that hold by construction or are properties of the
        real data; shown with the band marked "(sanity)": they check the plumbing,
        not the model.

    Returns
    -------
    table : str, ready to print, when every value lies in its band (inclusive).

    Raises
    ------
    AssertionError
        naming every figure outside its band, with the whole table.
    """
    checks = [(name, *check, "") for name, check in bands.items()]
    checks += [(name, *check, " (sanity)") for name, check in (sanity or {}).items()]
    if not checks:
        raise ValueError("bands must hold at least one (value, (low, high)) figure")
    rows, failures = [], []
    for name, value, (low, high), kind in checks:
        value = value.item() if isinstance(value, np.generic) else value
        shown = f"{value:.3g}" if isinstance(value, float) else str(value)
        rows.append({"figure": name, "value": shown, "band": f"{low:g} .. {high:g}"})
        rows[-1]["band"] += kind
        if not low <= value <= high:
            failures.append(f"{name.strip()} = {shown} outside {low:g} .. {high:g}")
    table = results_table(rows, title=title)
    if failures:
        raise AssertionError("\n".join([table, "", *failures]))
    return table


BASELINES = {  # name -> seed -> contender: the rows every notebook compares with
    "none": lambda seed: None,
    "class weights": lambda seed: "balanced",
    "random oversampling": lambda seed: _random_oversampler(seed),
}


def _random_oversampler(seed):
    from imblearn.over_sampling import RandomOverSampler

    return RandomOverSampler(random_state=seed)


def as_sampler(contender, seed: int):
    """A contender as :func:`resample_and_score` takes it, topping up by the one rule.

    An unfitted course generator becomes a :class:`course_lib.augment.
    GeneratorSampler` (seeded by ``seed``); a sampler (it has ``fit_resample``) is
    kept; both are set to ``sampling_strategy="minority"``: the minority class is
    topped up to the majority's count. ``None`` and ``"balanced"`` pass unchanged.
    """
    from .augment import GeneratorSampler

    if contender is None or isinstance(contender, str):
        return contender
    if not hasattr(contender, "fit_resample"):  # a course generator
        contender = GeneratorSampler(contender, seed=seed)
    return contender.set_params(sampling_strategy="minority")  # the one rule


def rare_class_question(
    generators: Mapping[str, Callable] | None = None,
    *,
    minority: int = 8,
    ratio: float = 0.01,
    seeds: Sequence[int] | None = None,
    classifiers: Mapping[str, Mapping] | None = None,
    extras: bool = True,
    verbose: bool = True,
) -> list[dict]:
    """The course's question, asked the same way by every notebook: one path.

    The task of notebook 00: the shipped MNIST training split (all 8,000 rows in
    every profile, scaled to [0, 1]) with digit ``minority`` cut to ``ratio`` of the
    other classes' mean size (8 of its 779 images at 1 %; a new draw per seed),
    scored on the untouched test split. For each seed every contender of
    :data:`BASELINES` (no augmentation, class weights, random oversampling) and of
    ``generators`` tops the minority up to the majority's count (imbalanced-learn's
    ``sampling_strategy="minority"``, the one top-up rule) and the same classifiers
    (:func:`utility`) are trained on the result (:func:`resample_and_score`).

    Parameters
    ----------
    generators : name -> ``seed -> contender``: an unfitted course generator
        (wrapped in :class:`course_lib.augment.GeneratorSampler`, fitted on the
        surviving minority rows only), an imbalanced-learn over-sampler (such as
        ``SMOTE`` or a ``GeneratorSampler(conditional=True)``), ``None`` or
        ``"balanced"`` (see :func:`resample_and_score`).
    seeds : default 2 seeds in ``smoke``, 5 otherwise.
    classifiers : kind -> parameters for :func:`utility` (default: logistic
        regression only).
    extras : also score no augmentation (``"none"``), measure memorization with its
        controls and train on the full data (False: only what a sweep of
        :func:`paired_summary`'s differences from random oversampling needs).

    Returns
    -------
    runs : one dict per seed and contender (see :func:`resample_and_score`) with
        ``n_minority``; ``memorization`` is measured in the feature space of
        :func:`mnist_features` on the first ``N`` synthetic rows, ``N`` the number of
        held-out test images of the class, and four controls at the same ``N`` come
        as runs of their own (:func:`memorization_controls`); a run ``"full data
        (reference)"`` per seed trains on the whole training split (logistic
        regression once: lbfgs does not depend on the seed).
    """
    from . import config, data

    X_train, y_train = data.load("mnist", "train")
    X_test, y_test = data.load("mnist", "test")
    X_train, X_test = data.to_unit(X_train), data.to_unit(X_test)
    flat = X_train.reshape(len(X_train), -1)
    seeds = (
        config.pick(smoke=(0, 1), standard=(0, 1, 2, 3, 4)) if seeds is None else seeds
    )
    contenders = {**BASELINES, **(generators or {})}
    if not extras:
        del contenders["none"]
    classifiers = {"logreg": {}} if classifiers is None else dict(classifiers)
    held_out = X_test[y_test == minority]
    runs, reference = [], {}  # reference: the full-data scores, by kind (and seed)

    def full_data(seed):
        row = {"contender": "full data (reference)", "seed": seed}
        for kind, params in classifiers.items():
            lbfgs = kind == "logreg" and params.get("solver", "lbfgs") == "lbfgs"
            key = kind if lbfgs else (kind, seed)  # lbfgs does not use the seed
            if key not in reference:
                params = {"minority": minority, "seed": seed, **params}
                reference[key] = utility(
                    flat, y_train, X_test, y_test, kind=kind, **params
                )
            row |= reference[key]
        return row

    for seed in seeds:
        start = time.perf_counter()
        X_imb, y_imb = data.make_imbalanced(
            flat, y_train, minority=minority, ratio=ratio, seed=seed
        )
        samplers = {
            name: as_sampler(make(seed), seed) for name, make in contenders.items()
        }
        task = dict(minority=minority, seed=seed, classifiers=classifiers)
        found = resample_and_score(samplers, X_imb, y_imb, X_test, y_test, **task)
        real = X_imb[y_imb == minority]
        if extras:
            found += [*_memorization(found, real, held_out, seed=seed), full_data(seed)]
        runs += [run | {"n_minority": len(real)} for run in found]
        if verbose:
            took = time.perf_counter() - start
            print(f"seed {seed}: {len(real)} real '{minority}'s, "
                  f"{len(contenders)} contenders, {took:.0f} s")  # fmt: skip
    return runs


def _memorization(runs, real, held_out, *, seed) -> list[dict]:
    """Set each run's ``memorization`` (its first ``len(held_out)`` synthetic rows
    against ``real``, in :func:`mnist_features`); return the controls as runs."""
    train = mnist_features(real)  # once for every contender
    for run in runs:
        if len(run["fake"]):
            fake = mnist_features(run["fake"][: len(held_out)])
            run["memorization"] = memorization_ratio(fake, train)
    controls = memorization_controls(real, held_out, embed=mnist_features, seed=seed)
    return [
        {"contender": name, "seed": seed, "memorization": value}
        for name, value in controls.items()
    ]


@functools.cache
def mnist_cnn():
    """The course's MNIST feature extractor: :class:`course_lib.classifiers.
    CNNClassifier` (``"mnist_cnn"``, 2 epochs, seed 0) trained on the shipped MNIST
    training split (all 8,000 images, every class). Trained once on this machine:
    the weights are kept in :func:`course_lib.data.cache_dir` (see
    :func:`fit_or_load`) and every later notebook loads them."""
    from .classifiers import CNNClassifier
    from .data import load, to_unit

    X, y = load("mnist", "train")
    return fit_or_load(CNNClassifier("mnist_cnn", epochs=2, seed=0), to_unit(X), y)


def fit_or_load(cnn, X, y):
    """``cnn.fit(X, y)``, or the weights an identical fit saved earlier on this machine.

    The weights file in :func:`course_lib.data.cache_dir` is named by a hash of all
    that decides them: ``cnn``'s parameters, the data, the classifier's source code,
    the TensorFlow and Keras versions and whether op determinism is on (with it, the
    same fit gives the same weights). Delete the file to train again; a cache that
    cannot be written is skipped.
    """
    import hashlib
    import inspect
    import os

    import keras
    import tensorflow as tf

    from . import _base, classifiers, config
    from .data import cache_dir

    X, y = classifiers.check_images(X, min_samples=2), np.asarray(y)
    versions = (tf.__version__, keras.__version__, config._deterministic)
    text = repr((cnn.get_params(), versions))
    text += "".join(inspect.getsource(module) for module in (classifiers, _base))
    key = hashlib.sha256(text.encode() + X.tobytes() + y.tobytes()).hexdigest()[:16]
    path = cache_dir() / f"{cnn.architecture}-{key}.weights.h5"
    if path.exists():
        classes = np.unique(y)
        model = classifiers.build_cnn(cnn.architecture, X.shape[1:], classes.size)
        model.load_weights(path)
        learned = dict(classes_=classes, input_shape_=X.shape[1:], history_={})
        vars(cnn).update(learned, model_=model)
        return cnn
    cnn.fit(X, y)
    try:  # written whole, then renamed: a reader never sees half a file
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(f"{os.getpid()}-{path.name}")
        cnn.model_.save_weights(partial)
        os.replace(partial, path)
    except OSError:
        pass
    return cnn


def mnist_features(rows) -> np.ndarray:
    """Rows (flat 784 or 28x28 images in [0, 1]) -> the 128 ``"features"`` of
    :func:`mnist_cnn`: the feature space of the capstone's quality figures and of
    every memorization ratio (``embed=mnist_features``)."""
    return mnist_cnn().features(np.reshape(rows, (-1, 28, 28)))


def memorization_controls(real, held_out, *, embed=None, seed=0) -> dict:
    """:func:`course_lib.metrics.memorization_ratio` of four known answers.

    Each control has ``len(held_out)`` rows and is scored against ``real`` (the rows
    a generator saw) in the same space (``embed``) as the synthetic rows: held-out
    real images of the class (new: about 1), copies of ``real`` (0), and the same
    copies with iid Gaussian noise of rms 0.25 or smoothed by a Gaussian blur of
    one pixel (both copies, however new they may look), clipped to [0, 1].
    """
    from scipy.ndimage import gaussian_filter

    rng = np.random.default_rng(seed)
    real = check_array(real, name="real", min_samples=2)
    copies = real[rng.integers(0, len(real), len(held_out))]
    images = copies.reshape(len(copies), *np.shape(held_out)[1:])
    blurred = gaussian_filter(images, sigma=(0, *[1] * (images.ndim - 1)))
    controls = {
        "control: held-out real (new)": held_out,
        "control: copies": copies,
        "control: noisy copies (rms 0.25)": copies + rng.normal(0, 0.25, copies.shape),
        "control: blurred copies (1 px)": blurred,
    }
    space = (lambda rows: rows) if embed is None else embed
    train = space(real)  # embedded once for the four
    return {
        name: memorization_ratio(
            space(np.clip(np.reshape(rows, (len(rows), -1)), 0, 1)), train
        )
        for name, rows in controls.items()
    }


def paired_summary(
    runs: Sequence[Mapping],
    *,
    reference: str = "random oversampling",
    kind="LR",
    figures: Sequence[str] = ("memorization",),
) -> list[dict]:
    """One row per contender: its ``kind`` classifier's minority recall, the paired
    difference from ``reference`` with its 95 % interval (:func:`paired_difference`,
    over the seeds both ran) and the :func:`verdict`, balanced accuracy, and the mean
    over its runs of each of ``figures`` (e.g. sample-quality figures added to the
    runs). Rows print with :func:`results_table`; a figure a contender lacks (e.g.
    controls have memorization only) is ``None``.
    """
    hits = f"{kind} hits"
    groups: dict[str, dict] = {}
    for run in runs:
        groups.setdefault(run["contender"], {})[run["seed"]] = run
    if reference not in groups:
        raise ValueError(f"reference {reference!r} is not among the runs' contenders")
    rows = []
    for name, by_seed in groups.items():
        seeds = [s for s, run in by_seed.items() if hits in run]
        row = dict.fromkeys([f"{kind} recall", "difference", "low", "high"])
        row = {"contender": name, **row, "verdict": None, f"{kind} bal.acc": None}
        if seeds:
            row[f"{kind} recall"] = np.mean(
                [by_seed[s][f"{kind} recall"] for s in seeds]
            )
            row[f"{kind} bal.acc"] = np.mean(
                [by_seed[s][f"{kind} bal.acc"] for s in seeds]
            )
        paired = [s for s in seeds if hits in groups[reference].get(s, {})]
        if name != reference and len(paired) >= 2:
            table = [
                [by[s][hits] for s in paired] for by in (by_seed, groups[reference])
            ]
            row |= paired_difference(*table)
            row["verdict"] = verdict(row["low"], row["high"])
        for key in figures:
            found = [run[key] for run in by_seed.values() if key in run]
            row[key] = np.mean(found) if found else None
        rows.append(row)
    return rows


def imbalanced_splits(
    y_train, n_test: int, *, minority: int, ratio: float, seeds: Sequence[int]
) -> list[tuple[np.ndarray, np.ndarray]]:
    """``cv`` splits for ``cross_validate`` on ``concatenate([train, test])`` rows.

    One split per seed: the training indices are the training split with
    ``minority`` cut to ``ratio`` (:func:`course_lib.data.make_imbalanced`, that
    seed), the test indices the ``n_test`` untouched rows that follow it.
    """
    from .data import make_imbalanced

    y_train = check_labels(y_train, len(np.asarray(y_train)), name="y_train")
    n_test = check_param(n_test, "n_test", numbers.Integral, min_val=1)
    rows = np.arange(len(y_train))
    test = np.arange(len(y_train), len(y_train) + n_test)
    return [
        (
            make_imbalanced(rows, y_train, minority=minority, ratio=ratio, seed=s)[0],
            test,
        )
        for s in seeds
    ]


_SHORT = {"logreg": "LR", "cnn": "CNN"}


def utility(
    X_fit, y_fit, X_test, y_test, *, kind: str, minority: int, seed: int, **params
):
    """Train ``make_classifier(kind)`` on ``X_fit`` and score it on the test split.

    Rows of ``X_fit`` are reshaped like those of ``X_test`` (flat rows in, images
    for the CNN); ``params`` go to :func:`course_lib.classifiers.make_classifier`
    (e.g. ``class_weight="balanced"``). Returns ``{"LR recall", "LR bal.acc",
    "LR F1", "LR hits"}`` for ``"logreg"`` (``CNN ...`` for ``"cnn"``): minority
    recall, balanced accuracy, macro-F1 and, for :func:`paired_difference`, the
    bool array of which minority test rows it classified correctly.
    """
    if kind not in _SHORT:
        raise ValueError(f"kind must be one of {sorted(_SHORT)}, got {kind!r}")
    X_test = check_array(X_test, name="X_test", dtype=np.float32)
    model = make_classifier(kind, seed=seed, **params)
    model.fit(np.reshape(X_fit, (-1, *X_test.shape[1:])), y_fit)
    y_pred = model.predict(X_test)
    result = scores(y_test, y_pred, minority=minority)
    short = _SHORT[kind]
    return {
        f"{short} recall": result["minority_recall"],
        f"{short} bal.acc": result["balanced_accuracy"],
        f"{short} F1": result["macro_f1"],
        f"{short} hits": (y_pred == y_test)[np.asarray(y_test) == minority],
    }


def tstr_recall(X_imb, y_imb, fake, X_test, y_test, *, minority: int, seed: int):
    """Train on synthetic, test on real (TSTR): the minority recall of :func:`utility`'s
    logistic regression trained on the real rows of the other classes plus the
    ``fake`` rows labelled ``minority``, and no real minority row, so that it measures
    what the synthetic samples alone teach the classifier.
    """
    if len(fake) == 0:
        raise ValueError("fake must hold at least one synthetic row")
    others = np.asarray(y_imb) != minority
    rows = [
        np.reshape(X_imb, (len(others), -1))[others],
        np.reshape(fake, (len(fake), -1)),
    ]
    X_fit = np.concatenate(rows).astype(np.float32)
    y_fit = np.r_[np.asarray(y_imb)[others], np.full(len(fake), minority)]
    task = {"minority": minority, "seed": seed}
    return utility(X_fit, y_fit, X_test, y_test, kind="logreg", **task)["LR recall"]


def resample_and_score(
    samplers: Mapping,
    X_imb,
    y_imb,
    X_test,
    y_test,
    *,
    minority: int,
    seed: int,
    classifiers: Mapping[str, Mapping] | None = None,
) -> list[dict]:
    """Run each sampler's ``fit_resample`` once; score every classifier on the result.

    Parameters
    ----------
    samplers : name -> unfitted imbalanced-learn sampler that *appends* its rows,
        ``None`` (no augmentation) or ``"balanced"`` (class weights, no synthetic
        rows: cost-sensitive learning; every classifier is trained with
        ``class_weight="balanced"``, each class weighted by ``n_samples /
        (n_classes * count)``)
    X_imb, y_imb : the imbalanced training set, flat rows in [0, 1]
    X_test, y_test : the untouched test split (rows shaped as the classifiers want)
    classifiers : kind -> parameters for :func:`utility` (default ``{"logreg": {}}``)

    Returns
    -------
    runs : one dict per sampler: ``contender``, ``seed``, ``real`` (the real minority
        rows), ``fake`` (the new rows, clipped to [0, 1]), the :func:`utility` figures
        of every classifier.
    """
    X_imb = check_array(X_imb, name="X_imb", dtype=np.float32)
    y_imb = check_labels(y_imb, X_imb.shape[0], name="y_imb")
    if X_imb.ndim != 2:
        raise ValueError(f"X_imb must hold flat rows (n, d), got shape {X_imb.shape}")
    classifiers = {"logreg": {}} if classifiers is None else dict(classifiers)
    real, task = X_imb[y_imb == minority], {"minority": minority, "seed": seed}
    runs, later = [], []  # later: (run, job) of each logistic regression
    for name, sampler in samplers.items():
        weights = {}
        if isinstance(sampler, str):  # class weights instead of synthetic rows
            check_choice(sampler, f"samplers[{name!r}]", ("balanced",))
            weights, sampler = {"class_weight": sampler}, None
        X_res, y_res = (
            (X_imb, y_imb) if sampler is None else sampler.fit_resample(X_imb, y_imb)
        )
        X_res = np.clip(X_res, 0, 1)  # e.g. Gaussian draws leave the pixel range
        fake = X_res[len(X_imb) :]
        runs.append(dict(contender=name, seed=seed, real=real, fake=fake))
        for kind, params in classifiers.items():
            job = functools.partial(utility, X_res, y_res, X_test, y_test, kind=kind,
                                    **{**task, **params, **weights})  # fmt: skip
            if kind == "logreg":
                later.append((runs[-1], job))
            else:
                runs[-1] |= job()
    done = _two_at_a_time([job for _, job in later])  # the logistic regressions last
    for (run, _), figures in zip(later, done, strict=True):
        run |= figures
    return runs


def _two_at_a_time(jobs) -> list:
    """Each job's result, the jobs (logistic-regression fits) run two at a time in
    threads, each on one BLAS thread: bitwise what one at a time gives, with the
    second core busy. lbfgs's expected warning is silenced here, once: each fit's own
    filter (a global setting) would race with the other thread's and let it through.
    """
    limits = threadpool_limits(limits=1, user_api="blas")
    with limits, warnings.catch_warnings(), ThreadPoolExecutor(2) as pool:
        warnings.simplefilter("ignore", ConvergenceWarning)
        return list(pool.map(lambda job: job(), jobs))


def sample_quality(real_features, fake_features) -> dict:
    """FID, KID, k-NN precision/recall (k = 3) and density/coverage (k = 5).

    Both sets are features of one extractor; see :mod:`course_lib.metrics`.
    """
    quality = {
        "FID": frechet_distance(real_features, fake_features),
        "KID": kernel_inception_distance(real_features, fake_features),
    }
    quality |= precision_recall(real_features, fake_features, k=3)
    return quality | density_coverage(real_features, fake_features, k=5)
