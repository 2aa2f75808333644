"""The running example itself, and the outline's headline claim (bad vs good hyperparameters)."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from lesson.data import FEATURE_NAMES, DataConfig, make_dataset, pass_score
from lesson.experiments._common import (check_fields, dataset, final, mean, require, runs_for,
                                         train)
from lesson.nn import MLP, accuracy
from lesson.stats import spread


@dataclass(frozen=True)
class DatasetConfig:
    """Sizes of the splits and the data seed (see lesson.data.DataConfig)."""

    n_train: int = 400
    n_val: int = 200
    n_test: int = 200
    seed: int = 0

    def __post_init__(self) -> None:
        check_fields(self, {"n_train": ("int", 10, 20_000), "n_val": ("int", 10, 20_000),
                            "n_test": ("int", 10, 20_000), "seed": ("int", 0, 2**31 - 1)})


def run_dataset(config: DatasetConfig) -> dict:
    """The training split as points, plus the numbers the data section quotes.

    Result keys: ``feature_names``; ``points``: {"hours_studied": [...], "hours_slept": [...],
    "passed": [0/1 ints]} (training split, raw hours); ``base_rate`` (fraction passing in training),
    ``val_base_rate``, ``test_base_rate``; ``n_train``/``n_val``/``n_test``;
    ``initial_loss_zero_bias`` (ln 2: the loss of predicting 50 %) and ``initial_loss_base_rate``
    (entropy of the base rate: the loss of predicting the base rate for everyone);
    ``rule_val_accuracy``: accuracy of the true hidden rule itself on validation (the ceiling
    label noise leaves); ``majority_val_accuracy``: always predicting the majority class.
    """
    data = make_dataset(DataConfig(n_train=config.n_train, n_val=config.n_val,
                                   n_test=config.n_test, seed=config.seed))
    rate = data.base_rate
    val_hours = data.x_val * data.feature_std + data.feature_mean
    majority = 1.0 if rate >= 0.5 else 0.0
    return {
        "feature_names": list(FEATURE_NAMES),
        "points": {"hours_studied": data.raw_train[:, 0], "hours_slept": data.raw_train[:, 1],
                   "passed": data.y_train.astype(int)},
        "base_rate": rate,
        "val_base_rate": float(data.y_val.mean()),
        "test_base_rate": float(data.y_test.mean()),
        "n_train": config.n_train, "n_val": config.n_val, "n_test": config.n_test,
        "initial_loss_zero_bias": math.log(2.0),
        "initial_loss_base_rate": -(rate * math.log(rate) + (1 - rate) * math.log(1 - rate)),
        "rule_val_accuracy": accuracy(pass_score(val_hours), data.y_val),
        "majority_val_accuracy": float(np.mean(data.y_val == majority)),
    }


@dataclass(frozen=True)
class BadVsGoodConfig:
    """One architecture (2 inputs, one tanh hidden layer), two hyperparameter settings, seeds."""

    hidden: int = 8
    bad_learning_rate: float = 1e-4
    bad_epochs: int = 20
    good_learning_rate: float = 0.3
    good_epochs: int = 100
    batch_size: int = 16
    # 50, not 10: an untrained network's accuracy is its random start's luck (20 % to 79 % here),
    # so the mean over 10 seeds moved between 39 % and 66 % from one block of seeds to the next
    seeds: int = 50
    n_train: int = 400

    def __post_init__(self) -> None:
        check_fields(self, {"hidden": ("int", 1, 256), "bad_learning_rate": ("float", 1e-7, 1e3),
                            "bad_epochs": ("int", 1, 2000), "good_epochs": ("int", 1, 2000),
                            "good_learning_rate": ("float", 1e-7, 1e3),
                            "batch_size": ("int", 1, 10_000), "seeds": ("int", 1, 50),
                            "n_train": ("int", 20, 5000)})
        require(self, "good_learning_rate", self.good_learning_rate != self.bad_learning_rate
                or self.good_epochs != self.bad_epochs, "settings that differ from the bad ones")


def _accuracies(data, trained) -> dict:
    nets: list[MLP] = [t.network for t in trained]
    return {
        "val_acc": [final(t.history, "val_acc") for t in trained],
        "test_acc": [accuracy(net.logits(data.x_test), data.y_test) for net in nets],
        "val_loss": [final(t.history, "val_loss") for t in trained],
        # before any update: how far training moved each run away from its random start
        "initial_val_loss": [t.history.val_loss[0] for t in trained],
        "initial_val_acc": [t.history.val_acc[0] for t in trained],
    }


def run_bad_vs_good(config: BadVsGoodConfig) -> dict:
    """The same network trained with bad and with good hyperparameters, several seeds each.

    Result: ``bad`` and ``good``, each {"learning_rate", "epochs", "batch_size", "val_acc": [per
    seed], "test_acc": [...], "val_loss": [...], "initial_val_loss": [...] and
    "initial_val_acc": [...] (epoch 0, the untrained network), "mean_<each of those>",
    "min_test_acc", "max_test_acc", "median_test_acc", "test_acc_spread" (``stats.spread``),
    "above_always_fail" (seeds whose test accuracy beats answering "fail" for everyone),
    "max_val_loss_change" (largest |final - initial| validation loss over seeds)}; ``seeds``;
    ``base_rate`` (pass rate of the training split); ``test_always_fail_acc`` and
    ``val_always_fail_acc``: the accuracy of answering "fail" for every student of the test and
    validation splits (fail is the majority class there), the reference a test accuracy is
    compared with.
    """
    data = dataset(config.n_train, 0)
    result = {"seeds": list(range(config.seeds)), "base_rate": data.base_rate,
              "test_always_fail_acc": float(np.mean(data.y_test == 0)),
              "val_always_fail_acc": float(np.mean(data.y_val == 0))}
    settings = {"bad": (config.bad_learning_rate, config.bad_epochs),
                "good": (config.good_learning_rate, config.good_epochs)}
    for label, (lr, epochs) in settings.items():
        runs = runs_for(config.seeds, hidden=(config.hidden,), learning_rate=lr, epochs=epochs,
                        batch_size=config.batch_size)
        values = _accuracies(data, train(data, runs))
        result[label] = {"learning_rate": lr, "epochs": epochs, "batch_size": config.batch_size,
                         **values, **{f"mean_{k}": mean(v) for k, v in values.items()},
                         "min_test_acc": min(values["test_acc"]),
                         "max_test_acc": max(values["test_acc"]),
                         "median_test_acc": float(np.median(values["test_acc"])),
                         "test_acc_spread": spread(values["test_acc"]),
                         "above_always_fail": sum(acc > result["test_always_fail_acc"]
                                                  for acc in values["test_acc"]),
                         "max_val_loss_change": max(abs(a - b) for a, b in zip(
                             values["val_loss"], values["initial_val_loss"]))}
    return result
