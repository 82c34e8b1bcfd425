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


def parse_model_args(pairs):
    """`--model-arg key=value` pairs -> builder kwargs (values as JSON where they parse:
    `width=0.5`, `blocks=[2,2]`, `modern=true`, `bottleneck_factors=null`; else strings)."""
    kwargs = {}
    for pair in pairs:
        key, sep, text = pair.partition("=")
        if not sep or not key.strip():
            raise click.BadParameter(f"{pair!r}: expected KEY=VALUE", param_hint="--model-arg")
        try:
            kwargs[key.strip()] = json.loads(text)
        except json.JSONDecodeError:
            kwargs[key.strip()] = text
    return kwargs


def given_command_line(ctx, skip=()):
    """The command as the user gave it (options from the command line only), for the card."""
    from click.core import ParameterSource

    words = ctx.command_path.split()
    for param in ctx.command.params:
        if (param.name in skip
                or ctx.get_parameter_source(param.name) is not ParameterSource.COMMANDLINE):
            continue
        flag, value = param.opts[0], ctx.params[param.name]
        if getattr(param, "is_flag", False):
            words += [flag] if value else []
        else:
            words += [w for v in (value if param.multiple else [value]) for w in (flag, str(v))]
    return shlex.join(words)


# Builder arguments the data and the pixel model set, never --model-arg.
SET_BY_THE_RUN = ("input_tensor", "input_shape", "classes", "include_top", "weights")


def check_model_args(model_name, kwargs):
    """Refuse builder arguments `model_name` does not take (a usage error, not a TypeError)."""
    import inspect

    from kerasvision.registry import get_spec

    parameters = inspect.signature(get_spec(model_name).builder).parameters
    for key in kwargs:
        if key in SET_BY_THE_RUN:
            raise click.BadParameter(f"{key} is set by the data, not by --model-arg",
                                     param_hint="--model-arg")
        if key not in parameters:
            takes = ", ".join(p for p in parameters if p not in SET_BY_THE_RUN
                              and p not in ("pooling", "classifier_activation", "name"))
            raise click.BadParameter(f"{model_name} takes no argument {key!r} (it takes: "
                                     f"{takes})", param_hint="--model-arg")


def _summary_json(summary):
    return json.dumps({k: v for k, v in summary.items() if k != "class_names"}, indent=2)


@train.command()
@click.option("--data", default="fashion_mnist", show_default=True,
              help="fashion_mnist, or a folder of class sub-folders.")
@click.option("--model", "model_name", default="wrn_16_2", show_default=True,
              help="Registered classification architecture (`kerasvision models --task "
                   "classification`).")
@click.option("--model-arg", "model_args", multiple=True, metavar="KEY=VALUE",
              help="Builder keyword argument (repeatable), e.g. --model-arg width=0.5; values "
                   "are read as JSON where they parse.")
@click.option("--epochs", default=30, show_default=True, type=click.IntRange(min=1),
              help="Total epochs; larger than a finished run's, it continues that run.")
@click.option("--batch-size", default=128, show_default=True, type=click.IntRange(min=1),
              help="Images per training step.")
@click.option("--optimizer", type=click.Choice(["sgd", "adamw"]),
              help="SGD with Nesterov momentum 0.9, or AdamW. [default: per architecture]")
@click.option("--learning-rate", type=click.FloatRange(min=0, min_open=True),
              help="Peak learning rate (see --schedule). [default: per "
                   "architecture, scaled linearly with --batch-size]")
@click.option("--weight-decay", type=click.FloatRange(min=0),
              help="Decoupled weight decay of the kernels. [default: per architecture]")
@click.option("--label-smoothing", type=click.FloatRange(min=0, max=1, max_open=True),
              help="Label smoothing of the targets. [default: per architecture]")
@click.option("--warmup-epochs", type=click.IntRange(min=0),
              help="Epochs of linear learning-rate warm-up. [default: per architecture]")
@click.option("--schedule", type=click.Choice(["cosine", "one_cycle"]),
              help="Learning rate: warm-up then cosine to 0, or one cycle (a triangle). "
                   "[default: per architecture]")
@click.option("--precision", type=click.Choice(["float32", "mixed_bfloat16"]),
              help="Compute precision in training; the shipped model is float32 either way. "
                   "[default: per architecture]")
@click.option("--ema", type=click.FloatRange(min=0, max=1, max_open=True),
              help="Momentum of a moving average of the weights, shipped instead of the last "
                   "weights (0: none). [default: per architecture]")
@click.option("--seed", default=0, show_default=True, type=int,
              help="Seed of the weights, the shuffling and the augmentation.")
@click.option("--deterministic", is_flag=True,
              help="Op determinism: two runs with one seed give identical weights (slower).")
@click.option("--strategy", type=click.Choice(["default", "mirrored", "multiworker"]),
              default="default", show_default=True,
              help="tf.distribute strategy: one device, all local devices, or TF_CONFIG's "
                   "workers.")
@click.option("--no-augment", is_flag=True, help="Train without augmentation.")
@click.option("--workdir", default="runs/classifier", show_default=True,
              help="Checkpoints, backups, logs (TensorBoard) and history.")
@click.option("--restart", is_flag=True,
              help="Delete the run in --workdir and start over (otherwise a re-run resumes).")
@click.option("--output", help="Write a shipped-model folder (model.keras, TF Serving version, "
                               "model card) here at the end.")
@click.option("--publish-only", is_flag=True,
              help="Train nothing: publish the finished run in --workdir to --output.")
@click.option("--flip-averaging", is_flag=True,
              help="Publish a graph averaging each image's scores with its mirror image's.")
@click.option("--shift-averaging", is_flag=True,
              help="Publish a graph averaging each image's scores over its four one-pixel "
                   "translations.")
@click.option("--quiet", is_flag=True, help="No progress on stderr.")
@click.pass_context
def classifier(ctx, data, model_name, model_args, epochs, batch_size, optimizer, learning_rate,
               weight_decay, label_smoothing, warmup_epochs, schedule, precision, ema, seed,
               deterministic, strategy,
               no_augment, workdir, restart, output, publish_only, flip_averaging,
               shift_averaging, quiet):
    """Train an image classifier; progress on stderr, a JSON summary on stdout.

    Re-running the same command resumes an interrupted run, says so of a finished one (and
    trains nothing), and continues it when --epochs is larger. Defaults of the optimizer,
    learning rate, weight decay, label smoothing and warm-up depend on the architecture.
    """
    from kerasvision.cli.quiet_tensorflow import import_tensorflow

    # The registry's architectures import Keras: quiet TensorFlow before anything loads it.
    import_tensorflow(debug=ctx.obj.get("debug", False))
    from kerasvision.registry import UnknownModelError
    from kerasvision.tasks.classifier_training import (RunConflict, config_for, restart_run,
                                                       run_state, stored_summary)
    from kerasvision.tasks.training_recipes import NotTrainableHere

    command = given_command_line(ctx, skip=("publish_only", "restart", "quiet"))
    views = "flip" if flip_averaging else "shifts" if shift_averaging else None
    if publish_only:
        if not output:
            raise click.UsageError("--publish-only needs --output (the folder to write)")
        if stored_summary(workdir) is None:
            raise click.UsageError(f"{workdir} holds no finished run to publish")
        click.echo(json.dumps({"published": _publish(ctx, workdir, output, command, views)},
                              indent=2))
        return
    try:
        model_kwargs = parse_model_args(model_args)
        config = config_for(model_name, batch_size, data=data, epochs=epochs, seed=seed,
                            optimizer=optimizer, learning_rate=learning_rate,
                            weight_decay=weight_decay, label_smoothing=label_smoothing,
                            warmup_epochs=warmup_epochs, schedule=schedule,
                            precision=precision, ema=ema, strategy=strategy,
                            augment=not no_augment, workdir=workdir,
                            deterministic=deterministic,
                            model_kwargs=model_kwargs)
        check_model_args(model_name, model_kwargs)
        if restart:
            restart_run(workdir)
        state, done = run_state(config)
    except (UnknownModelError, NotTrainableHere, RunConflict) as error:
        raise click.UsageError(str(error)) from None
    if state == "finished":
        click.echo(f"{workdir}: finished ({done} epochs trained); nothing to train. A larger "
                   "--epochs continues it, --restart starts over.", err=True)
        summary = {**stored_summary(workdir), "trained_this_run": False}
    else:
        from kerasvision.tasks.classifier_training import train_classifier

        # Progress goes to stderr by itself; anything else a library prints there too.
        with contextlib.redirect_stdout(sys.stderr):
            _, summary = train_classifier(config, progress=0 if quiet else 1,
                                          command=command)
        summary = {**summary, "trained_this_run": True}
    if output:
        summary["published"] = _publish(ctx, workdir, output, command, views)
    click.echo(_summary_json(summary))


def _publish(ctx, workdir, output, command, views):
    from kerasvision.cli.quiet_tensorflow import import_tensorflow

    import_tensorflow(debug=ctx.obj.get("debug", False))
    from kerasvision.tasks.classifier_publishing import publish_run

    with contextlib.redirect_stdout(sys.stderr):  # Keras's export prints where it saved
        metrics = publish_run(workdir, output, command, views=views)
    return {k: v for k, v in metrics.items() if k != "per_class"}


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
@click.option("--image-size", default=128, show_default=True, type=click.IntRange(min=32),
              help="Side of the square model input, in pixels (images are letterboxed).")
@click.option("--batch-size", default=32, show_default=True, type=click.IntRange(min=1),
              help="Images per training step.")
@click.option("--learning-rate", default=1e-3, show_default=True, type=float,
              help="Peak learning rate of the schedule.")
@click.option("--steps-per-epoch", default=125, show_default=True, type=click.IntRange(min=1),
              help="Training steps between checkpoints (an epoch of generated scenes).")
@click.option("--validation-scenes", default=500, show_default=True, type=click.IntRange(min=0),
              help="Generated validation scenes scored at the end (fashion_scenes only).")
@click.option("--seed", default=0, show_default=True, type=int,
              help="Random seed (initialisation, scene generation, shuffling).")
@click.option("--workdir", default="runs/detector", show_default=True,
              help="Checkpoints, backups, logs (TensorBoard) and history.")
@click.option("--quiet", is_flag=True, help="No progress on stderr.")
@click.pass_context
def detector(ctx, data, minutes, init_from, backbone, width, image_size, batch_size,
             learning_rate, steps_per_epoch, validation_scenes, seed, workdir, quiet):
    """Train an SSD object detector; progress on stderr, a JSON summary on stdout."""
    from kerasvision.cli.quiet_tensorflow import import_tensorflow

    import_tensorflow(debug=ctx.obj.get("debug", False))
    from kerasvision.tasks.detector_training import DetectorTrainConfig, train_detector

    config = DetectorTrainConfig(data=data, minutes=minutes, init_from=init_from,
                                 backbone=backbone, width=width, image_size=image_size,
                                 batch_size=batch_size, learning_rate=learning_rate, seed=seed,
                                 steps_per_epoch=steps_per_epoch,
                                 validation_scenes=validation_scenes, workdir=workdir)
    with contextlib.redirect_stdout(sys.stderr):  # anything a library prints goes to stderr
        _, summary = train_detector(config, progress=0 if quiet else 1)
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
@click.option("--image-size", default=128, show_default=True, type=click.IntRange(min=32),
              help="Side of the square model input, in pixels (images are letterboxed).")
@click.option("--batch-size", default=16, show_default=True, type=click.IntRange(min=1),
              help="Images per training step.")
@click.option("--learning-rate", default=1e-3, show_default=True, type=float,
              help="Peak learning rate of the schedule.")
@click.option("--steps-per-epoch", default=300, show_default=True, type=click.IntRange(min=1),
              help="Training steps between checkpoints (an epoch of generated scenes).")
@click.option("--validation-scenes", default=500, show_default=True, type=click.IntRange(min=0),
              help="Generated validation scenes scored (mean IoU) at the end.")
@click.option("--seed", default=0, show_default=True, type=int,
              help="Random seed (initialisation, scene generation, shuffling).")
@click.option("--workdir", default="runs/segmenter", show_default=True,
              help="Checkpoints, backups, logs (TensorBoard) and history.")
@click.option("--quiet", is_flag=True, help="No progress on stderr.")
@click.pass_context
def segmenter(ctx, minutes, init_from, backbone, width, decoder_channels, image_size,
              batch_size, learning_rate, steps_per_epoch, validation_scenes, seed, workdir,
              quiet):
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
    with contextlib.redirect_stdout(sys.stderr):  # anything a library prints goes to stderr
        _, summary = train_segmenter(config, progress=0 if quiet else 1)
    validation = summary.pop("validation", None)
    if validation:
        summary["validation"] = {k: validation[k]
                                 for k in ("mean_iou", "pixel_accuracy", "per_class_iou")}
    summary.pop("class_names", None)
    click.echo(json.dumps(summary, indent=2, default=float))
