"""`kerasvision export MODEL --output BASE`: a TF Serving version directory."""

import click

from kerasvision.tasks.image_classifier import DEFAULT_TOP_K


@click.command()
@click.argument("model", metavar="MODEL")
@click.option("--output", "-o", required=True, type=click.Path(file_okay=False),
              help="The model's base directory; versions go in BASE/1, BASE/2, ...")
@click.option("--version", type=click.IntRange(min=1),
              help="Version number (default: the next free one; never overwrites).")
@click.option("--weights", metavar="imagenet|none|PATH",
              help="For a registry name: imagenet (the default; Keras's published weights), "
                   "a weights file, or none (random weights: meaningless answers).")
@click.option("--trust-model", is_flag=True, help="Allow legacy .h5 weight files.")
@click.option("--top-k", default=DEFAULT_TOP_K, show_default=True, type=click.IntRange(min=1),
              help="How many classes the classifier signature's `classes` and `labels` list.")
@click.option("--no-warmup", is_flag=True, help="Do not write TF Serving warmup records.")
@click.pass_context
def export(ctx, model, output, version, weights, trust_model, top_k, no_warmup):
    """Export MODEL (a .keras file, or a registry name) for TensorFlow Serving.

    A classifier's signature returns scores, classes and labels; a detector's returns the TF
    Object Detection API's detection_boxes/scores/classes and num_detections.

    \b
    Serve it on CPU:  docker run -p 8501:8501 -v "$PWD/BASE:/models/NAME" \\
                        -e MODEL_NAME=NAME tensorflow/serving
    on a GPU:         docker run --gpus all -p 8501:8501 -v "$PWD/BASE:/models/NAME" \\
                        -e MODEL_NAME=NAME tensorflow/serving:latest-gpu
    """
    from kerasvision.cli.quiet_tensorflow import import_tensorflow

    import_tensorflow(debug=ctx.obj.get("debug", False))
    from kerasvision.tasks.task import Task, read_task_metadata

    task = (read_task_metadata(model) or {}).get("task") if model.endswith(".keras") else None
    if task not in (None, "classification"):
        # Detectors (and later segmenters): the task in the file decides the outputs.
        path = Task.load(model, trust_model).export(output, version=version,
                                                    warmup=not no_warmup)
        click.echo(str(path))
        return

    from kerasvision.cli.registry_weights import cli_classifier
    from kerasvision.tasks.saved_model_classifier import SavedModelClassifier

    classifier = cli_classifier(model, weights, trust_model)
    if isinstance(classifier, SavedModelClassifier):
        raise click.UsageError(f"{model}: already a SavedModel; export a .keras file instead")
    path = classifier.export(output, version=version, top_k=top_k, warmup=not no_warmup)
    click.echo(str(path))
