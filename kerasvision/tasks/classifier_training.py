"""Training an image classifier with model.fit: the code behind the Fashion-MNIST recipe and
`kerasvision train classifier`.

The classifier's recipe: a tf.data pipeline with augmentation, SGD with Nesterov momentum (or
AdamW) under a warm-up + cosine learning-rate schedule, label smoothing and decoupled weight
decay; each architecture's defaults come from tasks/training_recipes.py (`config_for`). The
resumable loop itself (checkpoints, history, BackupAndRestore, strategies) is the tasks'
shared one, tasks/training_loop.py: re-running a finished run trains nothing, a larger
`epochs` continues it, `restart_run` starts over.
"""

import json
import sys
from dataclasses import asdict, dataclass, field, fields

import numpy as np

# Training images the BN statistics are re-estimated on after each epoch (precise BN).
PRECISE_BN_IMAGES = 1024

# Fast-training options a recipe sets per architecture (tasks/training_recipes.py).
RECIPE_OPTIONS = ("schedule", "precision", "ema", "bn_momentum", "flip")

# Settings that may change between the runs of one work directory: the rest define the run.
RESUMABLE_CHANGES = ("epochs", "strategy", "deterministic", "workdir")


@dataclass
class TrainConfig:
    model: str = "wrn_16_2"
    data: str = "fashion_mnist"
    epochs: int = 30
    batch_size: int = 128
    learning_rate: float = 0.1
    optimizer: str = "sgd"  # "sgd" (Nesterov momentum 0.9) or "adamw"
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
    # Copies of `model` side by side, each trained on its own loss, their probabilities
    # averaged (Ciresan et al.'s multi-column networks, models/multi_column.py); 1: one.
    columns: int = 1
    min_side: int = 0  # smaller images are resized up in the graph (AlexNet needs 67)
    # The fast-training choices of issue 14 (apps/fashion_mnist/ablation.py measures each one).
    schedule: str = "cosine"  # "cosine" (warm-up then cosine to 0) or "one_cycle" (triangle)
    precision: str = "float32"  # or "mixed_bfloat16": bf16 compute, float32 weights
    ema: float = 0.0  # momentum of an exponential moving average of the weights; 0: none
    bn_momentum: float = 0.0  # BatchNorm moving-average momentum; 0: the builder's (0.99)
    flip: bool = True  # horizontal flips in the augmentation
    erasing: float = 0.5  # probability of random erasing in the augmentation
    # Images held out from the training split (seeded) as the validation set: the run is
    # then validated and summarised on them, and the test split is not touched.
    holdout: int = 0


def config_for(model, batch_size=128, **given):
    """TrainConfig for `model` with its recipe's defaults (tasks/training_recipes.py) under
    the values `given` (None: not given). Refuses names that are not image classifiers."""
    from kerasvision.tasks.training_recipes import recipe_for, scaled_learning_rate

    recipe = recipe_for(model)
    defaults = {"optimizer": recipe.optimizer,
                "learning_rate": scaled_learning_rate(recipe, batch_size),
                "weight_decay": recipe.weight_decay, "label_smoothing": recipe.label_smoothing,
                "warmup_epochs": recipe.warmup_epochs, "min_side": recipe.min_side,
                **{key: getattr(recipe, key) for key in RECIPE_OPTIONS}}
    chosen = {**defaults, **{k: v for k, v in given.items() if v is not None}}
    return TrainConfig(model=model, batch_size=batch_size, **chosen)


class RunConflict(ValueError):
    """The work directory holds a run with other settings than the ones asked for."""


def stored_summary(workdir):
    """summary.json of a finished run in `workdir`, or None."""
    from pathlib import Path

    path = Path(workdir) / "summary.json"
    return json.loads(path.read_text()) if path.is_file() else None


def run_state(config):
    """("new" | "resume" | "finished", epochs done) of `config`'s work directory.

    Raises RunConflict when the directory holds a run of another configuration (another
    model, data or recipe), which cannot be resumed under this one.
    """
    from pathlib import Path

    from kerasvision.tasks.run_records import epochs_done, read_history_epochs

    workdir = Path(config.workdir)
    done = epochs_done(workdir)
    summary = stored_summary(workdir)
    if summary is not None and not done:
        done = read_history_epochs(workdir)  # a run that kept no backup (older versions)
    if not done and summary is None:
        return "new", 0
    stored_path = workdir / "config.json"
    if stored_path.is_file():
        stored = json.loads(stored_path.read_text())
        wanted = asdict(config)
        changed = [f"{f.name} {stored[f.name]!r} -> {wanted[f.name]!r}" for f in fields(config)
                   if f.name not in RESUMABLE_CHANGES and f.name in stored
                   and _comparable(stored[f.name]) != _comparable(wanted[f.name])]
        if changed:
            raise RunConflict(f"{workdir} holds a run with other settings ({'; '.join(changed)}); "
                              "use --restart to start over there, or another --workdir")
    # Finished: the epochs asked for are trained and the summary describes them (a kill
    # between a continuation's last epoch and its summary leaves the older summary).
    if summary is not None and min(done, summary.get("epochs", done)) >= config.epochs:
        return "finished", done
    return "resume", done


def _comparable(value):
    return json.loads(json.dumps(value))  # tuples and lists alike, as config.json has them


def restart_run(workdir):
    """Remove the run in `workdir` (its files only), so the next training starts over."""
    from kerasvision.tasks.run_records import clear_run

    clear_run(workdir)


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


def hold_out(x_train, y_train, count, seed):
    """(x_train, y_train, x_validation, y_validation): `count` seeded training images held
    out, so that recipes are chosen without the test split."""
    if not 0 < count < len(x_train):
        raise ValueError(f"holdout must be between 1 and {len(x_train) - 1}, got {count}")
    order = np.random.default_rng(seed + 1).permutation(len(x_train))
    keep, held = np.sort(order[count:]), np.sort(order[:count])
    return x_train[keep], y_train[keep], x_train[held], y_train[held]


def make_datasets(x_train, y_train, x_test, y_test, classes, config, outputs=1):
    """(train, test) tf.data pipelines; with `outputs` > 1 each output gets the labels."""
    import tensorflow as tf

    from kerasvision.data.augmentation import standard_augmentation
    from kerasvision.data.pipeline_options import without_autotuning

    augment = (standard_augmentation(flip=config.flip, erasing=config.erasing) if config.augment
               else (lambda im: tf.cast(im, tf.float32)))
    smoothing = config.label_smoothing

    def targets(labels):
        return labels if outputs == 1 else (labels,) * outputs

    def one_hot(label):
        return targets(tf.one_hot(label, classes) * (1.0 - smoothing) + smoothing / classes)

    train = (tf.data.Dataset.from_tensor_slices((x_train, y_train))
             .shuffle(len(x_train), seed=config.seed, reshuffle_each_iteration=True)
             .map(lambda im, y: (augment(im), one_hot(y)), num_parallel_calls=tf.data.AUTOTUNE)
             .batch(config.batch_size, drop_remainder=True)
             .prefetch(tf.data.AUTOTUNE))
    test = (tf.data.Dataset.from_tensor_slices((x_test, y_test))
            .map(lambda im, y: (tf.cast(im, tf.float32), targets(tf.one_hot(y, classes))))
            .batch(256).prefetch(tf.data.AUTOTUNE))
    return without_autotuning(train), without_autotuning(test)


def main_output(model):
    """Index of the output a multi-output classifier is used by: GoogLeNet's `predictions`
    (not its auxiliary heads), otherwise the last (MSDNet's final exit)."""
    names = list(model.output_names)
    return names.index("predictions") if "predictions" in names else len(names) - 1


def output_weights(model):
    """Loss weight of each output: 0.3 for auxiliary classifiers (Szegedy et al., Going Deeper
    with Convolutions, CVPR 2015, §5), 1 for the others (MSDNet's exits are weighted
    equally: Huang et al., Multi-Scale Dense Networks, ICLR 2018, §4)."""
    return [0.3 if "aux" in name else 1.0 for name in model.output_names]


def build_and_compile(config, input_shape, classes, mean, std, steps_per_epoch):
    """The compiled pixel model of `config` (all its outputs trained)."""
    import keras

    from kerasvision.tasks.pixel_model import pixel_classifier

    model = pixel_classifier(config.model, input_shape, classes, mean, std,
                             min_side=config.min_side, columns=config.columns,
                             **config.model_kwargs)
    if config.precision != "float32":
        from kerasvision.tasks.training_precision import float32_outputs

        float32_outputs(model)  # probabilities in float32 under a mixed policy
    if config.bn_momentum:
        from kerasvision.tasks.precise_batch_norm import batch_norm_layers

        for layer in batch_norm_layers(model):
            layer.momentum = config.bn_momentum
    total = config.epochs * steps_per_epoch
    if config.schedule == "one_cycle":
        from kerasvision.tasks.one_cycle_schedule import OneCycle

        schedule = OneCycle(config.learning_rate, total)
    elif config.schedule == "cosine":
        # A warm-up takes at most a tenth of the run: a one-epoch run is not all warm-up.
        warmup = min(config.warmup_epochs * steps_per_epoch, total // 10)
        schedule = keras.optimizers.schedules.CosineDecay(
            initial_learning_rate=config.learning_rate / 10, decay_steps=max(1, total - warmup),
            warmup_target=config.learning_rate, warmup_steps=warmup)
    else:
        raise ValueError(f"schedule must be cosine or one_cycle, got {config.schedule!r}")
    # Keras averages the weights in the optimizer and swaps the average in at the end of
    # fit; the BN statistics are then re-estimated for it (train_classifier).
    # The average spans at most a tenth of the run (1 / (1 − momentum) steps): Keras's EMA
    # starts from the initial weights, which a short run would otherwise ship.
    momentum = min(config.ema, 1.0 - 10.0 / max(total, 11))
    ema = {"use_ema": True, "ema_momentum": momentum} if config.ema else {}
    if config.optimizer == "sgd":
        optimizer = keras.optimizers.SGD(schedule, momentum=0.9, nesterov=True,
                                         weight_decay=config.weight_decay, **ema)
    elif config.optimizer == "adamw":
        optimizer = keras.optimizers.AdamW(schedule, weight_decay=config.weight_decay, **ema)
    else:
        raise ValueError(f"optimizer must be sgd or adamw, got {config.optimizer!r}")
    # Decay the kernels only; BN scales/offsets and biases are not regularized (common practice).
    optimizer.exclude_from_weight_decay(var_names=["gamma", "beta", "bias"])
    outputs = len(model.outputs)
    if outputs == 1:
        model.compile(optimizer=optimizer, loss=keras.losses.CategoricalCrossentropy(),
                      metrics=["accuracy"])
    else:
        main = main_output(model)
        model.compile(optimizer=optimizer,
                      loss=[keras.losses.CategoricalCrossentropy()] * outputs,
                      loss_weights=output_weights(model),
                      metrics=[["accuracy"] if i == main else [] for i in range(outputs)])
    return model


def classifier_model(model):
    """The single-output model a classifier ships: the model itself, or its main output."""
    import keras

    if len(model.outputs) == 1:
        return model
    return keras.Model(model.inputs, model.outputs[main_output(model)], name=model.name)


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
    if not config.augment:
        return "none"
    return ", ".join(["pad-2 random crop"] + (["horizontal flip"] if config.flip else [])
                     + ([f"random erasing (p={config.erasing:g})"] if config.erasing else []))


def train_classifier(config, progress=1, command=None):
    """Train per `config`; returns (model, summary dict). Re-running resumes after a kill;
    after a finished run it trains nothing, unless `config.epochs` grew (it then continues).

    `progress`: 0 silent, 1 a bar on stderr moving within each epoch, 2 one line per epoch.
    `command`: the command line that trains this run, kept in config.json for the model card.
    """
    import time

    import keras
    import tensorflow as tf

    from kerasvision.tasks.image_classifier import ImageClassifier
    from kerasvision.tasks.precise_batch_norm import PreciseBatchNorm, recalibrate_batch_norm
    from kerasvision.tasks.training_loop import (distribution_strategy, epochs_done,
                                                 recorded_minutes, resumable_fit, run_directory)
    from kerasvision.tasks.training_precision import float32_copy, precision_policy

    # First: MultiWorkerMirroredStrategy must configure collective ops before any TF op runs.
    strategy = distribution_strategy(config.strategy)
    run_state(config)  # refuses a work directory holding another configuration's run
    workdir = run_directory(config.workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    keras.utils.set_random_seed(config.seed)
    if config.deterministic:
        tf.config.experimental.enable_op_determinism()

    x_train, y_train, x_test, y_test, class_names = load_training_data(config.data)
    if config.holdout:  # validated on training images held out; the test split is not used
        x_train, y_train, x_test, y_test = hold_out(x_train, y_train, config.holdout, config.seed)
    classes = len(class_names)
    mean = float(x_train.mean() / 255.0)
    std = float(x_train.std() / 255.0)
    if config.batch_size > len(x_train):
        raise ValueError(f"--batch-size {config.batch_size} is larger than the "
                         f"{len(x_train)} training images")
    steps = len(x_train) // config.batch_size

    with strategy.scope(), precision_policy(config.precision):
        model = build_and_compile(config, x_train.shape[1:], classes, mean, std, steps)
    train, test = make_datasets(x_train, y_train, x_test, y_test, classes, config,
                                outputs=len(model.outputs))
    classifier = ImageClassifier(classifier_model(model), class_names)

    (workdir / "config.json").write_text(json.dumps(
        {**asdict(config), "class_names": class_names, "mean": mean, "std": std,
         "image_shape": list(x_train.shape[1:]),
         "data_description": describe_data(config.data, x_train, x_test, class_names),
         "augmentation": augmentation_summary(config), "command": command,
         "precise_bn_images": int(min(PRECISE_BN_IMAGES, len(x_train)))}, indent=2))
    start_epoch = epochs_done(workdir)  # what BackupAndRestore restores
    if 0 < start_epoch < config.epochs:
        print(f"resuming at epoch {start_epoch + 1} of {config.epochs}", file=sys.stderr)
    # BN statistics re-estimated on a fixed sample of training images after every epoch
    # (tasks/precise_batch_norm.py): short runs and small folders evaluate sensibly.
    sample = np.random.default_rng(config.seed).permutation(len(x_train))[:PRECISE_BN_IMAGES]
    precise_bn = PreciseBatchNorm(x_train[np.sort(sample)], batch_size=min(config.batch_size, 256))
    start = time.time()
    resumable_fit(model, train, config.epochs, config.workdir, validation=test,
                  progress=progress, callbacks=[precise_bn],
                  checkpoint_metadata=classifier.metadata())
    wall_minutes = (time.time() - start) / 60
    if config.ema:  # fit swapped the averaged weights in; their BN statistics are new
        recalibrate_batch_norm(model, x_train[np.sort(sample)], min(config.batch_size, 256))
    if config.precision != "float32":  # evaluated and shipped in float32
        with strategy.scope():
            model = float32_copy(model, lambda: build_and_compile(
                config, x_train.shape[1:], classes, mean, std, steps))
        classifier = ImageClassifier(classifier_model(model), class_names)
    if len(model.outputs) == 1:
        loss, accuracy = model.evaluate(test, verbose=0)
    else:  # the shipped classifier is the main output alone
        with strategy.scope():
            classifier.model.compile(loss=keras.losses.CategoricalCrossentropy(),
                                     metrics=["accuracy"])
        loss, accuracy = _evaluate(classifier.model, x_test, y_test, classes)
    model = classifier.model
    # The run's result as a task file: class names and preprocessor ride in its metadata.
    classifier.save(workdir / "final.keras")
    held_out = "validation" if config.holdout else "test"
    summary = {f"{held_out}_accuracy": float(accuracy), f"{held_out}_loss": float(loss),
               "params": int(model.count_params()),
               "trainable_params": int(sum(np.prod(w.shape) for w in model.trainable_weights)),
               "epochs": config.epochs,
               "resumed_at_epoch": start_epoch + 1 if start_epoch else None,
               "train_minutes_this_run": recorded_minutes(workdir, first_epoch=start_epoch),
               "train_minutes_total": recorded_minutes(workdir),
               "wall_minutes_this_run": round(wall_minutes, 2), "class_names": class_names}
    (workdir / "summary.json").write_text(json.dumps(summary, indent=2))
    return model, summary


def _evaluate(model, x_test, y_test, classes):
    """(loss, accuracy) of a single-output model on the held-out images."""
    import tensorflow as tf

    test = (tf.data.Dataset.from_tensor_slices((x_test, y_test))
            .map(lambda im, y: (tf.cast(im, tf.float32), tf.one_hot(y, classes)))
            .batch(256))
    return model.evaluate(test, verbose=0)
