"""The lesson engine: the chapter's science in numpy, for CPython (build) and Pyodide (browser).

>>> from lesson import DataConfig, NetworkConfig, TrainConfig, fit, make_dataset
>>> data = make_dataset(DataConfig(n_train=400))
>>> trained = fit(data, NetworkConfig(hidden=(8,)), TrainConfig(learning_rate=0.3, epochs=50))
>>> trained.history.stop_reason, len(trained.history.val_loss)
('completed', 51)
>>> trained.history.val_loss[-1] < trained.history.val_loss[0]
True
>>> trained.network.predict_proba(data.x_val[:3]).shape
(3,)

Modules: ``data`` (students), ``nn`` (the MLP), ``train`` (the one training loop: history,
early stopping; ``fit`` for one run, ``train_many`` for many), ``optimizers`` (the loop's update:
SGD with momentum, Adam, weight decay), ``kernels`` (the arithmetic the loop calls: the readable
MLP or K runs stacked), ``search`` (grid, random, successive halving),
``experiments`` (the named experiments behind the chapter's figures and numbers).
"""

from lesson.data import DataConfig, Dataset, make_dataset
from lesson.nn import MLP, NetworkConfig
from lesson.train import History, Run, Trained, TrainConfig, fit, train, train_many

__all__ = ["MLP", "DataConfig", "Dataset", "History", "NetworkConfig", "Run", "TrainConfig",
           "Trained", "fit", "make_dataset", "train", "train_many"]
