"""Training an image classifier with model.fit: the code behind the Fashion-MNIST recipe and
`kerasvision train classifier`.

Everything a long CPU run needs: a tf.data pipeline with augmentation, SGD with Nesterov
momentum under a warm-up + cosine learning-rate schedule, label smoothing, decoupled weight
decay, TensorBoard logs, a CSV history, an atomic checkpoint each epoch, and BackupAndRestore so
that re-running the same command after a kill resumes where it stopped.
"""

import json
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np


@dataclass
class TrainConfig:
    model: str = "wrn_16_2"
    data: str = "fashion_mnist"
    epochs: int = 30
    batch_size: int = 128
    learning_rate: float = 0.1
    warmup_epochs: int = 1
    weight_decay: float = 5e-4
    label_smoothing: float = 0.1
    augment: bool = True
    seed: int = 0
    strategy: str = "default"
    workdir: str = "runs/classifier"
    deterministic: bool = False
    # Extra builder arguments for `model` (e.g. {"width": 1, "depth": 10} for a tiny WRN).
    model_kwargs: dict = field(default_factory=dict)


def distribution_strategy(kind):
    """tf.distribute strategy by name: default, mirrored (all local devices), multiworker."""
    import tensorflow as tf

    if kind == "default":
        return tf.distribute.get_strategy()
    if kind == "mirrored":
        # Without GPUs MirroredStrategy() would take one CPU; mirror over every logical CPU
        # device instead (tf.config.set_logical_device_configuration splits the CPU).
        gpus = tf.config.list_logical_devices("GPU")
        devices = gpus or tf.config.list_logical_devices("CPU")
        return tf.distribute.MirroredStrategy([d.name for d in devices])
    if kind == "multiworker":
        return tf.distribute.MultiWorkerMirroredStrategy()
    raise ValueError(f"unknown strategy {kind!r}; use default, mirrored or multiworker")


def load_training_data(data):
    """(x_train, y_train, x_test, y_test, class_names) with images as uint8 (N, H, W, C)."""
    if data == "fashion_mnist":
        from kerasvision.data.fashion_mnist import CLASS_NAMES, load_fashion_mnist

        (x_train, y_train), (x_test, y_test) = load_fashion_mnist()
        return (x_train[..., None], y_train.astype("int32"), x_test[..., None],
                y_test.astype("int32"), list(CLASS_NAMES))
    from kerasvision.data.image_folder import load_image_folder

    return load_image_folder(data)


def make_datasets(x_train, y_train, x_test, y_test, classes, config):
    import tensorflow as tf

    from kerasvision.data.augmentation import standard_augmentation

    augment = standard_augmentation() if config.augment else (lambda im: tf.cast(im, tf.float32))
    smoothing = config.label_smoothing

    def one_hot(label):
        return tf.one_hot(label, classes) * (1.0 - smoothing) + smoothing / classes

    train = (tf.data.Dataset.from_tensor_slices((x_train, y_train))
             .shuffle(len(x_train), seed=config.seed, reshuffle_each_iteration=True)
             .map(lambda im, y: (augment(im), one_hot(y)), num_parallel_calls=tf.data.AUTOTUNE)
             .batch(config.batch_size, drop_remainder=True)
             .prefetch(tf.data.AUTOTUNE))
    test = (tf.data.Dataset.from_tensor_slices((x_test, y_test))
            .map(lambda im, y: (tf.cast(im, tf.float32), tf.one_hot(y, classes)))
            .batch(256).prefetch(tf.data.AUTOTUNE))
    return train, test


def build_and_compile(config, input_shape, classes, mean, std, steps_per_epoch):
    import keras

    from kerasvision.tasks.pixel_model import pixel_classifier

    model = pixel_classifier(config.model, input_shape, classes, mean, std,
                             **config.model_kwargs)
    warmup = config.warmup_epochs * steps_per_epoch
    schedule = keras.optimizers.schedules.CosineDecay(
        initial_learning_rate=config.learning_rate / 10,
        decay_steps=max(1, config.epochs * steps_per_epoch - warmup),
        warmup_target=config.learning_rate, warmup_steps=warmup)
    optimizer = keras.optimizers.SGD(schedule, momentum=0.9, nesterov=True,
                                     weight_decay=config.weight_decay)
    # Decay the kernels only; BN scales/offsets and biases are not regularized (common practice).
    optimizer.exclude_from_weight_decay(var_names=["gamma", "beta", "bias"])
    model.compile(optimizer=optimizer, loss=keras.losses.CategoricalCrossentropy(),
                  metrics=["accuracy"])
    return model


class EpochTimer:
    """Appends each epoch's wall time to `epoch_seconds.csv`, so resumed runs add up."""

    def __init__(self, path):
        self.path = Path(path)
        self.start = None

    def callback(self):
        import keras

        def begin(epoch, logs=None):
            self.start = time.time()

        def end(epoch, logs=None):
            with open(self.path, "a") as fh:
                fh.write(f"{epoch},{time.time() - self.start:.1f}\n")

        return keras.callbacks.LambdaCallback(on_epoch_begin=begin, on_epoch_end=end)

    def total_minutes(self):
        if not self.path.is_file():
            return 0.0
        per_epoch = {}
        for line in self.path.read_text().splitlines():
            epoch, seconds = line.split(",")
            per_epoch[int(epoch)] = float(seconds)  # a re-run epoch replaces the killed one
        return round(sum(per_epoch.values()) / 60, 1)


def train_classifier(config, progress=1):
    """Train per `config`; returns (model, summary dict). Re-running resumes after a kill."""
    import keras
    import tensorflow as tf

    from kerasvision.tasks.atomic_checkpoint import AtomicModelCheckpoint, save_model_atomically
    from kerasvision.tasks.image_classifier import ImageClassifier

    workdir = Path(config.workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    for leftover in workdir.glob(".*.partial.keras"):  # a save that a kill interrupted
        leftover.unlink()
    keras.utils.set_random_seed(config.seed)
    if config.deterministic:
        tf.config.experimental.enable_op_determinism()

    x_train, y_train, x_test, y_test, class_names = load_training_data(config.data)
    classes = len(class_names)
    mean = float(x_train.mean() / 255.0)
    std = float(x_train.std() / 255.0)
    steps = len(x_train) // config.batch_size
    train, test = make_datasets(x_train, y_train, x_test, y_test, classes, config)

    strategy = distribution_strategy(config.strategy)
    with strategy.scope():
        model = build_and_compile(config, x_train.shape[1:], classes, mean, std, steps)

    (workdir / "config.json").write_text(json.dumps(
        {**asdict(config), "class_names": class_names, "mean": mean, "std": std}, indent=2))
    timer = EpochTimer(workdir / "epoch_seconds.csv")
    # BackupAndRestore last: an epoch counts as done only once its records are written, so
    # a kill in between re-runs the epoch (read_history keeps its last row) and never
    # leaves an epoch missing from history.csv.
    callbacks = [
        timer.callback(),
        AtomicModelCheckpoint(workdir / "last.keras"),
        keras.callbacks.CSVLogger(str(workdir / "history.csv"), append=True),
        keras.callbacks.TensorBoard(str(workdir / "logs"), write_graph=False),
        keras.callbacks.BackupAndRestore(str(workdir / "backup"), double_checkpoint=True),
    ]
    start = time.time()
    model.fit(train, epochs=config.epochs, validation_data=test, callbacks=callbacks,
              verbose=progress)
    minutes = (time.time() - start) / 60
    loss, accuracy = model.evaluate(test, verbose=0)
    # The shipped file carries its class names (an identity ClassNames layer on the scores).
    save_model_atomically(ImageClassifier(model, class_names).model, workdir / "final.keras")
    summary = {"test_accuracy": float(accuracy), "test_loss": float(loss),
               "params": int(model.count_params()),
               "trainable_params": int(sum(np.prod(w.shape) for w in model.trainable_weights)),
               "train_minutes_this_run": round(minutes, 1),
               "train_minutes_total": timer.total_minutes(), "class_names": class_names}
    (workdir / "summary.json").write_text(json.dumps(summary, indent=2))
    return model, summary
