"""Reading learning curves: five textbook cases, and early stopping with several patiences,
each over several seeds (the figures show the first; the seed spreads say how typical it is)."""

from __future__ import annotations

from dataclasses import dataclass

from lesson.experiments._common import check_fields, dataset, final, require, train, updates_per_epoch
from lesson.nn import NetworkConfig
from lesson.stats import paired, rate_interval, spread, spread_or_none
from lesson.train import Recorder, Run, TrainConfig

# (label, n_train, hidden width, learning rate, momentum, batch size): each case's settings.
# "mild overfit" is the good fit's network at the learning-rate sweep's best rate (0.3, best
# over 30 epochs): over 200 epochs it levels off sooner and then creeps back up a little.
DIAGNOSIS_CASES = (
    ("underfit", 400, 1, 0.3, 0.0, 16),
    ("good fit", 400, 8, 0.1, 0.0, 16),
    ("overfit", 40, 64, 0.3, 0.9, 10),
    ("diverging", 400, 8, 30.0, 0.0, 16),
    ("too slow", 400, 8, 0.001, 0.0, 16),
    ("mild overfit", 400, 8, 0.3, 0.0, 16),
)


@dataclass(frozen=True)
class DiagnosisConfig:
    """Epochs and seeds shared by the diagnosis cases (their settings: DIAGNOSIS_CASES). Each
    case is trained with seeds ``seed`` .. ``seed + seeds - 1``; the curves are the first's."""

    epochs: int = 200
    seed: int = 0
    seeds: int = 20  # 10 showed every shape in every seed; 20 show that a slow run can flatten early
    divergence_loss: float = 50.0

    def __post_init__(self) -> None:
        check_fields(self, {"epochs": ("int", 10, 5000), "seed": ("int", 0, 2**31 - 1),
                            "seeds": ("int", 1, 50), "divergence_loss": ("float", 1.0, 1e6)})


def _late_val_change(history, epochs: int) -> float | None:
    """Mean validation loss over the last quarter of the epochs minus that over the second
    quarter: positive when the validation loss creeps back up late in the run."""
    quarter = epochs // 4
    second = [v for v in history.val_loss[1 + quarter:1 + 2 * quarter] if v is not None]
    last = [v for v in history.val_loss[1 + 3 * quarter:] if v is not None]
    if not second or not last:
        return None
    return sum(last) / len(last) - sum(second) / len(second)


def _case_over_seeds(histories: list, epochs: int) -> dict:
    """What one case's runs over the seeds share: spreads and counts (see run_diagnosis)."""
    n = len(histories)
    late = [_late_val_change(h, epochs) for h in histories]
    rising = [change for change in late if change is not None]
    return {
        "seeds": n,
        "min_val_loss": spread_or_none([h.best_val_loss for h in histories]),
        "best_epoch": spread([h.best_epoch for h in histories]),
        "final_val_loss": spread_or_none([final(h, "val_loss") for h in histories]),
        "final_train_loss": spread_or_none([final(h, "train_loss") for h in histories]),
        "final_minus_min": spread_or_none([
            None if final(h, "val_loss") is None else final(h, "val_loss") - h.best_val_loss
            for h in histories]),
        "late_val_change": spread_or_none(late),
        "late_val_rises": rate_interval(sum(change > 0 for change in rising), n),
        "best_at_last_epoch": sum(h.best_epoch == epochs for h in histories),
        "diverged": sum(h.diverged for h in histories),
        "first_epoch_up": sum(h.train_loss[1] is None or h.train_loss[1] > h.train_loss[0]
                              for h in histories),
        "ends_above_start": sum(final(h, "train_loss") is None
                                or final(h, "train_loss") > h.train_loss[0] for h in histories),
    }


def run_diagnosis(config: DiagnosisConfig) -> dict:
    """Training and validation loss curves for the cases, and how they vary over seeds.

    Result: ``epochs``; ``seeds`` (the seeds trained); ``cases``: list of {"label", "n_train",
    "hidden", "learning_rate", "momentum", "batch_size", "train_loss", "val_loss", "diverged",
    "diverged_epoch", "best_epoch", "initial_train_loss", "final_train_loss", "final_val_loss",
    "min_val_loss" (all from the first seed, ``seed``), "over_seeds": {"seeds" (how many),
    "min_val_loss", "best_epoch", "final_val_loss", "final_train_loss", "final_minus_min",
    "late_val_change" (mean validation loss over the last quarter of the epochs minus over the
    second quarter): each a ``lesson.stats.spread``; "late_val_rises" (a ``rate_interval`` of the
    seeds whose late_val_change is positive); counts of seeds: "best_at_last_epoch" (still
    falling at the end), "diverged", "first_epoch_up" (training loss higher after the first epoch
    than before it), "ends_above_start" (final training loss above the initial one)}}.
    """
    seeds = list(range(config.seed, config.seed + config.seeds))
    histories = {}
    for size in sorted({case[1] for case in DIAGNOSIS_CASES}):  # one batched call per data set
        labels, runs = [], []
        for label, n_train, hidden, lr, momentum, batch in DIAGNOSIS_CASES:
            if n_train == size:
                labels.append(label)
                runs += [Run(NetworkConfig(hidden=(hidden,)),
                             TrainConfig(learning_rate=lr, batch_size=batch,
                                         epochs=config.epochs, momentum=momentum,
                                         divergence_loss=config.divergence_loss), seed)
                         for seed in seeds]
        trained = train(dataset(size, 0), runs)
        for i, label in enumerate(labels):
            histories[label] = [t.history for t in trained[i * len(seeds):(i + 1) * len(seeds)]]
    cases = []
    for label, n_train, hidden, lr, momentum, batch in DIAGNOSIS_CASES:
        h = histories[label][0]
        cases.append({
            "label": label, "n_train": n_train, "hidden": hidden, "learning_rate": lr,
            "momentum": momentum, "batch_size": batch,
            "train_loss": h.train_loss, "val_loss": h.val_loss,
            "diverged": h.diverged, "diverged_epoch": h.diverged_epoch,
            "best_epoch": h.best_epoch, "initial_train_loss": h.train_loss[0],
            "final_train_loss": final(h, "train_loss"), "final_val_loss": final(h, "val_loss"),
            "min_val_loss": h.best_val_loss,
            "over_seeds": _case_over_seeds(histories[label], config.epochs),
        })
    return {"epochs": list(range(config.epochs + 1)), "seeds": seeds, "cases": cases}


@dataclass(frozen=True)
class EarlyStoppingConfig:
    """The overfitting run of ``epochs`` with early stopping at several patience values, under
    three stopping rules: plain, with ``min_delta`` and with ``start_from_epoch``; trained with
    seeds ``seed`` .. ``seed + seeds - 1`` (the curves and the ``rules`` are the first seed's)."""

    patiences: tuple = (2, 5, 10, 20, 50, 100)
    n_train: int = 40
    hidden: int = 64
    learning_rate: float = 0.3
    momentum: float = 0.9
    batch_size: int = 10
    epochs: int = 400
    seed: int = 0
    seeds: int = 12
    min_delta: float = 0.01
    start_from_epoch: int = 20

    def __post_init__(self) -> None:
        check_fields(self, {"patiences": ("ints", 1, 100_000), "n_train": ("int", 10, 5000),
                            "hidden": ("int", 1, 512), "learning_rate": ("float", 1e-6, 100),
                            "momentum": ("float", 0.0, 0.99),
                            "batch_size": ("int", 1, 10_000), "epochs": ("int", 10, 20_000),
                            "seed": ("int", 0, 2**31 - 1), "seeds": ("int", 1, 50),
                            "min_delta": ("float", 0.0, 10.0),
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
    train_after = [v for v in full.train_loss[2:max(end, 3)] if v is not None]
    return {"first_val_loss": full.val_loss[1], "peak_epoch": peak, "peak_val_loss": peak_val,
            "plateau_end": _plateau_end(full.val_loss, reference_loss),
            "plateau_mean_val_acc": sum(accuracies) / len(accuracies) if accuracies else None,
            "first_train_loss": full.train_loss[1],
            "peak_train_loss": max(train_after) if train_after else None}


def _stop_on_curve(full, training: TrainConfig) -> tuple[int, int]:
    """(stop epoch, best epoch) of early stopping with ``training``'s rule on the full run's
    validation curve: the engine's own rule (``Recorder``), epoch by epoch. A stopping run with
    the same seed follows that curve exactly until it stops, so this is where it would stop."""
    recorder = Recorder(training.epochs, training)
    for epoch in range(full.stopped_epoch + 1):
        recorder.improved(epoch, full.val_loss[epoch])
        if recorder.patience_ran_out(epoch):
            return epoch, recorder.best_epoch
    return full.stopped_epoch, recorder.best_epoch


def _one_seed(config: EarlyStoppingConfig, seed: int, full, one, still) -> dict:
    """One seed's full run, its transient and what each rule and patience would keep."""
    transient = _transient(full, one.best_val_loss)
    end = transient["plateau_end"]
    rules = {}
    for rule in STOPPING_RULES:
        rules[rule] = []
        for patience in config.patiences:
            training = TrainConfig(learning_rate=config.learning_rate, momentum=config.momentum,
                                   batch_size=config.batch_size, epochs=config.epochs,
                                   patience=patience, **_rule_fields(config, rule))
            stop, best = _stop_on_curve(full, training)
            rules[rule].append({
                "patience": patience, "stop_epoch": stop, "best_epoch": best,
                "restored_val_loss": full.val_loss[best],
                "past_plateau": end is not None and best >= end,
                "excess": full.val_loss[best] - full.best_val_loss})
    peak = transient["peak_epoch"] or 1
    early_still = [v for v in still.val_loss[2:peak + 1] if v is not None]
    return {"seed": seed, "best_epoch": full.best_epoch, "min_val_loss": full.best_val_loss,
            "final_val_loss": final(full, "val_loss"),
            "one_neuron_min_val_loss": one.best_val_loss, "transient": transient,
            "no_momentum": {"best_epoch": still.best_epoch, "min_val_loss": still.best_val_loss,
                            "plateau_end": _plateau_end(still.val_loss, one.best_val_loss),
                            "early_rise": (max(early_still) - still.val_loss[1]
                                           if early_still and still.val_loss[1] is not None
                                           else None)},
            "rules": rules}


def _over_seeds(config: EarlyStoppingConfig, per_seed: list[dict]) -> dict:
    """Spreads and counts over the seeds (see run_early_stopping)."""
    n = len(per_seed)
    transients = [s["transient"] for s in per_seed]

    def rose(first: str, peak: str) -> int:
        return sum(t[peak] is not None and t[first] is not None and t[peak] > t[first]
                   for t in transients)

    rules = {}
    for rule in STOPPING_RULES:
        rules[rule] = []
        for i, patience in enumerate(config.patiences):
            stops = [s["rules"][rule][i] for s in per_seed]
            past = [stop for stop in stops if stop["past_plateau"]]
            rules[rule].append({
                "patience": patience,
                "past_plateau": rate_interval(len(past), n),
                "excess": spread([stop["excess"] for stop in stops]),
                "excess_when_past": spread([stop["excess"] for stop in past]) if past else None,
                "kept_val_loss": spread([stop["restored_val_loss"] for stop in stops]),
                "stop_epoch": spread([stop["stop_epoch"] for stop in stops]),
            })
    return {
        "seeds": n,
        "best_epoch": spread([s["best_epoch"] for s in per_seed]),
        "min_val_loss": spread([s["min_val_loss"] for s in per_seed]),
        "final_val_loss": spread_or_none([s["final_val_loss"] for s in per_seed]),
        "one_neuron_min_val_loss": spread([s["one_neuron_min_val_loss"] for s in per_seed]),
        "plateau_end": spread_or_none([t["plateau_end"] for t in transients]),
        "val_peak_epoch": spread_or_none([t["peak_epoch"] for t in transients]),
        "val_rises": rate_interval(rose("first_val_loss", "peak_val_loss"), n),
        "train_rises": rate_interval(rose("first_train_loss", "peak_train_loss"), n),
        "train_rise": spread_or_none([
            None if t["peak_train_loss"] is None else t["peak_train_loss"] - t["first_train_loss"]
            for t in transients]),
        "val_rise": spread_or_none([
            None if t["peak_val_loss"] is None else t["peak_val_loss"] - t["first_val_loss"]
            for t in transients]),
        "no_momentum_early_rise": spread_or_none([s["no_momentum"]["early_rise"]
                                                   for s in per_seed]),
        "no_momentum_plateau_end": spread_or_none([s["no_momentum"]["plateau_end"]
                                                    for s in per_seed]),
        "no_momentum_plateau_longer": rate_interval(sum(
            s["no_momentum"]["plateau_end"] is not None and s["transient"]["plateau_end"] is not None
            and s["no_momentum"]["plateau_end"] > s["transient"]["plateau_end"] for s in per_seed), n),
        "no_momentum_best_epoch": spread([s["no_momentum"]["best_epoch"] for s in per_seed]),
        "momentum_vs_none_best_epoch": paired([s["best_epoch"] for s in per_seed],
                                              [s["no_momentum"]["best_epoch"] for s in per_seed]),
        "none_vs_momentum_min_val_loss": paired(
            [s["no_momentum"]["min_val_loss"] for s in per_seed],
            [s["min_val_loss"] for s in per_seed]),
        "rules": rules,
    }


def run_early_stopping(config: EarlyStoppingConfig) -> dict:
    """Full runs' curves, and what early stopping with each patience and rule would keep, over
    several seeds.

    The first seed's (``seed``'s) stopping runs are real training runs (restore_best=True) with
    its seed: each follows the full run's curve exactly until it stops. For every seed,
    ``seed_runs`` reads the stops off the full run's curve with the engine's rule (the same
    numbers, for the first seed, as its real runs). The first seed is the one shown: ``epochs``, ``train_loss``, ``val_loss``, ``val_acc`` (its full run);
    ``full_run``: {"final_val_loss", "best_epoch", "min_val_loss"}; ``stops``: the plain rule,
    list of {"patience", "stop_epoch", "best_epoch", "restored_val_loss" (val loss of the weights
    kept), "final_val_loss" (val loss at the stop epoch), "epochs_saved"}; ``rules``: {"plain" |
    "min_delta" | "start_from_epoch": that list for each rule}; ``one_neuron``: the same training
    with 1 hidden neuron (a nearly straight border), {"min_val_loss", "best_epoch"};
    ``no_momentum``: the wide network with momentum 0, {"val_loss": curve, "min_val_loss",
    "best_epoch", "plateau_end"}; ``transient``: the full run's early transient,
    {"first_val_loss" (epoch 1), "peak_epoch", "peak_val_loss" (the highest validation loss after
    epoch 1 and before the plateau ends), "plateau_end" (first epoch below the one-neuron
    network's lowest validation loss), "plateau_mean_val_acc" (mean validation accuracy over
    epochs 1 to plateau_end - 1), "first_train_loss" (epoch 1), "peak_train_loss" (highest
    training loss from epoch 2 to plateau_end - 1)}; ``effective_step``: learning_rate /
    (1 - momentum).

    Over the seeds: ``seed_runs``: one record per seed, {"seed", "best_epoch", "min_val_loss",
    "final_val_loss", "one_neuron_min_val_loss", "transient", "no_momentum": {"best_epoch",
    "min_val_loss", "plateau_end", "early_rise" (its highest validation loss from epoch 2 to the
    momentum run's peak epoch, minus its epoch-1 loss)}, "rules": {rule: list of stop records, each with
    "past_plateau" (the kept epoch is at or after plateau_end: the rule waited out the plateau)
    and "excess" (kept validation loss minus the seed's lowest)}}; ``over_seeds``: {"seeds" (how
    many), spreads (``lesson.stats.spread``) of "best_epoch", "min_val_loss", "final_val_loss",
    "one_neuron_min_val_loss", "plateau_end", "val_peak_epoch", "val_rise" (peak_val_loss -
    first_val_loss), "train_rise" (peak_train_loss - first_train_loss), "no_momentum_early_rise",
    "no_momentum_plateau_end", "no_momentum_best_epoch"; rate intervals (``rate_interval``) of
    "val_rises", "train_rises" (seeds whose loss rises after epoch 1), "no_momentum_plateau_longer"
    (seeds whose run without momentum ends its plateau later); paired comparisons (``paired``) "momentum_vs_none_best_epoch" (momentum minus
    none) and "none_vs_momentum_min_val_loss" (none minus momentum: positive when momentum's best
    is lower; ``b_lower`` counts those seeds); "rules": {rule: per patience
    {"patience", "past_plateau" (a rate_interval over the seeds), "excess", "excess_when_past"
    (None if no seed got past), "kept_val_loss", "stop_epoch"}}}; ``updates_per_epoch``: the
    mini-batches in one epoch, ceil(n_train / batch_size) (patience counts epochs, not updates);
    ``plateau_updates``: spread over the seeds of plateau_end in updates (plateau_end x
    updates_per_epoch).
    """
    data = dataset(config.n_train, 0)
    seeds = list(range(config.seed, config.seed + config.seeds))

    def run(seed: int, hidden: int, momentum: float, patience=None, **fields) -> Run:
        training = TrainConfig(learning_rate=config.learning_rate, momentum=momentum,
                               batch_size=config.batch_size, epochs=config.epochs,
                               patience=patience, restore_best=True, **fields)
        return Run(NetworkConfig(hidden=(hidden,)), training, seed)

    runs = [run(seed, hidden, momentum) for seed in seeds
            for hidden, momentum in ((config.hidden, config.momentum), (1, config.momentum),
                                     (config.hidden, 0.0))]
    # the shown seed's stops are real stopping runs (the other seeds' are read off their curves)
    runs += [run(config.seed, config.hidden, config.momentum, p, **_rule_fields(config, rule))
             for rule in STOPPING_RULES for p in config.patiences]
    histories = [t.history for t in train(data, runs)]
    per_seed = [_one_seed(config, seed, *histories[3 * i:3 * i + 3])
                for i, seed in enumerate(seeds)]
    full, one, still = histories[:3]
    updates = updates_per_epoch(len(data.y_train), config.batch_size)
    stopped = histories[3 * len(seeds):]
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
            "transient": _transient(full, one.best_val_loss),
            "effective_step": config.learning_rate / (1 - config.momentum),
            "updates_per_epoch": updates,
            "plateau_updates": spread_or_none([
                None if s["transient"]["plateau_end"] is None else s["transient"]["plateau_end"] * updates
                for s in per_seed]),
            "seed_runs": per_seed, "over_seeds": _over_seeds(config, per_seed)}
