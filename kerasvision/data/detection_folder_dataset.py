"""An annotated image folder (COCO JSON or Pascal VOC) as `model.fit` batches: letterboxed
pixels and padded box targets.

    data, class_names = detection_folder_dataset("instances.json", preprocessor)  # COCO
    data, class_names = detection_folder_dataset("VOC2007/", preprocessor)        # VOC
    detector.fit(data.repeat(), steps_per_epoch=...)

Images are read by the package's robust reader (a bad file is one line on stderr and skipped,
not a crash mid-epoch) and placed as the detector's ImagePreprocessor places them at predict
time (letterbox: scale and centre), so boxes move with them: x' = x·scale + offset. Images
without objects are kept (all rows -1), since they teach the background. Boxes are pixel
edges with exclusive maxima, as everywhere in the package (VOC's 1-based inclusive corners
become xmin − 1 … xmax).
"""

import sys
from pathlib import Path

import numpy as np

from kerasvision.data.coco_annotations import read_coco_annotations
from kerasvision.data.voc_annotations import read_voc_annotation
from kerasvision.data.pipeline_options import without_autotuning


def coco_records(annotations, image_root=None):
    """`(records, class names)` of a COCO file: records are (image path, xyxy boxes, class
    indices), classes the categories in id order."""
    coco = read_coco_annotations(annotations, image_root=image_root)
    ids = sorted(coco.categories)
    index_of = {category: i for i, category in enumerate(ids)}
    records = []
    for image in coco.images:
        xywh = np.asarray(image.boxes, np.float32).reshape(-1, 4)
        boxes = np.concatenate([xywh[:, :2], xywh[:, :2] + xywh[:, 2:]], axis=1)
        records.append((image.path, boxes, np.array([index_of[c] for c in image.category_ids],
                                                    np.int64)))
    return records, [coco.categories[k] for k in ids]


def voc_records(folder, class_names=None):
    """`(records, class names)` of a VOC folder (`Annotations/*.xml`, `JPEGImages/`);
    classes default to the sorted names found. "difficult" objects are kept."""
    paths = sorted(Path(folder, "Annotations").glob("*.xml"))
    if not paths:
        raise FileNotFoundError(f"{folder}: no Annotations/*.xml (not a VOC folder)")
    annotations = [read_voc_annotation(path) for path in paths]
    names = list(class_names or sorted({o.name for a in annotations for o in a.objects}))
    index_of = {name: i for i, name in enumerate(names)}
    records = []
    for annotation in annotations:
        boxes = np.array([[o.box[0] - 1, o.box[1] - 1, o.box[2], o.box[3]]
                          for o in annotation.objects], np.float32).reshape(-1, 4)
        classes = np.array([index_of[o.name] for o in annotation.objects], np.int64)
        records.append((annotation.image_path, boxes, classes))
    return records, names


def detection_folder_dataset(source, preprocessor, batch_size=16, max_boxes=None,
                             image_root=None, shuffle=True, seed=0):
    """`(tf.data.Dataset of (pixels, {"boxes", "classes"}), class names)`.

    Args:
        source: a COCO JSON file, or a VOC folder.
        preprocessor: the detector's ImagePreprocessor (size, channels, letterbox).
        max_boxes: rows of the padded targets (default: the most boxes of any image).
        image_root: for COCO, the folder file names are relative to (default: the JSON's).
    """
    import tensorflow as tf

    from kerasvision.io import read_image

    records, names = (voc_records(source) if Path(source).is_dir()
                      else coco_records(source, image_root))
    rows = max_boxes or max([len(boxes) for _, boxes, _ in records] + [1])
    height, width = preprocessor.size

    def examples():
        for path, boxes, classes in records:
            try:
                image = read_image(path, channels=preprocessor.channels)
            except Exception as exc:  # noqa: BLE001 - one line, and the epoch goes on
                print(f"kerasvision: skipped {path}: {exc}", file=sys.stderr)
                continue
            placed = preprocessor.preprocess([image])
            yield placed.pixels[0], padded_targets(boxes, classes, placed.geometry(0), rows)

    signature = (tf.TensorSpec((height, width, preprocessor.channels), tf.float32),
                 {"boxes": tf.TensorSpec((rows, 4), tf.float32),
                  "classes": tf.TensorSpec((rows,), tf.float32)})
    data = tf.data.Dataset.from_generator(examples, output_signature=signature)
    if shuffle:
        data = data.shuffle(256, seed=seed, reshuffle_each_iteration=True)
    return without_autotuning(data.batch(batch_size).prefetch(tf.data.AUTOTUNE)), names


def padded_targets(boxes, classes, geometry, rows):
    """Boxes moved into the placed image and padded with -1 to `rows`."""
    count = min(len(boxes), rows)
    scale_y, scale_x = geometry.scale
    offset_y, offset_x = geometry.offset
    placed = np.full((rows, 4), -1, np.float32)
    placed[:count] = np.asarray(boxes[:count], np.float32) * [scale_x, scale_y, scale_x,
                                                              scale_y] + [offset_x, offset_y,
                                                                          offset_x, offset_y]
    labels = np.full((rows,), -1, np.float32)
    labels[:count] = classes[:count]
    return {"boxes": placed, "classes": labels}
