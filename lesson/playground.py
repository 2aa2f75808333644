"""The tuning playground's engine side: one training run, streamed epoch by epoch.

The page (site_src/runtime/js/playground.js) sends the reader's settings; ``stream_training``
trains with ``fit`` and hands plain, JSON-ready dicts to ``send`` as they happen:

- ``{"kind": "start", "settings": {...}, "points": {...}, "grid": {...}}`` once: the training
  students (raw hours, label) and the hour grid the boundary pictures use;
- ``{"kind": "epoch", "epoch": k, "train_loss", "val_loss", "train_acc", "val_acc"}`` every epoch
  (epoch 0 is before any update; None where a value is not finite);
- ``{"kind": "boundary", "epoch": k, "probability": [[...]]}`` every ``boundary_every`` epochs
  and at the end: the pass probability on the grid (rows: hours slept, columns: hours studied);
- ``{"kind": "done", ...}`` last: why training stopped, the best epoch and its numbers, and the
  last epoch's (``final_*``, before any restore of the best weights).

The controls the page shows, their choices and defaults are defined here once (``CONTROLS``,
``PlaygroundSettings``) and baked into the page's script at build time (``page_spec``);
``settings_code`` writes the live-cell Python that reproduces a run with the public engine API.

The same messages reach a CPython test and the browser, so the playground shows this engine's
numbers, not a re-implementation's.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, fields

import numpy as np

from lesson.data import DataConfig, Dataset, grid_hours, hour_grid, make_dataset
from lesson.checks import check_fields, require
from lesson.nn import ACTIVATION_NAMES, MLP, NetworkConfig
from lesson.train import TrainConfig, train

Send = Callable[[dict], None]


@dataclass(frozen=True)
class PlaygroundSettings:
    """What the reader can change in the playground (``patience=0`` means no early stopping)."""

    learning_rate: float = 0.3
    hidden_neurons: int = 8
    hidden_layers: int = 1
    activation: str = "tanh"
    batch_size: int = 16
    epochs: int = 100
    patience: int = 0
    momentum: float = 0.0
    n_train: int = 400
    label_noise: float = 0.02
    seed: int = 0
    grid_size: int = 32
    boundary_every: int = 5

    def __post_init__(self) -> None:
        check_fields(self, {
            "hidden_neurons": ("int", 1, 256), "hidden_layers": ("int", 1, 4),
            "epochs": ("int", 1, 5000), "patience": ("int", 0, 5000), "n_train": ("int", 10, 5000),
            "seed": ("int", 0, 2**31 - 1), "grid_size": ("int", 4, 100),
            "boundary_every": ("int", 1, 5000), "batch_size": ("int", 1, 100_000),
        })
        require(self, "activation", self.activation in ACTIVATION_NAMES,
                f"one of {', '.join(ACTIVATION_NAMES)}")
        noise = self.label_noise
        require(self, "label_noise", isinstance(noise, (int, float)) and 0.0 <= noise < 0.5,
                "a number in [0, 0.5)")
        # learning_rate and momentum are checked by TrainConfig, with the same kind of message.
        self.training()

    @classmethod
    def from_dict(cls, raw: dict) -> PlaygroundSettings:
        """Settings from the page's JSON; an unknown key names the valid ones."""
        valid = [field.name for field in fields(cls)]
        unknown = sorted(set(raw) - set(valid))
        if unknown:
            raise ValueError(f"unknown playground setting(s) {unknown}: valid settings are {valid}")
        return cls(**raw)

    def network(self) -> NetworkConfig:
        return NetworkConfig(hidden=(self.hidden_neurons,) * self.hidden_layers,
                             activation=self.activation)

    def training(self) -> TrainConfig:
        return TrainConfig(learning_rate=self.learning_rate, batch_size=self.batch_size,
                           epochs=self.epochs, momentum=self.momentum,
                           patience=self.patience or None)

    def data(self) -> DataConfig:
        return DataConfig(n_train=self.n_train, label_flip=self.label_noise)


def boundary(net: MLP, data: Dataset, studied: np.ndarray, slept: np.ndarray) -> list:
    """Pass probability on the grid, rows = hours slept, columns = hours studied."""
    with np.errstate(over="ignore", invalid="ignore"):
        probability = net.predict_proba(data.standardize(grid_hours(studied, slept)))
    probability = probability.reshape(len(slept), len(studied))
    # A diverged network can give NaN: draw it as "undecided" rather than break the JSON.
    return np.nan_to_num(probability, nan=0.5).round(4).tolist()


def stream_training(settings: PlaygroundSettings | dict, send: Send) -> dict:
    """Train one network with the reader's settings, sending each epoch as it finishes.

    Returns the final "done" message (also sent). ``send`` may raise to abort; nothing is caught.
    """
    if isinstance(settings, dict):
        settings = PlaygroundSettings.from_dict(settings)
    data = make_dataset(settings.data())
    studied, slept = hour_grid(settings.grid_size)
    send({"kind": "start", "settings": asdict(settings),
          "points": {"studied": data.raw_train[:, 0].round(3).tolist(),
                     "slept": data.raw_train[:, 1].round(3).tolist(),
                     "passed": data.y_train.astype(int).tolist()},
          "grid": {"studied": studied.tolist(), "slept": slept.tolist()}})
    # The same seed use as ``fit``: the initial weights are drawn first, then the shuffles.
    rng = np.random.default_rng(settings.seed)
    network = MLP.initialize(settings.network(), rng)

    def on_epoch(epoch: int, record: dict) -> None:
        send({"kind": "epoch", "epoch": epoch, **record})
        if epoch % settings.boundary_every == 0:
            send({"kind": "boundary", "epoch": epoch,
                  "probability": boundary(network, data, studied, slept)})

    history = train(network, data, settings.training(), rng, on_epoch)
    send({"kind": "boundary", "epoch": history.stopped_epoch,
          "probability": boundary(network, data, studied, slept)})
    done = {"kind": "done", "stop_reason": history.stop_reason,
            "stopped_epoch": history.stopped_epoch, "best_epoch": history.best_epoch,
            "diverged": history.diverged, "diverged_epoch": history.diverged_epoch,
            "restored_best": history.restored_best,
            "best_val_loss": history.best_val_loss,
            "best_val_acc": history.val_acc[history.best_epoch],
            "final_train_loss": history.train_loss[history.stopped_epoch],
            "final_val_loss": history.final_val_loss,
            "final_val_acc": history.val_acc[history.stopped_epoch]}
    send(done)
    return done


def _series(low_exponent: int, high_exponent: int) -> tuple[float, ...]:
    """1, 2, 3, 5 times each power of ten from 10**low to 10**high (then 10**high alone)."""
    values = [float(f"{mantissa}e{exponent}") for exponent in range(low_exponent, high_exponent)
              for mantissa in (1, 2, 3, 5)]
    return (*values, float(f"1e{high_exponent}"))


#: The learning rates of the playground's log slider: 0.0001 .. 100 (divergence starts near 15).
LEARNING_RATES = _series(-4, 2)


@dataclass(frozen=True)
class Control:
    """One control of the playground: a setting, its label and its choices (value, text)."""

    name: str
    label: str
    choices: tuple
    kind: str = "select"  # or "slider": the choices in order on a range input


def _plain(values, text=str) -> tuple:
    return tuple((value, text(value)) for value in values)


CONTROLS = (
    Control("learning_rate", "Learning rate", _plain(LEARNING_RATES, lambda rate: f"{rate:g}"), "slider"),
    Control("hidden_neurons", "Hidden neurons", _plain((1, 2, 4, 8, 16, 32, 64))),
    Control("hidden_layers", "Hidden layers", _plain((1, 2, 3))),
    Control("activation", "Activation", _plain(ACTIVATION_NAMES)),
    Control("batch_size", "Batch size", (*_plain((1, 4, 16, 64)), (100_000, "all (full batch)"))),
    Control("epochs", "Epochs", _plain((20, 50, 100, 200, 500, 1000))),
    Control("patience", "Early stopping patience",
            ((0, "off"), *_plain((5, 10, 20, 50), lambda n: f"{n} epochs"))),
    Control("momentum", "Momentum", _plain((0.0, 0.5, 0.9), lambda m: f"{m:g}")),
    Control("n_train", "Training students", _plain((40, 100, 400, 1000))),
    Control("label_noise", "Label noise",
            ((0.0, "none"), *_plain((0.02, 0.1, 0.2), lambda p: f"{p:.0%}".replace("%", " %")))),
    Control("seed", "Random seed", _plain((0, 1, 2, 3, 4))),
)


def page_spec() -> dict:
    """The controls and defaults as JSON for the page (the build bakes it into playground.js)."""
    defaults = PlaygroundSettings()
    for control in CONTROLS:  # a default the reader could not choose back would be a bug here
        values = [value for value, _ in control.choices]
        assert getattr(defaults, control.name) in values, f"{control.name}: default not a choice"
    return {"controls": [{"name": c.name, "label": c.label, "kind": c.kind,
                          "choices": [list(choice) for choice in c.choices],
                          "default": getattr(defaults, c.name)} for c in CONTROLS]}


def settings_code(settings: PlaygroundSettings | dict) -> str:
    """Live-cell Python that trains exactly the playground's run with the public engine API.

    ``fit`` draws the initial weights and then the shuffles from one generator seeded with
    ``seed``, as ``stream_training`` does, so the printed losses equal the playground's bit for bit.
    """
    if isinstance(settings, dict):
        settings = PlaygroundSettings.from_dict(settings)
    net, training, data = settings.network(), settings.training(), settings.data()
    return (
        "from lesson import DataConfig, NetworkConfig, TrainConfig, fit, make_dataset\n"
        "\n"
        f"data = make_dataset(DataConfig(n_train={data.n_train!r}, label_flip={data.label_flip!r}))\n"
        "trained = fit(\n"
        "    data,\n"
        f"    NetworkConfig(hidden={net.hidden!r}, activation={net.activation!r}),\n"
        f"    TrainConfig(learning_rate={training.learning_rate!r}, batch_size={training.batch_size!r},\n"
        f"                epochs={training.epochs!r}, momentum={training.momentum!r}, patience={training.patience!r}),\n"
        f"    seed={settings.seed!r},\n"
        ")\n"
        "h = trained.history\n"
        "last = h.stopped_epoch\n"
        'print("stopped at epoch", last, "because:", h.stop_reason)\n'
        'print("best epoch", h.best_epoch, "validation loss", h.best_val_loss, "accuracy", h.val_acc[h.best_epoch])\n'
        'print("final training loss", h.train_loss[last], "validation loss", h.val_loss[last], "accuracy", h.val_acc[last])\n'
    )
