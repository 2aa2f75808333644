"""Mini-batch SGD with learning curves, divergence detection, early stopping, progress callback.

``fit(data, network_config, train_config, seed)`` is the one-liner;
``train(net, data, config, rng)`` trains an existing network in place and returns its ``History``. Randomness comes only from the
generator passed in: the network's initial weights first, then one shuffle per epoch.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import asdict, dataclass, field

import numpy as np

from lesson.data import Dataset
from lesson.nn import MLP, NetworkConfig, accuracy, bce_with_logits

# callback(epoch, record) -> True to stop; record holds that epoch's losses and accuracies.
EpochCallback = Callable[[int, dict], "bool | None"]


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _check(owner: str, name: str, value, ok: bool, valid: str) -> None:
    """Raises ValueError naming the field, its bad value and the valid range unless ``ok``."""
    if not ok:
        raise ValueError(f"{owner}.{name} = {value!r} is invalid: use {valid}")


@dataclass(frozen=True)
class TrainConfig:
    """Hyperparameters of one training run.

    ``patience``: stop after this many epochs without a validation-loss improvement larger than
    ``min_delta`` (None = never stop early); ``restore_best`` then puts back the best epoch's
    weights. A run whose training loss becomes non-finite or exceeds ``divergence_loss`` is marked
    diverged and stopped. ``record_steps`` keeps the mini-batch loss of every update.
    """

    learning_rate: float = 0.3
    batch_size: int = 16
    epochs: int = 100
    momentum: float = 0.0
    patience: int | None = None
    min_delta: float = 0.0
    restore_best: bool = True
    divergence_loss: float = 5.0
    record_steps: bool = False

    def __post_init__(self) -> None:
        lr = self.learning_rate
        _check("TrainConfig", "learning_rate", lr, _is_number(lr) and 0 < lr <= 1e4,
               "a number in (0, 10000]")
        bs = self.batch_size
        _check("TrainConfig", "batch_size", bs, isinstance(bs, int) and 1 <= bs <= 1_000_000,
               "an integer in [1, 1000000] (larger than the data = full batch)")
        ep = self.epochs
        _check("TrainConfig", "epochs", ep, isinstance(ep, int) and 0 <= ep <= 100_000,
               "an integer in [0, 100000]")
        mu = self.momentum
        _check("TrainConfig", "momentum", mu, _is_number(mu) and 0 <= mu < 1,
               "a number in [0, 1)")
        pa = self.patience
        _check("TrainConfig", "patience", pa, pa is None or (isinstance(pa, int) and pa >= 1),
               "None (no early stopping) or an integer >= 1")
        _check("TrainConfig", "min_delta", self.min_delta,
               _is_number(self.min_delta) and self.min_delta >= 0, "a number >= 0")
        _check("TrainConfig", "divergence_loss", self.divergence_loss,
               _is_number(self.divergence_loss) and self.divergence_loss > 0, "a number > 0")


@dataclass(frozen=True)
class History:
    """What happened during one run, epoch by epoch (epoch 0 = before any update).

    The four curves have ``epochs + 1`` entries; entries after the run stopped, and any
    non-finite value, are None. ``stop_reason`` is 'completed', 'early_stopping', 'diverged'
    or 'callback'. ``best_epoch`` minimises validation loss over the recorded epochs.
    """

    train_loss: list
    val_loss: list
    train_acc: list
    val_acc: list
    step_loss: list
    diverged: bool
    diverged_epoch: int | None
    stopped_epoch: int
    best_epoch: int
    stop_reason: str
    restored_best: bool

    @property
    def best_val_loss(self) -> float | None:
        """Validation loss at ``best_epoch``."""
        return self.val_loss[self.best_epoch]

    @property
    def final_val_loss(self) -> float | None:
        """Validation loss at the last epoch trained (before any restore)."""
        return self.val_loss[self.stopped_epoch]

    def to_dict(self) -> dict:
        """Plain JSON-able dict (lists of floats/None, ints, bools, str)."""
        return asdict(self)


@dataclass
class _Recorder:
    """Collects the per-epoch curves; decides divergence and early stopping from them."""

    epochs: int
    config: TrainConfig
    curves: dict = field(default_factory=dict)
    step_loss: list = field(default_factory=list)
    best_epoch: int = 0
    best_val: float = math.inf

    def __post_init__(self) -> None:
        for name in ("train_loss", "val_loss", "train_acc", "val_acc"):
            self.curves[name] = [None] * (self.epochs + 1)

    def record(self, epoch: int, values: dict) -> dict:
        """Stores one epoch; returns the record with non-finite values turned into None."""
        clean = {name: finite_or_none(v) for name, v in values.items()}
        for name, value in clean.items():
            self.curves[name][epoch] = value
        return clean

    def is_diverged(self, record: dict) -> bool:
        """Non-finite training loss, or above the configured ceiling."""
        loss = record["train_loss"]
        return loss is None or loss > self.config.divergence_loss

    def improved(self, epoch: int, val_loss: float | None) -> bool:
        """Updates the best epoch; True if this epoch is the new best."""
        if val_loss is not None and val_loss < self.best_val - self.config.min_delta:
            self.best_val, self.best_epoch = val_loss, epoch
            return True
        return False

    def patience_ran_out(self, epoch: int) -> bool:
        """True once ``patience`` epochs passed without improvement."""
        patience = self.config.patience
        return patience is not None and epoch - self.best_epoch >= patience

    def history(self, stopped: int, reason: str, diverged_epoch: int | None,
                restored: bool) -> History:
        """The finished run's History."""
        return History(step_loss=self.step_loss, diverged=diverged_epoch is not None,
                       diverged_epoch=diverged_epoch, stopped_epoch=stopped,
                       best_epoch=self.best_epoch, stop_reason=reason, restored_best=restored,
                       **self.curves)


def finite_or_none(value) -> float | None:
    """float(value) if finite, else None (so results stay valid JSON)."""
    value = float(value)
    return value if math.isfinite(value) else None


def evaluate(net: MLP, data: Dataset) -> dict:
    """Training and validation loss and accuracy of ``net`` on the whole splits."""
    with np.errstate(over="ignore", invalid="ignore"):
        train_logits = net.logits(data.x_train)
        val_logits = net.logits(data.x_val)
        return {
            "train_loss": bce_with_logits(train_logits, data.y_train),
            "val_loss": bce_with_logits(val_logits, data.y_val),
            "train_acc": accuracy(train_logits, data.y_train),
            "val_acc": accuracy(val_logits, data.y_val),
        }


def sgd_step(net: MLP, x: np.ndarray, y: np.ndarray, learning_rate: float, momentum: float,
             velocity: list[np.ndarray]) -> float:
    """One update on the mini-batch (x, y), heavy-ball momentum; returns the batch loss.

    With momentum 0 the velocity form reduces to ``param -= lr * grad`` bit for bit, so that
    shorter form is used (fewer numpy calls; lesson.batched does the same).
    """
    loss = net.loss_and_gradients(x, y)
    _descend(net, learning_rate, momentum, velocity)
    return loss


def _descend(net: MLP, learning_rate: float, momentum: float,
             velocity: list[np.ndarray]) -> None:
    """Moves every parameter against its gradient from the last backward pass."""
    for param, grad, vel in zip(net.parameters(), net.gradients(), velocity):
        if momentum == 0.0:
            param -= learning_rate * grad
            continue
        vel *= momentum
        vel -= learning_rate * grad
        param += vel


def train_epoch(net: MLP, data: Dataset, config: TrainConfig, rng: np.random.Generator,
                velocity: list[np.ndarray], step_loss: list | None) -> None:
    """One pass over the shuffled training split in mini-batches."""
    n = len(data.y_train)
    order = rng.permutation(n)
    for start in range(0, n, config.batch_size):
        batch = order[start:start + config.batch_size]
        x, y = data.x_train[batch], data.y_train[batch]
        if step_loss is None:  # same update as sgd_step without the batch loss's numpy calls
            net.backprop(x, y)
            _descend(net, config.learning_rate, config.momentum, velocity)
        else:
            step_loss.append(finite_or_none(sgd_step(net, x, y, config.learning_rate,
                                                     config.momentum, velocity)))


def train(net: MLP, data: Dataset, config: TrainConfig, rng: np.random.Generator,
          callback: EpochCallback | None = None) -> History:
    """Trains ``net`` in place with mini-batch SGD and returns its History.

    After every epoch (and once before training, epoch 0) the whole training and validation
    splits are evaluated; ``callback(epoch, record)`` then sees that record ({"train_loss",
    "val_loss", "train_acc", "val_acc"}, None for non-finite values) and may return True to
    stop. Divergence stops the run (never raises, never floods warnings).
    """
    recorder = _Recorder(config.epochs, config)
    velocity = [np.zeros_like(p) for p in net.parameters()]
    best_state = net.get_state() if config.patience is not None else None
    steps = recorder.step_loss if config.record_steps else None
    reason, diverged_epoch, epoch = "completed", None, 0
    for epoch in range(config.epochs + 1):
        if epoch > 0:
            with np.errstate(over="ignore", invalid="ignore"):
                train_epoch(net, data, config, rng, velocity, steps)
        record = recorder.record(epoch, evaluate(net, data))
        # the callback sees every recorded epoch, the diverged one included
        wants_stop = callback is not None and callback(epoch, record) is True
        if recorder.is_diverged(record):
            reason, diverged_epoch = "diverged", epoch
            break
        if recorder.improved(epoch, record["val_loss"]) and best_state is not None:
            best_state = net.get_state()
        if wants_stop:
            reason = "callback"
            break
        if recorder.patience_ran_out(epoch):
            reason = "early_stopping"
            break
    restored = best_state is not None and config.restore_best and reason == "early_stopping"
    if restored:
        net.set_state(best_state)
    return recorder.history(epoch, reason, diverged_epoch, restored)


@dataclass(frozen=True)
class Trained:
    """A trained network and the history of its training."""

    network: MLP
    history: History


def fit(data: Dataset, network: NetworkConfig = NetworkConfig(),
        training: TrainConfig = TrainConfig(), seed: int = 0,
        callback: EpochCallback | None = None) -> Trained:
    """Initialises a network from ``seed`` and trains it: the engine's one-call entry point."""
    rng = np.random.default_rng(seed)
    net = MLP.initialize(network, rng)
    history = train(net, data, training, rng, callback)
    return Trained(net, history)


def lr_range_test(net: MLP, data: Dataset, learning_rates: np.ndarray, batch_size: int,
                  rng: np.random.Generator) -> list[float | None]:
    """Smith's range test: one short run, the learning rate changing every update.

    Uses ``learning_rates[i]`` for update ``i`` (reshuffling when an epoch ends) and returns
    each update's mini-batch loss (None once it is non-finite; the run stops there).
    """
    losses: list[float | None] = []
    velocity = [np.zeros_like(p) for p in net.parameters()]
    order = np.array([], dtype=int)
    with np.errstate(over="ignore", invalid="ignore"):
        for lr in learning_rates:
            if len(order) < batch_size:
                order = np.concatenate([order, rng.permutation(len(data.y_train))])
            batch, order = order[:batch_size], order[batch_size:]
            loss = finite_or_none(sgd_step(net, data.x_train[batch], data.y_train[batch],
                                           float(lr), 0.0, velocity))
            losses.append(loss)
            if loss is None:
                break
    return losses + [None] * (len(learning_rates) - len(losses))
