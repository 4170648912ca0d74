"""The course's question as one experiment: does a generator help a rare class?

:func:`imbalance_experiment` trains the same classifier on an imbalanced training set
with and without synthetic minority rows and scores it on the untouched test split;
:func:`format_results` prints its rows as ``mean ± std`` over seeds.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence

import numpy as np

from ._base import BaseGenerator, check_array, check_labels
from .augment import augment_class
from .classifiers import make_classifier, scores
from .metrics import memorization_ratio

__all__ = ["format_results", "imbalance_experiment", "rare_class_question"]


def _mean_std(values: Sequence[float]) -> tuple[float, float]:
    values = np.asarray(values, dtype=float)
    return float(values.mean()), float(values.std(ddof=1)) if values.size > 1 else 0.0


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
    classifier: str = "logreg",
    classifier_params: Mapping | None = None,
    n_synthetic: int | None = None,
    include_balanced: bool = True,
    verbose: bool = True,
) -> list[dict]:
    """Train a classifier on imbalanced data, with and without synthetic minority rows.

    For every seed: make the training set imbalanced (the minority class cut to
    ``ratio`` of the mean size of the other classes, see
    :func:`course_lib.data.make_imbalanced`), then train the same classifier on

    - ``"balanced (reference)"``: the original training set (what we are missing),
    - ``"imbalanced"``: the cut training set, no augmentation,
    - one entry per generator: the cut set plus synthetic minority rows from a
      generator fitted on the remaining minority rows only, enough to restore the
      class to the mean size of the others (or ``n_synthetic`` rows).

    Every model is scored on the same untouched test split (stratified: each class
    keeps its natural share, none is cut; not balanced).

    Parameters
    ----------
    X_train, X_test : arrays (n, ...), features already scaled (e.g. to [0, 1])
    y_train, y_test : int labels
    generators : name -> factory ``seed -> unfitted generator``.
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
    classifier_params = dict(classifier_params or {})

    names = (["balanced (reference)"] if include_balanced else []) + ["imbalanced"]
    names += list(generators)
    per_method = {name: [] for name in names}
    memorization = {name: [] for name in generators}
    counts = {}
    for seed in seeds:
        X_imb, y_imb = make_imbalanced(
            X_train, y_train, minority=minority, ratio=ratio, seed=seed
        )
        n_min = int(np.sum(y_imb == minority))
        others = [np.sum(y_imb == c) for c in np.unique(y_imb) if c != minority]
        n_new = n_synthetic if n_synthetic is not None else int(np.mean(others)) - n_min
        training_sets = {}
        if include_balanced:
            training_sets["balanced (reference)"] = (X_train, y_train, 0)
        training_sets["imbalanced"] = (X_imb, y_imb, 0)
        for name, factory in generators.items():
            start = time.perf_counter()
            X_aug, y_aug = augment_class(
                X_imb, y_imb, factory(seed), label=minority, n_new=n_new, seed=seed
            )
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
            model = make_classifier(classifier, seed=seed, **classifier_params)
            model.fit(X_fit, y_fit)
            result = scores(y_test, model.predict(X_test), minority=minority)
            per_method[name].append(result)
            counts[name] = (
                int(np.sum(y_fit == minority)) - n_added,
                n_added,
            )
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
            mean, std = _mean_std([r[metric] for r in per_method[name]])
            row[metric] = mean
            row[f"{metric}_std"] = std
        if memorization.get(name):
            row["memorization"] = float(np.mean(memorization[name]))
        rows.append(row)
    return rows


def format_results(rows: Sequence[Mapping], *, title: str | None = None) -> str:
    """The experiment's rows as a table of ``mean ± std`` cells, ready to print."""
    from .plotting import results_table

    table = []
    for row in rows:
        cells = {
            "method": row["method"],
            "real minority": row["n_minority_train"],
            "synthetic": row["n_synthetic"],
        }
        for metric, label in (
            ("minority_recall", "minority recall"),
            ("balanced_accuracy", "balanced acc."),
            ("macro_f1", "macro-F1"),
        ):
            cells[label] = f"{row[metric]:.3f} ± {row[f'{metric}_std']:.3f}"
        if any("memorization" in r for r in rows):
            cells["memorization"] = (
                f"{row['memorization']:.2f}" if "memorization" in row else ""
            )
        table.append(cells)
    return results_table(table, title=title)


def rare_class_question(
    generators: Mapping[str, Callable[[int], BaseGenerator]],
    *,
    minority: int = 8,
    ratio: float = 0.01,
    n_train: int | None = None,
    seeds: Sequence[int] | None = None,
    classifier: str = "logreg",
    verbose: bool = False,
) -> list[dict]:
    """The course's question, asked the same way in every generator notebook.

    The task of notebook 00: the shipped MNIST training split (scaled to [0, 1];
    all 8,000 rows when ``n_train`` is None, else a stratified subset), digit
    ``minority`` cut to ``ratio`` of the other classes' size (8 of its 779 images at
    1 %), scored on the untouched test split. The rows compare no augmentation and
    random oversampling with each of ``generators`` (name -> ``seed -> unfitted
    generator``), each fitted on the real minority rows of that seed only; see
    :func:`imbalance_experiment`. Every profile keeps the whole training split, so
    that a generator sees the same 8 rows in ``smoke`` as in ``standard`` (a 2,000-row
    subset would leave 2, too few for a covariance); ``smoke`` runs one seed
    instead of three.
    """
    from . import config, data
    from .augment import RandomOversampler

    if seeds is None:
        seeds = config.pick(smoke=(0,), standard=(0, 1, 2))
    X_train, y_train = data.load("mnist", "train")
    X_train, y_train = data.subsample(data.to_unit(X_train), y_train, n_train)
    X_test, y_test = data.load("mnist", "test")
    contenders = {"random oversampling": lambda seed: RandomOversampler()}
    contenders.update(generators)
    return imbalance_experiment(
        X_train,
        y_train,
        data.to_unit(X_test),
        y_test,
        minority=minority,
        ratio=ratio,
        generators=contenders,
        seeds=seeds,
        classifier=classifier,
        verbose=verbose,
    )
