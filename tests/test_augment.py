import numpy as np
import pytest
from imblearn.over_sampling import RandomOverSampler as ImblearnROS

from course_lib import augment


def imbalanced_blobs(seed=0):
    rng = np.random.default_rng(seed)
    counts = {0: 60, 1: 60, 2: 6}
    y = np.concatenate([np.full(n, c) for c, n in counts.items()])
    centres = rng.uniform(0, 1, size=(3, 4, 4))
    X = np.clip(centres[y] + rng.normal(0, 0.15, (y.size, 4, 4)), 0, 1)
    return X.astype(np.float32), y


def test_oversampler_only_copies_rows_of_the_requested_class():
    X, y = imbalanced_blobs()
    gen = augment.RandomOversampler().fit(X, y)
    X_new, y_new = gen.sample(50, y=2, seed=0)
    minority_rows = {row.tobytes() for row in X[y == 2]}
    assert all(row.tobytes() in minority_rows for row in X_new)
    assert len({row.tobytes() for row in X_new}) > 1
    assert X_new.dtype == X.dtype


def test_oversampler_prior_matches_class_frequencies():
    X, y = imbalanced_blobs()
    _, labels = augment.RandomOversampler().fit(X, y).sample(12600, seed=1)
    freq = np.bincount(labels) / labels.size
    np.testing.assert_allclose(freq, [60 / 126, 60 / 126, 6 / 126], atol=0.02)


def test_balancing_with_oversampler_matches_imblearn_counts():
    X, y = imbalanced_blobs()
    X_ref, y_ref = ImblearnROS(random_state=0).fit_resample(X.reshape(len(X), -1), y)
    X_aug, y_aug = augment.augment_class(
        X, y, augment.RandomOversampler(), label=2, n_new=54, seed=0
    )
    np.testing.assert_array_equal(np.bincount(y_aug), np.bincount(y_ref))
    # imblearn's extra rows are copies of minority rows too: same set of rows
    ours = {r.tobytes() for r in X_aug.reshape(len(X_aug), -1)[y_aug == 2]}
    theirs = {r.tobytes() for r in X_ref[y_ref == 2]}
    assert ours <= theirs


def test_augment_class_rejects_a_missing_class():
    X, y = imbalanced_blobs()
    with pytest.raises(ValueError, match="class 5 has no rows"):
        augment.augment_class(X, y, augment.RandomOversampler(), label=5, n_new=3)
