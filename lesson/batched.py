"""Many training runs at once: K networks updated by the same few numpy calls.

A tiny MLP's training step costs numpy call overhead, not arithmetic, so training K networks one
after another pays that overhead K times. Here the K networks share the calls:

* one hidden layer (every experiment in the chapter): all runs' hidden units are concatenated
  into one wide layer (``_UnitStack``); each unit knows its run, and ``np.add.reduceat`` sums
  each run's units into its own logit. No padding, so runs of any widths share one batch.
* deeper networks: weights are stacked as (K, n_in, n_out) tensors, narrower runs zero-padded
  (``_PaddedStack``); padded tanh/ReLU units output 0 and get zero gradients, sigmoid ones are
  masked.

Each stack keeps all its parameters in one flat array (the arrays it computes with are views
into it), so one SGD update is two numpy calls whatever the depth, and a finished run is dropped
from the batch (``keep``) instead of being carried along. Each run keeps its own learning rate,
momentum, seed (initial weights and shuffles are drawn exactly as ``lesson.train.fit`` draws
them), epochs, patience and divergence state, and uses the same _Recorder as ``train``.
Histories equal K separate ``fit`` calls to rounding (tested to 1e-9).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from lesson.data import Dataset
from lesson.nn import MLP, Dense, NetworkConfig, activate, activation_slope
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


def _views(flat: np.ndarray, shapes: list[tuple]) -> list[np.ndarray]:
    """Consecutive pieces of ``flat`` reshaped to ``shapes`` (views: writing them writes flat)."""
    views, start = [], 0
    for shape in shapes:
        size = int(np.prod(shape))
        views.append(flat[start:start + size].reshape(shape))
        start += size
    return views


def _batch_sum(a: np.ndarray, axis: int, out: np.ndarray) -> None:
    """out = a summed over the batch ``axis``, always adding the batch rows in order.

    np.add.reduce does that while the last axis (units or runs) has more than one entry, but
    switches to pairwise summation when it has one, which would make a lone run's numbers differ
    in the last bit from the same run trained among others; accumulate is always in order.
    """
    if a.shape[-1] > 1:
        np.add.reduce(a, axis=axis, out=out)
    else:
        out[...] = np.add.accumulate(a, axis=axis).take(-1, axis=axis)


def _sigmoid(z: np.ndarray) -> np.ndarray:
    """1 / (1 + e^-z) in a new array: nn.sigmoid to rounding, with np.exp rather than np.tanh
    for the reason given in _UnitActivation."""
    p = np.negative(z)
    np.exp(p, out=p)
    p += 1.0
    return np.reciprocal(p, out=p)


class _UnitActivation:
    """The hidden activation of a _UnitStack, computed from s = SCALE * z.

    The activations of every unit on every sample are the largest cost of batched training,
    and np.tanh costs two to three times np.exp per value (numpy vectorises float64 exp with
    AVX2 but tanh only with AVX-512; in Pyodide this form was faster too). So
    tanh(z) = 1 - 2 / (1 + e^(2z)) and sigmoid(z) = 1 / (1 + e^(-z)): both agree with np.tanh
    and nn.sigmoid to a few units in the last place (absolute), well inside the 1e-9 the
    batched/sequential test asks. The factor (2 or -1) is applied to the weights, where it is
    exact and costs (in+1, U) multiplications instead of (n, U).
    """

    SCALE = {"tanh": 2.0, "sigmoid": -1.0, "relu": 1.0}

    def __init__(self, name: str):
        self.name = name
        self.scale = self.SCALE[name]

    def __call__(self, s: np.ndarray) -> np.ndarray:
        """The activation, overwriting s (relu keeps s: its slope needs it)."""
        if self.name == "relu":
            return np.maximum(s, 0.0)
        np.exp(s, out=s)
        s += 1.0
        if self.name == "sigmoid":
            return np.reciprocal(s, out=s)
        np.divide(2.0, s, out=s)
        return np.subtract(1.0, s, out=s)

    def times_slope(self, grad: np.ndarray, s: np.ndarray, h: np.ndarray) -> None:
        """grad *= d activation / dz, in place (same formulas as nn.activation_slope)."""
        if self.name == "relu":
            grad *= s > 0.0
            return
        slope = h * h if self.name == "tanh" else h * (1.0 - h)
        if self.name == "tanh":
            np.subtract(1.0, slope, out=slope)
        grad *= slope


class _UnitStack:
    """One-hidden-layer networks with all hidden units side by side.

    U = total hidden units, K = runs (slots), in = inputs. Parameters (views of ``flat``):
    ``w_in`` (in+1, U): input weights, last row the biases; ``w_out`` (U,); ``b_out`` (K,).
    ``owner_flat[j]`` is the slot that element j of ``flat`` belongs to.
    """

    # values per array in one block of eval_logits: its few (U, block) arrays stay in L2 cache
    CACHE_VALUES = 16_384

    def __init__(self, networks: list[MLP], activation: str):
        self.activation = activation
        self.act = _UnitActivation(activation)
        hidden = [net.layers[0] for net in networks]
        output = [net.layers[1] for net in networks]
        self.n_inputs = hidden[0].weights.shape[0]
        flat = np.concatenate([
            np.concatenate([np.vstack([h.weights, h.bias]) for h in hidden], axis=1).ravel(),
            np.concatenate([o.weights[:, 0] for o in output]),
            np.array([o.bias[0] for o in output]),
        ])
        self._set(np.array([h.bias.size for h in hidden]), flat)

    def _set(self, widths: np.ndarray, flat: np.ndarray) -> None:
        """Lays out parameters, gradients and owners for runs of these hidden widths."""
        self.widths, self.flat = widths, flat
        runs = np.arange(len(widths))
        owner = np.repeat(runs, widths)  # (U,) slot of each unit
        self.starts = np.concatenate([[0], np.cumsum(widths)[:-1]])
        shapes = [(self.n_inputs + 1, owner.size), (owner.size,), (len(widths),)]
        self.w_in, self.w_out, self.b_out = _views(flat, shapes)
        self.grad = np.empty_like(flat)
        self.g_in, self.g_out, self.g_bout = _views(self.grad, shapes)
        self.owner_flat = np.concatenate([np.tile(owner, self.n_inputs + 1), owner, runs])

    def keep(self, slots: np.ndarray) -> None:
        """Drops the runs whose entry of the boolean mask ``slots`` (K,) is False."""
        self._set(self.widths[slots], self.flat[slots[self.owner_flat]])

    def epoch_inputs(self, x: np.ndarray, order: np.ndarray) -> np.ndarray:
        """Each run's shuffled inputs for one epoch, (in, n, K): one gather per epoch."""
        return np.take(np.ascontiguousarray(x.T), order.T, axis=1)  # (in, N)[(n, K)]

    def gradients(self, inputs: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Fills ``grad`` for one mini-batch; inputs (in, b, K), y (b, K); returns logits."""
        x = np.repeat(inputs, self.widths, axis=2)  # (in, b, U): each unit sees its run's batch
        s = self._scaled_z(x, self.w_in * self.act.scale)  # (b, U); the scale is exact
        h = self.act(s)
        logits = np.add.reduceat(h * self.w_out, self.starts, axis=1)  # (b, U) -> (b, K)
        logits += self.b_out
        grad_logits = _sigmoid(logits)
        grad_logits -= y
        grad_logits /= y.shape[0]  # dLoss/dlogit (b, K)
        _batch_sum(grad_logits, 0, self.g_bout)
        grad_h = np.repeat(grad_logits, self.widths, axis=1)  # (b, U): its run's dLoss/dlogit
        _batch_sum(h * grad_h, 0, self.g_out)
        grad_h *= self.w_out
        self.act.times_slope(grad_h, s, h)  # now dLoss/dz (b, U)
        _batch_sum(grad_h, 0, self.g_in[-1])
        x *= grad_h
        _batch_sum(x, 1, self.g_in[:-1])  # (in, b, U) -> (in, U)
        return logits

    def _scaled_z(self, x: np.ndarray, w: np.ndarray, out: np.ndarray | None = None,
                  tmp: np.ndarray | None = None) -> np.ndarray:
        """SCALE * z = sum over inputs of x[i] * w[i], plus w[-1], into ``out`` (new if None).

        x (in, ...) and the scaled weights w (in+1, ...) broadcast to the output's shape. One
        multiply-add per input rather than BLAS: with in = 2 BLAS is no faster, and its rounding
        depends on the matrix shapes, which would make a run's numbers depend on its batch
        companions.
        """
        out = np.multiply(x[0], w[0], out=out)
        for i in range(1, self.n_inputs):
            out += np.multiply(x[i], w[i], out=tmp)
        out += w[-1]
        return out

    def eval_logits(self, x: np.ndarray) -> np.ndarray:
        """Logits (K, n) of every run on the shared inputs x (n, in).

        Done a block of samples at a time into two reused (U, block) buffers: the (U, n)
        activations of a whole split are several MB, and each of the passes over them runs
        several times faster from the CPU cache.
        """
        units = self.w_out.size
        logits = np.empty((len(self.widths), len(x)))
        w = (self.w_in * self.act.scale)[:, :, None]  # (in+1, U, 1), exact
        w_out = self.w_out[:, None]
        block = max(1, self.CACHE_VALUES // max(1, units))
        s, tmp = np.empty((units, block)), np.empty((units, block))
        for start in range(0, len(x), block):
            part = x[start:start + block].T[:, None, :]  # (in, 1, c)
            c = part.shape[2]
            h = self.act(self._scaled_z(part, w, s[:, :c], tmp[:, :c]))  # (U, c)
            h *= w_out
            # a run's units are consecutive rows: their sum is its logit, a row of (K, c)
            logits[:, start:start + c] = np.add.reduceat(h, self.starts, axis=0)
        logits += self.b_out[:, None]
        return logits

    def network(self, k: int, config: NetworkConfig, state: np.ndarray) -> MLP:
        """Slot k's own network from a flat ``state`` laid out like ``flat``."""
        w_in, w_out, b_out = _views(state, [self.w_in.shape, self.w_out.shape,
                                            self.b_out.shape])
        units = slice(self.starts[k], self.starts[k] + self.widths[k])
        return MLP([Dense(w_in[:-1, units].copy(), w_in[-1, units].copy(), self.activation),
                    Dense(w_out[units][:, None].copy(), b_out[k:k + 1].copy(), "identity")])


class _PaddedStack:
    """Networks of any depth stacked as (K, n_in, n_out) tensors, zero-padded to the widest."""

    def __init__(self, networks: list[MLP], activation: str):
        self.activation = activation
        self.shapes, parts, masks = [], [], []
        for layer in range(len(networks[0].layers)):
            shapes = [net.layers[layer].weights.shape for net in networks]
            n_in, n_out = max(s[0] for s in shapes), max(s[1] for s in shapes)
            weights = np.zeros((len(networks), n_in, n_out))
            biases = np.zeros((len(networks), 1, n_out))
            for k, net in enumerate(networks):
                w = net.layers[layer].weights
                weights[k, :w.shape[0], :w.shape[1]] = w
                biases[k, 0, :w.shape[1]] = net.layers[layer].bias
            self.shapes += [(n_in, n_out), (1, n_out)]
            parts += [weights, biases]
            # only sigmoid padding needs a mask: sigmoid(0) = 0.5 would feed the next layer
            masks.append(_unit_mask(shapes, n_in, n_out) if activation == "sigmoid" else None)
        self.masks = masks
        flat = np.concatenate([p.reshape(len(networks), -1) for p in parts], axis=1).ravel()
        self._set(len(networks), flat)

    def _set(self, runs: int, flat: np.ndarray) -> None:
        """Views for ``runs`` slots; flat holds each slot's parameters contiguously."""
        self.flat = flat
        self.grad = np.empty_like(flat)
        per_run = sum(int(np.prod(s)) for s in self.shapes)
        self.owner_flat = np.repeat(np.arange(runs), per_run)
        self.params = self._split(flat, runs)
        self.grads = self._split(self.grad, runs)

    def _split(self, flat: np.ndarray, runs: int) -> list[np.ndarray]:
        """[W1, b1, W2, b2, ...] as strided views (K, ...) of a flat run-major array."""
        sizes = [int(np.prod(shape)) for shape in self.shapes]
        table = flat.reshape(runs, sum(sizes))
        views, start = [], 0
        for shape, size in zip(self.shapes, sizes):
            views.append(table[:, start:start + size].reshape((runs, *shape)))
            start += size
        return views

    def keep(self, slots: np.ndarray) -> None:
        """Drops the runs whose entry of the boolean mask ``slots`` (K,) is False."""
        self.masks = [None if m is None else m[slots] for m in self.masks]
        self._set(int(slots.sum()), self.flat[slots[self.owner_flat]])

    def epoch_inputs(self, x: np.ndarray, order: np.ndarray) -> np.ndarray:
        """Each run's shuffled inputs for one epoch, (K, n, in)."""
        return x[order]

    def _forward(self, x: np.ndarray) -> tuple[np.ndarray, list]:
        cache, a = [], x
        last = len(self.params) // 2 - 1
        for index in range(last + 1):
            z = a @ self.params[2 * index] + self.params[2 * index + 1]
            # (K, n, in) @ (K, in, out) -> (K, n, out)
            out = z if index == last else activate(self.activation, z)
            cache.append((a, z, out))
            a = out
        return a[:, :, 0], cache

    def gradients(self, inputs: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Fills ``grad`` for mini-batches inputs (K, b, in), y (b, K); returns logits (b, K)."""
        logits, cache = self._forward(inputs)
        grad_z = ((_sigmoid(logits) - y.T) / y.shape[0])[:, :, None]  # (K, b, 1)
        for index in range(len(self.shapes) // 2 - 1, -1, -1):
            a_in = cache[index][0]
            grad_w = a_in.transpose(0, 2, 1) @ grad_z  # (K, in, b) @ (K, b, out) -> (K, in, out)
            grad_b = grad_z.sum(axis=1, keepdims=True)
            if self.masks[index] is not None:
                grad_w = grad_w * self.masks[index]
                grad_b = grad_b * self.masks[index][:, :1, :]
            self.grads[2 * index][...] = grad_w
            self.grads[2 * index + 1][...] = grad_b
            if index > 0:
                weights = self.params[2 * index]
                grad_a = grad_z @ weights.transpose(0, 2, 1)  # (K,b,out)@(K,out,in)
                _, z_prev, a_prev = cache[index - 1]
                grad_z = grad_a * activation_slope(self.activation, z_prev, a_prev)
        return logits.T

    def eval_logits(self, x: np.ndarray) -> np.ndarray:
        """Logits (K, n) of every run on shared inputs x (n, in)."""
        return self._forward(x)[0]  # (n, in) broadcasts against (K, in, out)

    def network(self, k: int, config: NetworkConfig, state: np.ndarray) -> MLP:
        """Slot k's network, cut back to its own widths, from a flat ``state``."""
        params = self._split(state, self.params[0].shape[0])
        sizes = config.layer_sizes
        layers = []
        for index, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
            act = "identity" if index == len(sizes) - 2 else self.activation
            layers.append(Dense(params[2 * index][k, :n_in, :n_out].copy(),
                                params[2 * index + 1][k, 0, :n_out].copy(), act))
        return MLP(layers)


def _unit_mask(shapes: list[tuple[int, int]], n_in: int, n_out: int) -> np.ndarray:
    """1 where a weight exists in run k's own (unpadded) shape, 0 in the padding."""
    mask = np.zeros((len(shapes), n_in, n_out))
    for k, (rows, cols) in enumerate(shapes):
        mask[k, :rows, :cols] = 1.0
    return mask


class _BatchTrainer:
    """The epoch loop for one batch of runs; each run has its own _Recorder (as in ``train``).

    Runs still training occupy the stack's slots, in the order of ``self.slots`` (their indices
    in ``runs``); per-element arrays (velocity, best weights, learning rates) follow the
    stack's ``flat`` layout and shrink with it when runs finish.
    """

    def __init__(self, data: Dataset, runs: list[Run]):
        self.data, self.runs = data, runs
        self.rngs = [np.random.default_rng(run.seed) for run in runs]
        networks = [MLP.initialize(run.network, rng) for run, rng in zip(runs, self.rngs)]
        activation = runs[0].network.activation
        one_layer = len(runs[0].network.hidden) == 1
        self.stack = (_UnitStack if one_layer else _PaddedStack)(networks, activation)
        self.slots = np.arange(len(runs))
        owner = self.stack.owner_flat
        self.lr = np.array([run.training.learning_rate for run in runs], dtype=float)[owner]
        self.momentum = np.array([run.training.momentum for run in runs], dtype=float)[owner]
        self.plain_sgd = not self.momentum.any()
        self.velocity = np.zeros_like(self.stack.flat)
        self.best = self.stack.flat.copy()
        self.recorders = [_Recorder(run.training.epochs, run.training) for run in runs]
        self.results: list[Trained | None] = [None] * len(runs)
        self.x_both = np.concatenate([data.x_train, data.x_val])  # both splits in one pass
        self.y_both = np.concatenate([data.y_train, data.y_val])
        self.batch_size = runs[0].training.batch_size
        self.record_steps = runs[0].training.record_steps

    def run(self) -> list[Trained]:
        """Trains until every run has finished; one Trained per run, in order."""
        max_epochs = max(run.training.epochs for run in self.runs)
        for epoch in range(max_epochs + 1):
            if epoch > 0:
                self.train_epoch()
            self.after_epoch(epoch)
            if not len(self.slots):
                break
        return self.results

    def train_epoch(self) -> None:
        """One pass over the training split; every run draws its own shuffle."""
        n = len(self.data.y_train)
        order = np.stack([self.rngs[k].permutation(n) for k in self.slots])  # (K, n)
        inputs = self.stack.epoch_inputs(self.data.x_train, order)
        y = self.data.y_train[order.T]  # (n, K)
        losses = []
        for start in range(0, n, self.batch_size):
            y_batch = y[start:start + self.batch_size]  # (b, K)
            logits = self.stack.gradients(inputs[:, start:start + self.batch_size], y_batch)
            self.update()
            if self.record_steps:
                losses.append(self.batch_losses(logits, y_batch))
        if self.record_steps:
            for k, column in zip(self.slots, np.array(losses).T.tolist()):
                self.recorders[k].step_loss.extend(finite_or_none(v) for v in column)

    @staticmethod
    def batch_losses(logits: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Each run's mean cross-entropy on its mini-batch: logits, y (b, K) -> (K,)."""
        terms = np.logaddexp(0.0, logits) - y * logits
        total = np.empty(terms.shape[1])
        _batch_sum(terms, 0, total)
        return total / len(y)

    def update(self) -> None:
        """SGD with per-run learning rate and momentum (same arithmetic as train.sgd_step)."""
        grad = self.stack.grad
        grad *= self.lr
        if self.plain_sgd:
            self.stack.flat -= grad
            return
        self.velocity *= self.momentum
        self.velocity -= grad
        self.stack.flat += self.velocity

    def after_epoch(self, epoch: int) -> None:
        """Records every run still training and drops those that diverged, ran out or stopped
        early."""
        values = self.evaluate()
        improved = np.zeros(len(self.slots), dtype=bool)
        done = np.zeros(len(self.slots), dtype=bool)
        for slot, k in enumerate(self.slots.tolist()):
            recorder, config = self.recorders[k], self.runs[k].training
            record = recorder.record(epoch, {name: v[slot] for name, v in values.items()})
            if recorder.is_diverged(record):
                done[slot] = self.finish(slot, k, epoch, "diverged", epoch)
                continue
            improved[slot] = recorder.improved(epoch, record["val_loss"])
            if recorder.patience_ran_out(epoch):
                done[slot] = self.finish(slot, k, epoch, "early_stopping", None)
            elif epoch == config.epochs:
                done[slot] = self.finish(slot, k, epoch, "completed", None)
        if improved.any():
            np.copyto(self.best, self.stack.flat, where=improved[self.stack.owner_flat])
        if done.any():
            self.drop(done)

    def evaluate(self) -> dict[str, list]:
        """Whole-split loss and accuracy of every run still training, each a list (K,)."""
        logits = self.stack.eval_logits(self.x_both)  # (K, n_train + n_val)
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
        state = self.best if restored else self.stack.flat
        network = self.stack.network(slot, self.runs[k].network, state)
        history = self.recorders[k].history(epoch, reason, diverged_epoch, restored)
        self.results[k] = Trained(network, history)
        return True

    def drop(self, done: np.ndarray) -> None:
        """Removes finished runs from the stack and from every per-element array."""
        keep = ~done
        elements = keep[self.stack.owner_flat]
        self.lr, self.momentum = self.lr[elements], self.momentum[elements]
        self.velocity, self.best = self.velocity[elements], self.best[elements]
        self.stack.keep(keep)
        self.slots = self.slots[keep]
