"""`kerasvision evaluate --task detect --model M --annotations coco.json`: COCO metrics."""

import json

import click


@click.command()
@click.option("--task", type=click.Choice(["detect"]), default="detect", show_default=True,
              help="What the model does.")
@click.option("--model", "model", metavar="PATH",
              help="A detector .keras file (default: the shipped Fashion-scenes detector).")
@click.option("--annotations", required=True, type=click.Path(dir_okay=False),
              help="A COCO JSON (e.g. from `kerasvision data scenes`); images beside it.")
@click.option("--images", "image_root", type=click.Path(file_okay=False),
              help="The folder the JSON's file names are relative to (default: the JSON's).")
@click.option("--trust-model", is_flag=True, help="Allow legacy .h5 files.")
@click.option("--batch-size", default=16, show_default=True, type=click.IntRange(1, 1024))
@click.pass_context
def evaluate(ctx, task, model, annotations, image_root, trust_model, batch_size):
    """COCO mAP@[.5:.95], mAP@.5 and per-class AP (pycocotools) of a detector on a COCO file.

    Categories are matched to the detector's classes by name; an image that cannot be read is
    one line on stderr and left out (exit code 1).
    """
    from kerasvision.cli.quiet_tensorflow import import_tensorflow

    import_tensorflow(debug=ctx.obj.get("debug", False))
    from kerasvision.data.coco_annotations import read_coco_annotations
    from kerasvision.io import read_image
    from kerasvision.tasks.object_detector import ObjectDetector

    detector = ObjectDetector.load(model, trust_model=trust_model)
    coco = read_coco_annotations(annotations, image_root=image_root)
    index = {name: i for i, name in enumerate(detector.class_names)}
    unknown = sorted(set(coco.categories.values()) - set(index))
    if unknown:
        raise click.UsageError(f"{annotations}: categories {', '.join(unknown)} are not "
                               f"classes of the model ({', '.join(detector.class_names)})")
    images, boxes, classes, failed = [], [], [], 0
    for image in coco.images:
        try:
            images.append(read_image(image.path, channels=detector.preprocessor.channels))
        except Exception as exc:  # noqa: BLE001 - one line per bad image, the rest go on
            failed += 1
            click.echo(f"kerasvision: {exc}", err=True)
            continue
        boxes.append(_xyxy(image.boxes))
        classes.append([index[coco.categories[c]] for c in image.category_ids])
    metrics = detector.evaluate(images, boxes, classes, batch_size=batch_size)
    click.echo(json.dumps(metrics, indent=2, default=float))
    if failed:
        ctx.exit(1)


def _xyxy(xywh):
    import numpy as np

    xywh = np.asarray(xywh, np.float32).reshape(-1, 4)
    return np.concatenate([xywh[:, :2], xywh[:, :2] + xywh[:, 2:]], axis=1)
