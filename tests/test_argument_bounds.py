"""Hyperparameters checked whatever their number type, integer bounds where a value meets an int32,
and the silent truncations of clipping and ``apply_updates`` refused.

Each case failed before: it returned a wrong value, ignored the argument, or escaped as an
``OverflowError``/raw JAX error. References: optax (which refuses the same truncations), plain
Python arithmetic.
"""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

from jaxnn import data, optim
from jaxnn._validation import INT32_MAX, check_index, check_int, check_positive
from jaxnn.optim import schedules

K = jax.random.key(0)


def _as(kind, value):
    """``value`` as a Python, NumPy or JAX scalar."""
    if kind == "py":
        return value
    return np.asarray(value)[()] if kind == "np" else jnp.asarray(value)


KINDS = ["py", "np", "jax"]


def test_clip_by_global_norm_refuses_integer_gradients_as_optax_does():
    grads = {"a": jnp.array([3, 5], jnp.int32)}  # norm sqrt(34) = 5.83
    with pytest.raises(TypeError):  # optax refuses too (it cannot rescale integers)
        optax.clip_by_global_norm(1.0).update(grads, optax.EmptyState())
    opt = optim.clip_by_global_norm(1.0)
    with pytest.raises(TypeError, match=r"`grads\['a'\]`.*int32.*floating"):
        opt.update(grads, opt.init(None))
    # float gradients are unchanged by the check: the result's norm is max_norm
    out = opt.update({"a": jnp.array([3.0, 5.0])}, opt.init(None))[0]
    np.testing.assert_allclose(float(optim.global_norm(out)), 1.0, rtol=1e-6)


def test_apply_updates_refuses_to_truncate_float_updates_into_integer_params():
    params, updates = {"w": jnp.array([1, 1])}, {"w": jnp.array([0.6, -0.6])}
    with pytest.raises(TypeError, match=r"`updates` leaf \['w'\].*floating.*`params`.*int32"):
        optim.apply_updates(params, updates)
    with pytest.raises(TypeError, match="complex"):
        optim.apply_updates({"w": jnp.ones(2)}, {"w": jnp.ones(2, jnp.complex64)})
    # integer updates into integer params, float into bf16 and None leaves stay allowed
    assert optim.apply_updates({"w": jnp.array([1, 1])}, {"w": jnp.array([2, -1])})[
        "w"
    ].tolist() == [3, 0]
    out = optim.apply_updates(
        {"w": jnp.ones(2, jnp.bfloat16), "n": None}, {"w": jnp.ones(2), "n": None}
    )
    assert out["w"].dtype == jnp.bfloat16 and out["n"] is None


@pytest.mark.parametrize("kind", KINDS)
def test_cosine_decay_refuses_a_non_positive_exponent(kind):
    # exponent -1 gave 0.1, 0.2, 405, inf
    for bad in (-1.0, 0.0):
        with pytest.raises(ValueError, match="`exponent` must be positive"):
            schedules.cosine_decay(0.1, 100, exponent=_as(kind, bad))
    s = schedules.cosine_decay(0.1, 100, exponent=_as(kind, 2.0))
    np.testing.assert_allclose(float(s(50)), 0.1 * 0.5**2, rtol=1e-6)


def test_warmup_cosine_decay_blames_end_value_not_alpha():
    with pytest.raises(ValueError, match="`end_value` / `peak_value` must be finite") as e:
        schedules.warmup_cosine_decay(0.0, 1e-10, 10, 100, end_value=1e308)
    assert "alpha" not in str(e.value)


@pytest.mark.parametrize("kind", KINDS)
def test_epoch_order_checks_n_and_shuffle(kind):
    with pytest.raises(ValueError, match="`n` must be >= 0"):
        data.epoch_order(K, _as(kind, -1))  # returned []
    with pytest.raises(TypeError, match="`n` must be an integer"):
        data.epoch_order(K, _as(kind, 2.5))
    with pytest.raises(ValueError, match=r"`n` must be <= 2\*\*31 - 1"):
        data.epoch_order(K, _as("py", 2**31))
    assert sorted(data.epoch_order(K, _as(kind, 5)).tolist()) == list(range(5))
    with pytest.raises(TypeError, match="`shuffle` must be True or False.*'no'"):
        data.epoch_order(K, 5, shuffle="no")


def test_minibatch_indices_refuses_a_shuffle_that_is_not_a_bool():
    with pytest.raises(TypeError, match="`shuffle` must be True or False.*'no'"):
        data.minibatch_indices(K, 6, 2, shuffle="no")  # shuffled before
    full, _ = data.minibatch_indices(None, 6, 2, shuffle=np.bool_(False))
    assert full.tolist() == [[0, 1], [2, 3], [4, 5]]


@pytest.mark.parametrize("make", [data.blobs, data.spirals, data.two_moons, data.regression])
def test_generators_refuse_a_batch_of_keys(make):
    with pytest.raises(ValueError, match=r"`key` must be one PRNG key.*\(3,\)"):
        make(jax.random.split(K, 3), 12)  # returned one data set
    with pytest.raises(TypeError, match="`key` must be a JAX PRNG key"):
        make(jax.random.split(jax.random.PRNGKey(0), 3), 12)  # raw uint32 keys
    x, _ = make(K, 12)
    assert x.shape[0] == 12


def test_generators_accept_integer_scalars_of_any_kind():
    for kind in KINDS:
        x, _ = data.two_moons(K, _as(kind, 10))
        assert x.shape == (10, 2)
    with pytest.raises(TypeError, match="`n` must be an integer"):
        data.two_moons(K, jnp.asarray(10.0))


@pytest.mark.parametrize("kind", KINDS)
def test_check_index_for_epoch_numbers(kind):
    """The helper for ``train.epoch_key(key, epoch)``: epoch_key(k, 2.5) equalled epoch 2."""
    assert check_index("epoch", _as(kind, 3)) == 3
    for bad in (2.5, 2.0):
        with pytest.raises(TypeError, match="`epoch` must be an integer"):
            check_index("epoch", _as(kind, bad))
    with pytest.raises(ValueError, match="`epoch` must be >= 0"):
        check_index("epoch", _as(kind, -1))
    with pytest.raises(ValueError, match=r"`epoch` must be <= 2\*\*31 - 1"):
        check_index("epoch", 2**31)
    with pytest.raises(TypeError, match="`epoch` must be an integer"):
        check_index("epoch", True)
    # traced: an integer passes (its value is unknown), a float is refused
    assert int(jax.jit(lambda e: check_index("epoch", e) + 1)(jnp.asarray(4))) == 5
    with pytest.raises(TypeError, match="`epoch` must be an integer scalar"):
        jax.jit(lambda e: check_index("epoch", e))(jnp.asarray(4.5))


def test_out_of_range_integers_are_value_errors_naming_the_argument():
    with pytest.raises(OverflowError):  # what escaped before, from JAX
        jnp.asarray(10**12, jnp.int32)
    with pytest.raises(ValueError, match="`count` must fit in int32"):
        optim.safe_increment(10**12)
    assert int(optim.safe_increment(5)) == 6
    with pytest.raises(TypeError, match="`count`"):
        optim.safe_increment(True)
    for make in (
        lambda v: schedules.cosine_decay(0.1, v),
        lambda v: schedules.exponential_decay(0.1, v, 0.5),
        lambda v: schedules.linear(0.1, 0.0, v),
        lambda v: schedules.warmup_cosine_decay(0.0, 0.1, 1, v),
    ):
        with pytest.raises(ValueError, match=r"must be <= 2\*\*31 - 1"):
            make(10**12)
    with pytest.raises(ValueError, match=r"`epochs` must be <= 2\*\*31 - 1"):
        check_int("epochs", 2**31, minimum=1, maximum=INT32_MAX)
    with pytest.raises(ValueError, match="`n` must be <= 7"):
        check_int("n", np.int64(8), maximum=7)


@pytest.mark.parametrize("kind", ["np", "jax"])
def test_float_checks_see_numpy_and_jax_scalars(kind):
    for bad in (-1.0, math.nan, math.inf):
        with pytest.raises(ValueError, match="`learning_rate`"):
            check_positive("learning_rate", _as(kind, bad))
    with pytest.raises(ValueError, match="`learning_rate` must be positive"):
        optim.adam(_as(kind, -0.1))
    with pytest.raises(ValueError, match="`momentum`"):
        optim.sgd(0.1, momentum=_as(kind, 1.5))


def test_small_data_helpers_name_their_arguments():
    with pytest.raises(TypeError, match="`x` must be an array of numbers"):
        data.train_test_split(K, None, jnp.arange(4))
    with pytest.raises(TypeError, match="`box` must be a pair"):
        data.blobs(K, 10, box=3)
    with pytest.raises(ValueError, match=r"`box\[1\]` must be finite"):
        data.blobs(K, 10, box=(0.0, math.inf))
