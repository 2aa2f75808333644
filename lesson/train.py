"""Training: mini-batch SGD or Adam with learning curves, divergence, early stopping, callbacks.

One epoch loop serves every way of training: ``fit`` (one run), ``train`` (an existing network,
in place) and ``train_many`` (K runs at once, as the experiments do). The loop owns the training
logic (shuffles, the optimizer with each run's own settings (``lesson.optimizers``), recording,
divergence, early stopping with restore-best, per-run callbacks); a kernel (``lesson.kernels``)
only computes gradients and logits. ``kernel="fast"`` (the default everywhere, so a run gives
the same numbers alone or among others) or ``kernel="reference"`` (the readable
``lesson.nn.MLP``, the same numbers to rounding).

Randomness comes only from the run's seed: the network's initial weights first, then one
shuffle per epoch.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field

import numpy as np

from lesson.checks import is_number, require
from lesson.data import Dataset
from lesson.kernels import batch_sum, make_kernel
from lesson.nn import MLP, NetworkConfig
from lesson.optimizers import OPTIMIZER_NAMES, Optimizer

DECAYS = ("none", "cosine")
# callback(epoch, record) -> True to stop; record holds that epoch's losses and accuracies.
EpochCallback = Callable[[int, dict], "bool | None"]


@dataclass(frozen=True)
class TrainConfig:
    """Hyperparameters of one training run.

    ``patience``: stop after this many epochs without a validation-loss improvement larger than
    ``min_delta`` (None = never stop early); ``restore_best`` then puts back the best epoch's
    weights. ``start_from_epoch``: the best epoch is looked for, and patience counted, only from
    this epoch on (Keras's name), so an early transient cannot end the run. A run whose training
    loss becomes non-finite or exceeds ``divergence_loss`` is marked diverged and stopped.
    ``record_steps`` keeps the mini-batch loss of every update.

    The learning rate of epoch e (1, 2, ...) is ``learning_rate`` times ``schedule_factor``: a
    linear warm-up over ``warmup_epochs`` (e / warmup_epochs), then constant (``decay="none"``)
    or falling along a half cosine towards 0 by the last epoch (``decay="cosine"``).

    ``optimizer``: "sgd" (heavy-ball momentum: v <- momentum v - lr g, w <- w + v) or "adam"
    (Kingma & Ba 2015: running means of g and g g with decay rates ``beta1`` and ``beta2``, bias
    correction, ``eps`` added to the root; ``beta1`` is Adam's momentum, so ``momentum`` must
    stay 0; sgd ignores the three). ``weight_decay`` pulls the weights towards 0 at every update:
    for "sgd" as L2 in the gradient, g <- g + weight_decay w (``torch.optim.SGD``'s
    weight_decay); for "adam" decoupled from the gradient, w <- w - lr weight_decay w beside the
    Adam step (AdamW, Loshchilov & Hutter 2019; ``torch.optim.AdamW``). They differ under Adam
    because Adam divides each gradient by the root of its own running mean square: an L2 term
    put into the gradient would be divided too, so weights with large gradients would be
    decayed less; decoupled decay shrinks every weight by the same factor. (For plain SGD the
    two are one update.) Biases are not decayed unless ``decay_biases`` is True, as is common
    practice. The schedule multiplies the Adam step and the decoupled decay too, as torch's
    schedulers scale ``lr``.
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
    start_from_epoch: int = 0
    warmup_epochs: int = 0
    decay: str = "none"
    optimizer: str = "sgd"
    beta1: float = 0.9
    beta2: float = 0.999
    eps: float = 1e-8
    weight_decay: float = 0.0
    decay_biases: bool = False

    def __post_init__(self) -> None:
        lr, bs, ep, mu, pa = (self.learning_rate, self.batch_size, self.epochs, self.momentum,
                              self.patience)
        require(self, "learning_rate", is_number(lr) and 0 < lr <= 1e4, "a number in (0, 10000]")
        require(self, "batch_size", isinstance(bs, int) and 1 <= bs <= 1_000_000,
                "an integer in [1, 1000000] (larger than the data = full batch)")
        require(self, "epochs", isinstance(ep, int) and 0 <= ep <= 100_000,
                "an integer in [0, 100000]")
        require(self, "optimizer", self.optimizer in OPTIMIZER_NAMES,
                f"one of {', '.join(repr(o) for o in OPTIMIZER_NAMES)}")
        require(self, "momentum", is_number(mu) and 0 <= mu < 1, "a number in [0, 1)")
        require(self, "momentum", self.optimizer == "sgd" or mu == 0,
                "0 with optimizer 'adam' (Adam's momentum is beta1)")
        for name in ("beta1", "beta2"):
            beta = getattr(self, name)
            require(self, name, is_number(beta) and 0 <= beta < 1, "a number in [0, 1)")
        require(self, "eps", is_number(self.eps) and 0 < self.eps <= 1, "a number in (0, 1]")
        require(self, "weight_decay", is_number(self.weight_decay)
                and 0 <= self.weight_decay <= 1e4, "a number in [0, 10000]")
        require(self, "decay_biases", isinstance(self.decay_biases, bool), "True or False")
        require(self, "patience", pa is None or (isinstance(pa, int) and pa >= 1),
                "None (no early stopping) or an integer >= 1")
        require(self, "min_delta", is_number(self.min_delta) and self.min_delta >= 0,
                "a number >= 0")
        require(self, "divergence_loss",
                is_number(self.divergence_loss) and self.divergence_loss > 0, "a number > 0")
        for name in ("start_from_epoch", "warmup_epochs"):
            value = getattr(self, name)
            require(self, name, isinstance(value, int) and value >= 0, "an integer >= 0")
        require(self, "decay", self.decay in DECAYS, f"one of {', '.join(repr(d) for d in DECAYS)}")

    @property
    def scheduled(self) -> bool:
        """True if the learning rate changes from epoch to epoch."""
        return self.warmup_epochs > 0 or self.decay != "none"

    def schedule_factor(self, epoch: int) -> float:
        """The multiple of ``learning_rate`` used in training epoch ``epoch`` (1-based)."""
        warmup = self.warmup_epochs
        if epoch <= warmup:
            return epoch / warmup
        if self.decay == "cosine":
            progress = (epoch - warmup - 1) / max(1, self.epochs - warmup)  # in [0, 1)
            return 0.5 * (1.0 + math.cos(math.pi * progress))
        return 1.0


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
class Recorder:
    """One run's per-epoch curves; decides divergence and early stopping from them."""

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
        """Updates the best epoch; True if this epoch is the new best (looked for only from
        ``start_from_epoch`` on)."""
        if epoch < self.config.start_from_epoch:
            return False
        if val_loss is not None and val_loss < self.best_val - self.config.min_delta:
            self.best_val, self.best_epoch = val_loss, epoch
            return True
        return False

    def patience_ran_out(self, epoch: int) -> bool:
        """True once ``patience`` epochs passed without improvement."""
        patience, start = self.config.patience, self.config.start_from_epoch
        return patience is not None and epoch - max(self.best_epoch, start) >= patience

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


@dataclass(frozen=True)
class Run:
    """One training run: architecture, hyperparameters, seed, and an optional epoch callback."""

    network: NetworkConfig = NetworkConfig()
    training: TrainConfig = TrainConfig()
    seed: int = 0
    callback: EpochCallback | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class Trained:
    """A trained network and the history of its training."""

    network: MLP
    history: History


def batch_losses(logits: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Each run's mean cross-entropy (softplus(z) - y z) on its mini-batch: (b, K) -> (K,)."""
    terms = np.logaddexp(0.0, logits) - y * logits
    total = np.empty(terms.shape[1])
    batch_sum(terms, 0, total)
    return total / len(y)


class EpochLoop:
    """The one training loop, for K runs that share depth, activation, mini-batch size and
    optimizer.

    Runs still training occupy the kernel's slots, in the order of ``self.slots`` (their indices
    in ``runs``); per-element arrays (the best weights, the optimizer's learning rates and state)
    follow the kernel's ``flat`` layout and shrink with it when runs finish. ``live[k]``, if
    given, is a network kept equal to run k's weights whenever its callback is called (``train``
    uses it).
    """

    def __init__(self, data: Dataset, runs: list[Run], networks: list[MLP],
                 rngs: list[np.random.Generator], kernel: str,
                 live: list[MLP | None] | None = None):
        keys = {_group_key(run) for run in runs}
        if len(keys) != 1:
            raise ValueError(
                f"EpochLoop: runs differ in (depth, activation, inputs, batch_size, record_steps, "
                f"optimizer, padded widths): {sorted(keys)}; call lesson.train.train_many, which "
                f"groups them")
        self.data, self.runs, self.rngs = data, runs, rngs
        self.live = live or [None] * len(runs)
        self.kernel = make_kernel(kernel, networks, runs[0].network.activation)
        self.slots = np.arange(len(runs))
        self.optimizer = Optimizer([run.training for run in runs], self.kernel.owner_flat,
                                   self.kernel.weight_flat)
        self.scheduled = any(run.training.scheduled for run in runs)
        self.best = self.kernel.flat.copy()
        self.recorders = [Recorder(run.training.epochs, run.training) for run in runs]
        self.results: list[Trained | None] = [None] * len(runs)
        self.x_both = np.concatenate([data.x_train, data.x_val])  # both splits in one pass
        self.y_both = np.concatenate([data.y_train, data.y_val])
        self.batch_size = runs[0].training.batch_size
        self.record_steps = runs[0].training.record_steps

    def run(self) -> list[Trained]:
        """Trains until every run has finished; one Trained per run, in order."""
        with np.errstate(over="ignore", invalid="ignore"):
            for epoch in range(max(run.training.epochs for run in self.runs) + 1):
                if epoch > 0:
                    if self.scheduled:
                        self.schedule(epoch)
                    self.train_epoch()
                self.after_epoch(epoch)
                if not len(self.slots):
                    break
        return self.results

    def train_epoch(self) -> None:
        """One pass over the training split; every run draws its own shuffle."""
        n = len(self.data.y_train)
        order = np.stack([self.rngs[k].permutation(n) for k in self.slots])  # (K, n)
        inputs = self.kernel.epoch_inputs(self.data.x_train, order)
        y = self.data.y_train[order.T]  # (n, K)
        losses = []
        for start in range(0, n, self.batch_size):
            y_batch = y[start:start + self.batch_size]  # (b, K)
            logits = self.kernel.gradients(inputs[:, start:start + self.batch_size], y_batch)
            self.optimizer.step(self.kernel.flat, self.kernel.grad)
            if self.record_steps:
                losses.append(batch_losses(logits, y_batch))
        if self.record_steps:
            for k, column in zip(self.slots, np.array(losses).T.tolist()):
                self.recorders[k].step_loss.extend(finite_or_none(v) for v in column)

    def schedule(self, epoch: int) -> None:
        """Sets every run's learning rate for this epoch (warm-up, decay)."""
        rates = np.array([self.runs[k].training.learning_rate
                          * self.runs[k].training.schedule_factor(epoch) for k in self.slots])
        self.optimizer.set_learning_rates(rates)

    def after_epoch(self, epoch: int) -> None:
        """Records every run still training, calls its callback, and drops the runs that
        diverged, ran out of patience, completed or were stopped by their callback."""
        values = self.evaluate()
        improved = np.zeros(len(self.slots), dtype=bool)
        done = np.zeros(len(self.slots), dtype=bool)
        for slot, k in enumerate(self.slots.tolist()):
            recorder, run = self.recorders[k], self.runs[k]
            record = recorder.record(epoch, {name: v[slot] for name, v in values.items()})
            # the callback sees every recorded epoch, the diverged one included
            wants_stop = self.call_back(slot, k, epoch, record)
            if recorder.is_diverged(record):
                done[slot] = self.finish(slot, k, epoch, "diverged", epoch)
                continue
            improved[slot] = recorder.improved(epoch, record["val_loss"])
            if wants_stop:
                done[slot] = self.finish(slot, k, epoch, "callback", None)
            elif recorder.patience_ran_out(epoch):
                done[slot] = self.finish(slot, k, epoch, "early_stopping", None)
            elif epoch == run.training.epochs:
                done[slot] = self.finish(slot, k, epoch, "completed", None)
        if improved.any():
            np.copyto(self.best, self.kernel.flat, where=improved[self.kernel.owner_flat])
        if done.any():
            self.drop(done)

    def call_back(self, slot: int, k: int, epoch: int, record: dict) -> bool:
        """Run k's callback, if any (its live network updated first); True if it asks to stop."""
        run = self.runs[k]
        if run.callback is None:
            return False
        if self.live[k] is not None:
            self.live[k].set_state(
                self.kernel.network(slot, run.network, self.kernel.flat).get_state())
        return run.callback(epoch, record) is True

    def evaluate(self) -> dict[str, list]:
        """Whole-split loss and accuracy of every run still training, each a list (K,)."""
        logits = self.kernel.eval_logits(self.x_both)  # (K, n_train + n_val)
        y = self.y_both
        losses = np.logaddexp(0.0, logits)
        losses -= y * logits  # cross-entropy from logits, as nn.bce_with_logits
        hits = (logits > 0.0) == (y > 0.5)
        n = len(self.data.y_train)
        values = {}
        for split, part in (("train", slice(0, n)), ("val", slice(n, None))):
            count = len(y[part])
            values[f"{split}_loss"] = (losses[:, part].sum(axis=1) / count).tolist()
            values[f"{split}_acc"] = (hits[:, part].sum(axis=1) / count).tolist()
        return values

    def finish(self, slot: int, k: int, epoch: int, reason: str,
               diverged_epoch: int | None) -> bool:
        """Stores run k's result (the network in ``slot``); returns True."""
        restored = reason == "early_stopping" and self.runs[k].training.restore_best
        state = self.best if restored else self.kernel.flat
        network = self.kernel.network(slot, self.runs[k].network, state)
        history = self.recorders[k].history(epoch, reason, diverged_epoch, restored)
        self.results[k] = Trained(network, history)
        return True

    def drop(self, done: np.ndarray) -> None:
        """Removes finished runs from the kernel, the optimizer and the best weights."""
        keep = ~done
        self.best = self.best[keep[self.kernel.owner_flat]]
        self.kernel.keep(keep)
        self.optimizer.keep(keep, self.kernel.owner_flat)
        self.slots = self.slots[keep]


def _group_key(run: Run) -> tuple:
    """Runs that can share one kernel: same depth, activation, mini-batch layout and
    optimizer; deeper networks also the same widths rounded up to a power of two (padding
    wastes < 2x)."""
    hidden = run.network.hidden
    widths = () if len(hidden) == 1 else tuple(1 << (w - 1).bit_length() for w in hidden)
    return (len(hidden), run.network.activation, run.network.n_inputs,
            run.training.batch_size, run.training.record_steps, run.training.optimizer, widths)


def train_many(data: Dataset, runs: Sequence[Run], kernel: str = "fast") -> list[Trained]:
    """Trains every run, those that can share a kernel together; results in the order given.

    Each run draws its initial weights and shuffles from its own seed, exactly as ``fit`` does,
    so a run's numbers do not depend on which runs it is trained with.
    """
    groups: dict[tuple, list[int]] = {}
    for index, run in enumerate(runs):
        groups.setdefault(_group_key(run), []).append(index)
    results: list[Trained | None] = [None] * len(runs)
    for indices in groups.values():
        group = [runs[i] for i in indices]
        rngs = [np.random.default_rng(run.seed) for run in group]
        networks = [MLP.initialize(run.network, rng) for run, rng in zip(group, rngs)]
        for index, trained in zip(indices, EpochLoop(data, group, networks, rngs, kernel).run()):
            results[index] = trained
    return results


def fit(data: Dataset, network: NetworkConfig = NetworkConfig(),
        training: TrainConfig = TrainConfig(), seed: int = 0,
        callback: EpochCallback | None = None, kernel: str = "fast") -> Trained:
    """Initialises a network from ``seed`` and trains it: the engine's one-call entry point."""
    return train_many(data, [Run(network, training, seed, callback)], kernel)[0]


def network_config(net: MLP) -> NetworkConfig:
    """The NetworkConfig that describes an existing network."""
    hidden = tuple(layer.weights.shape[1] for layer in net.layers[:-1])
    return NetworkConfig(n_inputs=net.layers[0].weights.shape[0], hidden=hidden,
                         activation=net.layers[0].activation)


def train(net: MLP, data: Dataset, config: TrainConfig, rng: np.random.Generator,
          callback: EpochCallback | None = None, kernel: str = "fast") -> History:
    """Trains ``net`` in place (shuffles drawn from ``rng``) and returns its History.

    After every epoch (and once before training, epoch 0) the whole training and validation
    splits are evaluated; ``callback(epoch, record)`` then sees that record ({"train_loss",
    "val_loss", "train_acc", "val_acc"}, None for non-finite values) while ``net`` holds that
    epoch's weights, and may return True to stop. Divergence stops the run (never raises, never
    floods warnings).
    """
    run = Run(network_config(net), config, callback=callback)
    loop = EpochLoop(data, [run], [net], [rng], kernel, live=[net])
    trained = loop.run()[0]
    net.set_state(trained.network.get_state())
    return trained.history


def lr_range_test(net: MLP, data: Dataset, learning_rates: np.ndarray, batch_size: int,
                  rng: np.random.Generator, kernel: str = "fast") -> list[float | None]:
    """Smith's range test: one short run, the learning rate changing every update.

    Uses ``learning_rates[i]`` for update ``i`` (reshuffling when an epoch ends) and returns
    each update's mini-batch loss (None once it is non-finite; the run stops there).
    """
    compute = make_kernel(kernel, [net], net.layers[0].activation)
    losses: list[float | None] = []
    order = np.array([], dtype=int)
    with np.errstate(over="ignore", invalid="ignore"):
        for lr in learning_rates:
            if len(order) < batch_size:
                order = np.concatenate([order, rng.permutation(len(data.y_train))])
            batch, order = order[:batch_size], order[batch_size:]
            y = data.y_train[batch][:, None]  # (b, 1)
            logits = compute.gradients(compute.epoch_inputs(data.x_train, batch[None, :]), y)
            loss = finite_or_none(batch_losses(logits, y)[0])
            compute.grad *= float(lr)
            compute.flat -= compute.grad
            losses.append(loss)
            if loss is None:
                break
    return losses + [None] * (len(learning_rates) - len(losses))
