"""Many training runs at once: K networks updated by the same few numpy calls.

A tiny MLP's training step costs numpy call overhead, not arithmetic, so training K networks one
after another pays that overhead K times. Here the K networks share the calls:

* one hidden layer (every experiment in the chapter): all runs' hidden units are concatenated
  into one wide layer (``_UnitStack``); each unit knows its run, and ``np.add.reduceat`` sums
  each run's units into its own logit. No padding, so runs of any widths share one batch.
* deeper networks: weights are stacked as (K, n_in, n_out) tensors, narrower runs zero-padded
  (``_PaddedStack``); padded tanh/ReLU units output 0 and get zero gradients, sigmoid ones are
  masked.

Each run keeps its own learning rate, momentum, seed (initial weights and shuffles are drawn
exactly as ``lesson.train.fit`` draws them), epochs, patience and divergence state, and uses the
same _Recorder as ``train``. Histories equal K separate ``fit`` calls to rounding (tested to
1e-9).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from lesson.data import Dataset
from lesson.nn import MLP, Dense, NetworkConfig, activate, activation_slope, sigmoid
from lesson.train import TrainConfig, Trained, _Recorder, finite_or_none


@dataclass(frozen=True)
class Run:
    """One training run: architecture, hyperparameters, seed (as in ``fit``)."""

    network: NetworkConfig = NetworkConfig()
    training: TrainConfig = TrainConfig()
    seed: int = 0


def _group_key(run: Run) -> tuple:
    """Runs that can share one batch: same depth, activation and mini-batch layout."""
    return (len(run.network.hidden), run.network.activation, run.network.n_inputs,
            run.training.batch_size, run.training.record_steps)


def _width_bucket(run: Run) -> tuple:
    """For padded (deep) stacks: widths rounded up to a power of two, so padding wastes < 2x."""
    if len(run.network.hidden) == 1:
        return ()
    return tuple(1 << (width - 1).bit_length() for width in run.network.hidden)


def train_many(data: Dataset, runs: Sequence[Run]) -> list[Trained]:
    """Trains every run, batching compatible runs together; results in the order given."""
    groups: dict[tuple, list[int]] = {}
    for index, run in enumerate(runs):
        groups.setdefault((_group_key(run), _width_bucket(run)), []).append(index)
    results: list[Trained | None] = [None] * len(runs)
    for indices in groups.values():
        for index, trained in zip(indices, train_batch(data, [runs[i] for i in indices])):
            results[index] = trained
    return results


def train_batch(data: Dataset, runs: Sequence[Run]) -> list[Trained]:
    """Trains runs that share depth, activation and batch size as one batch.

    Raises ValueError naming the mismatch if the runs cannot share a batch (use ``train_many``).
    """
    keys = {_group_key(run) for run in runs}
    if len(keys) != 1:
        raise ValueError(
            f"train_batch: runs differ in (depth, activation, inputs, batch_size, record_steps): "
            f"{sorted(keys)}; call lesson.batched.train_many, which groups them for you")
    with np.errstate(over="ignore", invalid="ignore"):
        return _BatchTrainer(data, list(runs)).run()


class _UnitStack:
    """One-hidden-layer networks with all hidden units side by side (U = total units).

    Parameters, each with the unit (or run) axis first: W1 (U, in), b1 (U,), W2 (U,), b2 (K,).
    ``owners[i][j]`` is the run that row j of parameter i belongs to.
    """

    def __init__(self, networks: list[MLP], activation: str):
        self.activation = activation
        hidden = [net.layers[0] for net in networks]
        output = [net.layers[1] for net in networks]
        self.widths = np.array([layer.bias.size for layer in hidden])
        self.owner = np.repeat(np.arange(len(networks)), self.widths)  # (U,) run of each unit
        self.starts = np.concatenate([[0], np.cumsum(self.widths)[:-1]])
        self.params = [
            np.concatenate([layer.weights.T for layer in hidden]),  # (U, in)
            np.concatenate([layer.bias for layer in hidden]),  # (U,)
            np.concatenate([layer.weights[:, 0] for layer in output]),  # (U,)
            np.array([layer.bias[0] for layer in output]),  # (K,)
        ]
        self.owners = [self.owner, self.owner, self.owner, np.arange(len(networks))]

    def parameters(self) -> list[np.ndarray]:
        """[W1 (U, in), b1 (U,), W2 (U,), b2 (K,)] (live arrays, updated in place)."""
        return self.params

    def _hidden_and_logits(self, x_units: list[np.ndarray]):
        """x_units[i]: input i for every unit, shape (U, b). Returns z, h (U, b), logits (K, b)."""
        w1, b1, w2, b2 = self.params
        z = b1[:, None] + sum(w1[:, i, None] * xi for i, xi in enumerate(x_units))
        h = activate(self.activation, z)
        logits = np.add.reduceat(h * w2[:, None], self.starts, axis=0) + b2[:, None]
        return z, h, logits

    def gradients(self, x: np.ndarray, y: np.ndarray):
        """Logits (K, b) and gradients for per-run mini-batches x (K, b, in), y (K, b)."""
        x_units = [x[self.owner, :, i] for i in range(x.shape[2])]  # each (U, b)
        z, h, logits = self._hidden_and_logits(x_units)
        grad_logits = (sigmoid(logits) - y) / y.shape[1]  # (K, b)
        grad_units = grad_logits[self.owner]  # (U, b): each unit sees its run's dLoss/dlogit
        grad_z = grad_units * self.params[2][:, None] * activation_slope(self.activation, z, h)
        grads = [np.stack([(xi * grad_z).sum(axis=1) for xi in x_units], axis=1),
                 grad_z.sum(axis=1), (h * grad_units).sum(axis=1), grad_logits.sum(axis=1)]
        return logits, grads

    def eval_logits(self, x: np.ndarray, active: np.ndarray) -> np.ndarray:
        """Logits (K_active, n) of the active runs on the shared inputs x (n, in)."""
        keep = active[self.owner]
        w1, b1, w2 = self.params[0][keep], self.params[1][keep], self.params[2][keep]
        widths = self.widths[active]
        starts = np.concatenate([[0], np.cumsum(widths)[:-1]])
        # (n, in) x (U, in) -> (n, U) as in-many multiply-adds: with in = 2, BLAS is slower.
        # The (n, U) array is the biggest the engine makes, so it is updated in place.
        z = x[:, 0, None] * w1[:, 0]
        for i in range(1, x.shape[1]):
            z += x[:, i, None] * w1[:, i]
        z += b1
        h = np.tanh(z, out=z) if self.activation == "tanh" else activate(self.activation, z)
        h *= w2
        logits = np.add.reduceat(h, starts, axis=1) + self.params[3][active]  # (n, K)
        # contiguous rows: each run's loss is then summed in the same order whatever its batch
        return np.ascontiguousarray(logits.T)

    def network(self, k: int, config: NetworkConfig, state: list[np.ndarray]) -> MLP:
        """Run k's own network from a ``state`` laid out like ``parameters()``."""
        units = self.owner == k
        return MLP([Dense(state[0][units].T.copy(), state[1][units].copy(), self.activation),
                    Dense(state[2][units][:, None].copy(), state[3][k:k + 1].copy(),
                          "identity")])


class _PaddedStack:
    """Networks of any depth stacked as (K, n_in, n_out) tensors, zero-padded to the widest."""

    def __init__(self, networks: list[MLP], activation: str):
        self.activation = activation
        self.weights, self.biases, self.masks = [], [], []
        for layer in range(len(networks[0].layers)):
            shapes = [net.layers[layer].weights.shape for net in networks]
            n_in, n_out = max(s[0] for s in shapes), max(s[1] for s in shapes)
            weights = np.zeros((len(networks), n_in, n_out))
            biases = np.zeros((len(networks), 1, n_out))
            for k, net in enumerate(networks):
                w = net.layers[layer].weights
                weights[k, :w.shape[0], :w.shape[1]] = w
                biases[k, 0, :w.shape[1]] = net.layers[layer].bias
            self.weights.append(weights)
            self.biases.append(biases)
            # only sigmoid padding needs a mask: sigmoid(0) = 0.5 would feed the next layer
            self.masks.append(_unit_mask(shapes, n_in, n_out) if activation == "sigmoid" else None)
        self.owners = [np.arange(len(networks))] * (2 * len(self.weights))

    def parameters(self) -> list[np.ndarray]:
        """[W1, b1, W2, b2, ...], each with the run axis first."""
        return [p for pair in zip(self.weights, self.biases) for p in pair]

    def _forward(self, x: np.ndarray, weights: list, biases: list) -> tuple[np.ndarray, list]:
        cache, a = [], x
        last = len(weights) - 1
        for index, (w, b) in enumerate(zip(weights, biases)):
            z = a @ w + b  # (K, n, in) @ (K, in, out) -> (K, n, out)
            out = z if index == last else activate(self.activation, z)
            cache.append((a, z, out))
            a = out
        return a[:, :, 0], cache

    def gradients(self, x: np.ndarray, y: np.ndarray):
        """Logits (K, b) and gradients [dW1, db1, ...] for mini-batches x (K, b, in), y (K, b)."""
        logits, cache = self._forward(x, self.weights, self.biases)
        grad_z = ((sigmoid(logits) - y) / y.shape[1])[:, :, None]  # (K, b, 1)
        grads = []
        for index in range(len(self.weights) - 1, -1, -1):
            a_in = cache[index][0]
            grad_w = a_in.transpose(0, 2, 1) @ grad_z  # (K, in, b) @ (K, b, out) -> (K, in, out)
            grad_b = grad_z.sum(axis=1, keepdims=True)
            if self.masks[index] is not None:
                grad_w = grad_w * self.masks[index]
                grad_b = grad_b * self.masks[index][:, :1, :]
            grads[:0] = [grad_w, grad_b]
            if index > 0:
                grad_a = grad_z @ self.weights[index].transpose(0, 2, 1)  # (K,b,out)@(K,out,in)
                _, z_prev, a_prev = cache[index - 1]
                grad_z = grad_a * activation_slope(self.activation, z_prev, a_prev)
        return logits, grads

    def eval_logits(self, x: np.ndarray, active: np.ndarray) -> np.ndarray:
        """Logits (K_active, n) of the active runs on shared inputs x (n, in)."""
        weights = [w[active] for w in self.weights]
        biases = [b[active] for b in self.biases]
        return self._forward(x, weights, biases)[0]  # (n, in) broadcasts against (K, in, out)

    def network(self, k: int, config: NetworkConfig, state: list[np.ndarray]) -> MLP:
        """Run k's network, cut back to its own widths, from a stacked ``state``."""
        sizes = config.layer_sizes
        layers = []
        for index, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
            act = "identity" if index == len(sizes) - 2 else self.activation
            layers.append(Dense(state[2 * index][k, :n_in, :n_out].copy(),
                                state[2 * index + 1][k, 0, :n_out].copy(), act))
        return MLP(layers)


def _unit_mask(shapes: list[tuple[int, int]], n_in: int, n_out: int) -> np.ndarray:
    """1 where a weight exists in run k's own (unpadded) shape, 0 in the padding."""
    mask = np.zeros((len(shapes), n_in, n_out))
    for k, (rows, cols) in enumerate(shapes):
        mask[k, :rows, :cols] = 1.0
    return mask


def _per_row(values: np.ndarray, owners: np.ndarray, param: np.ndarray) -> np.ndarray:
    """values[run] for each row of ``param``, shaped to broadcast over the row's other axes."""
    return values[owners].reshape((-1,) + (1,) * (param.ndim - 1))


class _BatchTrainer:
    """The epoch loop for one batch of runs; each run has its own _Recorder (as in ``train``)."""

    def __init__(self, data: Dataset, runs: list[Run]):
        self.data, self.runs = data, runs
        self.rngs = [np.random.default_rng(run.seed) for run in runs]
        networks = [MLP.initialize(run.network, rng) for run, rng in zip(runs, self.rngs)]
        activation = runs[0].network.activation
        one_layer = len(runs[0].network.hidden) == 1
        self.stack = (_UnitStack if one_layer else _PaddedStack)(networks, activation)
        self.lr = np.array([run.training.learning_rate for run in runs], dtype=float)
        self.momentum = np.array([run.training.momentum for run in runs], dtype=float)
        self._spread_rates()
        self.velocity = [np.zeros_like(p) for p in self.stack.parameters()]
        self.recorders = [_Recorder(run.training.epochs, run.training) for run in runs]
        self.active = np.ones(len(runs), dtype=bool)
        self.best_state = [p.copy() for p in self.stack.parameters()]
        self.results: list[Trained | None] = [None] * len(runs)
        self.x_both = np.concatenate([data.x_train, data.x_val])  # both splits in one pass
        self.batch_size = runs[0].training.batch_size
        self.record_steps = runs[0].training.record_steps

    def _spread_rates(self) -> None:
        """Per-row learning rate and momentum arrays matching each parameter's layout."""
        params, owners = self.stack.parameters(), self.stack.owners
        self.row_lr = [_per_row(self.lr, o, p) for p, o in zip(params, owners)]
        self.row_momentum = [_per_row(self.momentum, o, p) for p, o in zip(params, owners)]
        self.plain_sgd = not self.momentum.any()

    def run(self) -> list[Trained]:
        """Trains until every run has finished; one Trained per run, in order."""
        max_epochs = max(run.training.epochs for run in self.runs)
        for epoch in range(max_epochs + 1):
            if epoch > 0:
                self.train_epoch()
            self.after_epoch(epoch)
            if not self.active.any():
                break
        return self.results

    def train_epoch(self) -> None:
        """One pass over the training split; every run draws its own shuffle."""
        n = len(self.data.y_train)
        order = np.stack([rng.permutation(n) for rng in self.rngs])  # (K, n), one shuffle per run
        for start in range(0, n, self.batch_size):
            batch = order[:, start:start + self.batch_size]  # (K, b)
            x, y = self.data.x_train[batch], self.data.y_train[batch]  # (K, b, in), (K, b)
            logits, grads = self.stack.gradients(x, y)
            self.update(grads)
            if self.record_steps:
                losses = (np.logaddexp(0.0, logits) - y * logits).sum(axis=1) / y.shape[1]
                for k in np.flatnonzero(self.active):
                    self.recorders[k].step_loss.append(finite_or_none(losses[k]))

    def update(self, grads: list[np.ndarray]) -> None:
        """SGD with per-run learning rate and momentum (same arithmetic as train.sgd_step)."""
        for i, (param, grad) in enumerate(zip(self.stack.parameters(), grads)):
            if self.plain_sgd:
                param -= self.row_lr[i] * grad
                continue
            vel = self.velocity[i]
            vel *= self.row_momentum[i]
            vel -= self.row_lr[i] * grad
            param += vel

    def after_epoch(self, epoch: int) -> None:
        """Records every active run and finishes those that diverged, ran out or stopped early."""
        values = self.evaluate()
        improved = np.zeros(len(self.runs), dtype=bool)
        for position, k in enumerate(np.flatnonzero(self.active)):
            recorder, config = self.recorders[k], self.runs[k].training
            record = recorder.record(epoch, {name: v[position] for name, v in values.items()})
            if recorder.is_diverged(record):
                self.finish(k, epoch, "diverged", epoch)
                continue
            improved[k] = recorder.improved(epoch, record["val_loss"])
            if recorder.patience_ran_out(epoch):
                self.finish(k, epoch, "early_stopping", None)
            elif epoch == config.epochs:
                self.finish(k, epoch, "completed", None)
        if improved.any():
            for best, param, owners in zip(self.best_state, self.stack.parameters(),
                                           self.stack.owners):
                rows = improved[owners]
                best[rows] = param[rows]

    def evaluate(self) -> dict[str, np.ndarray]:
        """Whole-split loss and accuracy of the active runs, each (K_active,).

        This is where most arithmetic goes, so finished runs are left out.
        """
        logits = self.stack.eval_logits(self.x_both, self.active)  # (K_active, n_train + n_val)
        n_train = len(self.data.y_train)
        values = {}
        for split, part, y in (("train", logits[:, :n_train], self.data.y_train),
                               ("val", logits[:, n_train:], self.data.y_val)):
            values[f"{split}_loss"] = (np.logaddexp(0.0, part) - y * part).sum(axis=1) / len(y)
            values[f"{split}_acc"] = ((part > 0.0) == (y > 0.5)).sum(axis=1) / len(y)
        return values

    def finish(self, k: int, epoch: int, reason: str, diverged_epoch: int | None) -> None:
        """Stores run k's result and freezes it (a diverged run's weights are zeroed)."""
        restored = reason == "early_stopping" and self.runs[k].training.restore_best
        state = self.best_state if restored else self.stack.parameters()
        network = self.stack.network(k, self.runs[k].network, state)
        history = self.recorders[k].history(epoch, reason, diverged_epoch, restored)
        self.results[k] = Trained(network, history)
        self.active[k] = False
        self.lr[k] = 0.0
        self.momentum[k] = 0.0
        self._spread_rates()
        for param, vel, owners in zip(self.stack.parameters(), self.velocity, self.stack.owners):
            rows = owners == k
            vel[rows] = 0.0
            if reason == "diverged":
                param[rows] = 0.0
