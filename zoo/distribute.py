"""Training past one device with TensorFlow's own `tf.distribute`.

    strategy = make_strategy("mirrored")          # every local GPU (or CPU device) of this machine
    strategy = make_strategy("multi_worker")      # every worker named in $TF_CONFIG
    with strategy.scope():
        model = create_model(...)                 # variables mirrored, optimizer too
    zoo.training.fit(model, ...)                  # picks the right loop from the model's strategy

Under `MirroredStrategy` Keras' own `fit` distributes the batches. Under
`MultiWorkerMirroredStrategy` Keras 3's `fit` fails ("Attempt to convert a value (PerReplica...)",
keras-team/keras#20585), so `fit_multi_worker` runs zoo's own loop: Keras' `train_step` /
`test_step` inside `strategy.run`, the outputs reduced across replicas, with the same callbacks
(progress bar, checkpoints, time budget, NaN guard, logs) on the chief. The batch size of a config
is the global batch: tf.data splits each batch across the replicas.
"""

import json
import os
import tempfile

import keras
import tensorflow as tf

from zoo.errors import UsageError
from zoo._internals import clear_restored_epoch, restored_epoch

STRATEGIES = ("default", "mirrored", "multi_worker")


def make_strategy(name):
    """The `tf.distribute` strategy called `name`: "default", "mirrored" or "multi_worker"."""
    if name not in STRATEGIES:
        raise UsageError(f"`strategy` must be one of {', '.join(STRATEGIES)}; received strategy={name!r}.")
    if name == "default":
        return tf.distribute.get_strategy()
    if name == "mirrored":
        return tf.distribute.MirroredStrategy()
    read_tf_config()
    return tf.distribute.MultiWorkerMirroredStrategy()


def read_tf_config():
    """The cluster and task of $TF_CONFIG; ValueError with an example if it is missing or not JSON."""
    config = os.environ.get("TF_CONFIG")
    if not config:
        raise UsageError("--strategy multi_worker reads the cluster from $TF_CONFIG, which is not set; e.g. "
                         'TF_CONFIG=\'{"cluster": {"worker": ["host1:12345", "host2:12345"]}, '
                         '"task": {"type": "worker", "index": 0}}\' on the first worker.')
    try:
        values = json.loads(config)
    except json.JSONDecodeError as error:
        raise UsageError(f"$TF_CONFIG is not valid JSON ({error}); received {config!r}.") from error
    if not isinstance(values, dict) or "cluster" not in values or "task" not in values:
        raise UsageError(f"$TF_CONFIG must hold a \"cluster\" and a \"task\"; received {config!r}.")
    return values


def keras_tuner_environment(tf_config):
    """The `KERASTUNER_*` variables that make a `TF_CONFIG` cluster run keras-tuner's distributed mode.

    The chief (task "chief", or worker 0 when the cluster has none) serves the oracle at its own
    address in the cluster and trains nothing; every other task trains the trials it is handed.

    Args:
        tf_config: dict, as `read_tf_config` returns it.

    Returns:
        A dict of `KERASTUNER_TUNER_ID`, `KERASTUNER_ORACLE_IP` and `KERASTUNER_ORACLE_PORT`.
    """
    cluster, task = tf_config["cluster"], tf_config["task"]
    chief_type = "chief" if cluster.get("chief") else "worker"
    host, _, port = cluster[chief_type][0].rpartition(":")
    if not host or not port.isdigit():
        raise UsageError(f"$TF_CONFIG: the {chief_type} address {cluster[chief_type][0]!r} is not host:port.")
    task_type, index = task.get("type", "worker"), int(task.get("index", 0))
    tuner_id = "chief" if (task_type, index) == (chief_type, 0) else f"tuner_{task_type}{index}"
    return {"KERASTUNER_TUNER_ID": tuner_id, "KERASTUNER_ORACLE_IP": host, "KERASTUNER_ORACLE_PORT": port}


def is_multi_worker(strategy):
    return isinstance(strategy, tf.distribute.MultiWorkerMirroredStrategy)


def is_chief(strategy=None):
    """Whether this process writes the artifacts: always, except on the non-chief workers of a cluster
    (the chief is task "chief", or worker 0 when the cluster has no chief)."""
    if strategy is not None and not is_multi_worker(strategy):
        return True
    task = json.loads(os.environ.get("TF_CONFIG") or "{}").get("task", {})
    return task.get("type", "worker") == "chief" or (task.get("type", "worker") == "worker" and
                                                     not _has_chief() and int(task.get("index", 0)) == 0)


def _has_chief():
    return "chief" in json.loads(os.environ.get("TF_CONFIG") or "{}").get("cluster", {})


def _worker_count():
    cluster = json.loads(os.environ.get("TF_CONFIG") or "{}").get("cluster", {})
    return sum(len(cluster.get(kind, [])) for kind in ("chief", "worker")) or 1


def copy_from_chief(strategy, variables):
    """Sets `variables` on every worker to the chief's values: after the chief alone restored a
    checkpoint, every worker continues from it. (A sum across replicas of the chief's values, the
    others contributing zeros.)"""
    local_replicas = strategy.num_replicas_in_sync // _worker_count()
    weight = tf.constant(1.0 / local_replicas if is_chief(strategy) else 0.0, tf.float64)

    @tf.function
    def copy(weight):
        totals = strategy.run(lambda w: [tf.cast(v, tf.float64) * w for v in variables], args=(weight,))
        for variable, total in zip(variables, totals):
            variable.assign(tf.cast(strategy.reduce("SUM", total, axis=None), variable.dtype))

    copy(weight)


def _sharded_by_data(dataset):
    options = tf.data.Options()
    options.experimental_distribute.auto_shard_policy = tf.data.experimental.AutoShardPolicy.DATA
    return dataset.with_options(options)


class _DistributedSteps:
    """Keras' train_step / test_step run on every replica, their outputs averaged across them."""

    def __init__(self, model, strategy):
        self.model, self.strategy = model, strategy

        @tf.function
        def train(batch):
            return self._mean(strategy.run(model.train_step, args=(batch,)))

        @tf.function
        def test(batch):
            return self._mean(strategy.run(model.test_step, args=(batch,)))

        @tf.function
        def any_true(flag):
            return strategy.reduce("SUM", strategy.run(tf.identity, args=(flag,)), axis=None) > 0

        self.train, self.test, self.any_true = train, test, any_true

    def _mean(self, outputs):
        return {name: self.strategy.reduce("MEAN", value, axis=None) for name, value in outputs.items()}

    def evaluate(self, dataset):
        self.model.reset_metrics()
        logs = {}
        for batch in self.strategy.experimental_distribute_dataset(_sharded_by_data(dataset)):
            logs = self.test(batch)
        return {f"val_{name}": float(value) for name, value in logs.items()}


def fit_multi_worker(model, train_data, validation_data, epochs, callbacks, initial_epoch=0, verbose=1):
    """Keras-`fit`-like training of `model` (built and compiled in a `MultiWorkerMirroredStrategy`'s
    scope) on every worker of the cluster.

    Every worker runs `callbacks.on_train_begin` (so all of them restore the same checkpoint), then
    the steps; the chief alone runs the callbacks that write (the caller passes those only to the
    chief). A worker whose callbacks ask to stop (time budget) stops every worker after the same
    step, so no worker waits forever in a collective.

    Args:
        model: a compiled `keras.Model`.
        train_data, validation_data: `tf.data.Dataset`s batched with the global batch size.
        epochs: int. The total number of epochs.
        callbacks: list of Keras callbacks.
        initial_epoch: int, default 0.
        verbose: 0 (silent), 1 (progress bar) or 2 (a line per epoch), on the chief only.

    Returns:
        A `keras.callbacks.History`.
    """
    strategy = model.distribute_strategy
    steps = _DistributedSteps(model, strategy)
    history = keras.callbacks.History()
    chief = is_chief(strategy)
    progress = keras.callbacks.ProgbarLogger() if chief and verbose else None
    callback_list = keras.callbacks.CallbackList(
        [*callbacks, history, *([progress] if progress else [])], model=model, verbose=verbose, epochs=epochs,
        steps=int(train_data.cardinality()) if int(train_data.cardinality()) > 0 else None)
    model.stop_training = False
    clear_restored_epoch(model)
    with strategy.scope():  # every worker creates the same variables, in the same order
        if not model.optimizer.built:
            model.optimizer.build(model.trainable_variables)
    callback_list.on_train_begin()  # the chief's BackupAndRestore loads its checkpoint here
    with strategy.scope():
        restored = restored_epoch(model)
        epoch_variable = tf.Variable(float(restored if restored is not None else initial_epoch))
    copy_from_chief(strategy, [*model.variables, *model.optimizer.variables, epoch_variable])
    first = int(epoch_variable.numpy())
    distributed = strategy.experimental_distribute_dataset(_sharded_by_data(train_data))
    for epoch in range(first, epochs):
        model.reset_metrics()
        callback_list.on_epoch_begin(epoch)
        logs, stop = {}, False
        for step, batch in enumerate(distributed):
            callback_list.on_train_batch_begin(step)
            logs = {name: float(value) for name, value in steps.train(batch).items()}
            callback_list.on_train_batch_end(step, logs)
            stop = bool(steps.any_true(tf.constant(float(model.stop_training))))
            if stop:
                break
        if validation_data is not None:
            logs.update(steps.evaluate(validation_data))
        callback_list.on_epoch_end(epoch, logs)
        if stop or model.stop_training:
            break
    callback_list.on_train_end(logs)
    return history


def worker_directory(workdir, strategy):
    """Where this process writes: `workdir` on the chief, a scratch folder on the other workers (whose
    writes would race the chief's)."""
    if is_chief(strategy):
        return workdir
    return tempfile.mkdtemp(prefix="zoo-worker-")
