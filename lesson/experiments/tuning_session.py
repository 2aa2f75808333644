"""A worked tuning session on the running example, in steps drawn from the Deep Learning Tuning
Playbook (Godbole et al., 2023), Karpathy's "A Recipe for Training Neural Networks" (2019) and
Smith's learning-rate range test (2017, in fastai's exponential form): check the loss at
initialisation, overfit a handful of students, run a learning-rate range test, search at random
on log scales with early stopping, narrow the ranges and search again, re-run the best settings
with new seeds, and only then look at the test set, once.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np

from lesson.data import Dataset
from lesson.experiments._common import check_fields, dataset, mean, require, train
from lesson.experiments.learning_rate import LrRangeTestConfig, run_lr_range_test
from lesson.nn import MLP, NetworkConfig, accuracy, bce_with_logits
from lesson.search import LogUniform, random_points
from lesson.stats import paired, sign_test, spread
from lesson.train import Run, Trained, TrainConfig

# Seeds of the training runs: round r's trial i uses ROUND_SEED_BASE * r + i; the re-runs use
# RERUN_SEED_BASE + s, seeds no search trial used (so their luck is fresh).
ROUND_SEED_BASE = 100
RERUN_SEED_BASE = 1000


@dataclass(frozen=True)
class TuningSessionConfig:
    """Every setting of the session; the search ranges come from the range test itself.

    Round 1 searches learning rates from the range test's lowest-loss rate divided by
    ``lr_span`` up to that rate (below the edge where the loss blows up), and widths
    ``width_low``..``width_high``. Round 2 searches ``narrow_factor`` either side of round 1's
    best learning rate (never above round 1's top) and half to twice its width. A trial counts
    as good if it scores within ``good_within`` of the best of both rounds. ``replications``:
    how many more sessions, with search seeds ``search_seed + 1`` onwards, repeat the search and
    the re-runs (steps 4 to 6) to show which of the session's lessons hold for other draws.
    """

    n_train: int = 400
    hidden: int = 8
    batch_size: int = 16
    init_seeds: int = 100
    overfit_students: int = 12
    overfit_hidden: int = 16
    overfit_learning_rate: float = 0.3
    overfit_momentum: float = 0.9
    overfit_epochs: int = 200
    lr_span: float = 1000.0
    width_low: int = 4
    width_high: int = 32
    trials: int = 20
    epochs: int = 60
    patience: int = 10
    narrow_factor: float = 3.0
    good_within: float = 0.01
    top_k: int = 3
    rerun_seeds: int = 10
    search_seed: int = 0
    replications: int = 4

    def __post_init__(self) -> None:
        check_fields(self, {
            "n_train": ("int", 20, 5000), "hidden": ("int", 1, 256),
            "batch_size": ("int", 1, 10_000), "init_seeds": ("int", 1, 1000),
            "overfit_students": ("int", 2, 64), "overfit_hidden": ("int", 1, 256),
            "overfit_learning_rate": ("float", 1e-6, 10.0),
            "overfit_momentum": ("float", 0.0, 0.99), "overfit_epochs": ("int", 1, 10_000),
            "lr_span": ("float", 1.5, 1e6), "width_low": ("int", 1, 256),
            "width_high": ("int", 1, 512), "trials": ("int", 2, 200),
            "epochs": ("int", 1, 2000), "patience": ("int", 1, 1000),
            "narrow_factor": ("float", 1.01, 100.0), "good_within": ("float", 0.0, 10.0),
            "top_k": ("int", 1, 20),
            "rerun_seeds": ("int", 2, 50), "search_seed": ("int", 0, 2**31 - 1),
            "replications": ("int", 0, 20)})
        require(self, "width_high", self.width_high > self.width_low,
                f"an integer above width_low={self.width_low}")
        require(self, "overfit_students", self.overfit_students <= self.n_train,
                f"at most n_train={self.n_train}")
        require(self, "top_k", self.top_k <= 2 * self.trials,
                f"at most the trials of both rounds ({2 * self.trials})")


def binary_entropy(p: float) -> float:
    """-p ln p - (1-p) ln(1-p): the loss of predicting probability p for everyone when a
    fraction p passes (the best any constant prediction can do)."""
    return -p * math.log(p) - (1 - p) * math.log(1 - p)


def initial_loss_check(data: Dataset, config: TuningSessionConfig) -> dict:
    """Karpathy's 'verify loss @ init': the loss of untrained networks against what it should be.

    Result: ``pass_rate`` p; ``expected`` (binary entropy of p: predicting p for everyone);
    ``half_half`` (ln 2: predicting 50 % for everyone, what a network whose outputs start near 0
    scores on average); ``measured``: training loss of freshly initialised networks, one per seed
    0..init_seeds-1, with their ``mean``, ``min``, ``max``; ``bias_set``: the same networks with
    the output bias set to ln(p / (1-p)) ('init well'), with ``bias_set_mean``;
    ``scatter_excess`` (mean - ln 2: what the scatter of the outputs adds without the bias) and
    ``bias_set_excess`` (bias_set_mean - expected: what it adds with the bias set);
    ``max_over_ln2`` (the highest initial loss as a multiple of ln 2, against the chapter's bar of
    about twice ln 2).
    """
    p = data.base_rate
    measured, bias_set = [], []
    for seed in range(config.init_seeds):
        net = MLP.initialize(NetworkConfig(hidden=(config.hidden,)), np.random.default_rng(seed))
        measured.append(bce_with_logits(net.logits(data.x_train), data.y_train))
        net.layers[-1].bias[:] = math.log(p / (1 - p))
        bias_set.append(bce_with_logits(net.logits(data.x_train), data.y_train))
    return {"pass_rate": p, "expected": binary_entropy(p), "half_half": math.log(2.0),
            "measured": measured, "mean": mean(measured), "min": min(measured),
            "max": max(measured), "bias_set": bias_set, "bias_set_mean": mean(bias_set),
            "scatter_excess": mean(measured) - math.log(2.0),
            "bias_set_excess": mean(bias_set) - binary_entropy(p),
            "max_over_ln2": max(measured) / math.log(2.0)}


def slow_split(trials: list[dict]) -> dict | None:
    """Where a round's trials split into slow learning rates that end far above the rest.

    Sorted by learning rate, the split is the one with the widest gap between the lowest score
    below it and the highest score above it (None if no split puts every score below above every
    score above). Result: ``threshold`` (geometric mean of the two learning rates either side),
    ``count`` (slow trials), ``highest_learning_rate`` of the slow ones, ``lowest_learning_rate``
    of the rest, ``slow_min_val_loss``/``slow_max_val_loss``, ``rest_max_val_loss``,
    ``all_completed`` (every slow trial ran all its epochs and kept its last one: still learning).
    """
    scored = sorted((t for t in trials if t["val_loss"] is not None), key=lambda t: t["learning_rate"])
    best, best_gap = None, 0.0
    for k in range(1, len(scored)):
        gap = min(t["val_loss"] for t in scored[:k]) - max(t["val_loss"] for t in scored[k:])
        if gap > best_gap:
            best, best_gap = k, gap
    if best is None:
        return None
    slow, rest = scored[:best], scored[best:]
    return {"threshold": math.sqrt(slow[-1]["learning_rate"] * rest[0]["learning_rate"]),
            "count": len(slow), "highest_learning_rate": slow[-1]["learning_rate"],
            "lowest_learning_rate": rest[0]["learning_rate"],
            "slow_min_val_loss": min(t["val_loss"] for t in slow),
            "slow_max_val_loss": max(t["val_loss"] for t in slow),
            "rest_max_val_loss": max(t["val_loss"] for t in rest),
            "all_completed": all(t["stop_reason"] == "completed" and t["best_epoch"] == t["stopped_epoch"]
                                 for t in slow)}


def overfit_check(data: Dataset, config: TuningSessionConfig) -> dict:
    """Karpathy's 'overfit one batch': train on a handful of students until the loss is ~0.

    Result: ``students``, ``hidden``, ``learning_rate``, ``momentum``, ``epochs`` (the
    settings); ``passed`` (how many of them passed), ``val_students``; ``train_loss``/
    ``val_loss``/``train_acc`` per epoch; ``initial_train_loss``,
    ``final_train_loss``, ``final_train_acc``, ``min_val_loss``, ``final_val_loss``.
    """
    n = config.overfit_students
    few = replace(data, x_train=data.x_train[:n], y_train=data.y_train[:n],
                  raw_train=data.raw_train[:n])
    training = TrainConfig(learning_rate=config.overfit_learning_rate, batch_size=n,
                           epochs=config.overfit_epochs, momentum=config.overfit_momentum)
    h = train(few, [Run(NetworkConfig(hidden=(config.overfit_hidden,)), training, 0)])[0].history
    return {"students": n, "hidden": config.overfit_hidden,
            "learning_rate": config.overfit_learning_rate,
            "momentum": config.overfit_momentum, "epochs": config.overfit_epochs,
            "passed": int(few.y_train.sum()), "val_students": len(few.y_val),
            "train_loss": h.train_loss, "val_loss": h.val_loss, "train_acc": h.train_acc,
            "initial_train_loss": h.train_loss[0], "final_train_loss": h.train_loss[-1],
            "final_train_acc": h.train_acc[-1], "min_val_loss": min(h.val_loss),
            "final_val_loss": h.val_loss[-1]}


def _training(config: TuningSessionConfig, learning_rate: float) -> TrainConfig:
    return TrainConfig(learning_rate=learning_rate, batch_size=config.batch_size,
                       epochs=config.epochs, patience=config.patience, restore_best=True)


def _trial(point: dict, seed: int, trained: Trained) -> dict:
    """One search trial: its settings and what early stopping kept."""
    h = trained.history
    return {"learning_rate": point["learning_rate"], "hidden": point["hidden"], "seed": seed,
            "val_loss": None if h.diverged else h.best_val_loss,
            "val_acc": None if h.diverged else h.val_acc[h.best_epoch],
            "best_epoch": h.best_epoch, "stopped_epoch": h.stopped_epoch,
            "stop_reason": h.stop_reason, "diverged": h.diverged}


def search_rounds(data: Dataset, config: TuningSessionConfig, number: int,
                  sessions: list[tuple[int, tuple, tuple]]) -> list[dict]:
    """Round ``number`` of several sessions, trained together: for each (search_seed, lr_range,
    width_range), ``trials`` random configurations, log-uniform in both ranges (drawn with
    ``rng([search_seed, number])``), trained with early stopping. Each result: ``round``,
    ``search_seed``, ``lr_low``, ``lr_high``, ``width_low``, ``width_high``, ``trials`` (list of
    trial dicts: learning_rate, hidden, seed, val_loss (restored best epoch; None = diverged),
    val_acc, best_epoch, stopped_epoch, stop_reason, diverged), ``best_index``, ``best``,
    ``median_val_loss``, ``epochs_trained`` (sum over trials), ``early_stopped`` (count)."""
    seeds = [ROUND_SEED_BASE * number + i for i in range(config.trials)]
    drawn = []
    for search_seed, lr_range, width_range in sessions:
        space = {"learning_rate": LogUniform(*lr_range),
                 "hidden": LogUniform(*width_range, integer=True)}
        drawn.append(random_points(space, config.trials, np.random.default_rng([search_seed, number])))
    runs = [Run(NetworkConfig(hidden=(p["hidden"],)), _training(config, p["learning_rate"]), s)
            for points in drawn for p, s in zip(points, seeds)]
    trained = train(data, runs)
    out = []
    for k, ((search_seed, lr_range, width_range), points) in enumerate(zip(sessions, drawn)):
        mine = trained[k * config.trials:(k + 1) * config.trials]
        trials = [_trial(p, s, t) for p, s, t in zip(points, seeds, mine)]
        scored = [i for i, t in enumerate(trials) if t["val_loss"] is not None]
        best = min(scored, key=lambda i: trials[i]["val_loss"])
        out.append({"round": number, "search_seed": search_seed, "lr_low": lr_range[0],
                    "lr_high": lr_range[1], "width_low": width_range[0], "width_high": width_range[1],
                    "trials": trials, "best_index": best, "best": trials[best],
                    "median_val_loss": float(np.median([trials[i]["val_loss"] for i in scored])),
                    "diverged": sum(t["diverged"] for t in trials),
                    "early_stopped": sum(t["stop_reason"] == "early_stopping" for t in trials),
                    "epochs_trained": sum(t["stopped_epoch"] for t in trials)})
    return out


def narrowed(config: TuningSessionConfig, best: dict, lr_ceiling: float) -> tuple:
    """Round 2's ranges: ``narrow_factor`` either side of the best learning rate (capped at
    ``lr_ceiling``) and half to twice its width."""
    lr_high = min(best["learning_rate"] * config.narrow_factor, lr_ceiling)
    lr_low = min(best["learning_rate"] / config.narrow_factor, lr_high / config.narrow_factor)
    width = best["hidden"]
    return (lr_low, lr_high), (max(1, width // 2), max(width * 2, width // 2 + 1))


def rerun(data: Dataset, config: TuningSessionConfig, candidates: list[dict]) -> list[dict]:
    """Each candidate trained again with ``rerun_seeds`` fresh seeds; validation scores only.

    Result per candidate: ``learning_rate``, ``hidden``, ``round``, ``search_val_loss`` (its
    score in the search), ``seeds``, ``val_loss`` (per seed), ``mean``, ``std`` (sample),
    ``sem`` (standard error of the mean), ``min``, ``max``, ``luck`` (mean minus the search
    score: how much the search flattered it), ``above_search`` (how many re-runs scored worse
    than the search score) and ``above_search_p`` (sign test of those against the rest),
    ``val_acc_mean``, and ``trained`` (the networks, dropped before returning).
    """
    seeds = [RERUN_SEED_BASE + s for s in range(config.rerun_seeds)]
    runs = [Run(NetworkConfig(hidden=(c["hidden"],)), _training(config, c["learning_rate"]), s)
            for c in candidates for s in seeds]
    trained = train(data, runs)
    out = []
    for i, c in enumerate(candidates):
        mine = trained[i * len(seeds):(i + 1) * len(seeds)]
        losses = [None if t.history.diverged else t.history.best_val_loss for t in mine]
        summary = spread(losses)
        above = sum(v is not None and v > c["val_loss"] for v in losses)
        below = sum(v is not None and v < c["val_loss"] for v in losses)
        out.append({"learning_rate": c["learning_rate"], "hidden": c["hidden"],
                    "round": c["round"], "search_val_loss": c["val_loss"], "seeds": seeds,
                    "val_loss": losses, "diverged": len(losses) - summary["n"],
                    "mean": summary["mean"], "std": summary["std"], "sem": summary["sem"],
                    "min": summary["min"], "max": summary["max"],
                    "luck": summary["mean"] - c["val_loss"],
                    "above_search": above, "above_search_p": sign_test(above, below),
                    "val_acc_mean": mean([t.history.val_acc[t.history.best_epoch]
                                          for t in mine if not t.history.diverged]),
                    "trained": mine})
    return out


def patience_cost(data: Dataset, config: TuningSessionConfig, search_round: dict) -> dict:
    """What the patience gave up in one round: every trial that early stopping ended is trained
    again with the same seed and no early stopping (its first epochs repeat exactly), for all
    ``epochs``. Result: ``stopped`` (trials early stopping ended), ``later_lower`` (of those, how
    many reach a lower validation loss after the epoch they stopped at), ``gains`` (kept score
    minus the lowest over all epochs, per stopped trial), ``max_gain``, ``kept_epochs`` and
    ``full_best_epochs``."""
    stopped = [t for t in search_round["trials"] if t["stop_reason"] == "early_stopping"]
    runs = [Run(NetworkConfig(hidden=(t["hidden"],)),
                replace(_training(config, t["learning_rate"]), patience=None), t["seed"])
            for t in stopped]
    full = [t.history for t in train(data, runs)]
    gains = [t["val_loss"] - h.best_val_loss for t, h in zip(stopped, full)]
    return {"stopped": len(stopped), "later_lower": sum(g > 0 for g in gains), "gains": gains,
            "max_gain": max(gains, default=0.0), "kept_epochs": [t["best_epoch"] for t in stopped],
            "full_best_epochs": [h.best_epoch for h in full]}


def score_on_test(data: Dataset, chosen: dict) -> dict:
    """The one look at the test set: the final configuration's re-run networks (every seed,
    none picked) scored on the test students. Result: ``test_loss`` (mean), ``test_losses``
    (per seed), ``test_acc`` (mean), ``test_students``, ``test_standard_error`` (of the mean
    loss over students: how far another test set of that size could move it)."""
    nets = [t.network for t in chosen["trained"] if not t.history.diverged]
    logits = [net.logits(data.x_test) for net in nets]
    losses = [bce_with_logits(z, data.y_test) for z in logits]
    # Each test student's loss, averaged over the networks: how much the score would move
    # with another 200 students is their spread over sqrt(200) (the standard error).
    per_student = np.mean([np.logaddexp(0.0, z) - data.y_test * z for z in logits], axis=0)
    return {"test_loss": mean(losses), "test_losses": losses,
            "test_acc": mean([accuracy(z, data.y_test) for z in logits]),
            "test_students": len(data.y_test),
            "test_standard_error": float(per_student.std() / math.sqrt(len(per_student)))}


def _ranked(rounds: list[dict]) -> list[dict]:
    """Every scored trial of the session's rounds, best first, tagged with its round."""
    everything = [{**t, "round": r["round"]} for r in rounds for t in r["trials"]
                  if t["val_loss"] is not None]
    return sorted(everything, key=lambda t: t["val_loss"])


def _within(rounds: list[dict], best_score: float, tolerance: float) -> list[float]:
    """Per round, the share of scored trials within ``tolerance`` of ``best_score``."""
    return [mean([float(t["val_loss"] <= best_score + tolerance)
                  for t in r["trials"] if t["val_loss"] is not None]) for r in rounds]


def replication_summary(sessions: list[dict]) -> dict:
    """Which lessons of the session hold for other search seeds. ``sessions``: per session
    {"search_seed", "within", "median_val_loss", "best_gain", "reruns"} (the first is the page's).

    Result: ``sessions`` (count) and ``search_seeds``; ``per_session`` (those fields, re-runs
    reduced to their ``luck``); ``more_good_in_round_2`` and ``lower_median_in_round_2`` (how
    many sessions); ``best_gain``: ``spread`` of round 2's best minus round 1's over sessions;
    ``curse``: {"configs" (top configurations re-run, all sessions), "optimistic" (how many
    scored lower in the search than the mean of their re-runs), "sign_p" (sign test of
    optimistic against the rest), "luck" (``spread`` of re-run mean minus search score)}.
    """
    lucks = [c["luck"] for s in sessions for c in s["reruns"]]
    optimistic = sum(v > 0 for v in lucks)
    return {"sessions": len(sessions), "search_seeds": [s["search_seed"] for s in sessions],
            "per_session": [{"search_seed": s["search_seed"], "within": s["within"],
                             "median_val_loss": s["median_val_loss"], "best_gain": s["best_gain"],
                             "luck": [c["luck"] for c in s["reruns"]]} for s in sessions],
            "more_good_in_round_2": sum(s["within"][1] > s["within"][0] for s in sessions),
            "lower_median_in_round_2": sum(s["median_val_loss"][1] < s["median_val_loss"][0]
                                           for s in sessions),
            "best_gain": spread([s["best_gain"] for s in sessions]),
            "curse": {"configs": len(lucks), "optimistic": optimistic,
                      "sign_p": sign_test(optimistic, len(lucks) - optimistic),
                      "luck": spread(lucks)}}


def _versus(chosen: dict, other: dict) -> dict:
    """``paired`` of ``chosen``'s re-run losses against ``other``'s (the same seeds), with
    ``lower_by``: how much lower ``chosen`` scored on average (minus the mean difference)."""
    comparison = paired(chosen["val_loss"], other["val_loss"])
    return {**comparison, "lower_by": -comparison["mean"]}


def run_tuning_session(config: TuningSessionConfig) -> dict:
    """The whole session, every number the page quotes.

    Result: ``initial_loss`` (see ``initial_loss_check``); ``overfit`` (``overfit_check``);
    ``range_test``: {learning_rates, smoothed_loss, min_learning_rate, blow_up_learning_rate,
    suggested_learning_rate}; ``rounds``: [round 1, round 2] (see ``search_rounds``);
    ``patience_cost``: round 1's (see ``patience_cost``); ``narrowing``: {lr_ratios (per round:
    top over bottom of its learning-rate range), best_gain (round 1's best score minus round
    2's), within (per round: share of scored trials within ``good_within`` of the best of both
    rounds), within_tolerance (its value)}; ``reruns``: the ``top_k`` configurations of both
    rounds by search score, re-run (see ``rerun``, without networks); ``final``: {learning_rate,
    hidden, round, search_val_loss, rerun_mean_val_loss, rerun_std, rerun_sem, rerun_min,
    rerun_max, rerun_above_search, rerun_above_search_p (see ``rerun``), val_acc, test_loss, test_losses, test_acc, test_students, test_standard_error
    (see ``score_on_test``), is_search_best, seed_luck (rerun mean minus search score),
    split_gap (test minus rerun mean), gap (test minus search score), search_is_lowest (the
    search score is below every re-run), versus_others (per other re-run configuration, in the
    order of ``reruns``: ``paired`` of the final choice's re-run losses against its, seed by seed,
    the re-runs sharing their seeds, plus ``lower_by``, minus that mean difference)}; ``search_best``: the single best search trial of both
    rounds; ``slow``: round 1's split into slow learning rates and the rest (see
    ``slow_split``); ``budget``: {trials, runs (trials + re-runs), epochs_trained,
    epochs_without_early_stopping}; ``replication``: steps 4 to 6 again for this session and
    ``replications`` more search seeds (see ``replication_summary``; each the same as
    ``run_tuning_session`` with that ``search_seed``).
    """
    data = dataset(config.n_train, 0)
    initial = initial_loss_check(data, config)
    overfit = overfit_check(data, config)
    # the drawn seeds' suggestion is all the session uses: not the learning-rate page's 40-seed spread
    range_test = run_lr_range_test(LrRangeTestConfig(hidden=config.hidden,
                                                     batch_size=config.batch_size,
                                                     n_train=config.n_train,
                                                     spread_seeds=LrRangeTestConfig.seeds))
    top = range_test["min_learning_rate"]
    search_seeds = [config.search_seed + k for k in range(1 + config.replications)]
    firsts = search_rounds(data, config, 1, [(s, (top / config.lr_span, top),
                                              (config.width_low, config.width_high))
                                             for s in search_seeds])
    seconds = search_rounds(data, config, 2, [(s, *narrowed(config, f["best"], top))
                                              for s, f in zip(search_seeds, firsts)])
    rankings = [_ranked([f, s]) for f, s in zip(firsts, seconds)]
    # every session's re-runs in one batch, then split per session
    all_reruns = rerun(data, config, [c for ranked in rankings for c in ranked[:config.top_k]])
    reruns_per_session = [all_reruns[k * config.top_k:(k + 1) * config.top_k]
                          for k in range(len(search_seeds))]
    sessions = []
    for s, f, sec, ranked, reruns in zip(search_seeds, firsts, seconds, rankings, reruns_per_session):
        sessions.append({"search_seed": s, "reruns": reruns,
                         "within": _within([f, sec], ranked[0]["val_loss"], config.good_within),
                         "median_val_loss": [f["median_val_loss"], sec["median_val_loss"]],
                         "best_gain": f["best"]["val_loss"] - sec["best"]["val_loss"]})
    first, second = firsts[0], seconds[0]
    rounds, ranked, reruns = [first, second], rankings[0], reruns_per_session[0]
    chosen = min(reruns, key=lambda c: (c["mean"] is None, c["mean"] or 0.0))
    test = score_on_test(data, chosen)
    best_score = ranked[0]["val_loss"]
    final = {"learning_rate": chosen["learning_rate"], "hidden": chosen["hidden"],
             "round": chosen["round"], "search_val_loss": chosen["search_val_loss"],
             "rerun_mean_val_loss": chosen["mean"], "rerun_std": chosen["std"],
             "rerun_sem": chosen["sem"], "rerun_min": chosen["min"], "rerun_max": chosen["max"],
             "rerun_above_search": chosen["above_search"],
             "rerun_above_search_p": chosen["above_search_p"],
             "val_acc": chosen["val_acc_mean"], **test,
             "is_search_best": chosen["search_val_loss"] == best_score,
             "seed_luck": chosen["luck"],
             "split_gap": test["test_loss"] - chosen["mean"],
             "gap": test["test_loss"] - chosen["search_val_loss"],
             "search_is_lowest": chosen["search_val_loss"] < chosen["min"],
             "versus_others": [_versus(chosen, c) for c in reruns if c is not chosen]}
    trials = sum(len(r["trials"]) for r in rounds)
    return {
        "initial_loss": initial, "overfit": overfit,
        "range_test": {key: range_test[key] for key in (
            "learning_rates", "smoothed_loss", "min_learning_rate", "blow_up_learning_rate",
            "suggested_learning_rate")},
        "rounds": rounds, "patience_cost": patience_cost(data, config, first),
        "narrowing": {"lr_ratios": [r["lr_high"] / r["lr_low"] for r in rounds],
                      "best_gain": sessions[0]["best_gain"], "within": sessions[0]["within"],
                      "within_tolerance": config.good_within},
        "reruns": [{k: v for k, v in c.items() if k != "trained"} for c in reruns],
        "search_best": ranked[0], "final": final, "slow": slow_split(first["trials"]),
        "budget": {"trials": trials, "runs": trials + config.top_k * config.rerun_seeds,
                   "epochs_trained": sum(r["epochs_trained"] for r in rounds),
                   "epochs_without_early_stopping": trials * config.epochs},
        "replication": replication_summary(sessions),
    }
