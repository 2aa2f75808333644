"""A multi-layer perceptron from scratch: dense layers, activations, a stable loss.

Each layer keeps its forward and backward pass side by side. The output layer gives logits; the
sigmoid and the binary cross-entropy are fused in ``bce_with_logits`` so that no value overflows
however large the logits grow.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

ACTIVATION_NAMES = ("tanh", "relu", "sigmoid")


def sigmoid(z: np.ndarray) -> np.ndarray:
    """Logistic function, written with tanh so it never overflows."""
    return 0.5 * (1.0 + np.tanh(0.5 * z))


def activate(name: str, z: np.ndarray) -> np.ndarray:
    """Applies the activation ``name`` ('tanh', 'relu', 'sigmoid' or 'identity')."""
    if name == "tanh":
        return np.tanh(z)
    if name == "relu":
        return np.maximum(z, 0.0)
    if name == "sigmoid":
        return sigmoid(z)
    return z


def activation_slope(name: str, z: np.ndarray, a: np.ndarray) -> np.ndarray | float:
    """d activation / dz, from the pre-activation ``z`` and the output ``a``."""
    if name == "tanh":
        return 1.0 - a * a
    if name == "relu":
        return (z > 0.0).astype(z.dtype)
    if name == "sigmoid":
        return a * (1.0 - a)
    return 1.0


def init_std(activation: str, fan_in: int, fan_out: int) -> float:
    """Initial weight spread: He for ReLU, Glorot (Xavier) for tanh, sigmoid and the output."""
    if activation == "relu":
        return float(np.sqrt(2.0 / fan_in))
    return float(np.sqrt(2.0 / (fan_in + fan_out)))


def bce_with_logits(logits: np.ndarray, y: np.ndarray) -> float:
    """Mean binary cross-entropy from logits: softplus(z) - y z, which never overflows."""
    # sum / size rather than np.mean: same value, a third of the call overhead on tiny arrays
    return float((np.logaddexp(0.0, logits) - y * logits).sum() / logits.size)


def accuracy(logits: np.ndarray, y: np.ndarray) -> float:
    """Fraction of examples whose predicted class (logit > 0) equals the 0/1 label."""
    return float(((logits > 0.0) == (y > 0.5)).sum() / logits.size)


@dataclass(frozen=True)
class NetworkConfig:
    """The architecture: input size, hidden layer widths, hidden activation."""

    n_inputs: int = 2
    hidden: tuple[int, ...] = (8,)
    activation: str = "tanh"

    def __post_init__(self) -> None:
        if not isinstance(self.n_inputs, int) or not 1 <= self.n_inputs <= 1000:
            raise ValueError(
                f"NetworkConfig.n_inputs = {self.n_inputs!r} is invalid: "
                "use an integer in [1, 1000]"
            )
        widths = tuple(self.hidden)
        if not all(isinstance(w, int) and 1 <= w <= 4096 for w in widths) or len(widths) > 8:
            raise ValueError(
                f"NetworkConfig.hidden = {self.hidden!r} is invalid: use up to 8 integer widths "
                "in [1, 4096], e.g. (8,) or (16, 8)"
            )
        object.__setattr__(self, "hidden", widths)
        if self.activation not in ACTIVATION_NAMES:
            raise ValueError(
                f"NetworkConfig.activation = {self.activation!r} is invalid: "
                f"use one of {', '.join(ACTIVATION_NAMES)}"
            )

    @property
    def layer_sizes(self) -> tuple[int, ...]:
        """Sizes from input to the single output logit, e.g. (2, 8, 1)."""
        return (self.n_inputs, *self.hidden, 1)


class Dense:
    """One fully connected layer ``a = activation(x @ W + b)`` with its own backward pass."""

    def __init__(self, weights: np.ndarray, bias: np.ndarray, activation: str):
        self.weights = weights  # (n_in, n_out)
        self.bias = bias  # (n_out,)
        self.activation = activation
        self.grad_weights = np.zeros_like(weights)
        self.grad_bias = np.zeros_like(bias)
        self._cache: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None

    def forward(self, x: np.ndarray) -> np.ndarray:
        """Returns the layer output and remembers what backward needs."""
        z = x @ self.weights + self.bias  # (n, n_in) @ (n_in, n_out) -> (n, n_out)
        a = activate(self.activation, z)
        self._cache = (x, z, a)
        return a

    def backward(self, grad_output: np.ndarray, input_grad: bool = True) -> np.ndarray | None:
        """Stores dLoss/dW, dLoss/db from dLoss/da and returns dLoss/dx (None if
        ``input_grad`` is False: the first layer's inputs are data, nobody needs it)."""
        x, z, a = self._cache
        grad_z = grad_output  # (n, n_out); identity's slope is 1, so no multiplication
        if self.activation != "identity":
            grad_z = grad_output * activation_slope(self.activation, z, a)
        self.grad_weights = x.T @ grad_z  # (n_in, n) @ (n, n_out) -> (n_in, n_out)
        self.grad_bias = grad_z.sum(axis=0)
        if not input_grad:
            return None
        return grad_z @ self.weights.T  # (n, n_out) @ (n_out, n_in) -> (n, n_in)


class MLP:
    """A stack of Dense layers ending in one logit; ``loss_and_gradients`` runs backprop."""

    def __init__(self, layers: list[Dense]):
        self.layers = layers

    @classmethod
    def initialize(cls, config: NetworkConfig, rng: np.random.Generator) -> MLP:
        """Random weights (scaled to the activation), zero biases; draws layer by layer from rng."""
        sizes = config.layer_sizes
        layers = []
        for index, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:])):
            is_output = index == len(sizes) - 2
            activation = "identity" if is_output else config.activation
            std = init_std(config.activation if not is_output else "tanh", fan_in, fan_out)
            weights = rng.normal(0.0, std, size=(fan_in, fan_out))
            layers.append(Dense(weights, np.zeros(fan_out), activation))
        return cls(layers)

    def logits(self, x: np.ndarray) -> np.ndarray:
        """Raw scores, one per row of ``x`` (shape (n,)); positive means 'pass'."""
        a = x
        for layer in self.layers:
            a = layer.forward(a)
        return a[:, 0]

    def predict_proba(self, x: np.ndarray) -> np.ndarray:
        """Pass probability for each row of ``x``."""
        return sigmoid(self.logits(x))

    def loss_and_gradients(self, x: np.ndarray, y: np.ndarray) -> float:
        """Mean BCE on (x, y); fills each layer's grad_weights / grad_bias."""
        return bce_with_logits(self.backprop(x, y), y)

    def backprop(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Fills each layer's grad_weights / grad_bias for the mean BCE on (x, y); returns the
        logits (n,). Training calls this when it does not record the loss (saves its calls)."""
        z = self.logits(x)
        grad = (sigmoid(z) - y)[:, None] / len(y)  # dLoss/dlogit, (n, 1)
        for index in range(len(self.layers) - 1, -1, -1):
            grad = self.layers[index].backward(grad, input_grad=index > 0)
        return z

    def parameters(self) -> list[np.ndarray]:
        """The weight and bias arrays in order [W1, b1, W2, b2, ...] (live references)."""
        return [p for layer in self.layers for p in (layer.weights, layer.bias)]

    def gradients(self) -> list[np.ndarray]:
        """The gradients matching ``parameters()`` from the last backward pass."""
        return [g for layer in self.layers for g in (layer.grad_weights, layer.grad_bias)]

    def get_state(self) -> list[np.ndarray]:
        """A copy of every parameter (for checkpoints such as early stopping's best weights)."""
        return [p.copy() for p in self.parameters()]

    def set_state(self, state: list[np.ndarray]) -> None:
        """Restores parameters saved by ``get_state``."""
        for layer, weights, bias in zip(self.layers, state[0::2], state[1::2]):
            layer.weights = weights.copy()
            layer.bias = bias.copy()
