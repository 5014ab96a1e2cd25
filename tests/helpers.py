"""Tree comparison and shared tolerances for the tests."""

from __future__ import annotations

import jax
import numpy as np

# Tolerances for two implementations of the same maths, operation by operation.
RTOL_F32 = 1e-6
RTOL_F64 = 1e-12
# Absolute floor: values that should be 0 may differ by a few ulps of their neighbours.
ATOL_F32 = 1e-7
ATOL_F64 = 1e-14


def tolerances(dtype) -> tuple[float, float]:
    """(rtol, atol) for a dtype."""
    if np.dtype(dtype) == np.float64:
        return RTOL_F64, ATOL_F64
    if np.dtype(dtype) == np.float32:
        return RTOL_F32, ATOL_F32
    return 1e-2, 1e-2  # bf16 / f16: 8 and 11 mantissa bits


def assert_trees_allclose(actual, expected, *, rtol=None, atol=None, check_dtypes=True, msg=""):
    """Asserts equal structure, then each leaf close; the message names the leaf path."""
    s_a, s_e = jax.tree.structure(actual), jax.tree.structure(expected)
    assert s_a == s_e, f"{msg} tree structures differ:\n  actual:   {s_a}\n  expected: {s_e}"
    flat_a = jax.tree_util.tree_flatten_with_path(actual)[0]
    flat_e = jax.tree.leaves(expected)
    for (path, a), e in zip(flat_a, flat_e, strict=True):
        where = jax.tree_util.keystr(path) or "(root)"
        a_np, e_np = np.asarray(a), np.asarray(e)
        if check_dtypes:
            assert a_np.dtype == e_np.dtype, (
                f"{msg} leaf {where}: dtype {a_np.dtype} != {e_np.dtype}"
            )
        assert a_np.shape == e_np.shape, f"{msg} leaf {where}: shape {a_np.shape} != {e_np.shape}"
        r, t = tolerances(e_np.dtype)
        np.testing.assert_allclose(
            a_np.astype(np.float64),
            e_np.astype(np.float64),
            rtol=r if rtol is None else rtol,
            atol=t if atol is None else atol,
            err_msg=f"{msg} leaf {where}",
        )


def max_abs_rel_diff(actual, expected) -> tuple[float, float]:
    """Largest absolute and relative difference over all leaves of two trees."""
    abs_d, rel_d = 0.0, 0.0
    for a, e in zip(jax.tree.leaves(actual), jax.tree.leaves(expected), strict=True):
        a64, e64 = np.asarray(a, np.float64), np.asarray(e, np.float64)
        d = np.abs(a64 - e64)
        if d.size:
            abs_d = max(abs_d, float(d.max()))
            rel_d = max(rel_d, float((d / np.maximum(np.abs(e64), 1e-30)).max()))
    return abs_d, rel_d
