"""Tests of course_lib.experiment: the imbalanced-classifier experiment."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.base import BaseEstimator

from course_lib import data, experiment


class _Noise(BaseEstimator):
    """A broken generator: uniform noise in [0, 1], whatever it was fitted on."""

    def fit(self, X, y=None):
        self.shape_ = np.shape(X)[1:]
        return self

    def sample(self, n, y=None, seed=None):
        return np.random.default_rng(seed).uniform(0, 1, (n, *self.shape_))


@pytest.fixture(scope="module")
def question():
    """The shared experiment, two seeds, with a broken generator as a contender."""
    return experiment.rare_class_question(
        {"noise": lambda seed: _Noise()}, seeds=(0, 1)
    )


def test_the_one_path_tops_up_every_contender_by_one_rule(question):
    seed_0 = {run["contender"]: run for run in question if run["seed"] == 0}
    assert list(seed_0)[:4] == ["none", "class weights", "random oversampling", "noise"]
    assert seed_0["none"]["n_minority"] == 8 and len(seed_0["none"]["real"]) == 8
    _, y_train = data.load("mnist", "train")
    majority = np.bincount(y_train).max()  # the '1's of the shipped training split
    for name in ("random oversampling", "noise"):
        assert len(seed_0[name]["fake"]) == majority - 8  # up to the majority
    assert len(seed_0["none"]["fake"]) == len(seed_0["class weights"]["fake"]) == 0
    assert "LR hits" in seed_0["noise"] and "LR hits" in seed_0["full data (reference)"]


def test_the_same_seed_gives_the_same_rows_and_scores_whoever_asks(question):
    again = experiment.rare_class_question(
        {"noise": lambda seed: _Noise()}, seeds=(1,), verbose=False
    )
    before = [run for run in question if run["seed"] == 1]
    assert [r["contender"] for r in again] == [r["contender"] for r in before]
    for old, new in zip(before, again, strict=True):
        for key in ("real", "fake", "LR hits"):
            if key in old:
                np.testing.assert_array_equal(old[key], new[key])
        assert old.get("memorization") == new.get("memorization")


def test_a_broken_generator_fails_the_band_of_the_paired_difference(question):
    rows = {row["contender"]: row for row in experiment.paired_summary(question)}
    noise, weights = rows["noise"], rows["class weights"]
    # what notebooks assert of a working generator: not far below copying
    with pytest.raises(AssertionError, match="noise"):
        experiment.check_bands({"noise - copies": (noise["difference"], (-0.12, 0.1))})
    assert noise["verdict"] == "loss"  # even with two seeds (t with 1 df)
    assert rows["none"]["verdict"] == "loss"  # 8 images alone are all but ignored
    assert weights["verdict"] == "tie"  # class weights act like copies for LR
    assert rows["random oversampling"]["difference"] is None  # the reference
    assert rows["full data (reference)"]["verdict"] == "win"


@pytest.fixture
def fits(monkeypatch):
    """(rows, seed) of every classifier fit, none of them run."""
    fitted = []

    def fake_utility(X_fit, y_fit, X_test, y_test, *, kind, minority, seed, **params):
        fitted.append((len(X_fit), seed))
        return {"LR recall": 0.0}

    monkeypatch.setattr(experiment, "utility", fake_utility)
    return fitted


def test_the_full_data_reference_is_fitted_once_unless_the_solver_uses_the_seed(fits):
    for solver, seeds_fitted in [("lbfgs", [0]), ("saga", [0, 1])]:
        fits.clear()
        experiment.rare_class_question(
            {}, seeds=(0, 1), classifiers={"logreg": {"solver": solver}}, verbose=False
        )
        assert [seed for rows, seed in fits if rows == 8000] == seeds_fitted


def test_without_extras_only_the_contenders_are_scored(fits):
    runs = experiment.rare_class_question({}, seeds=(0,), extras=False, verbose=False)
    assert [run["contender"] for run in runs] == [
        "class weights",
        "random oversampling",
    ]
    assert len(fits) == 2 and 8000 not in [rows for rows, _ in fits]  # no full data
    assert not any("memorization" in run for run in runs)


def test_memorization_controls_land_where_they_should(question):
    rows = {
        row["contender"]: row["memorization"]
        for row in experiment.paired_summary(question)
    }
    assert rows["random oversampling"] == 0.0 == rows["control: copies"]
    assert 0.85 < rows["control: held-out real (new)"] < 1.2
    assert rows["control: noisy copies (rms 0.25)"] < 0.8
    assert rows["control: blurred copies (1 px)"] < 0.85
    assert rows["noise"] > 1.1  # off the data: far from every real '8'


def test_as_sampler_wraps_generators_and_sets_the_one_top_up_rule():
    from imblearn.over_sampling import SMOTE

    from course_lib.augment import GeneratorSampler
    from course_lib.bayes import GaussianBayesGenerator

    assert experiment.as_sampler(None, 0) is None
    assert experiment.as_sampler("balanced", 0) == "balanced"
    wrapped = experiment.as_sampler(GaussianBayesGenerator(), 3)
    assert isinstance(wrapped, GeneratorSampler) and wrapped.seed == 3
    smote = SMOTE(random_state=1)
    assert experiment.as_sampler(smote, 3) is smote  # kept, with its own seed
    for sampler in (wrapped, smote):
        assert sampler.sampling_strategy == "minority"


def test_fit_or_load_saves_the_weights_once_and_loads_the_same_model(
    tmp_path, monkeypatch
):
    from course_lib.classifiers import CNNClassifier

    monkeypatch.setenv(data.CACHE_DIR_ENV, str(tmp_path))
    X, y = data.load("uci_digits")
    X, y = data.to_unit(X)[:300], y[:300]
    trained = experiment.fit_or_load(CNNClassifier("small", epochs=1), X, y)
    (saved,) = tmp_path.glob("small-*.weights.h5")
    loaded = experiment.fit_or_load(CNNClassifier("small", epochs=1), X, y)
    assert loaded.history_ == {}  # loaded, not trained
    np.testing.assert_array_equal(loaded.features(X), trained.features(X))
    np.testing.assert_array_equal(loaded.classes_, trained.classes_)
    # other data or other parameters: another file, trained anew
    experiment.fit_or_load(CNNClassifier("small", epochs=1), X[:200], y[:200])
    experiment.fit_or_load(CNNClassifier("small", epochs=2), X, y)
    assert len(list(tmp_path.glob("small-*.weights.h5"))) == 3
    saved.write_bytes(b"")  # not weights: an error, not a silent retraining
    with pytest.raises(Exception):  # noqa: B017 (h5py's own error type)
        experiment.fit_or_load(CNNClassifier("small", epochs=1), X, y)


def test_paired_summary_needs_its_reference_and_lists_every_contender():
    hits = np.array([True, False, True, True])
    runs = [
        {
            "contender": name,
            "seed": seed,
            "LR recall": h.mean(),
            "LR bal.acc": 0.5,
            "LR hits": h,
        }  # fmt: skip
        for seed in (0, 1, 2)
        for name, h in (("copies", hits), ("better", np.ones(4, bool)))
    ]
    runs.append({"contender": "control", "seed": 0, "memorization": 0.5})
    runs[1] |= {"FID": 4.0}  # a figure one run of "better" holds
    runs[3] |= {"FID": 6.0}
    rows = experiment.paired_summary(runs, reference="copies", figures=["FID"])
    assert [row["contender"] for row in rows] == ["copies", "better", "control"]
    assert rows[1]["difference"] == pytest.approx(0.25)
    assert rows[1]["FID"] == 5.0 and rows[0]["FID"] is None  # over runs holding it
    assert "memorization" not in rows[0]  # only the figures asked for
    rows = experiment.paired_summary(runs, reference="copies")
    assert rows[2]["memorization"] == 0.5 and rows[2]["LR recall"] is None
    assert "-" in experiment.results_table(rows)
    with pytest.raises(ValueError, match="reference"):
        experiment.paired_summary(runs, reference="none")


# --- the capstone's helpers ------------------------------------------------------


def _three_blobs(n_per_class, seed, noise=0.15):
    """Three classes of 4x4 'images' in [0, 1], centred at 0.2, 0.5 and 0.8."""
    rng = np.random.default_rng(seed)
    y = np.repeat(np.arange(3), n_per_class)
    X = 0.2 + 0.3 * y[:, None, None] + rng.normal(0, noise, (len(y), 4, 4))
    return np.clip(X, 0, 1).astype(np.float32), y


def test_mean_std_and_its_text():
    assert experiment.mean_std([1.0, 3.0]) == (2.0, pytest.approx(np.sqrt(2)))
    assert experiment.mean_std([5.0]) == (5.0, 0.0)
    assert experiment.format_mean_std([1.0, 3.0], digits=2) == "2.00 ± 1.41"
    with pytest.raises(ValueError, match="at least one"):
        experiment.mean_std([])


def test_imbalanced_splits_cut_only_the_minority_of_the_training_rows():
    y_train = np.repeat(np.arange(3), 50)
    splits = experiment.imbalanced_splits(
        y_train, 30, minority=2, ratio=0.1, seeds=(0, 1)
    )
    assert len(splits) == 2
    for train, test in splits:
        np.testing.assert_array_equal(test, np.arange(150, 180))
        assert np.bincount(y_train[train]).tolist() == [50, 50, 5]
    assert set(splits[0][0]) != set(splits[1][0])  # another cut per seed
    with pytest.raises(ValueError):
        experiment.imbalanced_splits(y_train, 0, minority=2, ratio=0.1, seeds=(0,))


def test_utility_scores_a_classifier_on_the_test_split():
    X, y = _three_blobs(40, 0)
    X_test, y_test = _three_blobs(20, 1)
    flat = X.reshape(len(X), -1)  # flat rows in, reshaped like X_test
    good = experiment.utility(
        flat, y, X_test, y_test, kind="logreg", minority=1, seed=0
    )
    assert set(good) == {"LR recall", "LR bal.acc", "LR F1", "LR hits"}
    assert good["LR recall"] > 0.9 and good["LR bal.acc"] > 0.9
    assert good["LR hits"].shape == (20,) and good["LR hits"].dtype == bool
    assert good["LR hits"].mean() == good["LR recall"]
    # trained without a single row of class 1, it can never predict it
    keep = y != 1
    none = experiment.utility(
        flat[keep], y[keep], X_test, y_test, kind="logreg", minority=1, seed=0
    )
    assert none["LR recall"] == 0.0
    with pytest.raises(ValueError, match="kind"):
        experiment.utility(flat, y, X_test, y_test, kind="svm", minority=1, seed=0)


def test_tstr_recall_tells_useful_synthetic_rows_from_useless_ones():
    X, y = _three_blobs(40, 0)
    X_test, y_test = _three_blobs(20, 1)
    flat = X.reshape(len(X), -1)
    kw = dict(minority=1, seed=0)
    like_real = flat[y == 1] + 0.01  # near the real minority rows
    wrong = np.full_like(like_real, 0.2)  # looks like class 0
    assert experiment.tstr_recall(flat, y, like_real, X_test, y_test, **kw) > 0.9
    assert experiment.tstr_recall(flat, y, wrong, X_test, y_test, **kw) < 0.2


def test_resample_and_score_keeps_the_synthetic_rows_and_scores_each():
    from imblearn.over_sampling import RandomOverSampler

    X, y = _three_blobs(40, 0)
    X_test, y_test = _three_blobs(20, 1)
    keep = np.r_[np.flatnonzero(y != 1), np.flatnonzero(y == 1)[:4]]
    X_imb, y_imb = X[keep].reshape(len(keep), -1), y[keep]
    samplers = {"none": None, "copies": RandomOverSampler(random_state=0)}
    runs = experiment.resample_and_score(
        samplers, X_imb, y_imb, X_test, y_test, minority=1, seed=0
    )
    none, copies = runs
    assert [r["contender"] for r in runs] == ["none", "copies"]
    assert len(none["fake"]) == 0
    assert copies["fake"].shape == (36, 16) and len(copies["real"]) == 4
    assert copies["LR recall"] >= none["LR recall"]
    # fitted two at a time on one BLAS thread each: what one fit alone gives
    X_copies = np.r_[X_imb, copies["fake"]]
    y_copies = np.r_[y_imb, np.ones(len(copies["fake"]), int)]
    alone = experiment.utility(
        X_copies, y_copies, X_test, y_test, kind="logreg", minority=1, seed=0
    )
    np.testing.assert_equal(alone, {k: copies[k] for k in alone})

    # class weights: no row added, but the weights reach the classifier
    (weighted,) = experiment.resample_and_score(
        {"class weights": "balanced"}, X_imb, y_imb, X_test, y_test, minority=1, seed=0
    )
    assert len(weighted["fake"]) == 0
    assert none["LR recall"] == 0.0 and weighted["LR recall"] > 0.8
    with pytest.raises(ValueError, match="balanced"):
        experiment.resample_and_score(
            {"typo": "balance"}, X_imb, y_imb, X_test, y_test, minority=1, seed=0
        )

    class OutOfRange:  # appends rows outside [0, 1], as Gaussian draws may
        def fit_resample(self, X, y):
            new = np.r_[np.full((2, X.shape[1]), 2.0), np.full((2, X.shape[1]), -1.0)]
            return np.r_[X, new], np.r_[y, [1, 1, 1, 1]]

    (wild,) = experiment.resample_and_score(
        {"wild": OutOfRange()}, X_imb, y_imb, X_test, y_test, minority=1, seed=0
    )
    assert wild["fake"].min() == 0.0 and wild["fake"].max() == 1.0
    with pytest.raises(ValueError, match="flat rows"):
        experiment.resample_and_score(
            samplers, X[keep], y_imb, X_test, y_test, minority=1, seed=0
        )


def test_sample_quality_is_better_for_the_same_distribution():
    rng = np.random.default_rng(0)
    real, same = rng.normal(size=(200, 4)), rng.normal(size=(200, 4))
    shifted = rng.normal(size=(200, 4)) + 3.0
    good = experiment.sample_quality(real, same)
    bad = experiment.sample_quality(real, shifted)
    assert set(good) == {"FID", "KID", "precision", "recall", "density", "coverage"}
    assert good["FID"] < 0.5 < 10 < bad["FID"]
    assert good["precision"] > 0.8 > 0.1 > bad["precision"]
    assert good["coverage"] > 0.8 > 0.1 > bad["coverage"]
    # a tight cluster at the centre: realistic (precision) but not diverse (recall)
    narrow = experiment.sample_quality(real, 0.1 * rng.normal(size=(200, 4)))
    assert narrow["precision"] > 0.9 and narrow["recall"] < 0.3


# --- the results cell -------------------------------------------------------------
def test_results_table_aligns_columns():
    text = experiment.results_table(
        [{"method": "a", "acc": 0.5}, {"method": "longer", "acc": 0.12345}], title="T"
    )
    lines = text.splitlines()
    assert lines[0] == "T"
    assert lines[1].split() == ["method", "acc"]
    assert lines[3].split() == ["a", "0.500"] and lines[4].split() == [
        "longer",
        "0.123",
    ]
    assert len({len(line) for line in lines[1:]}) == 1


def test_check_bands_prints_the_table_and_fails_out_of_band():
    bands = {"accuracy": (0.93, (0.9, 0.95)), "count": (np.int64(2), (0, 2))}
    table = experiment.check_bands(bands, sanity={"zero": (0.0, (-0.1, 0.1))})
    lines = table.splitlines()
    assert lines[0].split() == ["figure", "value", "band"]
    assert lines[2].split() == ["accuracy", "0.93", "0.9", "..", "0.95"]
    assert lines[3].split()[1] == "2" and lines[4].endswith("(sanity)")
    with pytest.raises(AssertionError, match=r"accuracy = 0.97 outside 0.9 .. 0.95"):
        experiment.check_bands({**bands, "accuracy": (0.97, (0.9, 0.95))})
    with pytest.raises(AssertionError, match="zero = 0.2 outside"):
        experiment.check_bands(bands, sanity={"zero": (0.2, (-0.1, 0.1))})
    with pytest.raises(ValueError, match="at least one"):
        experiment.check_bands({})


# --- paired statistics ------------------------------------------------------------
def _paired_table(rng, *, gain, seed_sd, row_sd, n_seeds=5, n_rows=195):
    """Hits of a contender and a reference on one fresh test set, ``n_seeds`` runs.

    Each row has a difficulty ``p`` (the reference's chance to get it right) and
    its own gain (``gain`` ± ``row_sd``); each seed adds its own gain (sd
    ``seed_sd``). One uniform draw per seed and row decides both methods, so they
    err together (paired). The true mean difference is ``gain``.
    """
    p = rng.uniform(0.15, 0.6, n_rows)
    shift = gain + rng.uniform(-row_sd, row_sd, n_rows)
    shift = shift + rng.normal(0, seed_sd, (n_seeds, 1))
    u = rng.uniform(size=(n_seeds, n_rows))
    return u < p + shift, u < p


@pytest.mark.parametrize(
    "seed_sd, row_sd", [(0.0, 0.0), (0.05, 0.0), (0.0, 0.15), (0.05, 0.1)]
)
def test_paired_interval_covers_the_true_difference_95_percent(seed_sd, row_sd):
    rng = np.random.default_rng(0)
    covered = []
    for _ in range(300):
        contender, reference = _paired_table(
            rng, gain=0.05, seed_sd=seed_sd, row_sd=row_sd
        )
        found = experiment.paired_difference(contender, reference)
        covered.append(found["low"] <= 0.05 <= found["high"])
    # 300 intervals: a binomial sd of 1.3 points around 95 %
    assert 0.91 <= np.mean(covered) <= 0.99


def test_paired_interval_is_not_a_point_when_the_seeds_happen_to_agree():
    reference = np.ones((2, 195), bool)
    contender = reference.copy()
    contender[0, 3] = contender[1, 7] = False  # one other miss per seed
    found = experiment.paired_difference(contender, reference)
    assert found["low"] < found["difference"] < 0 < found["high"]
    assert experiment.verdict(found["low"], found["high"]) == "tie"


def test_paired_interval_is_narrow_when_the_gain_is_the_same_every_seed():
    rng = np.random.default_rng(1)
    reference = rng.uniform(size=(5, 200)) < np.linspace(0.2, 0.8, 5)[:, None]
    reference[:, :20] = False  # 20 rows the reference always misses ...
    contender = reference.copy()
    contender[:, :20] = True  # ... and the contender always gets: +0.1 per seed
    found = experiment.paired_difference(contender, reference)
    # the seeds disagree a lot (recall sd > 0.15: an unpaired interval over 5
    # seeds would be ± 0.19 or wider), the pairs do not; what is left is the
    # finite test set (20 of 200 rows: a binomial sd of 0.021)
    assert reference.mean(axis=1).std(ddof=1) > 0.15
    assert found["difference"] == pytest.approx(0.1)
    assert 0 < found["low"] < 0.1 < found["high"] < 0.2
    assert found["high"] - found["low"] < 0.13
    assert experiment.verdict(found["low"], found["high"]) == "win"
    same = experiment.paired_difference(reference, reference)
    assert same == {"difference": 0.0, "low": 0.0, "high": 0.0}
    with pytest.raises(ValueError, match="same rows"):
        experiment.paired_difference(contender[:, :10], reference)
    with pytest.raises(ValueError, match="minimum of 2"):
        experiment.paired_difference(contender[:1], reference[:1])


def test_verdict_rule():
    assert experiment.verdict(0.01, 0.2) == "win"
    assert experiment.verdict(-0.2, -0.01) == "loss"
    assert experiment.verdict(-0.1, 0.1) == "tie"
    assert experiment.verdict(0.0, 0.1) == "tie"  # touching 0 is not a win
    assert experiment.verdict(-0.1, 0.0) == "tie"
    with pytest.raises(ValueError, match="low must not exceed high"):
        experiment.verdict(0.2, 0.1)
