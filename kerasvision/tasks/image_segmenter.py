"""ImageSegmenter: a semantic-segmentation model wrapped for people with image files.

A `Task` (tasks/task.py) whose answer per image is a class map: int32 (H, W) at the image's
ORIGINAL size, one class id per pixel, class 0 being "background" (the class names start with
it, so the export's `labels.txt` does too). The model gives per-pixel class scores at its input
size (the segmentation contract, kerasvision/models/contracts/segmentation.py); the argmax is
mapped back through the preprocessor (`postprocess_class_map`: letterbox padding cropped, then
a nearest-neighbour resize, so ids stay ids).

Images are letterboxed, not stretched: the models are trained on scenes whose items keep
their aspect ratio (scale jitter is isotropic), so a stretched 2:1 photo would show them shapes
they never saw; letterboxing keeps every object's proportions and maps back exactly, at the
cost of the padding's pixels (the detector does the same).

    segmenter = ImageSegmenter.load("saved_models/fashion_scenes_segmenter/model.keras")
    class_map = segmenter.predict([image])[0]             # (H, W) int32
    class_map, scores = segmenter.predict([image], with_scores=True)[0]

The TF Serving export (`Task.export`, `serving_outputs` below) returns, for a request of N
images of possibly different sizes, rectangular tensors padded to the largest height and width
in the request: `class_map` int32 [N, H, W] (-1 outside an image), `scores` float32
[N, H, W, C] (0 outside) and `original_size` int32 [N, 2] to crop each image's part.
"""

import numpy as np

from kerasvision.tasks.task import Task

BACKGROUND = "background"
PADDING_CLASS = -1  # class_map value outside an image, in a padded serving batch
IGNORE_INDEX = 255  # mask value not scored (Pascal VOC's object borders)


def class_fractions(class_map, class_names):
    """The classes present in `class_map`, as `{"label", "class_id", "pixel_fraction"}` dicts,
    largest fraction first (pixels of id -1, padding, are not counted)."""
    ids = np.asarray(class_map).ravel()
    ids = ids[ids >= 0]
    if not ids.size:
        return []
    counts = np.bincount(ids, minlength=len(class_names))
    present = [i for i in np.argsort(-counts, kind="stable") if counts[i]]
    return [{"label": str(class_names[i]) if i < len(class_names) else f"class_{i}",
             "class_id": int(i), "pixel_fraction": round(float(counts[i] / ids.size), 6)}
            for i in present]


def _colour_channels(image):
    """An image's grey or RGB channels, for the CRF's appearance kernel (alpha dropped)."""
    image = np.asarray(image)
    if image.ndim == 3 and image.shape[-1] in (2, 4):
        return image[..., :image.shape[-1] - 1]
    return image


class ImageSegmenter(Task):
    """A segmentation model (pixels 0–255 -> per-pixel class scores) plus class names and
    letterboxing; class 0 is the background."""

    task = "segmentation"

    def __init__(self, model, class_names=None, preprocessor=None):
        from kerasvision.io.image_preprocessor import ImagePreprocessor

        if preprocessor is None:
            height, width, channels = (int(d) for d in model.inputs[0].shape[1:4])
            preprocessor = ImagePreprocessor((height, width), channels, resize="letterbox")
        if class_names is None:
            classes = int(model.outputs[0].shape[-1])
            class_names = [BACKGROUND] + [f"class_{i}" for i in range(1, classes)]
        super().__init__(model, class_names, preprocessor)

    @classmethod
    def load(cls, path=None, trust_model=False):
        """Load a `.keras` segmenter, or the shipped Fashion-scenes one when `path` is None."""
        if path is None:
            from kerasvision.tasks.shipped_models import DEFAULT_SEGMENTER, shipped_model_dir

            path = shipped_model_dir(DEFAULT_SEGMENTER) / "model.keras"
        return super().load(path, trust_model)

    @property
    def num_classes(self):
        return int(self.model.outputs[0].shape[-1])

    # ---- training -----------------------------------------------------------------------
    def compile_defaults(self):
        """Adam, cross-entropy plus soft Dice (the Dice term keeps small classes from being
        outvoted by the background), and the data set's mean IoU as the metric."""
        import keras

        from kerasvision.models.segmentation.dice_cross_entropy_loss import DiceCrossEntropyLoss
        from kerasvision.models.segmentation.pixel_mean_iou import PixelMeanIoU

        return {"optimizer": keras.optimizers.Adam(1e-3), "loss": DiceCrossEntropyLoss(),
                "metrics": [PixelMeanIoU(self.num_classes)]}

    # ---- inference ----------------------------------------------------------------------
    def decode(self, outputs, preprocessed, with_scores=False):
        """Per image its class map (H, W) int32 at the original size; with `with_scores`,
        `(class_map, scores)` with scores float32 (H, W, C) resized the same way."""
        answers = []
        for i in range(len(preprocessed.pixels)):
            geometry = preprocessed.geometry(i)
            scores = np.asarray(outputs[i])
            labels = scores.argmax(-1).astype(np.int32)
            class_map = self.preprocessor.postprocess_class_map(labels, geometry)
            if with_scores:
                answers.append((class_map, self.preprocessor.postprocess_class_map(
                    scores.astype(np.float32), geometry)))
            else:
                answers.append(class_map)
        return answers

    def predict(self, images, with_scores=False, batch_size=16, crf=False):
        """Class maps (and scores on request) for image arrays of any sizes (0–255).

        With `crf`, each image's scores (at its original size) are refined by mean-field
        inference in a dense CRF on the image's colours (models/segmentation/dense_crf.py,
        Krähenbühl & Koltun, NIPS 2011), so boundaries follow the image's edges rather than
        the model's coarse, upsampled ones; the class map is then the refined argmax and the
        scores the refined probabilities. It needs the optional `crf` extra (pydensecrf).
        """
        answers = super().predict(images, batch_size, with_scores=with_scores or crf)
        if not crf:
            return answers
        from kerasvision.models.segmentation.dense_crf import dense_crf

        refined = []
        for image, (_, scores) in zip(images, answers):
            probabilities = dense_crf(_colour_channels(image), scores)
            class_map = probabilities.argmax(-1).astype(np.int32)
            refined.append((class_map, probabilities) if with_scores else class_map)
        return refined

    def predict_files(self, paths, with_scores=False, batch_size=16, keep_images=False,
                      crf=False):
        """Segment image files and folders; yields a FileResult per file, errors included."""
        return super().predict_files(paths, batch_size, keep_images, with_scores=with_scores,
                                     crf=crf)

    def serving_outputs(self, outputs, original_sizes, include_scores=True):
        """`class_map`, `scores` and `original_size` for TF Serving (rectangular tensors).

        Images of one request may differ in size, and a tensor must be rectangular, so each
        image's maps are brought back to its original size and padded to the largest height
        and width in the request: `class_map` int32 [N, H, W] with -1 outside the image,
        `scores` float32 [N, H, W, C] with 0 outside, and `original_size` int32 [N, 2]
        (height, width) to crop image i's part `[:h_i, :w_i]`. The scores cost H·W·C·4 bytes
        per image; export with `include_scores=False` to leave them out.
        """
        import tensorflow as tf

        sizes = tf.cast(original_sizes, tf.int32)
        # At least 1: an empty request still gives well-formed (0, 1, 1) outputs.
        tallest = tf.maximum(tf.reduce_max(sizes[:, 0]), 1)
        widest = tf.maximum(tf.reduce_max(sizes[:, 1]), 1)
        labels = tf.cast(tf.argmax(outputs, axis=-1), tf.int32)

        def padded(maps, fill):
            def one(item):
                back = self.preprocessor.graph_postprocess_class_map(item[0], item[1])
                extra = [[0, tallest - item[1][0]], [0, widest - item[1][1]]]
                extra += [[0, 0]] * (back.shape.rank - 2)
                return tf.pad(back, extra, constant_values=fill)

            spec = tf.TensorSpec([None, None] + maps.shape[3:].as_list(), maps.dtype)
            return tf.map_fn(one, (maps, sizes), fn_output_signature=spec)

        served = {"class_map": padded(labels, PADDING_CLASS), "original_size": sizes}
        if include_scores:
            served["scores"] = padded(tf.cast(outputs, tf.float32), 0.0)
        return served

    # ---- evaluation ---------------------------------------------------------------------
    def evaluate(self, images, masks, batch_size=16, ignore_index=IGNORE_INDEX,
                 confusion_png=None):
        """Mean IoU, per-class IoU, pixel accuracy and the confusion matrix over a data set.

        One confusion matrix is summed over every image's pixels and scored once
        (models/segmentation/confusion_scores.py; Long et al., CVPR 2015, §5).

        Args:
            images: (H, W, C) arrays, any sizes.
            masks: per image, its true class map (H, W) at the image's size.
            ignore_index: mask value whose pixels are not counted (None: count all).
            confusion_png: also draw the confusion matrix into this PNG file.

        Returns:
            `{"mean_iou", "pixel_accuracy", "per_class_iou": {name: IoU, or None for a class
            neither present nor predicted}, "confusion_matrix", "images"}`; the mean is over
            the classes present or predicted.
        """
        from kerasvision.models.segmentation.confusion_scores import (
            confusion_matrix, mean_iou, per_class_iou, pixel_accuracy)

        if len(images) != len(masks):
            raise ValueError(f"{len(images)} images but {len(masks)} masks")
        classes = self.num_classes
        matrix = np.zeros((classes, classes), np.int64)
        for start in range(0, len(images), batch_size):
            chunk = list(images[start:start + batch_size])
            for offset, predicted in enumerate(self.predict(chunk, batch_size=batch_size)):
                truth = np.asarray(masks[start + offset])
                if truth.shape != predicted.shape:
                    raise ValueError(f"mask {start + offset} is {truth.shape}, its image "
                                     f"{predicted.shape}")
                matrix += confusion_matrix(truth, predicted, classes, ignore_index)
        ious = per_class_iou(matrix)
        if confusion_png:
            from kerasvision.inspect import plot_confusion_matrix

            plot_confusion_matrix(matrix, self.class_names, confusion_png, normalize=True)
        return {"mean_iou": mean_iou(matrix), "pixel_accuracy": pixel_accuracy(matrix),
                "per_class_iou": {name: None if np.isnan(iou) else float(iou)
                                  for name, iou in zip(self.class_names, ious)},
                "confusion_matrix": matrix.tolist(), "images": len(images)}


__all__ = ["BACKGROUND", "ImageSegmenter", "class_fractions"]
