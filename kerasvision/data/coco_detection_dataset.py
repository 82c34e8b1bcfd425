"""A COCO detection folder as `model.fit` batches: letterboxed pixels and padded box targets.

    data, class_names = coco_detection_dataset("instances.json", preprocessor, batch_size=16)
    detector.fit(data.repeat(), steps_per_epoch=...)

Images are read by the package's robust reader (a bad file is one line on stderr and skipped,
not a crash mid-epoch) and placed as the detector's ImagePreprocessor places them at predict
time (letterbox: scale and centre), so boxes move with them: x' = x·scale + offset. Class ids
are the categories in id order, 0-based; images without objects are kept (all rows -1), since
they teach the background.
"""

import sys

import numpy as np

from kerasvision.data.coco_annotations import read_coco_annotations


def coco_class_names(dataset):
    """Category names in category-id order: the detector's classes."""
    return [dataset.categories[k] for k in sorted(dataset.categories)]


def coco_detection_dataset(annotations, preprocessor, batch_size=16, max_boxes=None,
                           image_root=None, shuffle=True, seed=0):
    """`(tf.data.Dataset of (pixels, {"boxes", "classes"}), class names)` from a COCO file.

    Args:
        annotations: the COCO JSON (validated by `read_coco_annotations`).
        preprocessor: the detector's ImagePreprocessor (size, channels, letterbox).
        max_boxes: rows of the padded targets (default: the most boxes of any image).
        image_root: the folder file names are relative to (default: the JSON's).
    """
    import tensorflow as tf

    from kerasvision.io import read_image

    coco = read_coco_annotations(annotations, image_root=image_root)
    names = coco_class_names(coco)
    index_of = {category: i for i, category in enumerate(sorted(coco.categories))}
    rows = max_boxes or max([len(image.boxes) for image in coco.images] + [1])
    height, width = preprocessor.size

    def examples():
        for image in coco.images:
            try:
                pixels = read_image(image.path, channels=preprocessor.channels)
            except Exception as exc:  # noqa: BLE001 - one line, and the epoch goes on
                print(f"kerasvision: skipped {image.path}: {exc}", file=sys.stderr)
                continue
            placed = preprocessor.preprocess([pixels])
            geometry = placed.geometry(0)
            boxes = np.full((rows, 4), -1, np.float32)
            classes = np.full((rows,), -1, np.float32)
            count = min(len(image.boxes), rows)
            xywh = image.boxes[:count]
            scale_y, scale_x = geometry.scale
            offset_y, offset_x = geometry.offset
            boxes[:count] = np.stack([xywh[:, 0] * scale_x + offset_x,
                                      xywh[:, 1] * scale_y + offset_y,
                                      (xywh[:, 0] + xywh[:, 2]) * scale_x + offset_x,
                                      (xywh[:, 1] + xywh[:, 3]) * scale_y + offset_y], -1)
            classes[:count] = [index_of[c] for c in image.category_ids[:count]]
            yield placed.pixels[0], {"boxes": boxes, "classes": classes}

    signature = (tf.TensorSpec((height, width, preprocessor.channels), tf.float32),
                 {"boxes": tf.TensorSpec((rows, 4), tf.float32),
                  "classes": tf.TensorSpec((rows,), tf.float32)})
    data = tf.data.Dataset.from_generator(examples, output_signature=signature)
    if shuffle:
        data = data.shuffle(256, seed=seed, reshuffle_each_iteration=True)
    return data.batch(batch_size).prefetch(tf.data.AUTOTUNE), names
