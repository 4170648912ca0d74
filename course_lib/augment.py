"""Augmenting a rare class, and the experiment that says whether it helped.

The baseline every generator in the course is compared with is
:class:`RandomOversampler`: it "generates" by resampling training rows with
replacement, per class. It makes nothing new, so a generator earns its place only by
beating it on a held-out, balanced test set.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence

import numpy as np

from ._base import BaseGenerator, check_array, check_labels
from .classifiers import make_classifier, scores

__all__ = [
    "RandomOversampler",
    "augment_class",
    "format_results",
    "imbalance_experiment",
]


class RandomOversampler(BaseGenerator):
    """Resample training rows with replacement (per class when fitted with labels).

    The generator-API twin of ``imblearn.over_sampling.RandomOverSampler``: every
    sample is an exact copy of a training row, which is why it cannot add information
    and why a classifier tends to overfit the few minority rows it repeats.

    Attributes
    ----------
    rows_ : array, shape (n_samples, n_features)
        The training rows (kept in their original dtype).
    """

    _api_input = "real"

    def __init__(self):
        pass

    def fit(self, X, y=None):
        X2d, y = self._validate_fit(X, y, dtype=None)
        self.rows_ = X2d.copy()
        if y is not None:
            # Row indices of each class, in class order, so sampling is one gather.
            self.class_rows_ = [np.flatnonzero(y == c) for c in self.classes_]
        return self

    def sample(self, n, y=None, seed=None):
        n, labels, rng = self._prepare_sample(n, y, seed)
        if labels is None:
            picked = rng.integers(0, self.rows_.shape[0], size=n)
        else:
            picked = np.empty(n, dtype=np.int64)
            for k, c in enumerate(self.classes_):
                where = np.flatnonzero(labels == c)
                picked[where] = rng.choice(self.class_rows_[k], size=where.size)
        return self._finish_sample(self.rows_[picked], labels)


def augment_class(X, y, generator: BaseGenerator, *, label: int, n_new: int, seed=None):
    """Fit ``generator`` on the rows of one class and append ``n_new`` samples of it.

    Parameters
    ----------
    X : array, shape (n_samples, ...)
    y : array of int, shape (n_samples,)
    generator : an unfitted generator (it is fitted here, without labels).
    label : the class to augment.
    n_new : number of synthetic rows to add.

    Returns
    -------
    X_aug : array, shape (n_samples + n_new, ...), float32
    y_aug : array of int64, shape (n_samples + n_new,)
    """
    X = check_array(X, dtype=np.float32)
    y = check_labels(y, X.shape[0])
    rows = X[y == label]
    if rows.shape[0] == 0:
        raise ValueError(f"class {label} has no rows in y; nothing to fit on")
    synthetic = generator.fit(rows).sample(n_new, seed=seed)
    synthetic = np.asarray(synthetic, dtype=np.float32).reshape((n_new, *X.shape[1:]))
    X_aug = np.concatenate([X, synthetic])
    y_aug = np.concatenate([y, np.full(n_new, label, dtype=np.int64)])
    return X_aug, y_aug


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

    Every model is scored on the same balanced test set.

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
        plus ``n_minority_train`` (real minority rows) and ``n_synthetic``.
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
        table.append(cells)
    return results_table(table, title=title)
