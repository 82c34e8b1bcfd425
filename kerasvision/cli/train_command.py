"""`kerasvision train classifier|detector|segmenter`: the shipped models' recipes, for any
registered architecture and for your own folders (class sub-folders; COCO detection files)."""

import contextlib
import json
import shlex
import sys

import click


@click.group()
def train():
    """Train an application with model.fit (re-run the same command to resume)."""


@train.command()
@click.option("--data", default="fashion_mnist", show_default=True,
              help="fashion_mnist, or a folder of class sub-folders.")
@click.option("--model", "model_name", default="wrn_16_2", show_default=True,
              help="Registered classification architecture.")
@click.option("--epochs", default=30, show_default=True, type=click.IntRange(min=1))
@click.option("--batch-size", default=128, show_default=True, type=click.IntRange(min=1))
@click.option("--learning-rate", default=0.1, show_default=True, type=float)
@click.option("--seed", default=0, show_default=True, type=int)
@click.option("--deterministic", is_flag=True,
              help="Op determinism: two runs with one seed give identical weights (slower).")
@click.option("--strategy", type=click.Choice(["default", "mirrored", "multiworker"]),
              default="default", show_default=True)
@click.option("--no-augment", is_flag=True, help="Train without augmentation.")
@click.option("--workdir", default="runs/classifier", show_default=True,
              help="Checkpoints, backups, logs (TensorBoard) and history.")
@click.option("--output", help="Write a shipped-model folder (model.keras, TF Serving version, "
                               "model card) here at the end.")
@click.pass_context
def classifier(ctx, data, model_name, epochs, batch_size, learning_rate, seed, deterministic,
               strategy, no_augment, workdir, output):
    """Train an image classifier; progress on stderr, a JSON summary on stdout."""
    from kerasvision.cli.quiet_tensorflow import import_tensorflow

    import_tensorflow(debug=ctx.obj.get("debug", False))
    from kerasvision.tasks.classifier_training import (TrainConfig, load_training_data,
                                                       train_classifier)

    config = TrainConfig(model=model_name, data=data, epochs=epochs, batch_size=batch_size,
                         learning_rate=learning_rate, seed=seed, strategy=strategy,
                         augment=not no_augment, workdir=workdir, deterministic=deterministic)
    with contextlib.redirect_stdout(sys.stderr):  # Keras prints progress on stdout
        _, summary = train_classifier(config, progress=2)
    result = {k: v for k, v in summary.items() if k != "class_names"}
    if output:
        from kerasvision.tasks.classifier_publishing import publish_classifier

        _, _, x_test, y_test, _ = load_training_data(data)
        command = "kerasvision train classifier " + shlex.join(sys.argv[3:])
        metrics = publish_classifier(workdir, output, command, x_test, y_test)
        result["published"] = {k: v for k, v in metrics.items() if k != "per_class"}
    click.echo(json.dumps(result, indent=2))


@train.command()
@click.option("--data", default="fashion_scenes", show_default=True,
              help="fashion_scenes (generated), a COCO detection JSON (images beside it), "
                   "or a Pascal VOC folder (Annotations/, JPEGImages/).")
@click.option("--minutes", default=40.0, show_default=True, type=click.FloatRange(min=0.01),
              help="Training budget, in minutes of the whole machine (process CPU time over "
                   "the cores), so other work on the machine does not eat it.")
@click.option("--init-from", type=click.Path(dir_okay=False),
              help="A classifier .keras file to start the base from (fine-tuning).")
@click.option("--backbone", default="resnet18", show_default=True,
              help="Registered classification architecture for the base.")
@click.option("--width", default=0.5, show_default=True, type=float,
              help="The base's width multiplier.")
@click.option("--image-size", default=128, show_default=True, type=click.IntRange(min=32))
@click.option("--batch-size", default=32, show_default=True, type=click.IntRange(min=1))
@click.option("--learning-rate", default=1e-3, show_default=True, type=float)
@click.option("--steps-per-epoch", default=125, show_default=True, type=click.IntRange(min=1))
@click.option("--validation-scenes", default=500, show_default=True, type=click.IntRange(min=0),
              help="Generated validation scenes scored at the end (fashion_scenes only).")
@click.option("--seed", default=0, show_default=True, type=int)
@click.option("--workdir", default="runs/detector", show_default=True,
              help="Checkpoints, backups, logs (TensorBoard) and history.")
@click.pass_context
def detector(ctx, data, minutes, init_from, backbone, width, image_size, batch_size,
             learning_rate, steps_per_epoch, validation_scenes, seed, workdir):
    """Train an SSD object detector; progress on stderr, a JSON summary on stdout."""
    from kerasvision.cli.quiet_tensorflow import import_tensorflow

    import_tensorflow(debug=ctx.obj.get("debug", False))
    from kerasvision.tasks.detector_training import DetectorTrainConfig, train_detector

    config = DetectorTrainConfig(data=data, minutes=minutes, init_from=init_from,
                                 backbone=backbone, width=width, image_size=image_size,
                                 batch_size=batch_size, learning_rate=learning_rate, seed=seed,
                                 steps_per_epoch=steps_per_epoch,
                                 validation_scenes=validation_scenes, workdir=workdir)
    with contextlib.redirect_stdout(sys.stderr):  # Keras prints progress on stdout
        _, summary = train_detector(config)
    validation = summary.pop("validation", None)
    if validation:
        summary["validation"] = {k: validation[k] for k in ("mAP", "mAP50", "mAP75")}
    summary.pop("class_names", None)
    click.echo(json.dumps(summary, indent=2, default=float))


@train.command()
@click.option("--minutes", default=40.0, show_default=True, type=click.FloatRange(min=0.01),
              help="Training budget, in minutes of the whole machine (process CPU time over "
                   "the cores), so other work on the machine does not eat it.")
@click.option("--init-from", type=click.Path(dir_okay=False),
              help="A classifier .keras file to start the base from (fine-tuning).")
@click.option("--backbone", default="resnet18", show_default=True,
              help="Registered classification architecture for the base.")
@click.option("--width", default=0.5, show_default=True, type=float,
              help="The base's width multiplier.")
@click.option("--decoder-channels", default=64, show_default=True, type=click.IntRange(min=1),
              help="Width of the top-down decoder.")
@click.option("--image-size", default=128, show_default=True, type=click.IntRange(min=32))
@click.option("--batch-size", default=16, show_default=True, type=click.IntRange(min=1))
@click.option("--learning-rate", default=1e-3, show_default=True, type=float)
@click.option("--steps-per-epoch", default=300, show_default=True, type=click.IntRange(min=1))
@click.option("--validation-scenes", default=500, show_default=True, type=click.IntRange(min=0),
              help="Generated validation scenes scored (mean IoU) at the end.")
@click.option("--seed", default=0, show_default=True, type=int)
@click.option("--workdir", default="runs/segmenter", show_default=True,
              help="Checkpoints, backups, logs (TensorBoard) and history.")
@click.pass_context
def segmenter(ctx, minutes, init_from, backbone, width, decoder_channels, image_size,
              batch_size, learning_rate, steps_per_epoch, validation_scenes, seed, workdir):
    """Train a semantic segmenter on generated Fashion scenes; progress on stderr, a JSON
    summary on stdout."""
    from kerasvision.cli.quiet_tensorflow import import_tensorflow

    import_tensorflow(debug=ctx.obj.get("debug", False))
    from kerasvision.tasks.segmenter_training import SegmenterTrainConfig, train_segmenter

    config = SegmenterTrainConfig(minutes=minutes, init_from=init_from, backbone=backbone,
                                  width=width, decoder_channels=decoder_channels,
                                  image_size=image_size, batch_size=batch_size,
                                  learning_rate=learning_rate, seed=seed,
                                  steps_per_epoch=steps_per_epoch,
                                  validation_scenes=validation_scenes, workdir=workdir)
    with contextlib.redirect_stdout(sys.stderr):  # Keras prints progress on stdout
        _, summary = train_segmenter(config)
    validation = summary.pop("validation", None)
    if validation:
        summary["validation"] = {k: validation[k]
                                 for k in ("mean_iou", "pixel_accuracy", "per_class_iou")}
    summary.pop("class_names", None)
    click.echo(json.dumps(summary, indent=2, default=float))
