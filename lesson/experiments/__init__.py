"""The chapter's named experiments: pure functions from a frozen config to plain result data.

>>> from lesson.experiments import get_experiment, run_experiment
>>> exp = get_experiment("lr_sweep")
>>> result = exp.run(exp.config_type(count=4, epochs=5, seeds=1))  # or run_experiment("lr_sweep", count=4, ...)
>>> result["experiment"], result["config"]["count"], len(result["learning_rates"])
('lr_sweep', 4, 4)

Every result is a JSON-serialisable dict (no NaN/inf: None instead) that includes its config.
Each ``run_*`` function's docstring documents its result keys.
"""

from __future__ import annotations

import json
from types import MappingProxyType

from lesson.experiments._common import Experiment
from lesson.experiments.basics import (BadVsGoodConfig, DatasetConfig, run_bad_vs_good,
                                       run_dataset)
from lesson.experiments.capacity import CapacityConfig, DepthConfig, run_capacity, run_depth
from lesson.experiments.curves import (DiagnosisConfig, EarlyStoppingConfig, run_diagnosis,
                                       run_early_stopping)
from lesson.experiments.epochs_batches import (BatchLrConfig, BatchNoiseConfig, EpochsConfig,
                                               run_batch_lr, run_batch_noise, run_epochs)
from lesson.experiments.learning_rate import (LrCurvesConfig, LrRangeTestConfig, LrSweepConfig,
                                              run_lr_curves, run_lr_range_test, run_lr_sweep)
from lesson.experiments.momentum_schedules import (MomentumConfig, ScheduleConfig, run_momentum,
                                                   run_schedule)
from lesson.experiments.optimizers import (DecayRateConfig, OptimizerSweepConfig,
                                          WeightDecayConfig, run_adam_vs_sgd,
                                          run_decay_and_rate, run_weight_decay)
from lesson.experiments.search_strategies import (GridVsRandomConfig, SuccessiveHalvingConfig,
                                                  run_grid_vs_random, run_successive_halving)
from lesson.experiments.tuning_session import TuningSessionConfig, run_tuning_session


class UnknownExperimentError(KeyError):
    """Raised by get_experiment for a name that is not registered; the message lists them."""

    def __str__(self) -> str:
        return str(self.args[0])


_EXPERIMENTS = (
    Experiment("dataset", "The student data set", DatasetConfig, run_dataset),
    Experiment("bad_vs_good", "Same network, bad vs good hyperparameters", BadVsGoodConfig,
               run_bad_vs_good),
    Experiment("lr_curves", "Training curves for four learning rates", LrCurvesConfig,
               run_lr_curves),
    Experiment("lr_sweep", "Final validation loss against learning rate", LrSweepConfig,
               run_lr_sweep),
    Experiment("lr_range_test", "Learning-rate range test", LrRangeTestConfig, run_lr_range_test),
    Experiment("momentum", "Learning rate x momentum", MomentumConfig, run_momentum),
    Experiment("lr_schedule", "Constant learning rate vs warm-up and cosine decay",
               ScheduleConfig, run_schedule),
    Experiment("capacity", "Hidden neurons: underfitting and overfitting", CapacityConfig,
               run_capacity),
    Experiment("depth", "One hidden layer or two, at the same parameter count", DepthConfig,
               run_depth),
    Experiment("epochs", "Too few and too many epochs", EpochsConfig, run_epochs),
    Experiment("batch_noise", "Batch size and the noise of training", BatchNoiseConfig,
               run_batch_noise),
    Experiment("batch_lr", "Batch size and the best learning rate", BatchLrConfig, run_batch_lr),
    Experiment("diagnosis", "Diagnosing learning curves", DiagnosisConfig, run_diagnosis),
    Experiment("early_stopping", "Early stopping with several patience values",
               EarlyStoppingConfig, run_early_stopping),
    Experiment("adam_vs_sgd", "Adam against SGD with momentum over a learning-rate sweep",
               OptimizerSweepConfig, run_adam_vs_sgd),
    Experiment("weight_decay", "Weight decay on an overfitting network, with and without early stopping",
               WeightDecayConfig, run_weight_decay),
    Experiment("decay_and_rate", "The best weight decay at several learning rates", DecayRateConfig,
               run_decay_and_rate),
    Experiment("grid_vs_random", "Grid search vs random search, same budget", GridVsRandomConfig,
               run_grid_vs_random),
    Experiment("successive_halving", "Successive halving vs random search, same epochs",
               SuccessiveHalvingConfig, run_successive_halving),
    Experiment("tuning_session", "A worked tuning session, from the first loss to the test set",
               TuningSessionConfig, run_tuning_session),
)

# Read-only name -> Experiment mapping, in the chapter's order.
REGISTRY = MappingProxyType({exp.name: exp for exp in _EXPERIMENTS})


def get_experiment(name: str) -> Experiment:
    """The experiment called ``name``; UnknownExperimentError lists the valid names."""
    try:
        return REGISTRY[name]
    except KeyError as err:
        raise UnknownExperimentError(
            f"unknown experiment {name!r}; valid names: {', '.join(REGISTRY)}") from err


def run_experiment(name: str, **overrides) -> dict:
    """Runs experiment ``name`` with its default config, changing the fields in ``overrides``."""
    experiment = get_experiment(name)
    try:
        config = experiment.config_type(**overrides)
    except TypeError as err:
        fields = ", ".join(experiment.config_type.__dataclass_fields__)
        raise TypeError(f"run_experiment({name!r}): {err}; valid fields: {fields}") from err
    return experiment.run(config)


def result_json(result: dict) -> str:
    """The result as the site publishes it (``generated/results/<name>.json``): indented JSON.

    One definition for the build (which writes the file) and the page's "Rerun in your browser"
    (which compares a rerun with the served file byte for byte). NaN/inf raise ValueError.
    """
    return json.dumps(result, indent=1, allow_nan=False, ensure_ascii=False) + "\n"


def published_json(name: str) -> str:
    """Experiment ``name`` run with its published (default) config, as the text the site serves
    for it: what a figure's "Rerun in your browser" compares with the served file."""
    experiment = get_experiment(name)
    return result_json(experiment.run(experiment.default_config))


__all__ = ["REGISTRY", "Experiment", "UnknownExperimentError", "get_experiment",
           "published_json", "result_json", "run_experiment"]
