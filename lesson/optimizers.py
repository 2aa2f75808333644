"""Optimizers: the update the epoch loop applies after every mini-batch, to K runs at once.

The loop (``lesson.train.EpochLoop``) owns one ``Optimizer``; a kernel (``lesson.kernels``) only
computes gradients. Every array here follows the kernel's flat layout: element j belongs to run
``owner_flat[j]`` and is a weight if ``weight_flat[j]`` (else a bias), so one numpy call per array
updates every run, each with its own settings, whichever kernel holds them.

* ``"sgd"``: heavy-ball momentum with the learning rate inside the velocity,
  v <- momentum v - lr g, w <- w + v (momentum 0: exactly w <- w - lr g). Weight decay is L2
  added to the gradient, g <- g + wd w, as ``torch.optim.SGD(weight_decay=...)`` does.
  torch keeps the learning rate outside its buffer (b <- momentum b + g, w <- w - lr b): with a
  constant learning rate that is the same update (v = -lr b); under a schedule ours keeps each
  past step at the rate it was taken with, torch rescales the whole buffer to today's rate.
* ``"adam"`` (Kingma & Ba 2015): m <- beta1 m + (1 - beta1) g, v <- beta2 v + (1 - beta2) g g,
  w <- w - lr m^ / (sqrt(v^) + eps), with the bias corrections m^ = m / (1 - beta1^t) and
  v^ = v / (1 - beta2^t), t = 1 at the first update. Weight decay is decoupled (Loshchilov &
  Hutter 2019, "AdamW"): w <- w - lr wd w beside the Adam step, as ``torch.optim.AdamW`` does.

A learning-rate schedule scales ``lr`` in every formula above, the decoupled decay's included
(as torch's schedulers scale a parameter group's ``lr``).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

OPTIMIZER_NAMES = ("sgd", "adam")


class Optimizer:
    """One optimizer for the K runs of a kernel; ``step(flat, grad)`` updates ``flat`` in place.

    ``configs`` are the runs' TrainConfigs in slot order (all with the same ``optimizer``).
    Per-element arrays (learning rate, momentum, weight decay, velocity, Adam's moments) follow
    ``owner_flat``; per-run ones (Adam's betas, for the bias corrections) follow the slots; both
    shrink in ``keep`` when runs finish. ``step`` overwrites ``grad`` (the kernel's scratch).
    """

    def __init__(self, configs: Sequence, owner_flat: np.ndarray, weight_flat: np.ndarray):
        names = {config.optimizer for config in configs}
        if len(names) != 1:
            raise ValueError(f"Optimizer: runs differ in optimizer {sorted(names)}; call "
                             "lesson.train.train_many, which groups them")
        self.name = names.pop()
        self.owner = owner_flat
        self.lr = self._per_run(configs, "learning_rate")[owner_flat]
        # weight decay per element: 0 for biases unless the run decays them too
        decay_biases = np.array([config.decay_biases for config in configs])[owner_flat]
        decay = self._per_run(configs, "weight_decay")[owner_flat]
        self.decay = np.where(weight_flat | decay_biases, decay, 0.0)
        self.decays = bool(self.decay.any())
        self.elementwise = ["lr", "decay"]  # the per-element arrays, shrunk by keep
        self.runwise: list[str] = []  # the per-run arrays
        if self.name == "sgd":
            self.momentum = self._per_run(configs, "momentum")[owner_flat]
            self.plain_sgd = not self.momentum.any()
            self.velocity = np.zeros_like(self.lr)
            self.elementwise += ["momentum", "velocity"]
        else:
            self.run_beta1 = self._per_run(configs, "beta1")
            self.run_beta2 = self._per_run(configs, "beta2")
            self.beta1, self.beta2 = self.run_beta1[owner_flat], self.run_beta2[owner_flat]
            self.one_minus_beta1, self.one_minus_beta2 = 1.0 - self.beta1, 1.0 - self.beta2
            self.eps = self._per_run(configs, "eps")[owner_flat]
            self.m, self.v = np.zeros_like(self.lr), np.zeros_like(self.lr)
            self.t = 0  # updates so far: every run of a loop takes the same mini-batch steps
            self.shrink = 1.0 - self.lr * self.decay  # AdamW's factor; 1 where no decay
            self.elementwise += ["beta1", "beta2", "one_minus_beta1", "one_minus_beta2", "eps",
                                 "m", "v", "shrink"]
            self.runwise += ["run_beta1", "run_beta2"]

    @staticmethod
    def _per_run(configs: Sequence, name: str) -> np.ndarray:
        return np.array([getattr(config, name) for config in configs], dtype=float)

    def set_learning_rates(self, rates: np.ndarray) -> None:
        """Each run's learning rate for the coming updates, (K,) in slot order (a schedule)."""
        self.lr = rates[self.owner]
        if self.name == "adam":
            self.shrink = 1.0 - self.lr * self.decay  # the decay follows the scheduled rate

    def step(self, flat: np.ndarray, grad: np.ndarray) -> None:
        """One update of every run's parameters ``flat`` from its gradient ``grad``."""
        if self.name == "sgd":
            self._sgd(flat, grad)
        else:
            self._adam(flat, grad)

    def _sgd(self, flat: np.ndarray, grad: np.ndarray) -> None:
        """v <- momentum v - lr (g + wd w), w <- w + v; momentum 0: w <- w - lr (g + wd w)."""
        if self.decays:
            grad += self.decay * flat  # L2 in the gradient (biases: decay 0)
        grad *= self.lr
        if self.plain_sgd:
            flat -= grad
            return
        self.velocity *= self.momentum
        self.velocity -= grad
        flat += self.velocity

    def _adam(self, flat: np.ndarray, grad: np.ndarray) -> None:
        """Kingma & Ba's Adam step, after AdamW's decoupled decay w <- w (1 - lr wd)."""
        self.t += 1
        if self.decays:
            flat *= self.shrink  # before the Adam step, as torch.optim.AdamW
        self.m *= self.beta1
        self.v *= self.beta2
        square = grad * grad
        square *= self.one_minus_beta2
        self.v += square  # v <- beta2 v + (1 - beta2) g g
        grad *= self.one_minus_beta1
        self.m += grad  # m <- beta1 m + (1 - beta1) g
        correction1 = 1.0 - self.run_beta1 ** self.t  # (K,): m^ = m / correction1
        correction2 = np.sqrt(1.0 - self.run_beta2 ** self.t)  # sqrt(v^) = sqrt(v) / this
        denominator = np.sqrt(self.v)
        denominator /= correction2[self.owner]
        denominator += self.eps  # sqrt(v^) + eps
        step = np.divide(self.m, denominator, out=denominator)
        step *= self.lr / correction1[self.owner]  # lr m^ / (sqrt(v^) + eps)
        flat -= step

    def keep(self, slots: np.ndarray, owner_flat: np.ndarray) -> None:
        """Drops the runs whose entry of the boolean mask ``slots`` (K,) is False;
        ``owner_flat`` is the kernel's layout after it dropped them."""
        elements = slots[self.owner]
        for name in self.elementwise:
            setattr(self, name, getattr(self, name)[elements])
        for name in self.runwise:
            setattr(self, name, getattr(self, name)[slots])
        self.owner = owner_flat
