"""The optimizers (``lesson.optimizers``): SGD with momentum and L2 weight decay, Adam, AdamW.

* A few steps computed by hand from the papers' equations (Kingma & Ba 2015; Loshchilov & Hutter
  2019), with a gradient written out by hand too, equal the engine's on a tiny network.
* The fast kernels and the reference stay step-equal under every optimizer, compared one step at
  a time as in test_kernels.py (weights and optimizer state carried from the reference).
* Where PyTorch is installed, 20 steps of ours equal torch.optim.SGD / Adam / AdamW on the same
  float64 network, data, mini-batches and initial weights to 1e-12.
* Weight/bias masks of every kernel, validation messages, and a training smoke test.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from lesson.data import DataConfig, make_dataset
from lesson.kernels import PaddedStackKernel, ReferenceKernel, UnitStackKernel, make_kernel
from lesson.nn import MLP, NetworkConfig
from lesson.optimizers import Optimizer
from lesson.train import Run, TrainConfig, fit, train_many

#: max |fast - reference| / max |reference| over one run's weights after each step
STEP_RTOL = 1e-12
#: max |ours - torch| over every parameter after TORCH_STEPS steps
TORCH_ATOL = 1e-12
TORCH_STEPS = 20


@pytest.fixture(scope="module")
def data():
    return make_dataset(DataConfig(n_train=160, n_val=40, n_test=40))


def _flat(net: MLP) -> np.ndarray:
    return np.concatenate([p.ravel() for p in net.parameters()])


# --- (a) by hand, from the papers' equations ------------------------------------------------------

def _gradients_by_hand(params: list[np.ndarray], x: np.ndarray, y: np.ndarray) -> list[np.ndarray]:
    """d mean BCE / d [W1, b1, W2, b2] of a one-hidden-layer tanh network, written out."""
    w1, b1, w2, b2 = params
    h = np.tanh(x @ w1 + b1)  # (n, in) @ (in, H) -> (n, H)
    z = (h @ w2 + b2)[:, 0]  # (n, H) @ (H, 1) -> (n,)
    d = (1.0 / (1.0 + np.exp(-z)) - y) / len(y)  # dLoss/dz
    dz1 = d[:, None] * w2[:, 0] * (1.0 - h * h)  # dLoss/d(x W1 + b1), (n, H)
    return [x.T @ dz1, dz1.sum(axis=0), h.T @ d[:, None], np.array([d.sum()])]


def _by_hand(params, x, y, steps, optimizer, lr, wd, beta1=0.9, beta2=0.999, eps=1e-8,
             momentum=0.0):
    """``steps`` full-batch updates, parameter by parameter, as the papers write them.

    Adam (Kingma & Ba, Algorithm 1): m_t = b1 m + (1 - b1) g, v_t = b2 v + (1 - b2) g^2,
    m^ = m_t / (1 - b1^t), v^ = v_t / (1 - b2^t), w_t = w - lr m^ / (sqrt(v^) + eps).
    AdamW (Loshchilov & Hutter, Algorithm 2): w_t = w - eta_t (alpha m^ / (sqrt(v^) + eps)
    + lambda w); torch (and we) write lr = eta_t alpha and decay lr wd = eta_t lambda.
    SGD: g <- g + wd w, b <- momentum b + g, w <- w - lr b. Biases (odd indices) never decay.
    """
    params = [p.copy() for p in params]
    m = [np.zeros_like(p) for p in params]
    v = [np.zeros_like(p) for p in params]
    for t in range(1, steps + 1):
        grads = _gradients_by_hand(params, x, y)
        for i, (p, g) in enumerate(zip(params, grads)):
            decay = wd if i % 2 == 0 else 0.0
            if optimizer == "sgd":
                m[i] = momentum * m[i] + (g + decay * p)
                params[i] = p - lr * m[i]
                continue
            m[i] = beta1 * m[i] + (1 - beta1) * g
            v[i] = beta2 * v[i] + (1 - beta2) * g ** 2
            m_hat = m[i] / (1 - beta1 ** t)
            v_hat = v[i] / (1 - beta2 ** t)
            params[i] = p - lr * (m_hat / (np.sqrt(v_hat) + eps) + decay * p)
    return params


@pytest.mark.parametrize("kernel", ["fast", "reference"])
@pytest.mark.parametrize("name,settings", [
    ("adam", dict(optimizer="adam", learning_rate=0.05)),
    ("adam betas", dict(optimizer="adam", learning_rate=0.05, beta1=0.5, beta2=0.9, eps=1e-3)),
    ("adamw", dict(optimizer="adam", learning_rate=0.05, weight_decay=0.5)),
    ("sgd + weight decay", dict(learning_rate=0.5, momentum=0.9, weight_decay=0.1)),
])
@pytest.mark.parametrize("steps", [1, 2])
def test_steps_by_hand_equal_the_engine(kernel, name, settings, steps):
    """Full batch (one update per epoch, whatever the shuffle), so epochs = updates."""
    data = make_dataset(DataConfig(n_train=12, n_val=4, n_test=2, seed=3))
    network = NetworkConfig(hidden=(3,), activation="tanh")
    start = MLP.initialize(network, np.random.default_rng(5)).parameters()  # as fit(seed=5)
    config = TrainConfig(batch_size=12, epochs=steps, **settings)
    trained = fit(data, network, config, seed=5, kernel=kernel).network
    hand = _by_hand(start, data.x_train, data.y_train, steps, config.optimizer,
                    config.learning_rate, config.weight_decay, config.beta1, config.beta2,
                    config.eps, config.momentum)
    for ours, theirs, before in zip(trained.parameters(), hand, start):
        assert np.abs(theirs - before).min() > 1e-4, "every parameter moved"
        np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=0)


def test_adamw_decays_weights_not_biases_unless_asked():
    """With zero gradients (no data signal) only the decay moves the parameters."""
    flat = np.array([2.0, -1.0, 0.5, 3.0])
    weight = np.array([True, True, False, False])
    for decay_biases, expected in [(False, [2.0 * 0.98, -0.98, 0.5, 3.0]),
                                   (True, [2.0 * 0.98, -0.98, 0.5 * 0.98, 3.0 * 0.98])]:
        config = TrainConfig(optimizer="adam", learning_rate=0.1, weight_decay=0.2,
                             decay_biases=decay_biases)
        optimizer = Optimizer([config], np.zeros(4, dtype=int), weight)
        state = flat.copy()
        optimizer.step(state, np.zeros(4))
        np.testing.assert_array_equal(state, expected)


# --- (b) the kernels stay step-equal --------------------------------------------------------------

OPTIMIZER_CASES = {
    # per run (3 runs in one kernel, each with its own settings)
    "sgd+wd": [dict(momentum=0.9, weight_decay=0.05), dict(momentum=0.0, weight_decay=0.0),
               dict(momentum=0.5, weight_decay=0.2, decay_biases=True)],
    "sgd+wd plain": [dict(weight_decay=0.05), dict(weight_decay=0.3, decay_biases=True),
                     dict(weight_decay=0.0)],
    "adam": [dict(optimizer="adam"), dict(optimizer="adam", beta1=0.5, beta2=0.99, eps=1e-6),
             dict(optimizer="adam", beta1=0.0, beta2=0.9)],
    "adamw": [dict(optimizer="adam", weight_decay=0.1),
              dict(optimizer="adam", weight_decay=0.0, beta2=0.99),
              dict(optimizer="adam", weight_decay=1.0, decay_biases=True)],
}


def _relayout(source, configs: list[NetworkConfig], state: np.ndarray, activation: str):
    """A flat array in ``source``'s layout, laid out as the fast kernel lays out these runs."""
    nets = [source.network(k, config, state) for k, config in enumerate(configs)]
    return make_kernel("fast", nets, activation).flat


def _worst_relative(fast, reference, configs) -> float:
    """max over runs of max |fast - reference| / max |reference|; non-finite values fail."""
    worst = 0.0
    for k, config in enumerate(configs):
        ref = _flat(reference.network(k, config, reference.flat))
        got = _flat(fast.network(k, config, fast.flat))
        assert np.isfinite(ref).all() and np.isfinite(got).all(), f"run {k} is not finite"
        worst = max(worst, float(np.abs(got - ref).max() / np.abs(ref).max()))
    return worst


@pytest.mark.parametrize("case", sorted(OPTIMIZER_CASES))
@pytest.mark.parametrize("scale", ["low", "high"])
@pytest.mark.parametrize("activation", ["tanh", "relu", "sigmoid"])
@pytest.mark.parametrize("depth", [1, 2])
def test_fast_kernels_equal_reference_one_step_at_a_time(data, case, scale, activation, depth):
    is_adam = case.startswith("adam")
    lr = {"low": 1e-3, "high": 0.3 if is_adam else 3.0}[scale]
    widths = [(5,), (8,), (3,)] if depth == 1 else [(4, 4), (6, 6), (4, 2)]
    networks = [NetworkConfig(hidden=w, activation=activation) for w in widths]
    training = [TrainConfig(learning_rate=lr, **settings) for settings in OPTIMIZER_CASES[case]]
    reference = ReferenceKernel([MLP.initialize(c, np.random.default_rng(k))
                                 for k, c in enumerate(networks)], activation)
    ref_opt = Optimizer(training, reference.owner_flat, reference.weight_flat)
    rng = np.random.default_rng(7)
    worst = 0.0
    for _ in range(30):
        fast = make_kernel("fast", [reference.network(k, c, reference.flat)
                                    for k, c in enumerate(networks)], activation)
        assert isinstance(fast, UnitStackKernel if depth == 1 else PaddedStackKernel)
        fast_opt = Optimizer(training, fast.owner_flat, fast.weight_flat)
        for name in ("velocity", "m", "v"):  # carry the optimizer's state over
            if hasattr(ref_opt, name):
                setattr(fast_opt, name,
                        _relayout(reference, networks, getattr(ref_opt, name), activation))
        if hasattr(ref_opt, "t"):
            fast_opt.t = ref_opt.t
        order = np.stack([rng.permutation(len(data.y_train))[:16] for _ in networks])
        y = data.y_train[order.T]
        for kernel, optimizer in ((reference, ref_opt), (fast, fast_opt)):
            kernel.gradients(kernel.epoch_inputs(data.x_train, order), y)
            optimizer.step(kernel.flat, kernel.grad)
        worst = max(worst, _worst_relative(fast, reference, networks))
    assert worst <= STEP_RTOL, f"updated weights differ by {worst:.2e} relative"


def _assert_mask(kernel, configs: list[NetworkConfig]) -> None:
    assert kernel.weight_flat.shape == kernel.flat.shape and kernel.weight_flat.dtype == bool
    mask = kernel.weight_flat.astype(float)
    for k, config in enumerate(configs):
        params = kernel.network(k, config, mask).parameters()
        assert all((p == 1.0).all() for p in params[0::2]), (type(kernel).__name__, config)
        assert all((p == 0.0).all() for p in params[1::2]), (type(kernel).__name__, config)


def test_every_kernel_says_which_elements_are_weights():
    """weight_flat, handed back through network(), is 1 on every weight and 0 on every bias."""
    for activation in ("tanh", "sigmoid"):
        for widths in ([(3,), (7,)], [(4, 2), (3, 5)], [(2, 3, 2), (4, 1, 3)]):
            configs = [NetworkConfig(hidden=w, activation=activation) for w in widths]
            nets = [MLP.initialize(c, np.random.default_rng(k)) for k, c in enumerate(configs)]
            for name in ("fast", "reference"):
                kernel = make_kernel(name, nets, activation)
                _assert_mask(kernel, configs)
                kernel.keep(np.array([False, True]))  # and again after dropping the first run
                _assert_mask(kernel, configs[1:])


def test_a_runs_numbers_do_not_depend_on_its_companions(data):
    """Alone or among runs with other optimizers and settings that stop at other epochs."""
    cases = [TrainConfig(optimizer="adam", learning_rate=0.01, weight_decay=0.1, epochs=12),
             TrainConfig(learning_rate=0.5, momentum=0.9, weight_decay=0.01, epochs=12),
             TrainConfig(learning_rate=0.5, epochs=12)]
    crowd = [Run(NetworkConfig(hidden=(w,)), TrainConfig(
        epochs=e, learning_rate=lr, optimizer=opt, weight_decay=wd, decay_biases=bias,
        patience=pa), seed=s)
        for w, e, lr, opt, wd, bias, pa, s in [
            (3, 4, 0.1, "adam", 0.5, True, None, 1), (6, 12, 1.0, "sgd", 0.2, True, 2, 2),
            (9, 7, 0.03, "adam", 0.0, False, None, 3), (4, 2, 2.0, "sgd", 0.0, False, None, 4)]]
    for config in cases:
        run = Run(NetworkConfig(hidden=(6,)), config, seed=5)
        alone = train_many(data, [run])[0]
        together = train_many(data, crowd[:2] + [run] + crowd[2:])[2]
        assert alone.history.to_dict() == together.history.to_dict(), config
        for p, q in zip(alone.network.parameters(), together.network.parameters()):
            np.testing.assert_array_equal(p, q)


# --- (c) against PyTorch ------------------------------------------------------------------------

TORCH_CASES = {
    # torch's SGD keeps lr outside its buffer (b <- mu b + g; w <- w - lr b) and ours inside
    # (v <- mu v - lr g; w <- w + v): v = -lr b exactly when lr is constant, so SGD is compared
    # at a constant learning rate (under a schedule the two genuinely differ). torch's first step
    # sets b = g (no dampening), as ours gives v = -lr g from v = 0.
    "sgd momentum + weight decay": dict(learning_rate=0.5, momentum=0.9, weight_decay=0.01),
    "sgd + weight decay, biases too": dict(learning_rate=0.5, weight_decay=0.05,
                                           decay_biases=True),
    "adam": dict(optimizer="adam", learning_rate=0.01),
    "adam, other betas": dict(optimizer="adam", learning_rate=0.02, beta1=0.8, beta2=0.99,
                              eps=1e-6),
    "adamw": dict(optimizer="adam", learning_rate=0.01, weight_decay=0.1),
    "adamw, biases too": dict(optimizer="adam", learning_rate=0.01, weight_decay=0.3,
                              decay_biases=True),
    # schedules scale lr as torch's schedulers set a group's lr, the decoupled decay included
    "adamw, warm-up and cosine": dict(optimizer="adam", learning_rate=0.05, weight_decay=0.2,
                                      warmup_epochs=2, decay="cosine"),
}


def _torch_run(torch, network: NetworkConfig, config: TrainConfig, data, seed: int):
    """The engine's run in PyTorch (float64): same initial weights, shuffles, mini-batches.
    Returns the initial and the trained parameters ([W1, b1, ...]) and each step's loss."""
    rng = np.random.default_rng(seed)
    start = MLP.initialize(network, rng)  # as fit: the weights first, then a shuffle per epoch
    params = [torch.tensor(p, dtype=torch.float64, requires_grad=True) for p in start.parameters()]
    decay = config.weight_decay
    groups = [{"params": params[0::2], "weight_decay": decay},
              {"params": params[1::2], "weight_decay": decay if config.decay_biases else 0.0}]
    if config.optimizer == "sgd":
        optimizer = torch.optim.SGD(groups, lr=config.learning_rate, momentum=config.momentum)
    else:
        kind = torch.optim.AdamW if decay else torch.optim.Adam
        optimizer = kind(groups, lr=config.learning_rate, betas=(config.beta1, config.beta2),
                         eps=config.eps)
    act = {"tanh": torch.tanh, "relu": torch.relu, "sigmoid": torch.sigmoid}[network.activation]
    x_all = torch.tensor(data.x_train, dtype=torch.float64)
    y_all = torch.tensor(data.y_train, dtype=torch.float64)
    losses = []
    for epoch in range(1, config.epochs + 1):
        for group in optimizer.param_groups:  # as a LambdaLR with the engine's factor would
            group["lr"] = config.learning_rate * config.schedule_factor(epoch)
        order = rng.permutation(len(data.y_train))
        for begin in range(0, len(order), config.batch_size):
            batch = torch.from_numpy(order[begin:begin + config.batch_size])
            a = x_all[batch]
            for index in range(0, len(params), 2):
                a = a @ params[index] + params[index + 1]
                if index < len(params) - 2:
                    a = act(a)
            loss = torch.nn.functional.binary_cross_entropy_with_logits(a[:, 0], y_all[batch])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
    return start.parameters(), [p.detach().numpy() for p in params], losses


@pytest.mark.parametrize("kernel", ["fast", "reference"])
@pytest.mark.parametrize("hidden,activation", [((8,), "tanh"), ((5, 4), "relu")])
@pytest.mark.parametrize("case", list(TORCH_CASES))
def test_twenty_steps_equal_torch(kernel, hidden, activation, case):
    torch = pytest.importorskip("torch")
    data = make_dataset(DataConfig(n_train=64, n_val=20, n_test=20, seed=1))
    network = NetworkConfig(hidden=hidden, activation=activation)
    config = TrainConfig(batch_size=16, epochs=TORCH_STEPS // 4, record_steps=True,
                         **TORCH_CASES[case])
    ours = fit(data, network, config, seed=11, kernel=kernel)
    start, theirs, losses = _torch_run(torch, network, config, data, seed=11)
    assert len(losses) == TORCH_STEPS == len(ours.history.step_loss)
    deviation = max(float(np.abs(p - q).max())
                    for p, q in zip(ours.network.parameters(), theirs))
    moved = min(float(np.abs(p - q).max()) for p, q in zip(theirs, start))
    assert moved > 1e-3, "the runs trained"
    assert math.isfinite(deviation) and deviation <= TORCH_ATOL, f"{case}: {deviation:.2e}"
    np.testing.assert_allclose(ours.history.step_loss, losses, rtol=TORCH_ATOL, atol=0)


# --- (d) validation, (e) training ---------------------------------------------------------------

@pytest.mark.parametrize("settings,message", [
    (dict(optimizer="rmsprop"), r"optimizer = 'rmsprop' is invalid: use one of 'sgd', 'adam'"),
    (dict(optimizer="adam", momentum=0.9),
     r"momentum = 0.9 is invalid: use 0 with optimizer 'adam' \(Adam's momentum is beta1\)"),
    (dict(beta1=1.0), r"beta1 = 1.0 is invalid: use a number in \[0, 1\)"),
    (dict(beta2=-0.1), r"beta2 = -0.1 is invalid: use a number in \[0, 1\)"),
    (dict(beta2=float("nan")), r"beta2 = nan is invalid"),
    (dict(eps=0.0), r"eps = 0.0 is invalid: use a number in \(0, 1\]"),
    (dict(eps="1e-8"), r"eps = '1e-8' is invalid"),
    (dict(weight_decay=-0.01), r"weight_decay = -0.01 is invalid: use a number in \[0, 10000\]"),
    (dict(weight_decay=True), r"weight_decay = True is invalid"),
    (dict(decay_biases=1), r"decay_biases = 1 is invalid: use True or False"),
])
def test_bad_optimizer_settings_raise_naming_the_field_and_the_fix(settings, message):
    with pytest.raises(ValueError, match=rf"^TrainConfig\.{message}"):
        TrainConfig(**settings)


def test_adam_at_lr_001_trains_the_default_network():
    data = make_dataset(DataConfig())
    history = fit(data, NetworkConfig(),
                  TrainConfig(optimizer="adam", learning_rate=0.01, epochs=100), seed=0).history
    assert history.stop_reason == "completed"
    assert history.val_acc[-1] >= 0.9, history.val_acc[-1]
    assert history.val_loss[-1] < history.val_loss[0] / 4
