"""`kerasvision classify IMAGE_OR_DIR...`: classify images with the shipped model or yours."""

import json
import sys

import click

from kerasvision.tasks.image_classifier import DEFAULT_TOP_K


@click.command()
@click.argument("inputs", nargs=-1, required=True, type=click.Path())
@click.option("--model", "model", metavar="NAME|PATH",
              help="A .keras file, a SavedModel directory, or a registry name "
                   "(default: the shipped Fashion-MNIST classifier).")
@click.option("--weights", metavar="imagenet|none|PATH",
              help="For a registry name: imagenet (the default; Keras's published weights), "
                   "a weights file, or none (random weights: meaningless answers).")
@click.option("--trust-model", is_flag=True,
              help="Allow legacy .h5 weight files (they can run code; only for files you trust).")
@click.option("--top-k", default=DEFAULT_TOP_K, show_default=True, type=click.IntRange(1, 1000),
              help="How many classes to list per image, best first.")
@click.option("--batch-size", default=64, show_default=True, type=click.IntRange(1, 4096),
              help="Images per model call (memory against speed).")
@click.option("--exit", "exit_", type=click.IntRange(1), metavar="K",
              help="For a multi-exit (anytime) model such as msdnet: answer from exit K, "
                   "counted from 1 (default: the last).")
@click.option("--tta", is_flag=True,
              help="Average each image's scores over the test-time views the model was "
                   "published with (the shipped classifier: five one-pixel translations, "
                   "five times the compute for +0.04 points of test accuracy); without it, "
                   "one view runs. A SavedModel directory runs as it was exported.")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array for scripts.")
@click.pass_context
def classify(ctx, inputs, model, weights, trust_model, top_k, batch_size, exit_, tta, as_json):
    """Classify image files and folders (walked recursively).

    A file that cannot be read is reported on stderr, one line naming it (and with --json
    listed with its "error"), and the rest still run; the exit code is then 1. A registry
    name means its published weights; see --weights.
    """
    from kerasvision.cli.quiet_tensorflow import import_tensorflow

    import_tensorflow(debug=ctx.obj.get("debug", False))
    from kerasvision.cli.registry_weights import cli_classifier

    classifier = cli_classifier(model, weights, trust_model)
    classifier = _views_chosen(classifier, model, tta)

    from kerasvision.cli.classification_answers import answer_line, in_distribution_fields
    from kerasvision.io import iter_image_files

    total = sum(1 for _ in iter_image_files(inputs))
    results, failed = [], 0
    # The bar, label included, only on a terminal: in a log or a pipe it is a stray line.
    show_bar = total > 20 and not ctx.obj.get("debug", False) and sys.stderr.isatty()
    with click.progressbar(length=total, label="classifying", file=sys.stderr,
                           hidden=not show_bar) as bar:
        for result in classifier.predict_files(inputs, top_k=top_k, batch_size=batch_size,
                                               **({"exit": exit_} if exit_ else {})):
            bar.update(1)
            results.append(result)  # failed files too: --json lists every input
            if result.error:
                failed += 1
                click.echo(f"kerasvision: {result.error}", err=True)
                continue
            if not as_json:
                click.echo(answer_line(result.path, result.predictions))
    if as_json:
        click.echo(json.dumps([
            {"image": r.path, "error": r.error} if r.error else
            {"image": r.path, "predictions": [
                {"label": p.label, "class_id": p.class_id, "score": round(p.score, 6)}
                for p in r.predictions], **in_distribution_fields(r.predictions)}
            for r in results], indent=2))
    if failed:
        ctx.exit(1)


def _views_chosen(classifier, model, tta):
    """The classifier on its published test-time views with --tta, else on one view."""
    if not hasattr(classifier, "has_views"):  # a SavedModel: its graph is fixed
        if tta:
            raise click.UsageError(f"--tta: {model} is a SavedModel, which runs as it was "
                                   "exported; pass the .keras file to choose the views")
        return classifier
    if tta and not classifier.has_views:
        raise click.UsageError(f"--tta: {model or 'the model'} has no test-time views to "
                               "average (it was published with one view)")
    return classifier if tta else classifier.single_view()
