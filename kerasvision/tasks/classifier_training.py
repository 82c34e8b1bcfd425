"""Training an image classifier with model.fit: the code behind the Fashion-MNIST recipe and
`kerasvision train classifier`.

The classifier's recipe: a tf.data pipeline with augmentation, SGD with Nesterov momentum under
a warm-up + cosine learning-rate schedule, label smoothing and decoupled weight decay. The
resumable loop itself (checkpoints, history, BackupAndRestore, strategies) is the tasks'
shared one, tasks/training_loop.py.
"""

import json
import time
from dataclasses import asdict, dataclass, field

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


def load_training_data(data):
    """(x_train, y_train, x_test, y_test, class_names); images (N, H, W, C) in 0–255 (uint8
    for Fashion-MNIST, float32 from a folder, as the shared preprocessor resized them)."""
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


def describe_data(data, x_train, x_test, class_names):
    """One sentence saying what the run trained on, for config.json and the model card."""
    height, width, channels = x_train.shape[1:]
    kind = "grey" if channels == 1 else "colour"
    if data == "fashion_mnist":
        source = "Fashion-MNIST train split"
    else:
        source = f"image folder `{data}` (classes from its sub-folders; a seeded 20 % held out)"
    return (f"{source}: {len(x_train):,} training and {len(x_test):,} held-out images, "
            f"{height}×{width} {kind}, {len(class_names)} classes")


def augmentation_summary(config):
    return ("pad-2 random crop, horizontal flip, random erasing (p=0.5)" if config.augment
            else "none")


def train_classifier(config, progress=1):
    """Train per `config`; returns (model, summary dict). Re-running resumes after a kill."""
    import keras
    import tensorflow as tf

    from kerasvision.tasks.image_classifier import ImageClassifier
    from kerasvision.tasks.training_loop import (distribution_strategy, resumable_fit,
                                                 run_directory)

    # First: MultiWorkerMirroredStrategy must configure collective ops before any TF op runs.
    strategy = distribution_strategy(config.strategy)
    workdir = run_directory(config.workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    keras.utils.set_random_seed(config.seed)
    if config.deterministic:
        tf.config.experimental.enable_op_determinism()

    x_train, y_train, x_test, y_test, class_names = load_training_data(config.data)
    classes = len(class_names)
    mean = float(x_train.mean() / 255.0)
    std = float(x_train.std() / 255.0)
    steps = len(x_train) // config.batch_size
    train, test = make_datasets(x_train, y_train, x_test, y_test, classes, config)

    with strategy.scope():
        model = build_and_compile(config, x_train.shape[1:], classes, mean, std, steps)

    (workdir / "config.json").write_text(json.dumps(
        {**asdict(config), "class_names": class_names, "mean": mean, "std": std,
         "image_shape": list(x_train.shape[1:]),
         "data_description": describe_data(config.data, x_train, x_test, class_names),
         "augmentation": augmentation_summary(config)}, indent=2))
    start = time.time()
    _, total_minutes = resumable_fit(model, train, config.epochs, config.workdir,
                                     validation=test, progress=progress)
    minutes = (time.time() - start) / 60
    loss, accuracy = model.evaluate(test, verbose=0)
    # The run's result as a task file: class names and preprocessor ride in its metadata.
    ImageClassifier(model, class_names).save(workdir / "final.keras")
    summary = {"test_accuracy": float(accuracy), "test_loss": float(loss),
               "params": int(model.count_params()),
               "trainable_params": int(sum(np.prod(w.shape) for w in model.trainable_weights)),
               "train_minutes_this_run": round(minutes, 1),
               "train_minutes_total": total_minutes, "class_names": class_names}
    (workdir / "summary.json").write_text(json.dumps(summary, indent=2))
    return model, summary
