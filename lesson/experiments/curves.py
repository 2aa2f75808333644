"""Reading learning curves: five textbook cases, and early stopping with several patiences."""

from __future__ import annotations

from dataclasses import dataclass

from lesson.experiments._common import check_fields, dataset, final, require, train
from lesson.nn import NetworkConfig
from lesson.train import Run, TrainConfig

# (label, n_train, hidden width, learning rate, momentum, batch size): each case's settings.
DIAGNOSIS_CASES = (
    ("underfit", 400, 1, 0.3, 0.0, 16),
    ("good fit", 400, 8, 0.3, 0.0, 16),
    ("overfit", 40, 64, 0.3, 0.9, 10),
    ("diverging", 400, 8, 30.0, 0.0, 16),
    ("too slow", 400, 8, 0.001, 0.0, 16),
)


@dataclass(frozen=True)
class DiagnosisConfig:
    """Epochs and seed shared by the five diagnosis cases (their settings: DIAGNOSIS_CASES)."""

    epochs: int = 200
    seed: int = 0
    divergence_loss: float = 50.0

    def __post_init__(self) -> None:
        check_fields(self, {"epochs": ("int", 10, 5000), "seed": ("int", 0, 2**31 - 1),
                            "divergence_loss": ("float", 1.0, 1e6)})


def run_diagnosis(config: DiagnosisConfig) -> dict:
    """Training and validation loss curves for the five cases.

    Result: ``epochs``; ``cases``: list of {"label", "n_train", "hidden", "learning_rate",
    "momentum", "batch_size", "train_loss", "val_loss", "diverged", "diverged_epoch", "best_epoch",
    "initial_train_loss", "final_train_loss", "final_val_loss", "min_val_loss"}.
    """
    histories = {}
    for size in sorted({case[1] for case in DIAGNOSIS_CASES}):  # one batched call per data set
        labels, runs = [], []
        for label, n_train, hidden, lr, momentum, batch in DIAGNOSIS_CASES:
            if n_train == size:
                labels.append(label)
                runs.append(Run(NetworkConfig(hidden=(hidden,)),
                                TrainConfig(learning_rate=lr, batch_size=batch,
                                            epochs=config.epochs, momentum=momentum,
                                            divergence_loss=config.divergence_loss),
                                config.seed))
        for label, trained in zip(labels, train(dataset(size, 0), runs)):
            histories[label] = trained.history
    cases = []
    for label, n_train, hidden, lr, momentum, batch in DIAGNOSIS_CASES:
        h = histories[label]
        cases.append({
            "label": label, "n_train": n_train, "hidden": hidden, "learning_rate": lr,
            "momentum": momentum, "batch_size": batch,
            "train_loss": h.train_loss, "val_loss": h.val_loss,
            "diverged": h.diverged, "diverged_epoch": h.diverged_epoch,
            "best_epoch": h.best_epoch, "initial_train_loss": h.train_loss[0],
            "final_train_loss": final(h, "train_loss"), "final_val_loss": final(h, "val_loss"),
            "min_val_loss": h.best_val_loss,
        })
    return {"epochs": list(range(config.epochs + 1)), "cases": cases}


@dataclass(frozen=True)
class EarlyStoppingConfig:
    """The overfitting run of ``epochs`` with early stopping at several patience values, under
    three stopping rules: plain, with ``min_delta`` and with ``start_from_epoch``."""

    patiences: tuple = (2, 5, 10, 20, 50, 100)
    n_train: int = 40
    hidden: int = 64
    learning_rate: float = 0.3
    momentum: float = 0.9
    batch_size: int = 10
    epochs: int = 400
    seed: int = 0
    min_delta: float = 0.01
    start_from_epoch: int = 20

    def __post_init__(self) -> None:
        check_fields(self, {"patiences": ("ints", 1, 100_000), "n_train": ("int", 10, 5000),
                            "hidden": ("int", 1, 512), "learning_rate": ("float", 1e-6, 100),
                            "momentum": ("float", 0.0, 0.99),
                            "batch_size": ("int", 1, 10_000), "epochs": ("int", 10, 20_000),
                            "seed": ("int", 0, 2**31 - 1), "min_delta": ("float", 0.0, 10.0),
                            "start_from_epoch": ("int", 0, 20_000)})
        require(self, "patiences", list(self.patiences) == sorted(set(self.patiences)),
                "strictly increasing patience values")
        require(self, "start_from_epoch", self.start_from_epoch < self.epochs,
                f"an epoch before the last (epochs={self.epochs})")


# rule name -> the TrainConfig fields it sets (from the config)
STOPPING_RULES = ("plain", "min_delta", "start_from_epoch")


def _rule_fields(config: EarlyStoppingConfig, rule: str) -> dict:
    if rule == "min_delta":
        return {"min_delta": config.min_delta}
    if rule == "start_from_epoch":
        return {"start_from_epoch": config.start_from_epoch}
    return {}


def _stop_record(config: EarlyStoppingConfig, patience: int, history) -> dict:
    return {"patience": patience, "stop_epoch": history.stopped_epoch,
            "best_epoch": history.best_epoch, "restored_val_loss": history.best_val_loss,
            "final_val_loss": final(history, "val_loss"),
            "epochs_saved": config.epochs - history.stopped_epoch}


def _plateau_end(val_loss: list, reference: float) -> int | None:
    """First epoch whose validation loss is below ``reference`` (None if never)."""
    return next((epoch for epoch, value in enumerate(val_loss)
                 if value is not None and value < reference), None)


def _transient(full, reference_loss: float) -> dict:
    """The early transient of the full run: the rise after epoch 1, the plateau before the drop."""
    end = _plateau_end(full.val_loss, reference_loss) or len(full.val_loss)
    window = [(value, epoch) for epoch, value in enumerate(full.val_loss[:end]) if epoch >= 1
              and value is not None]  # a diverged run has None after it stopped
    peak_val, peak = max(window) if window else (None, None)
    accuracies = [a for a in full.val_acc[1:end] if a is not None]
    return {"first_val_loss": full.val_loss[1], "peak_epoch": peak, "peak_val_loss": peak_val,
            "plateau_end": _plateau_end(full.val_loss, reference_loss),
            "plateau_mean_val_acc": sum(accuracies) / len(accuracies) if accuracies else None}


def run_early_stopping(config: EarlyStoppingConfig) -> dict:
    """One full run's curves, and what early stopping with each patience and rule would keep.

    Each stopping run is a real training run (restore_best=True) with the same seed, so it
    follows the full run's curve exactly until it stops. Result: ``epochs``, ``train_loss``,
    ``val_loss``, ``val_acc`` (the full run); ``full_run``: {"final_val_loss", "best_epoch",
    "min_val_loss"}; ``stops``: the plain rule, list of {"patience", "stop_epoch", "best_epoch",
    "restored_val_loss" (val loss of the weights kept), "final_val_loss" (val loss at the stop
    epoch), "epochs_saved"}; ``rules``: {"plain" | "min_delta" | "start_from_epoch": that list
    for each rule}; ``one_neuron``: the same training with 1 hidden neuron (a nearly straight
    border), {"min_val_loss", "best_epoch"}; ``no_momentum``: the wide network with momentum 0,
    {"val_loss": curve, "min_val_loss", "best_epoch", "plateau_end"}; ``transient``: the full
    run's early transient, {"first_val_loss" (epoch 1), "peak_epoch", "peak_val_loss" (the
    highest validation loss after epoch 1 and before the plateau ends), "plateau_end" (first
    epoch below the one-neuron network's lowest validation loss), "plateau_mean_val_acc"
    (mean validation accuracy over epochs 1 to plateau_end - 1)}.
    """
    data = dataset(config.n_train, 0)

    def run(hidden: int, momentum: float, patience=None, **fields) -> Run:
        training = TrainConfig(learning_rate=config.learning_rate, momentum=momentum,
                               batch_size=config.batch_size, epochs=config.epochs,
                               patience=patience, restore_best=True, **fields)
        return Run(NetworkConfig(hidden=(hidden,)), training, config.seed)

    runs = [run(config.hidden, config.momentum), run(1, config.momentum),
            run(config.hidden, 0.0)]
    runs += [run(config.hidden, config.momentum, p, **_rule_fields(config, rule))
             for rule in STOPPING_RULES for p in config.patiences]
    full, one, still, *stopped = [t.history for t in train(data, runs)]
    count = len(config.patiences)
    rules = {rule: [_stop_record(config, p, h) for p, h in
                    zip(config.patiences, stopped[i * count:(i + 1) * count])]
             for i, rule in enumerate(STOPPING_RULES)}
    return {"epochs": list(range(config.epochs + 1)), "train_loss": full.train_loss,
            "val_loss": full.val_loss, "val_acc": full.val_acc,
            "full_run": {"final_val_loss": final(full, "val_loss"), "best_epoch": full.best_epoch,
                         "min_val_loss": full.best_val_loss},
            "stops": rules["plain"], "rules": rules,
            "one_neuron": {"min_val_loss": one.best_val_loss, "best_epoch": one.best_epoch},
            "no_momentum": {"val_loss": still.val_loss, "min_val_loss": still.best_val_loss,
                            "best_epoch": still.best_epoch,
                            "plateau_end": _plateau_end(still.val_loss, one.best_val_loss)},
            "transient": _transient(full, one.best_val_loss)}
