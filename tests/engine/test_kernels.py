"""The kernels against each other, one step at a time: gradients and one update agree to 1e-12.

Whole runs at high learning rates are chaotic (last-bit differences grow to O(1)), so kernels
are compared step by step along a real trajectory instead: the reference kernel trains, and at
every step the fast kernel is built from the reference's current weights and must give the same
gradients and the same updated weights on the same mini-batch. That is not chaotic, so the
tolerance can be strict at any learning rate.
"""

import math

import numpy as np
import pytest

from lesson.data import DataConfig, make_dataset
from lesson.kernels import PaddedStackKernel, ReferenceKernel, UnitStackKernel, make_kernel
from lesson.nn import MLP, NetworkConfig
from lesson.train import network_config

#: max |fast - reference| / max |reference| over one run's whole gradient (or weight) vector
STEP_RTOL = 1e-12
STEPS = 30
BATCH = 16


@pytest.fixture(scope="module")
def data():
    return make_dataset(DataConfig(n_train=160, n_val=40, n_test=40))


def _relative(fast: MLP, reference: MLP) -> float:
    """Largest parameter difference relative to the reference's largest parameter; infinite when
    one kernel has a non-finite value where the other has not (a NaN must fail, never compare
    as 'not larger': max(worst, nan) keeps worst)."""
    pairs = list(zip(fast.parameters(), reference.parameters()))
    if any(not np.array_equal(np.isfinite(f), np.isfinite(r)) for f, r in pairs):
        return math.inf
    diff = max((np.abs(f - r)[np.isfinite(r)].max(initial=0.0) for f, r in pairs), default=0.0)
    scale = max(np.abs(r)[np.isfinite(r)].max(initial=0.0) for _, r in pairs)
    return diff / scale if scale > 0 else diff


def test_a_kernel_that_returns_nan_is_infinitely_far_from_the_reference():
    network = MLP.initialize(NetworkConfig(hidden=(3,)), np.random.default_rng(0))
    broken = MLP.initialize(NetworkConfig(hidden=(3,)), np.random.default_rng(0))
    broken.parameters()[0][0, 0] = np.nan
    assert _relative(network, network) == 0.0
    assert _relative(broken, network) == math.inf and _relative(network, broken) == math.inf


def _per_run(kernel, configs, state) -> list[MLP]:
    return [kernel.network(k, config, state) for k, config in enumerate(configs)]


@pytest.mark.parametrize("learning_rate", [1e-4, 0.3, 8.0, 30.0])
@pytest.mark.parametrize("activation", ["tanh", "relu", "sigmoid"])
@pytest.mark.parametrize("depth", [1, 2, 3])
def test_fast_kernel_equals_reference_one_step_at_a_time(data, learning_rate, activation, depth):
    widths = [(5,), (8,), (3,)] if depth == 1 else [(4,) * depth, (6,) * depth, (4, 2, 3)[:depth]]
    configs = [NetworkConfig(hidden=w, activation=activation) for w in widths]
    reference = ReferenceKernel([MLP.initialize(c, np.random.default_rng(k))
                                 for k, c in enumerate(configs)], activation)
    rng = np.random.default_rng(7)
    worst_grad = worst_step = 0.0
    with np.errstate(over="ignore", invalid="ignore"):
        for _ in range(STEPS):
            nets = _per_run(reference, configs, reference.flat)
            fast = make_kernel("fast", nets, activation)
            assert isinstance(fast, UnitStackKernel if depth == 1 else PaddedStackKernel)
            order = np.stack([rng.permutation(len(data.y_train))[:BATCH] for _ in configs])
            y = data.y_train[order.T]
            reference.gradients(reference.epoch_inputs(data.x_train, order), y)
            fast.gradients(fast.epoch_inputs(data.x_train, order), y)
            for r, f in zip(_per_run(reference, configs, reference.grad),
                            _per_run(fast, configs, fast.grad)):
                worst_grad = max(worst_grad, _relative(f, r))
            for kernel in (reference, fast):
                kernel.flat -= learning_rate * kernel.grad
            for r, f in zip(_per_run(reference, configs, reference.flat),
                            _per_run(fast, configs, fast.flat)):
                worst_step = max(worst_step, _relative(f, r))
            if not np.isfinite(reference.flat).all():
                break
    assert worst_grad <= STEP_RTOL, f"gradients differ by {worst_grad:.2e} relative"
    assert worst_step <= STEP_RTOL, f"updated weights differ by {worst_step:.2e} relative"


def test_kernels_hand_back_each_runs_own_network(data):
    configs = [NetworkConfig(hidden=(3,)), NetworkConfig(hidden=(7,))]
    nets = [MLP.initialize(c, np.random.default_rng(k)) for k, c in enumerate(configs)]
    for name in ("fast", "reference"):
        kernel = make_kernel(name, nets, "tanh")
        for k, config in enumerate(configs):
            back = kernel.network(k, config, kernel.flat)
            assert network_config(back) == config
            for p, q in zip(back.parameters(), nets[k].parameters()):
                np.testing.assert_array_equal(p, q)
        kernel.keep(np.array([False, True]))
        back = kernel.network(0, configs[1], kernel.flat)
        np.testing.assert_array_equal(back.parameters()[0], nets[1].parameters()[0])


def test_unknown_kernel_names_the_valid_ones():
    net = MLP.initialize(NetworkConfig(), np.random.default_rng(0))
    with pytest.raises(ValueError, match="fast, reference"):
        make_kernel("turbo", [net], "tanh")
