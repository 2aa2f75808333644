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
    """The overfitting run of ``epochs`` with early stopping at several patience values."""

    patiences: tuple = (2, 5, 10, 20, 50, 100)
    n_train: int = 40
    hidden: int = 64
    learning_rate: float = 0.3
    momentum: float = 0.9
    batch_size: int = 10
    epochs: int = 400
    seed: int = 0

    def __post_init__(self) -> None:
        check_fields(self, {"patiences": ("ints", 1, 100_000), "n_train": ("int", 10, 5000),
                            "hidden": ("int", 1, 512), "learning_rate": ("float", 1e-6, 100),
                            "momentum": ("float", 0.0, 0.99),
                            "batch_size": ("int", 1, 10_000), "epochs": ("int", 10, 20_000),
                            "seed": ("int", 0, 2**31 - 1)})
        require(self, "patiences", list(self.patiences) == sorted(set(self.patiences)),
                "strictly increasing patience values")


def run_early_stopping(config: EarlyStoppingConfig) -> dict:
    """One full run's curves, and what early stopping with each patience would have kept.

    Each patience is a real training run (restore_best=True) with the same seed, so it follows
    the full run's curve exactly until it stops. Result: ``epochs``, ``train_loss``,
    ``val_loss`` (the full run); ``full_run``: {"final_val_loss", "best_epoch", "min_val_loss"};
    ``stops``: list of {"patience", "stop_epoch", "best_epoch", "restored_val_loss" (val loss of
    the weights kept), "final_val_loss" (val loss at the stop epoch), "epochs_saved"}.
    """
    data = dataset(config.n_train, 0)
    network = NetworkConfig(hidden=(config.hidden,))
    runs = []
    for patience in (None, *config.patiences):
        training = TrainConfig(learning_rate=config.learning_rate, momentum=config.momentum,
                               batch_size=config.batch_size, epochs=config.epochs,
                               patience=patience, restore_best=True)
        runs.append(Run(network, training, config.seed))
    full, *stopped = [t.history for t in train(data, runs)]
    stops = [{"patience": p, "stop_epoch": h.stopped_epoch, "best_epoch": h.best_epoch,
              "restored_val_loss": h.best_val_loss, "final_val_loss": final(h, "val_loss"),
              "epochs_saved": config.epochs - h.stopped_epoch}
             for p, h in zip(config.patiences, stopped)]
    return {"epochs": list(range(config.epochs + 1)), "train_loss": full.train_loss,
            "val_loss": full.val_loss,
            "full_run": {"final_val_loss": final(full, "val_loss"), "best_epoch": full.best_epoch,
                         "min_val_loss": full.best_val_loss},
            "stops": stops}
