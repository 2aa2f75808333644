"""Kernels: the arithmetic of training K networks at once, behind one small interface.

The epoch loop (``lesson.train``) owns the training logic: shuffling, the optimizer
(``lesson.optimizers``), recording, divergence, early stopping, callbacks. A kernel only
computes, for the K runs it holds:

* ``flat`` / ``grad``: every parameter / gradient of every run in one flat array (the arrays a
  kernel computes with are views into it), and ``owner_flat[j]``, the slot of element j, so the
  loop updates all runs with one numpy call per array, each with its own learning rate;
  ``weight_flat[j]``: True if element j is a weight, False if a bias (weight decay spares biases);
* ``epoch_inputs(x, order)``: each run's shuffled inputs for an epoch, sliced ``[:, start:stop]``
  into mini-batches; ``gradients(inputs, y)`` fills ``grad`` and returns the logits (b, K);
* ``eval_logits(x)``: every run's logits (K, n) on shared inputs;
* ``keep(mask)``: drops finished runs; ``network(slot, config, state)``: one run's ``MLP``.

Three kernels, interchangeable and tested against each other one step at a time:

* ``ReferenceKernel``: K of the readable ``lesson.nn.MLP`` side by side, each doing its own
  forward and backward pass. This is the network the chapter explains.
* ``UnitStackKernel`` (one hidden layer, every experiment in the chapter): all runs' hidden units
  concatenated into one wide layer; ``np.add.reduceat`` sums each run's units into its own logit.
  A tiny MLP's step costs numpy call overhead, not arithmetic, so K runs share the calls.
* ``PaddedStackKernel`` (deeper networks): weights stacked as (K, n_in, n_out) tensors, narrower
  runs zero-padded; padded tanh/ReLU units output 0 and get zero gradients, sigmoid ones are
  masked.

``make_kernel(name, networks, activation)`` picks one: "fast" (the default everywhere: the unit
stack for one hidden layer, the padded stack otherwise) or "reference".
"""

from __future__ import annotations

import numpy as np

from lesson.nn import MLP, Dense, NetworkConfig, activate, activation_slope, sigmoid

KERNEL_NAMES = ("fast", "reference")


def _views(flat: np.ndarray, shapes: list[tuple]) -> list[np.ndarray]:
    """Consecutive pieces of ``flat`` reshaped to ``shapes`` (views: writing them writes flat)."""
    views, start = [], 0
    for shape in shapes:
        size = int(np.prod(shape))
        views.append(flat[start:start + size].reshape(shape))
        start += size
    return views


def _weight_mask(shapes: list[tuple]) -> np.ndarray:
    """True for the elements of weight arrays, False for biases, over consecutive arrays of
    ``shapes`` laid out [W1, b1, W2, b2, ...] (the MLP's ``parameters()`` order)."""
    sizes = [int(np.prod(shape)) for shape in shapes]
    return np.repeat(np.arange(len(shapes)) % 2 == 0, sizes)  # (no networks left: empty)


def batch_sum(a: np.ndarray, axis: int, out: np.ndarray) -> None:
    """out = a summed over the batch ``axis``, always adding the batch rows in order.

    np.add.reduce does that while the last axis (units or runs) has more than one entry, but
    switches to pairwise summation when it has one, which would make a lone run's numbers differ
    in the last bit from the same run trained among others; accumulate is always in order.
    """
    if a.shape[-1] > 1:
        np.add.reduce(a, axis=axis, out=out)
    else:
        out[...] = np.add.accumulate(a, axis=axis).take(-1, axis=axis)


class _UnitActivation:
    """The hidden activation of a UnitStackKernel, computed from s = SCALE * z.

    The activations of every unit on every sample are the largest cost of batched training,
    and np.tanh costs two to three times np.exp per value (numpy vectorises float64 exp with
    AVX2 but tanh only with AVX-512; in Pyodide this form was faster too). So
    tanh(z) = 1 - 2 / (1 + e^(2z)) and sigmoid(z) = 1 / (1 + e^(-z)): both agree with np.tanh
    and nn.sigmoid to a few units in the last place (absolute), well inside the 1e-12 of the
    kernel step-equality tests. The factor (2 or -1) is applied to the weights, where it is
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


class UnitStackKernel:
    """One-hidden-layer networks with all hidden units side by side.

    U = total hidden units, K = runs (slots), in = inputs. Parameters (views of ``flat``):
    ``w_in`` (in+1, U): input weights, last row the biases; ``w_out`` (U,); ``b_out`` (K,).
    ``owner_flat[j]`` is the slot that element j of ``flat`` belongs to; ``weight_flat[j]`` is
    False for the biases (``w_in``'s last row and ``b_out``).
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
        units = owner.size
        self.weight_flat = np.concatenate([np.ones(self.n_inputs * units, dtype=bool),
                                           np.zeros(units, dtype=bool),  # w_in's bias row
                                           np.ones(units, dtype=bool),  # w_out
                                           np.zeros(len(widths), dtype=bool)])  # b_out

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
        grad_logits = sigmoid(logits)  # nn.sigmoid: as the reference, bit for bit
        grad_logits -= y
        grad_logits /= y.shape[0]  # dLoss/dlogit (b, K)
        batch_sum(grad_logits, 0, self.g_bout)
        grad_h = np.repeat(grad_logits, self.widths, axis=1)  # (b, U): its run's dLoss/dlogit
        batch_sum(h * grad_h, 0, self.g_out)
        grad_h *= self.w_out
        self.act.times_slope(grad_h, s, h)  # now dLoss/dz (b, U)
        batch_sum(grad_h, 0, self.g_in[-1])
        x *= grad_h
        batch_sum(x, 1, self.g_in[:-1])  # (in, b, U) -> (in, U)
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


class PaddedStackKernel:
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
        # padding counts as weights: it is 0 with 0 gradients, so decay and Adam keep it 0
        self.weight_flat = np.tile(_weight_mask(self.shapes), runs)
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
        grad_z = ((sigmoid(logits) - y.T) / y.shape[0])[:, :, None]  # (K, b, 1)
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


class ReferenceKernel:
    """K reference networks (``lesson.nn.MLP``), each running its own forward and backward pass.

    Their parameter arrays are views into ``flat`` (run-major: [W1, b1, W2, b2, ...] of run 0,
    then run 1, ...), so the loop's update moves the networks themselves.
    """

    def __init__(self, networks: list[MLP], activation: str):
        self.activation = activation
        self.networks = [MLP([Dense(layer.weights, layer.bias, layer.activation)
                              for layer in net.layers]) for net in networks]
        flat = np.concatenate([p.ravel() for net in networks for p in net.parameters()])
        self._set(flat)

    def _set(self, flat: np.ndarray) -> None:
        """Points every network's parameters into ``flat``."""
        self.flat, self.grad = flat, np.empty_like(flat)
        views = iter(_views(flat, [p.shape for net in self.networks for p in net.parameters()]))
        for net in self.networks:
            for layer in net.layers:
                layer.weights, layer.bias = next(views), next(views)
        sizes = [sum(p.size for p in net.parameters()) for net in self.networks]
        self.owner_flat = np.repeat(np.arange(len(self.networks)), sizes)
        self.weight_flat = _weight_mask([p.shape for net in self.networks
                                         for p in net.parameters()])

    def keep(self, slots: np.ndarray) -> None:
        """Drops the runs whose entry of the boolean mask ``slots`` (K,) is False."""
        self.networks = [net for net, kept in zip(self.networks, slots) if kept]
        self._set(self.flat[slots[self.owner_flat]])

    def epoch_inputs(self, x: np.ndarray, order: np.ndarray) -> np.ndarray:
        """Each run's shuffled inputs for one epoch, (K, n, in)."""
        return x[order]

    def gradients(self, inputs: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Fills ``grad`` for mini-batches inputs (K, b, in), y (b, K); returns logits (b, K)."""
        logits = [net.backprop(inputs[k], y[:, k]) for k, net in enumerate(self.networks)]
        np.concatenate([g.ravel() for net in self.networks for g in net.gradients()],
                       out=self.grad)
        return np.stack(logits, axis=1)

    def eval_logits(self, x: np.ndarray) -> np.ndarray:
        """Logits (K, n) of every run on shared inputs x (n, in)."""
        return np.stack([net.logits(x) for net in self.networks])

    def network(self, k: int, config: NetworkConfig, state: np.ndarray) -> MLP:
        """Slot k's network with its parameters copied from a flat ``state``."""
        own = state[self.owner_flat == k]  # run k's parameters, in order
        layers = self.networks[k].layers
        params = _views(own, [p.shape for layer in layers for p in (layer.weights, layer.bias)])
        return MLP([Dense(w.copy(), b.copy(), layer.activation)
                    for layer, w, b in zip(layers, params[0::2], params[1::2])])


def make_kernel(name: str, networks: list[MLP], activation: str):
    """The kernel ``name`` ("fast" or "reference") holding ``networks`` (all of one depth)."""
    if name == "reference":
        return ReferenceKernel(networks, activation)
    if name != "fast":
        raise ValueError(f"kernel = {name!r} is invalid: use one of {', '.join(KERNEL_NAMES)}")
    one_layer = len(networks[0].layers) == 2
    return (UnitStackKernel if one_layer else PaddedStackKernel)(networks, activation)
