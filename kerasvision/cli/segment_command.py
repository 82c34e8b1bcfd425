"""`kerasvision segment IMAGE_OR_DIR...`: label every pixel with the shipped segmenter or yours."""

import json
import sys
from pathlib import Path

import click

PICTURES = ("mask", "overlay", "legend")


def picture_names(path, taken):
    """`{kind: NAME.kind.png}` for an input path, NAME made unique among `taken` (same stems)."""
    stem = Path(path).stem
    name, n = stem, 1
    while name in taken:
        n += 1
        name = f"{stem}-{n}"
    taken.add(name)
    return {kind: f"{name}.{kind}.png" for kind in PICTURES}


def summary_line(path, classes):
    """`path: Trouser 12.3%, Bag 4.0%; background 83.7%` (largest first)."""
    found = [f"{c['label']} {100 * c['pixel_fraction']:.1f}%" for c in classes
             if c["class_id"] != 0]
    background = [c for c in classes if c["class_id"] == 0]
    text = ", ".join(found) or "background only"
    if background and found:
        text += f"; background {100 * background[0]['pixel_fraction']:.1f}%"
    return f"{path}: {text}"


@click.command()
@click.argument("inputs", nargs=-1, required=True, type=click.Path())
@click.option("--model", "model", metavar="PATH",
              help="A segmenter .keras file (default: the shipped Fashion-scenes segmenter).")
@click.option("--trust-model", is_flag=True,
              help="Allow legacy .h5 files (they can run code; only for files you trust).")
@click.option("--output", "-o", type=click.Path(file_okay=False),
              help="Write NAME.mask.png, NAME.overlay.png and NAME.legend.png per image here.")
@click.option("--crf", is_flag=True,
              help="Refine each map with a dense CRF on the image's colours (Krähenbühl & "
                   "Koltun 2011); needs the crf extra (pydensecrf).")
@click.option("--batch-size", default=16, show_default=True, type=click.IntRange(1, 1024),
              help="Images per model call (memory against speed).")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array for scripts.")
@click.pass_context
def segment(ctx, inputs, model, trust_model, output, crf, batch_size, as_json):
    """Label every pixel of image files and folders (walked recursively).

    Prints each image's classes with the fraction of its pixels; with --output, writes per
    image NAME.mask.png (a palette PNG whose pixel values are the class ids, 0 the
    background, in Pascal VOC's colours), NAME.overlay.png (the mask over the image) and
    NAME.legend.png (the classes present). --crf refines each map along the image's edges
    with a dense CRF (slower; needs the crf extra). A file that cannot be read is reported on
    stderr, one line naming it, and the rest still run; exit code 1.
    """
    from kerasvision.cli.quiet_tensorflow import import_tensorflow

    import_tensorflow(debug=ctx.obj.get("debug", False))
    from kerasvision.inspect.segmentation_drawing import colour_mask, legend, overlay
    from kerasvision.io import iter_image_files
    from kerasvision.io.atomic_files import atomic_path
    from kerasvision.tasks.image_segmenter import ImageSegmenter, class_fractions

    segmenter = ImageSegmenter.load(model, trust_model=trust_model)
    folder = Path(output) if output else None
    if folder:
        folder.mkdir(parents=True, exist_ok=True)
    total = sum(1 for _ in iter_image_files(inputs))
    answers, failed, taken = [], 0, set()
    # The bar, label included, only on a terminal: in a log or a pipe it is a stray line.
    show_bar = total > 20 and not ctx.obj.get("debug", False) and sys.stderr.isatty()
    with click.progressbar(length=total, label="segmenting", file=sys.stderr,
                           hidden=not show_bar) as bar:
        for result in segmenter.predict_files(inputs, batch_size=batch_size,
                                              keep_images=bool(folder), crf=crf):
            bar.update(1)
            if result.error:
                failed += 1
                click.echo(f"kerasvision: {result.error}", err=True)
                continue
            classes = class_fractions(result.predictions, segmenter.class_names)
            answers.append({"image": result.path, "classes": classes})
            if folder:
                pictures = {"mask": colour_mask(result.predictions),
                            "overlay": overlay(result.image, result.predictions),
                            "legend": legend(classes)}
                for kind, name in picture_names(result.path, taken).items():
                    with atomic_path(folder / name, replace=True) as partial:
                        pictures[kind].save(partial, format="PNG")
            result.image = result.predictions = None  # do not hold every map until the end
            if not as_json:
                click.echo(summary_line(answers[-1]["image"], classes))
    if as_json:
        click.echo(json.dumps(answers, indent=2))
    if failed:
        ctx.exit(1)
