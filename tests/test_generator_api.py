"""The one contract every generator in course_lib keeps (a scikit-learn style test).

Parametrized over every concrete ``BaseGenerator`` subclass found in the package, so a
new generator is checked the moment it exists. Each class names a small, fast
configuration in ``_api_test_params`` and the data it accepts in ``_api_input``.
"""

import random

import numpy as np
import pytest

from course_lib._base import all_generators

GENERATORS = all_generators()
N_PER_CLASS, SHAPE = 30, (8, 8)


def make_data(kind):
    """90 rows of 8x8 'images' in 3 classes with different means."""
    rng = np.random.default_rng(1234)
    y = np.repeat(np.arange(3), N_PER_CLASS)
    centres = rng.uniform(0.2, 0.8, size=(3, *SHAPE))
    unit = np.clip(centres[y] + rng.normal(0, 0.1, size=(y.size, *SHAPE)), 0, 1)
    if kind == "unit":
        return unit.astype(np.float32), y
    if kind == "binary":
        return (rng.uniform(size=unit.shape) < unit).astype(np.float32), y
    if kind == "real":
        return (unit * 4 - 2).astype(np.float64), y
    raise AssertionError(f"unknown _api_input {kind!r}")


def build(cls):
    return cls(**cls._api_test_params)


@pytest.fixture(params=GENERATORS, ids=lambda cls: cls.__name__)
def gen_cls(request):
    return request.param


def test_some_generators_are_registered():
    names = {cls.__name__ for cls in GENERATORS}
    assert "RandomOversampler" in names


def test_init_stores_params_unchanged(gen_cls):
    gen = build(gen_cls)
    params = gen.get_params()
    for key, value in gen_cls._api_test_params.items():
        assert params[key] == value
    assert not [k for k in vars(gen) if k.endswith("_") and not k.startswith("_")], (
        "__init__ must not set learned (trailing underscore) attributes"
    )
    assert gen_cls.__name__ in repr(gen)


def test_fit_returns_self_and_learns(gen_cls):
    X, _ = make_data(gen_cls._api_input)
    gen = build(gen_cls)
    assert gen.fit(X) is gen
    assert gen.n_features_in_ == int(np.prod(SHAPE))
    assert gen.feature_shape_ == SHAPE


def test_unconditional_sample_shape_dtype_and_seed(gen_cls):
    X, _ = make_data(gen_cls._api_input)
    gen = build(gen_cls).fit(X)
    a = gen.sample(7, seed=0)
    assert isinstance(a, np.ndarray)
    assert a.shape == (7, *SHAPE)
    assert np.issubdtype(a.dtype, np.number) and np.all(np.isfinite(a))
    np.testing.assert_array_equal(a, gen.sample(7, seed=0))
    assert not np.array_equal(a, gen.sample(7, seed=1))
    assert gen.sample(0, seed=0).shape == (0, *SHAPE)
    rng_result = gen.sample(3, seed=np.random.default_rng(5))
    assert rng_result.shape == (3, *SHAPE)


def test_sampling_leaves_global_rng_alone(gen_cls):
    X, _ = make_data(gen_cls._api_input)
    gen = build(gen_cls).fit(X)
    np_state, py_state = np.random.get_state(), random.getstate()  # noqa: NPY002
    gen.sample(5, seed=3)
    after = np.random.get_state()  # noqa: NPY002
    assert np_state[0] == after[0] and np.array_equal(np_state[1], after[1])
    assert random.getstate() == py_state


def test_class_conditional_sampling(gen_cls):
    X, y = make_data(gen_cls._api_input)
    gen = build(gen_cls)
    assert gen.fit(X, y) is gen
    np.testing.assert_array_equal(gen.classes_, [0, 1, 2])

    X1, y1 = gen.sample(6, y=1, seed=0)
    assert X1.shape == (6, *SHAPE) and y1.dtype == np.int64
    np.testing.assert_array_equal(y1, np.ones(6))

    wanted = np.array([0, 2, 2, 1, 0])
    X2, y2 = gen.sample(5, y=wanted, seed=0)
    assert X2.shape == (5, *SHAPE)
    np.testing.assert_array_equal(y2, wanted)

    X3, y3 = gen.sample(40, seed=0)
    assert X3.shape == (40, *SHAPE) and set(np.unique(y3)) <= {0, 1, 2}
    X4, y4 = gen.sample(40, seed=0)
    np.testing.assert_array_equal(X3, X4)
    np.testing.assert_array_equal(y3, y4)


def test_conditional_samples_follow_their_class(gen_cls):
    """Samples of class c are closer to class c's training mean than to the others'."""
    X, y = make_data(gen_cls._api_input)
    gen = build(gen_cls).fit(X, y)
    means = np.stack([X[y == c].mean(axis=0).ravel() for c in range(3)])
    hits = 0
    for c in range(3):
        samples, _ = gen.sample(20, y=c, seed=c)
        dists = ((samples.reshape(20, 1, -1) - means[None]) ** 2).sum(-1)
        hits += np.mean(dists.argmin(axis=1) == c)
    assert hits / 3 > 0.8


@pytest.mark.parametrize(
    "bad, match",
    [
        ("nan", "NaN"),
        ("empty", "samples"),
        ("object", "numeric"),
    ],
)
def test_bad_training_data_raises(gen_cls, bad, match):
    X, _ = make_data(gen_cls._api_input)
    if bad == "nan":
        X = X.astype(np.float64)
        X[3, 2, 2] = np.nan
    elif bad == "empty":
        X = X[:0]
    else:
        X = np.array([["a"] * 4] * 5, dtype=object)
    with pytest.raises(ValueError, match=match):
        build(gen_cls).fit(X)


def test_bad_sample_calls_raise(gen_cls):
    X, y = make_data(gen_cls._api_input)
    with pytest.raises(ValueError, match="not fitted"):
        build(gen_cls).sample(3)
    with pytest.raises(ValueError, match="labels"):
        build(gen_cls).fit(X, y[:-1])
    gen = build(gen_cls).fit(X)
    with pytest.raises(ValueError, match=">= 0"):
        gen.sample(-1)
    with pytest.raises(ValueError, match="without labels"):
        gen.sample(3, y=1)
    gen.fit(X, y)
    with pytest.raises(ValueError, match="never seen"):
        gen.sample(3, y=7)
    with pytest.raises(ValueError, match="labels"):
        gen.sample(3, y=[0, 1])
