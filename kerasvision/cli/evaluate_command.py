"""`kerasvision evaluate --task detect --model M --annotations coco.json`: COCO metrics;
`kerasvision evaluate --task segment --model M --images DIR --masks DIR`: mean IoU."""

import json

import click


@click.command()
@click.option("--task", type=click.Choice(["detect", "segment"]), default="detect",
              show_default=True, help="What the model does.")
@click.option("--model", "model", metavar="PATH",
              help="A detector or segmenter .keras file (default: the shipped Fashion-scenes "
                   "one of the task).")
@click.option("--annotations", type=click.Path(dir_okay=False),
              help="detect: a COCO JSON (e.g. from `kerasvision data scenes`); images beside it.")
@click.option("--images", "image_root", type=click.Path(file_okay=False),
              help="detect: the folder the JSON's file names are relative to (default: the "
                   "JSON's). segment: the folder of images to score.")
@click.option("--masks", type=click.Path(file_okay=False),
              help="segment: the folder of PNG masks (class ids, 255 ignored), NAME.png for "
                   "the image NAME.* at the same place under --images.")
@click.option("--confusion", type=click.Path(dir_okay=False),
              help="segment: also draw the confusion matrix (rows normalised) into this PNG.")
@click.option("--trust-model", is_flag=True, help="Allow legacy .h5 files.")
@click.option("--batch-size", default=16, show_default=True, type=click.IntRange(1, 1024),
              help="Images per model call (memory against speed).")
@click.pass_context
def evaluate(ctx, task, model, annotations, image_root, masks, confusion, trust_model,
             batch_size):
    """Score a model on a data set; the metrics as JSON on stdout.

    \b
    detect:  COCO mAP@[.5:.95], mAP@.5 and per-class AP (pycocotools) on a COCO file;
             categories are matched to the detector's classes by name.
    segment: mean IoU over the classes present or predicted, per-class IoU, pixel
             accuracy and the confusion matrix, over --images and --masks (as written by
             `kerasvision data scenes`); mask values are class ids of the model.

    An image or mask that cannot be read is one line on stderr and left out (exit code 1).
    """
    from kerasvision.cli.quiet_tensorflow import import_tensorflow

    import_tensorflow(debug=ctx.obj.get("debug", False))
    if task == "segment":
        return _evaluate_segmenter(ctx, model, image_root, masks, confusion, trust_model,
                                   batch_size)
    if not annotations:
        raise click.UsageError("--task detect needs --annotations (a COCO JSON)")
    from kerasvision.data.detection_folder_dataset import coco_records
    from kerasvision.io import read_image
    from kerasvision.tasks.object_detector import ObjectDetector

    detector = ObjectDetector.load(model, trust_model=trust_model)
    records, names = coco_records(annotations, image_root=image_root)
    index = {name: i for i, name in enumerate(detector.class_names)}
    unknown = sorted(set(names) - set(index))
    if unknown:
        raise click.UsageError(f"{annotations}: categories {', '.join(unknown)} are not "
                               f"classes of the model ({', '.join(detector.class_names)})")
    to_model = [index[name] for name in names]  # the file's category order -> the model's
    images, boxes, classes, failed = [], [], [], 0
    for path, xyxy, categories in records:
        try:
            images.append(read_image(path, channels=detector.preprocessor.channels))
        except Exception as exc:  # noqa: BLE001 - one line per bad image, the rest go on
            failed += 1
            click.echo(f"kerasvision: {exc}", err=True)
            continue
        boxes.append(xyxy)
        classes.append([to_model[c] for c in categories])
    metrics = detector.evaluate(images, boxes, classes, batch_size=batch_size)
    click.echo(json.dumps(metrics, indent=2, default=float))
    if failed:
        ctx.exit(1)


def _evaluate_segmenter(ctx, model, image_root, mask_root, confusion, trust_model, batch_size):
    from pathlib import Path

    from kerasvision.data.segmentation_masks import read_segmentation_mask
    from kerasvision.tasks.image_segmenter import ImageSegmenter

    if not image_root or not mask_root:
        raise click.UsageError("--task segment needs --images and --masks (folders)")
    segmenter = ImageSegmenter.load(model, trust_model=trust_model)
    images, masks, failed = [], [], 0
    for record in segmenter.preprocessor.read([image_root]):
        try:
            if record.error is not None:
                raise ValueError(record.error)
            relative = Path(record.path).relative_to(image_root).with_suffix(".png")
            masks.append(read_segmentation_mask(Path(mask_root) / relative,
                                                segmenter.num_classes,
                                                image_size=record.image.shape[:2]))
            images.append(record.image)
        except Exception as exc:  # noqa: BLE001 - one line per bad pair, the rest go on
            failed += 1
            click.echo(f"kerasvision: {exc}", err=True)
    if not images:
        raise click.ClickException(f"{image_root}: no image with a readable mask")
    metrics = segmenter.evaluate(images, masks, batch_size=batch_size, confusion_png=confusion)
    click.echo(json.dumps(metrics, indent=2))
    if failed:
        ctx.exit(1)
