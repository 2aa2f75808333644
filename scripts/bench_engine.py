#!/usr/bin/env python3
"""Benchmarks the lesson engine and prints what it measures (no assertions, no timing tests).

    .venv/bin/python scripts/bench_engine.py            # everything
    .venv/bin/python scripts/bench_engine.py --no-suite # skip the experiment suite

Prints: the time of every registry experiment with its default config and the total; the
sequential / batched time ratio for a 25-configuration grid and a 100-configuration random
search ("sequential": one run at a time on the reference kernel, the readable MLP; "batched":
``train_many`` on the fast kernels; also one run at a time on the fast kernel, as ``fit`` trains)
(with the largest difference between the two, which must stay below 1e-9, the CPU time
per update, and what np.tanh and np.exp alone cost on the activations both compute); the bad vs
good hyperparameter accuracies the chapter quotes.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from lesson.data import DataConfig, make_dataset  # noqa: E402
from lesson.experiments import REGISTRY  # noqa: E402
from lesson.nn import NetworkConfig  # noqa: E402
from lesson.search import LogUniform, grid_points, random_points  # noqa: E402
from lesson.train import Run, TrainConfig, fit, train_many  # noqa: E402

EPOCHS, BATCH_SIZE = 20, 16


def grid_runs() -> list[Run]:
    """5 learning rates x 5 hidden widths, one seed each."""
    space = {"learning_rate": LogUniform(1e-3, 3.0), "hidden": LogUniform(2, 32, integer=True)}
    return [_run(point, seed) for seed, point in enumerate(grid_points(space, 5))]


def random_runs() -> list[Run]:
    """100 configurations: learning rate and hidden width drawn log-uniformly."""
    space = {"learning_rate": LogUniform(1e-3, 3.0), "hidden": LogUniform(2, 32, integer=True)}
    points = random_points(space, 100, np.random.default_rng(7))
    return [_run(point, seed) for seed, point in enumerate(points)]


def _run(point: dict, seed: int) -> Run:
    return Run(NetworkConfig(hidden=(point["hidden"],)),
               TrainConfig(learning_rate=point["learning_rate"], epochs=EPOCHS,
                           batch_size=BATCH_SIZE), seed)


def timed(work):
    """(result, wall seconds, CPU seconds of this process): CPU time is less disturbed when
    other processes share the machine."""
    wall, cpu = time.perf_counter(), time.process_time()
    result = work()
    return result, time.perf_counter() - wall, time.process_time() - cpu


def compare(label: str, runs: list[Run], data) -> None:
    """Times K sequential reference-kernel fits against one batched call; prints the ratio and
    the difference, and the time of K fits on the fast kernel (``fit``'s default)."""
    sequential, seq_wall, seq_cpu = timed(
        lambda: [fit(data, r.network, r.training, r.seed, kernel="reference") for r in runs])
    batched, bat_wall, bat_cpu = timed(lambda: train_many(data, runs))
    _, one_wall, _ = timed(lambda: [fit(data, r.network, r.training, r.seed) for r in runs])
    diff = max(
        float(np.nanmax(np.abs(np.array(getattr(s.history, name), dtype=float)
                               - np.array(getattr(b.history, name), dtype=float))))
        for s, b in zip(sequential, batched) for name in ("train_loss", "val_loss"))
    print(f"{label}: {len(runs)} runs, max |batched - sequential| = {diff:.1e}")
    print(f"    wall: sequential {seq_wall:6.2f} s, batched {bat_wall:5.2f} s, "
          f"ratio {seq_wall / bat_wall:4.1f}x")
    print(f"    CPU:  sequential {seq_cpu:6.2f} s, batched {bat_cpu:5.2f} s, "
          f"ratio {seq_cpu / bat_cpu:4.1f}x")
    print(f"    fit one run at a time on the fast kernel: {one_wall:6.2f} s wall, "
          f"{seq_wall / one_wall:4.2f}x the reference kernel's speed")
    per_epoch = -(-len(data.y_train) // BATCH_SIZE)  # updates per epoch
    epochs = [s.history.stopped_epoch for s in sequential]
    print(f"    CPU per update, per-epoch evaluation included: sequential "
          f"{seq_cpu / (sum(epochs) * per_epoch) * 1e6:4.0f} us per network, batched "
          f"{bat_cpu / (max(epochs) * per_epoch) * 1e6:4.0f} us per step of all {len(runs)}")
    tanh, exp = activation_floors(runs, data)
    print(f"    floor: the hidden activations both compute take {tanh:.2f} s with np.tanh "
          f"(as fit does), {exp:.2f} s with np.exp (as the batched tanh does)")


def activation_floors(runs: list[Run], data) -> tuple[float, float]:
    """CPU seconds of np.tanh and of np.exp over as many values as training and per-epoch
    evaluation need.

    Both ways compute the same activations (each update's mini-batch, and after every epoch the
    whole training and validation splits), so this bounds how far batching can go.
    """
    n_train, n_val = len(data.y_train), len(data.y_val)
    units = sum(sum(r.network.hidden) for r in runs)
    values = units * EPOCHS * (n_train + n_train + n_val) + units * (n_train + n_val)
    chunk = np.linspace(-3.0, 3.0, 16_384)  # blocks the size the batched evaluation uses
    out = np.empty_like(chunk)
    floors = []
    for function in (np.tanh, np.exp):
        start = time.process_time()
        for _ in range(values // chunk.size):
            function(chunk, out=out)
        function(chunk[:values % chunk.size])
        floors.append(time.process_time() - start)
    return floors[0], floors[1]


def time_suite() -> None:
    """Runs every experiment once with its default config."""
    total_wall = total_cpu = 0.0
    for name, experiment in REGISTRY.items():
        _, wall, cpu = timed(experiment.run)
        total_wall, total_cpu = total_wall + wall, total_cpu + cpu
        print(f"  {name:<20} {wall:6.2f} s wall  {cpu:6.2f} s CPU")
    print(f"  {'whole suite':<20} {total_wall:6.2f} s wall  {total_cpu:6.2f} s CPU")


def main() -> None:
    """Prints the suite timing, the batched/sequential ratios and the bad/good accuracies."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-suite", action="store_true", help="skip the experiment suite")
    args = parser.parse_args()
    if not args.no_suite:
        print("Experiment suite (default configs):")
        time_suite()
    data = make_dataset(DataConfig())
    print(f"\nSequential vs batched ({EPOCHS} epochs, batch {BATCH_SIZE}, "
          f"{len(data.y_train)} training points):")
    compare("25-config grid", grid_runs(), data)
    compare("100-config random search", random_runs(), data)
    result = REGISTRY["bad_vs_good"].run()
    print("\nBad vs good hyperparameters (same network, mean over "
          f"{len(result['seeds'])} seeds):")
    for label in ("bad", "good"):
        r = result[label]
        print(f"  {label:<4} lr={r['learning_rate']:<7g} epochs={r['epochs']:<4} "
              f"val acc {r['mean_val_acc']:.3f}   test acc {r['mean_test_acc']:.3f}")


if __name__ == "__main__":
    main()
