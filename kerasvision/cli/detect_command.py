"""`kerasvision detect IMAGE_OR_DIR...`: find objects with the shipped detector or yours."""

import json
import sys
from pathlib import Path

import click


def annotated_name(path, taken):
    """`NAME.detections.png` for an input path, made unique among `taken` (same stems)."""
    stem = Path(path).stem
    name, n = f"{stem}.detections.png", 1
    while name in taken:
        n += 1
        name = f"{stem}-{n}.detections.png"
    taken.add(name)
    return name


@click.command()
@click.argument("inputs", nargs=-1, required=True, type=click.Path())
@click.option("--model", "model", metavar="PATH",
              help="A detector .keras file (default: the shipped Fashion-scenes detector).")
@click.option("--trust-model", is_flag=True,
              help="Allow legacy .h5 files (they can run code; only for files you trust).")
@click.option("--threshold", default=0.5, show_default=True, type=click.FloatRange(0, 1),
              help="Least score of a detection shown.")
@click.option("--output", "-o", type=click.Path(file_okay=False),
              help="Write an annotated PNG per image into this folder.")
@click.option("--batch-size", default=16, show_default=True, type=click.IntRange(1, 1024),
              help="Images per model call (memory against speed).")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array for scripts.")
@click.pass_context
def detect(ctx, inputs, model, trust_model, threshold, output, batch_size, as_json):
    """Detect objects in image files and folders (walked recursively).

    Prints each image's detections (label, score, box [x0, y0, x1, y1] in its pixels); with
    --output, writes NAME.detections.png there with the boxes drawn. A file that cannot be
    read is reported on stderr, one line naming it, and the rest still run; exit code 1.
    """
    from kerasvision.cli.quiet_tensorflow import import_tensorflow

    import_tensorflow(debug=ctx.obj.get("debug", False))
    from kerasvision.inspect.detection_drawing import draw_detections
    from kerasvision.io import iter_image_files
    from kerasvision.io.atomic_files import atomic_path
    from kerasvision.tasks.object_detector import ObjectDetector

    detector = ObjectDetector.load(model, trust_model=trust_model)
    folder = Path(output) if output else None
    if folder:
        folder.mkdir(parents=True, exist_ok=True)
    total = sum(1 for _ in iter_image_files(inputs))
    results, failed, taken = [], 0, set()
    # The bar, label included, only on a terminal: in a log or a pipe it is a stray line.
    show_bar = total > 20 and not ctx.obj.get("debug", False) and sys.stderr.isatty()
    with click.progressbar(length=total, label="detecting", file=sys.stderr,
                           hidden=not show_bar) as bar:
        for result in detector.predict_files(inputs, threshold=threshold,
                                             batch_size=batch_size, keep_images=bool(folder)):
            bar.update(1)
            if result.error:
                failed += 1
                click.echo(f"kerasvision: {result.error}", err=True)
                continue
            results.append(result)
            if folder:
                picture = draw_detections(result.image, result.predictions)
                with atomic_path(folder / annotated_name(result.path, taken),
                                 replace=True) as partial:
                    picture.save(partial, format="PNG")
                result.image = None  # drawn; do not hold every image until the end
            if not as_json:
                found = "; ".join(f"{d.label} {d.score:.2f} [{', '.join(f'{v:.0f}' for v in d.box)}]"
                                  for d in result.predictions) or "nothing found"
                click.echo(f"{result.path}: {found}")
    if as_json:
        click.echo(json.dumps([{"image": r.path,
                                "detections": [d.as_json() for d in r.predictions]}
                               for r in results], indent=2))
    if failed:
        ctx.exit(1)
