"""A training process for tests/test_distribute.py (run with `python -m tests.distribute_worker`).

    python -m tests.distribute_worker multi_worker INDEX PORT0,PORT1 WORKDIR EPOCHS OUT.npy
    python -m tests.distribute_worker mirrored_vs_default OUT.npz
"""

import json
import os
import sys


def _data(model, seed=0):
    import tensorflow as tf

    from zoo.registry import example_batch

    x, y = example_batch("sequence_classifier", model, 32, seed)
    return tf.data.Dataset.from_tensor_slices((x, y)).batch(8), tf.data.Dataset.from_tensor_slices((x, y)).batch(16)


def _weights(model):
    import numpy as np

    return np.concatenate([np.asarray(v).ravel() for v in model.trainable_variables])


def multi_worker(index, ports, workdir, epochs, out):
    os.environ["TF_CONFIG"] = json.dumps({
        "cluster": {"worker": [f"127.0.0.1:{port}" for port in ports.split(",")]},
        "task": {"type": "worker", "index": int(index)},
    })
    import keras
    import numpy as np

    from zoo.distribute import make_strategy
    from zoo.registry import create_model
    from zoo.training import fit

    strategy = make_strategy("multi_worker")
    keras.utils.set_random_seed(int(index))  # different seeds: the workers must still agree
    with strategy.scope():
        model = create_model("sequence_classifier", learning_rate=0.01)
    train, validation = _data(model)
    report = fit(model, train, validation, workdir, int(epochs), verbose=0)
    np.save(out, _weights(model))
    print(json.dumps({"first_epoch": report.first_epoch, "last_epoch": report.last_epoch,
                      "loss": report.history["loss"], "val_loss": report.history["val_loss"]}))


def mirrored_vs_default(out):
    import tensorflow as tf

    tf.config.set_logical_device_configuration(
        tf.config.list_physical_devices("CPU")[0], [tf.config.LogicalDeviceConfiguration()] * 2)
    import keras
    import numpy as np

    from zoo.distribute import make_strategy
    from zoo.registry import create_model
    from zoo.training import fit

    results = {}
    for name in ("default", "mirrored"):
        strategy = make_strategy(name)
        keras.utils.set_random_seed(0)
        with strategy.scope():
            model = create_model("sequence_classifier", learning_rate=0.01, clipnorm=1e6)
        train, _ = _data(model)
        results[f"{name}_before"] = _weights(model)
        fit(model, train.take(1), None, os.path.join(os.path.dirname(out), name), 1, verbose=0)
        results[name] = _weights(model)
        results[f"{name}_replicas"] = np.array(strategy.num_replicas_in_sync)
    np.savez(out, **results)


if __name__ == "__main__":
    {"multi_worker": multi_worker, "mirrored_vs_default": mirrored_vs_default}[sys.argv[1]](*sys.argv[2:])
