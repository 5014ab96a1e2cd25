"""Data parallelism on JAX's own machinery: meshes, ``NamedSharding`` and XLA collectives.

jaxnn adds no communication code of its own. A data-parallel step is the ordinary jitted step
with its inputs placed so that XLA partitions it (the GSPMD model):

    params, optimizer state  -> replicated on every device      (PartitionSpec())
    each batch x, y          -> split along the batch axis      (PartitionSpec("data"))
    loss = mean over the batch -> XLA inserts the all-reduce of the gradients

``jaxnn.train.fit(..., mesh=data_mesh())`` (or ``devices=N``) does exactly this; the helpers here
do it by hand. In ``fit`` the dataset ``x``, ``y`` is replicated too, so that each step gathers
its batch locally (one full copy of the data per device), and ``with_sharding_constraint`` splits
the gathered batch. Its rule for batch sizes: ``batch_size`` (``n`` for full batch) must be a
multiple of the device count; the smaller last batch of an epoch is split too when its size is a
multiple of the device count, and runs replicated otherwise. The result equals one device's up to
float rounding (rtol 1e-5 in float32), not bit for bit: the all-reduce adds the devices' partial
gradients in a different order than one device sums the whole batch.

Several hosts: start one process per host and call ``jax.distributed.initialize()`` (with
``coordinator_address``, ``num_processes`` and ``process_id``, or from the cluster's environment on
SLURM / Cloud TPU) *before* any other JAX call. ``jax.devices()`` then lists the devices of all
hosts, ``data_mesh()`` spans them all, and each process feeds the same program; with
``jax.make_array_from_process_local_data`` each host can load only its own slice of the batch.

Simulated devices: ``XLA_FLAGS=--xla_force_host_platform_device_count=8`` (set before JAX is
imported) splits one CPU into 8 devices. They run the same partitioned program with real
collectives, so they check correctness and sharding, but they share the same cores and memory
bandwidth: they say nothing about speed-up on real accelerators.

Examples:
    >>> import jax, jax.numpy as jnp
    >>> from jaxnn import parallel
    >>> mesh = parallel.data_mesh()
    >>> x = parallel.shard_batch(jnp.ones((8, 3)), mesh)
    >>> x.sharding.spec == jax.sharding.PartitionSpec("data")
    True
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import jax
import numpy as np
from jax.sharding import Mesh, NamedSharding, PartitionSpec

from jaxnn._validation import check_int

__all__ = [
    "DATA_AXIS",
    "data_mesh",
    "batch_sharding",
    "replicated_sharding",
    "check_batch_divisible",
    "shard_batch",
    "replicate",
]

DATA_AXIS = "data"


def data_mesh(devices: Sequence[Any] | int | None = None, *, axis_name: str = DATA_AXIS) -> Mesh:
    """A 1-D mesh over ``devices`` for data parallelism.

    Args:
        devices: a list of devices, a number ``n`` (the first ``n`` of ``jax.devices()``), or
            ``None`` for all devices.
        axis_name: the mesh axis the batch is split along (default ``"data"``).

    Returns:
        A ``jax.sharding.Mesh`` of shape ``(len(devices),)``.

    Examples:
        >>> dict(data_mesh(1).shape)
        {'data': 1}
    """
    available = jax.devices()
    if devices is None:
        chosen = list(available)
    elif isinstance(devices, int | np.integer) and not isinstance(devices, bool):
        devices = int(devices)
        if not 1 <= devices <= len(available):
            raise ValueError(
                f"`devices` asks for {devices} devices but JAX sees {len(available)} "
                f"({available[0].platform}). On a CPU, simulate more with "
                "XLA_FLAGS=--xla_force_host_platform_device_count=N set before importing JAX."
            )
        chosen = list(available[:devices])
    else:
        chosen = list(devices) if isinstance(devices, Sequence | np.ndarray) else []
        if not chosen or not all(isinstance(d, jax.Device) for d in chosen):
            raise TypeError(
                f"`devices` must be None, a positive int or a non-empty list of jax devices, "
                f"got {devices!r}."
            )
        if len(set(chosen)) != len(chosen):
            raise ValueError(f"`devices` lists a device twice: {chosen}.")
    if not isinstance(axis_name, str) or not axis_name:
        raise TypeError(f"`axis_name` must be a non-empty string, got {axis_name!r}.")
    return Mesh(np.array(chosen), (axis_name,))


def _axis(mesh: Mesh, axis_name: str | None) -> str:
    if not isinstance(mesh, Mesh):
        raise TypeError(
            f"`mesh` must be a jax.sharding.Mesh (see jaxnn.parallel.data_mesh), got "
            f"{type(mesh).__name__}."
        )
    if axis_name is None:
        if len(mesh.axis_names) != 1:
            raise ValueError(
                f"the mesh has axes {mesh.axis_names}; pass `axis_name` to say which one splits "
                "the batch."
            )
        return mesh.axis_names[0]
    if axis_name not in mesh.axis_names:
        raise ValueError(f"`axis_name` {axis_name!r} is not an axis of the mesh {mesh.axis_names}.")
    return axis_name


def batch_sharding(mesh: Mesh, axis_name: str | None = None) -> NamedSharding:
    """``NamedSharding`` that splits axis 0 (the batch) across ``axis_name`` of ``mesh``.

    Args:
        mesh: a ``jax.sharding.Mesh``.
        axis_name: the axis to split along; ``None`` (default) for the only axis of a 1-D mesh.

    Returns:
        ``NamedSharding(mesh, PartitionSpec(axis_name))``.

    Examples:
        >>> batch_sharding(data_mesh(1)).spec
        P('data',)
    """
    return NamedSharding(mesh, PartitionSpec(_axis(mesh, axis_name)))


def replicated_sharding(mesh: Mesh) -> NamedSharding:
    """``NamedSharding`` that keeps a full copy on every device of ``mesh``.

    Examples:
        >>> replicated_sharding(data_mesh(1)).is_fully_replicated
        True
    """
    _axis(mesh, mesh.axis_names[0] if isinstance(mesh, Mesh) and mesh.axis_names else None)
    return NamedSharding(mesh, PartitionSpec())


def check_batch_divisible(
    batch_size: int, mesh: Mesh, axis_name: str | None = None, *, argument: str = "batch_size"
) -> int:
    """Raises unless ``batch_size`` splits evenly over the mesh's data axis; returns the count.

    The rule: every device gets the same number of examples per step, so ``batch_size`` must
    be a multiple of the number of devices along the data axis.

    Args:
        batch_size: examples per step.
        mesh: a ``jax.sharding.Mesh``.
        axis_name: the axis that splits the batch; ``None`` (default) for a 1-D mesh.
        argument: the name used in the error message (default ``"batch_size"``).

    Returns:
        The number of devices along the data axis.

    Examples:
        >>> check_batch_divisible(32, data_mesh(1))
        1
    """
    if not isinstance(argument, str):
        raise TypeError(f"`argument` must be the argument's name (a str), got {argument!r}.")
    axis = _axis(mesh, axis_name)
    n = mesh.shape[axis]
    batch_size = check_int(argument, batch_size, minimum=1)
    if batch_size % n:
        lower, upper = (batch_size // n) * n, (batch_size // n + 1) * n
        raise ValueError(
            f"`{argument}`={batch_size} does not split evenly over {n} devices: each device must "
            f"get the same number of examples. Use a multiple of {n}, e.g. "
            + (f"{lower} or {upper}." if lower else f"{upper}.")
        )
    return n


def shard_batch(x: Any, mesh: Mesh, axis_name: str | None = None) -> Any:
    """Places each leaf of ``x`` split along axis 0 across the mesh's data axis.

    Raises:
        ValueError: when a leaf's first dimension does not divide by the number of devices.

    Examples:
        >>> import jax.numpy as jnp
        >>> x, y = shard_batch((jnp.ones((4, 2)), jnp.ones(4)), data_mesh(1))
        >>> x.sharding.spec, y.shape
        (P('data',), (4,))
    """
    sharding = batch_sharding(mesh, axis_name)
    for leaf in jax.tree.leaves(x):
        if np.ndim(leaf) == 0:
            raise ValueError("shard_batch: leaves need a batch axis, got a scalar.")
        check_batch_divisible(np.shape(leaf)[0], mesh, axis_name, argument="x.shape[0]")
    return jax.device_put(x, sharding)


def replicate(tree: Any, mesh: Mesh) -> Any:
    """Places a full copy of every leaf of ``tree`` on every device of ``mesh``.

    Examples:
        >>> import jax.numpy as jnp
        >>> params = replicate({"w": jnp.zeros(3)}, data_mesh(1))
        >>> params["w"].sharding.is_fully_replicated
        True
    """
    return jax.device_put(tree, replicated_sharding(mesh))
