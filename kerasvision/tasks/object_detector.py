"""ObjectDetector: a detection architecture wrapped for people with image files.

A `Task` (tasks/task.py) whose answer per image is a list of detections — label, class id,
score and box `[x0, y0, x1, y1]` in the original image's pixels. Images are letterboxed to the
model's size (aspect ratio kept, so boxes map back exactly); the model decodes and suppresses
inside its graph (the detection contract, kerasvision/models/contracts/detection.py), so the
TF Serving export returns final boxes, in the TF Object Detection API's output names.

    detector = ObjectDetector.load("saved_models/fashion_scenes_detector/model.keras")
    for result in detector.predict_files(["scene.png"], threshold=0.5):
        print(result.path, result.predictions)
"""

from dataclasses import dataclass

import numpy as np

from kerasvision.tasks.task import Task

DEFAULT_THRESHOLD = 0.5


@dataclass
class Detection:
    label: str
    class_id: int
    score: float
    box: tuple  # (x0, y0, x1, y1), original-image pixels

    def as_json(self):
        return {"label": self.label, "class_id": self.class_id, "score": round(self.score, 6),
                "box": [round(float(v), 2) for v in self.box]}


class ObjectDetector(Task):
    """A detector model (pixels 0–255 -> the detection dict) plus class names and letterboxing."""

    task = "detection"

    def __init__(self, model, class_names=None, preprocessor=None):
        from kerasvision.io.image_preprocessor import ImagePreprocessor

        if preprocessor is None:
            height, width, channels = (int(d) for d in model.image_shape)
            preprocessor = ImagePreprocessor((height, width), channels, resize="letterbox")
        super().__init__(model, class_names, preprocessor)

    @classmethod
    def load(cls, path=None, trust_model=False):
        """Load a `.keras` detector, or the shipped Fashion-scenes detector when `path` is None."""
        if path is None:
            from kerasvision.tasks.shipped_models import DEFAULT_DETECTOR, shipped_model_dir

            path = shipped_model_dir(DEFAULT_DETECTOR) / "model.keras"
        return super().load(path, trust_model)

    @property
    def num_classes(self):
        return int(self.model.num_classes)

    # ---- training -----------------------------------------------------------------------
    def compile_defaults(self):
        import keras

        # A detector computes its own loss (the detection contract): an optimizer is all.
        return {"optimizer": keras.optimizers.Adam(1e-3)}

    # ---- inference ----------------------------------------------------------------------
    def decode(self, outputs, preprocessed, threshold=DEFAULT_THRESHOLD):
        """Detections per image, at least `threshold` confident, best first, original pixels."""
        answers = []
        for i in range(len(preprocessed.pixels)):
            count = int(outputs["num_detections"][i])
            scores = np.asarray(outputs["confidence"][i][:count])
            keep = scores >= threshold
            boxes = self.preprocessor.postprocess_boxes(
                np.asarray(outputs["boxes"][i][:count])[keep], preprocessed.geometry(i))
            classes = np.asarray(outputs["classes"][i][:count])[keep].astype(int)
            answers.append([Detection(self.class_names[c], int(c), float(s), tuple(map(float, b)))
                            for c, s, b in zip(classes, scores[keep], boxes)])
        return answers

    def predict(self, images, threshold=DEFAULT_THRESHOLD, batch_size=16):
        """Detections for each image array (any size, 0–255)."""
        return super().predict(images, batch_size, threshold=threshold)

    def predict_files(self, paths, threshold=DEFAULT_THRESHOLD, batch_size=16,
                      keep_images=False):
        """Detect in image files and folders; yields a FileResult per file, errors included."""
        return super().predict_files(paths, batch_size, keep_images, threshold=threshold)

    def serving_outputs(self, outputs, original_sizes, threshold=0.0):
        """The TF Object Detection API's outputs (its exporter's names, types and conventions).

        `detection_boxes` [N, D, 4] normalised [ymin, xmin, ymax, xmax] of the original image,
        `detection_scores` [N, D], `detection_classes` [N, D] 1-based as float32,
        `num_detections` [N] float32, plus `detection_labels` [N, D] strings; rows past
        `num_detections` are zero (and an empty label), as the OD API pads.
        """
        import tensorflow as tf

        count = tf.cast(outputs["num_detections"], tf.int32)
        scores = outputs["confidence"]
        if threshold > 0:
            # Detections are sorted best first, so a threshold shortens each image's list.
            count = tf.minimum(count, tf.reduce_sum(tf.cast(scores >= threshold, tf.int32), -1))
        rows = tf.shape(scores)[1]
        valid = tf.range(rows)[None, :] < count[:, None]
        boxes = self.preprocessor.graph_postprocess_boxes(outputs["boxes"], original_sizes)
        sizes = tf.cast(original_sizes, tf.float32)  # (N, 2) height, width
        x0, y0, x1, y1 = tf.unstack(boxes, axis=-1)
        height, width = sizes[:, None, 0], sizes[:, None, 1]
        normalised = tf.stack([y0 / height, x0 / width, y1 / height, x1 / width], axis=-1)
        classes = tf.cast(outputs["classes"], tf.int32)
        labels = tf.gather(tf.constant([str(n) for n in self.class_names]),
                           tf.maximum(classes, 0))
        return {"detection_boxes": tf.where(valid[..., None], normalised, 0.0),
                "detection_scores": tf.where(valid, scores, 0.0),
                "detection_classes": tf.where(valid, tf.cast(classes + 1, tf.float32), 0.0),
                "num_detections": tf.cast(count, tf.float32),
                "detection_labels": tf.where(valid, labels, "")}

    def serving_assets(self):
        """`label_map.pbtxt` as the TF Object Detection API writes it (ids from 1)."""
        items = []
        for i, name in enumerate(self.class_names, start=1):
            quoted = str(name).replace("\\", "\\\\").replace('"', '\\"')
            items.append(f'item {{\n  id: {i}\n  name: "{quoted}"\n  display_name: "{quoted}"\n}}\n')
        return {"label_map.pbtxt": "".join(items)}

    # ---- evaluation ---------------------------------------------------------------------
    def evaluate(self, images, boxes, classes, batch_size=16):
        """COCO metrics (pycocotools) over image arrays and their ground truth.

        Args:
            images: a list of (H, W, C) arrays, any sizes.
            boxes: per image, (N, 4) xyxy boxes in that image's pixels.
            classes: per image, (N,) class ids.

        Returns:
            `kerasvision.evaluation.coco_detection.coco_detection_metrics`'s dict (mAP,
            mAP50, per-class AP, ...), every detection kept (threshold 0).
        """
        from kerasvision.evaluation.coco_detection import coco_detection_metrics

        predictions = self.predict(images, threshold=0.0, batch_size=batch_size)
        detections = [(np.asarray([d.box for d in p], np.float32).reshape(-1, 4),
                       np.asarray([d.score for d in p], np.float32),
                       np.asarray([d.class_id for d in p], np.int64)) for p in predictions]
        truth = [(np.asarray(b, np.float32).reshape(-1, 4), np.asarray(c, np.int64))
                 for b, c in zip(boxes, classes)]
        sizes = [tuple(np.shape(image)[:2]) for image in images]
        return coco_detection_metrics(truth, detections, self.class_names, image_sizes=sizes)


__all__ = ["Detection", "ObjectDetector"]
