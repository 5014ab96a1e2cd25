"""Data-parallel fit equals single-device fit; batches and results are placed as documented.

The multi-device checks run tests/parallel_script.py in a subprocess with 8 simulated CPU
devices (the device count is fixed when JAX starts); one run pays the start-up and the compiles,
and each test reads its part of the JSON report. The reference for every data-parallel run is
the ordinary single-device ``fit`` on the same data in the same order.

Not bit-exact: on one device the gradient of the batch-mean loss is one sum over the batch; on
D devices each device sums its ``batch_size / D`` examples and the all-reduce adds the D partial
sums, another order of float additions. Adam then carries the rounding differences through a
few steps. Hence rtol 1e-5 in float32 (measured: at most 5.3e-6 relative in the default run).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from jax.sharding import Mesh

from jaxnn import optim, parallel, train
from tests.helpers import assert_trees_allclose

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "tests" / "parallel_script.py"
DEVICE_COUNTS = (1, 2, 4, 8)
RTOL_DATA_PARALLEL = 1e-5  # float32, the order of the gradient sum differs (module docstring)
# Floor for entries near 0 (Adam's smallest second moments are ~1e-6). Measured: the default
# run passes rtol 1e-5 with no floor; the 20-epoch heavy run needs 1e-8.
ATOL_DATA_PARALLEL = 1e-7
BATCH, REST = 8, 4  # the script's minibatch size and its smaller last batch (n = 44)


def run_script(*args: str) -> dict:
    env = dict(os.environ)  # the script appends its device count to XLA_FLAGS
    r = subprocess.run(
        [sys.executable, str(SCRIPT), *args],
        capture_output=True,
        text=True,
        timeout=900,
        cwd=ROOT,
        env=env,
    )
    assert r.returncode == 0, r.stderr[-4000:]
    return json.loads(r.stdout)


@pytest.fixture(scope="module")
def report():
    return run_script()


def assert_same_training(run: dict, reference: dict, *, rtol=RTOL_DATA_PARALLEL) -> None:
    for part in ("params", "opt_state", "epoch_loss"):
        assert np.all(np.isfinite(np.concatenate([np.ravel(a) for a in run[part]]))), part
        assert_trees_allclose(
            [np.asarray(a, np.float32) for a in run[part]],
            [np.asarray(a, np.float32) for a in reference[part]],
            rtol=rtol,
            atol=ATOL_DATA_PARALLEL,
            msg=part,
        )
    assert run["steps"] == reference["steps"]


class TestEightSimulatedDevices:
    pytestmark = pytest.mark.xdist_group("parallel")  # one worker: the script runs once

    def test_the_subprocess_sees_eight_devices(self, report):
        assert report["device_count"] == 8

    def test_reference_run_trains(self, report):
        losses = report["runs"]["single"]["epoch_loss"]
        assert len(losses) == 3 and np.all(np.isfinite(losses))
        assert losses[-1] < losses[0]  # the comparison below is between runs that learn

    @pytest.mark.parametrize("devices", DEVICE_COUNTS)
    def test_data_parallel_fit_equals_single_device_fit(self, report, devices):
        runs = report["runs"]
        assert_same_training(runs[f"mesh{devices}"], runs["single"])

    def test_full_batch_over_four_devices_equals_one_device(self, report):
        runs = report["runs"]
        assert_same_training(runs["full_mesh4"], runs["full_single"])

    def test_devices_shorthand_is_the_same_mesh_and_program(self, report):
        runs = report["runs"]
        assert runs["devices4"]["seen"] == []  # no new compile: the cached program of mesh4
        for part in ("params", "opt_state", "epoch_loss"):
            assert runs["devices4"][part] == runs["mesh4"][part]

    @pytest.mark.parametrize("devices", DEVICE_COUNTS)
    def test_each_batch_is_split_along_the_data_axis(self, report, devices):
        # [rows, rows per device, devices holding the batch, fully replicated], as XLA
        # partitioned the step: the full batch always splits; the last one (4 rows) splits
        # when 4 divides by the device count, else every device holds all 4 (replicated).
        split = [BATCH, BATCH // devices, devices, devices == 1]
        if REST % devices == 0:
            last = [REST, REST // devices, devices, devices == 1]
        else:
            last = [REST, REST, devices, True]
        assert report["runs"][f"mesh{devices}"]["seen"] == [split, last]

    def test_full_batch_is_split(self, report):
        assert report["runs"]["full_mesh4"]["seen"] == [[44, 11, 4, False]]

    @pytest.mark.parametrize("devices", DEVICE_COUNTS)
    def test_returned_params_and_state_are_replicated(self, report, devices):
        run = report["runs"][f"mesh{devices}"]
        assert run["out_replicated"] is True
        assert run["out_devices"] == [devices]

    def test_resume_on_a_mesh_continues_the_same_run(self, report):
        # checkpoint after half the epochs, resume on the same mesh: the uninterrupted result
        resumed, whole = report["runs"]["resumed_mesh4"], report["runs"]["mesh4"]
        assert resumed["out_replicated"]
        assert resumed["steps"] == whole["steps"]
        np.testing.assert_array_equal(resumed["epoch_loss"], whole["epoch_loss"])
        for a, b in zip(resumed["params"], whole["params"], strict=True):
            np.testing.assert_array_equal(a, b)

    def test_make_epoch_with_a_mesh_in_a_plain_jit(self, report):
        runs = report["runs"]
        own, single = runs["make_epoch_mesh4"], runs["make_epoch_single"]
        assert own["seen"] == [[BATCH, 2, 4, False], [REST, 1, 4, False]]
        assert own["out_replicated"] is True
        assert np.all(np.isfinite(own["step_loss"]))
        assert_trees_allclose(
            [np.asarray(a, np.float32) for a in own["params"] + [own["step_loss"]]],
            [np.asarray(a, np.float32) for a in single["params"] + [single["step_loss"]]],
            rtol=RTOL_DATA_PARALLEL,
            atol=ATOL_DATA_PARALLEL,
        )

    def test_sweep_sharded_over_four_devices_equals_one_device(self, report):
        single, sharded = report["runs"]["sweep_single"], report["runs"]["sweep_mesh4"]
        assert sharded["runs_per_chunk"] == 8  # 6 runs, rounded up to a multiple of 4
        for part in ("params", "epoch_loss"):
            assert_trees_allclose(
                [np.asarray(a) for a in sharded[part]], [np.asarray(a) for a in single[part]],
                rtol=1e-6, atol=1e-6, msg=part,
            )  # fmt: skip

    @pytest.mark.parametrize(
        "case, words",
        [
            ("batch_not_divisible", ["`batch_size`=6", "4 devices", "e.g. 4 or 8"]),
            ("batch_smaller_than_devices", ["`batch_size`=2", "8 devices", "e.g. 8."]),
            ("full_batch_not_divisible", ["`batch_size`=None", "n=44", "multiple of 8"]),
            ("mesh_and_devices", ["`mesh`", "`devices`", "not both"]),
            ("too_many_devices", ["`devices`", "16", "JAX sees 8"]),
            ("mesh_without_data_axis", ["`mesh`", "('rows', 'cols')", "'data'"]),
            ("make_epoch_not_divisible", ["`batch_size`=6", "4 devices"]),
            ("shard_batch_not_divisible", ["`x.shape[0]`=6", "4 devices"]),
        ],
    )
    def test_bad_mesh_batch_combinations_raise(self, report, case, words):
        kind, message = report["errors"][case]
        assert kind == "ValueError"
        for word in words:
            assert word in message


@pytest.mark.slow
def test_heavy_data_parallel_run_with_eval_and_a_2d_mesh():
    heavy = run_script("--heavy")
    runs = heavy["runs"]
    for name in ("mesh1", "mesh2", "mesh4", "mesh8", "mesh4x2"):
        assert_same_training(runs[name], runs["single"])
        np.testing.assert_allclose(
            runs[name]["eval_loss"], runs["single"]["eval_loss"], rtol=RTOL_DATA_PARALLEL
        )
    # 2-D mesh: 4-way split along "data", each shard on the 2 devices of the "model" axis
    assert runs["mesh4x2"]["seen"][0] == [16, 4, 8, False]
    assert runs["mesh4x2"]["out_replicated"] is True
    assert_same_training(runs["full_mesh4"], runs["full_single"])


@pytest.mark.slow
def test_scaling_benchmark_quick_runs(tmp_path):
    script = str(ROOT / "benchmarks" / "scaling.py")
    r = subprocess.run(
        [sys.executable, script, "--quick", "--rounds", "1", "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=900,
        cwd=ROOT,
    )
    assert r.returncode == 0, r.stderr[-4000:]
    assert "do not show speed-up" in r.stdout
    result = json.loads((tmp_path / "scaling.json").read_text())
    assert result["config"]["device_counts"] == list(DEVICE_COUNTS)
    assert "share the same CPU cores" in result["note"]
    for row, devices in zip(result["results"], DEVICE_COUNTS, strict=True):
        assert row["device_count"] == devices and row["params_sharding_replicated"]
        assert row["steps_per_s"]["data_parallel"] > 0
        assert row["max_rel_param_diff_vs_single"] < 1e-3


# In-process: the helpers' and fit's errors with the one CPU device of the test session.
ONE = parallel.data_mesh(1)


def loss_fn(w, x, y):
    return jnp.mean((x @ w - y) ** 2)


def test_data_mesh_of_one_device():
    assert dict(ONE.shape) == {"data": 1}
    assert list(parallel.data_mesh(np.int64(1)).devices) == jax.devices()[:1]
    assert parallel.data_mesh(jax.devices()[:1]).shape == ONE.shape


@pytest.mark.parametrize(
    "devices, error, words",
    [
        (2, ValueError, ["`devices` asks for 2", "xla_force_host_platform_device_count"]),
        (0, ValueError, ["`devices` asks for 0"]),
        ([], TypeError, ["`devices`", "non-empty list"]),
        (True, TypeError, ["`devices`"]),
        (2.0, TypeError, ["`devices`", "2.0"]),
        ("cpu", TypeError, ["`devices`"]),
    ],
)
def test_data_mesh_rejects_bad_devices(devices, error, words):
    with pytest.raises(error) as e:
        parallel.data_mesh(devices)
    for word in words:
        assert word in str(e.value)


def test_data_mesh_rejects_a_repeated_device_and_a_bad_axis_name():
    d = jax.devices()[0]
    with pytest.raises(ValueError, match="twice"):
        parallel.data_mesh([d, d])
    with pytest.raises(TypeError, match="`axis_name`"):
        parallel.data_mesh(axis_name="")


def test_helpers_place_on_one_device():
    x = parallel.shard_batch(jnp.ones((3, 2)), ONE)
    assert x.sharding == parallel.batch_sharding(ONE)
    assert parallel.check_batch_divisible(3, ONE) == 1
    tree = parallel.replicate({"w": jnp.ones(2)}, ONE)
    assert tree["w"].sharding.is_fully_replicated


def test_helpers_reject_bad_meshes_and_axes():
    two_axes = Mesh(np.array(jax.devices()[:1]).reshape(1, 1), ("data", "model"))
    with pytest.raises(TypeError, match="`mesh` must be a jax.sharding.Mesh"):
        parallel.batch_sharding("mesh")
    with pytest.raises(TypeError, match="`mesh` must be a jax.sharding.Mesh"):
        parallel.replicated_sharding(None)
    with pytest.raises(ValueError, match="pass `axis_name`"):
        parallel.batch_sharding(two_axes)
    with pytest.raises(ValueError, match="'model2' is not an axis"):
        parallel.batch_sharding(two_axes, "model2")
    assert parallel.batch_sharding(two_axes, "model").spec == jax.sharding.PartitionSpec("model")
    with pytest.raises(ValueError, match="scalar"):
        parallel.shard_batch(jnp.ones(()), ONE)


@pytest.mark.parametrize(
    "kwargs, error, words",
    [
        ({"mesh": "cpu"}, TypeError, ["`mesh` must be a jax.sharding.Mesh", "str"]),
        ({"mesh": ONE, "devices": 1}, ValueError, ["`mesh` or `devices`, not both"]),
        ({"devices": 2}, ValueError, ["`devices` asks for 2", "JAX sees 1"]),
        ({"devices": [0]}, TypeError, ["`devices`"]),
        (
            {"mesh": Mesh(np.array(jax.devices()[:1]).reshape(1, 1), ("a", "b"))},
            ValueError,
            ["`mesh` has axes ('a', 'b')", "'data'"],
        ),
    ],
)
def test_fit_rejects_bad_mesh_arguments_before_compiling(kwargs, error, words):
    x, y = jnp.ones((4, 2)), jnp.ones(4)
    with pytest.raises(error) as e:
        train.fit(loss_fn, jnp.zeros(2), optim.sgd(0.1), x, y, progress=False, **kwargs)
    for word in words:
        assert word in str(e.value)
