"""Strict test settings: rank promotion raises, warnings are errors (pyproject), Agg backend."""

import os

os.environ.setdefault("MPLBACKEND", "Agg")
# The suite is dominated by XLA compiling many small programs: cheaper LLVM passes cut that by
# about 12% (both sides of every comparison are compiled the same way; benchmarks do not use this).
os.environ.setdefault(
    "XLA_FLAGS", "--xla_backend_optimization_level=0 --xla_llvm_disable_expensive_passes=true"
)

import jax
import pytest

jax.config.update("jax_numpy_rank_promotion", "raise")


@pytest.fixture
def x64():
    """Runs a test with 64-bit floats enabled (restored afterwards)."""
    with jax.enable_x64(True):
        yield
