"""The course's question as one experiment: does a generator help a rare class?

:func:`imbalance_experiment` trains the same classifier on an imbalanced training set
with and without synthetic minority rows and scores it on the untouched test split;
:func:`format_results` prints its rows as ``mean ± std`` over seeds.

The capstone (notebook 08) asks it of imbalanced-learn samplers and also scores the
samples: :func:`resample_and_score` runs every sampler once on one imbalanced set,
:func:`sample_quality` compares synthetic with real features, and
:func:`summarize_runs` / :func:`summary_rows` turn the runs into a table.

Every notebook prints its tables with :func:`results_table` and ends with
:func:`check_bands`, its key figures each asserted to lie in a band.
"""

from __future__ import annotations

import numbers
import time
from collections.abc import Callable, Mapping, Sequence

import numpy as np

from ._base import (
    BaseGenerator,
    check_array,
    check_choice,
    check_labels,
    check_param,
)
from .augment import augment_class
from .classifiers import make_classifier, scores
from .metrics import (
    density_coverage,
    frechet_distance,
    kernel_inception_distance,
    memorization_ratio,
    precision_recall,
)

__all__ = [
    "check_bands",
    "results_table",
    "format_mean_std",
    "format_results",
    "imbalance_experiment",
    "imbalanced_splits",
    "mean_std",
    "paired_difference",
    "rare_class_question",
    "resample_and_score",
    "sample_quality",
    "summarize_runs",
    "summary_rows",
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
    ``s2(seed means) / S + s2(row means) / R - MS_residual / (S R)``. The interval
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
    half = t.ppf((1 + level) / 2, n_seeds - 1) * np.sqrt(max(variance, 0.0))
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
        [f"{v:.{digits}f}" if isinstance(v, float | np.floating) else str(v) for v in r]
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


def imbalance_experiment(
    X_train,
    y_train,
    X_test,
    y_test,
    *,
    minority: int,
    ratio: float,
    generators: Mapping[str, Callable[[int], BaseGenerator]] | None = None,
    seeds: Sequence[int] = (0, 1, 2),
    verbose: bool = True,
) -> list[dict]:
    """Train a classifier on imbalanced data, with and without synthetic minority rows.

    For every seed: make the training set imbalanced (the minority class cut to
    ``ratio`` of the mean size of the other classes, see
    :func:`course_lib.data.make_imbalanced`), then train the same classifier on

    - ``"full data (reference)"``: the original training set (what we are missing),
    - ``"imbalanced"``: the cut training set, no augmentation,
    - one entry per generator: the cut set plus synthetic minority rows from a
      generator fitted on the remaining minority rows only, enough to restore the
      class to the mean size of the others.

    The classifier is :func:`course_lib.classifiers.make_classifier`'s ``"logreg"``.
    Every model is scored on the same untouched test split (stratified: each class
    keeps its natural share, none is cut; not balanced).

    Parameters
    ----------
    X_train, X_test : arrays (n, ...), features already scaled (e.g. to [0, 1])
    y_train, y_test : int labels
    generators : name -> factory ``seed -> unfitted generator``, or ``seed ->
        imbalanced-learn over-sampler`` (such as ``RandomOverSampler``), which is
        asked for the same number of minority rows as a generator.
    seeds : one repetition per seed (imbalanced subset, generator and classifier).

    Returns
    -------
    rows : list of dict, one per training set, with the mean and standard deviation
        over seeds of ``minority_recall``, ``balanced_accuracy`` and ``macro_f1``,
        plus ``n_minority_train`` (real minority rows) and ``n_synthetic``; generator
        rows also hold ``memorization``, the mean over seeds of
        :func:`course_lib.metrics.memorization_ratio` of the synthetic minority rows
        against the real ones they were fitted on (0 = copies, ~1 = new).
    """
    from .data import make_imbalanced

    X_train = check_array(X_train, dtype=np.float32)
    y_train = check_labels(y_train, X_train.shape[0])
    X_test = check_array(X_test, dtype=np.float32)
    y_test = check_labels(y_test, X_test.shape[0], name="y_test")
    if minority not in set(y_train.tolist()):
        raise ValueError(f"minority class {minority} does not occur in y_train")
    if len(seeds) < 1:
        raise ValueError("seeds must hold at least one seed")
    generators = dict(generators or {})
    names = ["full data (reference)", "imbalanced", *generators]
    per_method = {name: [] for name in names}
    memorization = {name: [] for name in generators}
    counts = {}
    for seed in seeds:
        X_imb, y_imb = make_imbalanced(
            X_train, y_train, minority=minority, ratio=ratio, seed=seed
        )
        n_min = int(np.sum(y_imb == minority))
        others = [np.sum(y_imb == c) for c in np.unique(y_imb) if c != minority]
        n_new = int(np.mean(others)) - n_min
        training_sets = {
            "full data (reference)": (X_train, y_train, 0),
            "imbalanced": (X_imb, y_imb, 0),
        }
        for name, factory in generators.items():
            start = time.perf_counter()
            X_aug, y_aug = _top_up(factory(seed), X_imb, y_imb, minority, n_new, seed)
            real = X_imb[y_imb == minority]
            if n_min >= 2 and n_new > 0:
                memorization[name].append(memorization_ratio(X_aug[-n_new:], real))
            if verbose:
                print(
                    f"  seed {seed}: {name}: fitted on {n_min} rows, "
                    f"{n_new} synthetic in {time.perf_counter() - start:.1f}s"
                )
            training_sets[name] = (X_aug, y_aug, n_new)
        for name, (X_fit, y_fit, n_added) in training_sets.items():
            model = make_classifier("logreg", seed=seed)
            model.fit(X_fit, y_fit)
            result = scores(y_test, model.predict(X_test), minority=minority)
            per_method[name].append(result)
            counts[name] = (int(np.sum(y_fit == minority)) - n_added, n_added)
        if verbose:
            print(f"seed {seed}: done ({len(training_sets)} training sets)")

    rows = []
    for name in names:
        row = {
            "method": name,
            "n_minority_train": counts[name][0],
            "n_synthetic": counts[name][1],
        }
        for metric in ("minority_recall", "balanced_accuracy", "macro_f1"):
            mean, std = mean_std([r[metric] for r in per_method[name]])
            row[metric] = mean
            row[f"{metric}_std"] = std
        if memorization.get(name):
            row["memorization"] = float(np.mean(memorization[name]))
        rows.append(row)
    return rows


def _top_up(contender, X, y, minority, n_new, seed):
    """``X, y`` with ``n_new`` synthetic ``minority`` rows appended by ``contender``."""
    if not hasattr(contender, "fit_resample"):  # a course generator
        return augment_class(X, y, contender, label=minority, n_new=n_new, seed=seed)
    # an imbalanced-learn over-sampler: it appends its rows after the real ones
    target = {minority: int(np.sum(y == minority)) + n_new}
    X_res, y_res = contender.set_params(sampling_strategy=target).fit_resample(
        X.reshape(len(X), -1), y
    )
    return X_res.reshape(-1, *X.shape[1:]), y_res


def format_results(rows: Sequence[Mapping], *, title: str | None = None) -> str:
    """The experiment's rows as a table of ``mean ± std`` cells, ready to print."""
    labels = {
        "minority_recall": "minority recall",
        "balanced_accuracy": "balanced acc.",
    }
    labels["macro_f1"] = "macro-F1"
    memorized = any("memorization" in row for row in rows)
    table = []
    for row in rows:
        cells = {"method": row["method"], "real minority": row["n_minority_train"]}
        cells["synthetic"] = row["n_synthetic"]
        for key, label in labels.items():
            cells[label] = f"{row[key]:.3f} ± {row[f'{key}_std']:.3f}"
        if memorized:
            value = row.get("memorization")
            cells["memorization"] = "" if value is None else f"{value:.2f}"
        table.append(cells)
    return results_table(table, title=title)


def rare_class_question(
    generators: Mapping[str, Callable[[int], BaseGenerator]],
    *,
    minority: int = 8,
    ratio: float = 0.01,
) -> list[dict]:
    """The course's question, asked the same way in every generator notebook.

    The task of notebook 00: the shipped MNIST training split (all 8,000 rows,
    scaled to [0, 1]), digit
    ``minority`` cut to ``ratio`` of the other classes' size (8 of its 779 images at
    1 %), scored on the untouched test split. The rows compare no augmentation and
    random oversampling with each of ``generators`` (name -> ``seed -> unfitted
    generator``), each fitted on the real minority rows of that seed only; see
    :func:`imbalance_experiment`. Every profile keeps the whole training split, so
    that a generator sees the same 8 rows in ``smoke`` as in ``standard`` (a 2,000-row
    subset would leave 2, too few for a covariance); ``smoke`` runs one seed
    instead of three.
    """
    from imblearn.over_sampling import RandomOverSampler

    from . import config, data

    X_train, y_train = data.load("mnist", "train")
    X_test, y_test = data.load("mnist", "test")
    contenders = {
        "random oversampling": lambda seed: RandomOverSampler(random_state=seed)
    }
    contenders.update(generators)
    return imbalance_experiment(
        data.to_unit(X_train),
        y_train,
        data.to_unit(X_test),
        y_test,
        minority=minority,
        ratio=ratio,
        generators=contenders,
        seeds=config.pick(smoke=(0,), standard=(0, 1, 2)),
        verbose=False,
    )


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
        of every classifier and, when rows were added, ``TSTR`` (:func:`tstr_recall`)
        and ``memorization`` (:func:`course_lib.metrics.memorization_ratio`).
    """
    X_imb = check_array(X_imb, name="X_imb", dtype=np.float32)
    y_imb = check_labels(y_imb, X_imb.shape[0], name="y_imb")
    if X_imb.ndim != 2:
        raise ValueError(f"X_imb must hold flat rows (n, d), got shape {X_imb.shape}")
    classifiers = {"logreg": {}} if classifiers is None else dict(classifiers)
    real, task = X_imb[y_imb == minority], {"minority": minority, "seed": seed}
    runs = []
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
        run = dict(contender=name, seed=seed, real=real, fake=fake)
        for kind, params in classifiers.items():
            params = {**task, **params, **weights}
            run |= utility(X_res, y_res, X_test, y_test, kind=kind, **params)
        if len(fake):
            run["TSTR"] = tstr_recall(X_imb, y_imb, fake, X_test, y_test, **task)
            run["memorization"] = memorization_ratio(fake, real)
        runs.append(run)
    return runs


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


def summarize_runs(runs: Sequence[Mapping], figures: Sequence[str]) -> dict:
    """contender -> figure -> ``(mean, std)`` over the runs that measured it.

    Contenders keep the order of their first run; a figure no run of a contender
    holds is left out for that contender.
    """
    if not runs:
        raise ValueError("runs must hold at least one run")
    groups: dict[str, list] = {}
    for run in runs:
        groups.setdefault(run["contender"], []).append(run)
    return {
        name: {
            key: mean_std([r[key] for r in group if key in r])
            for key in figures
            if any(key in r for r in group)
        }
        for name, group in groups.items()
    }


def summary_rows(summary: Mapping, figures: Sequence[str]):
    """Rows for :func:`results_table`, one per contender.

    Classifier figures (``LR ...``, ``CNN ...``) show ``mean±std`` (2 decimals), the
    others the mean (3 significant digits); a missing figure shows ``-``.
    """

    def cell(key, row):
        if key not in row:
            return "-"
        mean, std = row[key]
        classifier = key.split()[0] in _SHORT.values()
        return f"{mean:.2f}±{std:.2f}" if classifier else f"{mean:.3g}"

    return [
        {"contender": name} | {key: cell(key, row) for key in figures}
        for name, row in summary.items()
    ]
