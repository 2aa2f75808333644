"""The chapter's engine is ordinary deep learning: one of its runs translated line by line into
PyTorch (float64, the same data, initial weights and shuffles) reproduces its learning curves to
1e-9. Skipped only where torch is absent (scripts/setup --torch installs it; scripts/test does)."""

from __future__ import annotations

import numpy as np
import pytest

from lesson import DataConfig, NetworkConfig, TrainConfig, fit, make_dataset
from lesson.nn import MLP

torch = pytest.importorskip("torch")

#: The learning-rate page's "about right" run: 2-8-1 tanh, batch 16, SGD with momentum.
NETWORK = NetworkConfig(hidden=(8,), activation="tanh")
TRAINING = {"learning_rate": 0.3, "momentum": 0.9, "batch_size": 16, "epochs": 30}
SEED = 0
TOLERANCE = 1e-9


def torch_run(data, network: NetworkConfig, learning_rate, momentum, batch_size, epochs, seed):
    """The same run in PyTorch: nn.Sequential, BCEWithLogitsLoss, torch.optim.SGD. The initial
    weights and every epoch's shuffle come from the engine's generator, drawn in its order
    (weights first, then one permutation per epoch), so that both see the same numbers."""
    rng = np.random.default_rng(seed)
    start = MLP.initialize(network, rng)
    model = torch.nn.Sequential(torch.nn.Linear(2, network.hidden[0]), torch.nn.Tanh(),
                                torch.nn.Linear(network.hidden[0], 1)).double()
    with torch.no_grad():
        for linear, layer in zip((model[0], model[2]), start.layers):
            linear.weight.copy_(torch.from_numpy(layer.weights.T))  # torch keeps (out, in)
            linear.bias.copy_(torch.from_numpy(layer.bias))
    optimizer = torch.optim.SGD(model.parameters(), lr=learning_rate, momentum=momentum)
    loss_fn = torch.nn.BCEWithLogitsLoss()  # mean over the mini-batch, as the engine's loss
    x_train, y_train = torch.from_numpy(data.x_train), torch.from_numpy(data.y_train.astype(float))
    x_val, y_val = torch.from_numpy(data.x_val), torch.from_numpy(data.y_val.astype(float))

    def losses() -> tuple[float, float]:
        with torch.no_grad():
            return (loss_fn(model(x_train)[:, 0], y_train).item(), loss_fn(model(x_val)[:, 0], y_val).item())

    curves = [losses()]
    for _ in range(epochs):
        order = torch.from_numpy(rng.permutation(len(y_train)))
        for begin in range(0, len(order), batch_size):
            batch = order[begin:begin + batch_size]
            optimizer.zero_grad()
            loss_fn(model(x_train[batch])[:, 0], y_train[batch]).backward()
            optimizer.step()
        curves.append(losses())
    return [c[0] for c in curves], [c[1] for c in curves]


def test_the_pytorch_translation_of_a_chapter_run_reproduces_its_learning_curves():
    data = make_dataset(DataConfig(n_train=400, seed=0))
    history = fit(data, NETWORK, TrainConfig(**TRAINING), seed=SEED).history
    train_loss, val_loss = torch_run(data, NETWORK, seed=SEED, **TRAINING)
    assert len(train_loss) == len(history.train_loss) == TRAINING["epochs"] + 1
    worst = max(np.abs(np.subtract(train_loss, history.train_loss)).max(),
                np.abs(np.subtract(val_loss, history.val_loss)).max())
    assert np.isfinite(worst) and worst <= TOLERANCE, f"PyTorch's curves differ from the engine's by {worst:.2e}"
    # and the run learned: the comparison is not between two flat lines
    assert history.val_loss[-1] < 0.5 * history.val_loss[0]


def test_a_changed_translation_is_caught():
    """The tolerance is tight enough to see a real difference: another momentum moves the curve."""
    data = make_dataset(DataConfig(n_train=400, seed=0))
    history = fit(data, NETWORK, TrainConfig(**TRAINING), seed=SEED).history
    changed = {**TRAINING, "momentum": 0.89}
    train_loss, _ = torch_run(data, NETWORK, seed=SEED, **changed)
    assert np.abs(np.subtract(train_loss, history.train_loss)).max() > 1e3 * TOLERANCE
