"""Strict test settings: rank promotion raises, warnings are errors (pyproject), Agg backend."""

import os

os.environ.setdefault("MPLBACKEND", "Agg")

import jax
import pytest

jax.config.update("jax_numpy_rank_promotion", "raise")


@pytest.fixture
def x64():
    """Runs a test with 64-bit floats enabled (restored afterwards)."""
    with jax.enable_x64(True):
        yield
