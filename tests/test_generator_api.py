"""The one contract every generator in course_lib keeps (a scikit-learn style test).

Parametrized over every ``BaseGenerator`` subclass found in the package, so a new
generator is checked the moment it exists. Its test settings live here, in
``API_SETTINGS`` (as scikit-learn keeps its estimators' test settings in its test
utilities): the data it accepts and a small, fast, non-default configuration. A
generator without an entry fails ``test_every_generator_has_settings``.
"""

import importlib
import pkgutil
import random

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError

import course_lib
from course_lib._base import BaseGenerator
from course_lib.augment import GeneratorSampler

#: class name -> (kind of training data: "real", "unit" in [0, 1] or "binary",
#: hyperparameters for a fast fit on 90 rows of 64 features)
API_SETTINGS = {
    "BernoulliRBM": (
        "unit",
        {
            "n_hidden": 16,
            "epochs": 20,
            "batch_size": 4,
            "learning_rate": 0.1,
            "verbose": False,
        },
    ),
    "DDPM": (
        "unit",
        {
            "hidden": (64,),
            "T": 20,
            "epochs": 100,
            "batch_size": 32,
            "learning_rate": 1e-2,
            "seed": 0,
        },
    ),
    "EmpiricalPPFSampler": ("real", {}),
    "GaussianBayesGenerator": ("real", {"reg": 0.05, "covariance": "diag"}),
    "LatentSMOTE": (
        "unit",
        {
            "latent_dim": 4,
            "hidden": (16,),
            "k_neighbors": 3,
            "epochs": 20,
            "batch_size": 32,
            "learning_rate": 0.01,
            "seed": 0,
        },
    ),
    "VAE": (
        "unit",
        {
            "latent_dim": 2,
            "hidden": (16,),
            "epochs": 20,
            "batch_size": 32,
            "learning_rate": 0.01,
            "seed": 0,
            "verbose": 0,
        },
    ),
}


def _all_subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _all_subclasses(sub)


for _module in pkgutil.iter_modules(course_lib.__path__):
    importlib.import_module(f"course_lib.{_module.name}")
GENERATORS = sorted(set(_all_subclasses(BaseGenerator)), key=lambda c: c.__name__)
N_PER_CLASS, SHAPE = 30, (8, 8)


def make_data(kind, shape=SHAPE):
    """90 rows of 8x8 'images' in 3 classes with different means."""
    rng = np.random.default_rng(1234)
    y = np.repeat(np.arange(3), N_PER_CLASS)
    centres = rng.uniform(0.2, 0.8, size=(3, *shape))
    unit = np.clip(centres[y] + rng.normal(0, 0.1, size=(y.size, *shape)), 0, 1)
    if kind == "unit":
        return unit.astype(np.float32), y
    if kind == "binary":
        return (rng.uniform(size=unit.shape) < unit).astype(np.float32), y
    if kind == "real":
        return (unit * 4 - 2).astype(np.float64), y
    raise AssertionError(f"unknown kind of data {kind!r}")


def data_for(cls, shape=SHAPE):
    return make_data(API_SETTINGS[cls.__name__][0], shape)


def build(cls):
    return cls(**API_SETTINGS[cls.__name__][1])


@pytest.fixture(params=GENERATORS, ids=lambda cls: cls.__name__)
def gen_cls(request):
    if request.param.__name__ not in API_SETTINGS:
        pytest.fail(f"add {request.param.__name__} to API_SETTINGS")
    return request.param


def test_every_generator_has_settings():
    names = {cls.__name__ for cls in GENERATORS}
    assert {"GaussianBayesGenerator", "EmpiricalPPFSampler"} <= names
    assert names - set(API_SETTINGS) == set()


def test_params_repr_and_clone_of_an_unfitted_model(gen_cls):
    gen = build(gen_cls)
    settings = API_SETTINGS[gen_cls.__name__][1]
    params = gen.get_params(deep=True)
    assert {k: params[k] for k in settings} == settings
    assert not [k for k in vars(gen) if k.endswith("_") and not k.startswith("_")], (
        "__init__ must not set learned (trailing underscore) attributes"
    )
    assert repr(gen).startswith(f"{gen_cls.__name__}(")
    copy = clone(gen)
    assert copy is not gen and copy.get_params(deep=True) == params
    assert gen.set_params(**params) is gen and gen.get_params() == params
    with pytest.raises(ValueError, match="Invalid parameter"):
        gen.set_params(no_such_parameter=1)


def test_clone_of_a_fitted_model_is_unfitted(gen_cls):
    X, y = data_for(gen_cls)
    gen = build(gen_cls).fit(X, y)
    copy = clone(gen)
    assert copy.get_params() == gen.get_params()
    with pytest.raises(NotFittedError, match="call fit first"):
        copy.sample(3)
    assert copy.fit(X).sample(2, seed=0).shape == (2, *SHAPE)


def test_fit_returns_self_learns_and_leaves_its_input_alone(gen_cls):
    X, y = data_for(gen_cls)
    X_before, y_before = X.copy(), y.copy()
    gen = build(gen_cls)
    assert gen.fit(X, y) is gen
    assert gen.n_features_in_ == int(np.prod(SHAPE)) and gen.feature_shape_ == SHAPE
    np.testing.assert_array_equal(X, X_before)
    np.testing.assert_array_equal(y, y_before)


def test_failed_fit_and_failed_refit_leave_it_unfitted(gen_cls):
    X, y = data_for(gen_cls)
    gen = build(gen_cls)
    with pytest.raises(ValueError, match="labels"):
        gen.fit(X, y[:-1])
    with pytest.raises(NotFittedError, match="call fit first"):
        gen.sample(3)
    gen.fit(X, y)
    with pytest.raises(ValueError, match="labels"):
        gen.fit(X, y[:-1])
    assert not [k for k in vars(gen) if k.endswith("_") and not k.startswith("_")]
    with pytest.raises(NotFittedError, match="call fit first"):
        gen.sample(3)


def test_refit_on_data_of_another_shape(gen_cls):
    X, y = data_for(gen_cls)
    gen = build(gen_cls).fit(X, y)
    X_small, _ = data_for(gen_cls, shape=(4, 5))
    gen.fit(X_small)
    assert gen.feature_shape_ == (4, 5) and gen.n_features_in_ == 20
    assert not hasattr(gen, "classes_")
    assert gen.sample(3, seed=0).shape == (3, 4, 5)


def test_unconditional_sample_shape_dtype_and_seed(gen_cls):
    X, _ = data_for(gen_cls)
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
    X, _ = data_for(gen_cls)
    gen = build(gen_cls).fit(X)
    np_state, py_state = np.random.get_state(), random.getstate()  # noqa: NPY002
    gen.sample(5, seed=3)
    after = np.random.get_state()  # noqa: NPY002
    assert np_state[0] == after[0] and np.array_equal(np_state[1], after[1])
    assert random.getstate() == py_state


def test_class_conditional_sampling(gen_cls):
    X, y = data_for(gen_cls)
    gen = build(gen_cls).fit(X, y)
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
    X, y = data_for(gen_cls)
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
    [("nan", "NaN"), ("empty", "0 sample"), ("strings", "convert string")],
)
def test_bad_training_data_raises(gen_cls, bad, match):
    X, _ = data_for(gen_cls)
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
    X, y = data_for(gen_cls)
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


def test_every_generator_works_as_an_imbalanced_learn_sampler(gen_cls):
    X, y = data_for(gen_cls)
    keep = np.r_[0:30, 30:40]  # class 0 complete, class 1 cut to 10 rows
    sampler = GeneratorSampler(build(gen_cls), seed=0)
    X_res, y_res = sampler.fit_resample(X[keep], y[keep])
    np.testing.assert_array_equal(np.bincount(y_res), [30, 30])
    assert X_res.shape == (60, *SHAPE) and np.all(np.isfinite(X_res))
    assert sampler.synthetic_mask_.sum() == 20
