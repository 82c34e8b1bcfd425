"""The contract of pipelines: registrations of kind "pipeline", which are not one trainable
keras.Model but several parts run in sequence (sliding-window detection over a classifier,
R-CNN with proposals, CRF post-processing of a segmenter's scores).

The contract runs a pipeline end to end on a small scene, checks its prediction against its
task's output format (the same as a model of that task: the decoded detection dict of
`detection.py`, the per-pixel scores of `segmentation.py`, `(B, classes)` scores for
classification), and checks that `save` then `load` gives identical predictions.
"""

from typing import Any, ClassVar, Protocol, runtime_checkable

import numpy as np

from kerasvision.models.contracts.detection import check_detections
from kerasvision.models.contracts.model_contract import as_arrays
from kerasvision.models.contracts.segmentation import check_segmentation_scores


@runtime_checkable
class Pipeline(Protocol):
    """What a pipeline builder returns.

    Attributes:
        num_classes: number of classes of its task (object classes for a detector).
        bounding_box_format: keras-cv's box format of a detection pipeline's predictions
            (detection pipelines only).
    """

    num_classes: int

    def predict(self, images: np.ndarray) -> Any:
        """The task's prediction for a batch of images `(B, H, W, C)` (module doc)."""

    def save(self, directory: str) -> None:
        """Write the trained parts and the settings to `directory` (created if missing)."""

    @classmethod
    def load(cls, directory: str) -> "Pipeline":
        """The pipeline written by `save(directory)`, predicting identically."""


class PipelineContract:
    """The contract of a registered pipeline of any task.

    Args:
        spec: the pipeline's `kerasvision.registry.ModelSpec` (kind "pipeline").
    """

    # The small scene a pipeline is run on: RGB images of 48 x 48 pixels.
    SCENE_SHAPE: ClassVar[tuple] = (48, 48, 3)

    def __init__(self, spec):
        self.spec = spec

    def example_scene(self, pipeline, batch_size, rng):
        """Images `(batch_size, 48, 48, 3)` uniform in [0, 1], or the registration's `inputs`
        (its first element) when the pipeline needs other images."""
        if self.spec.inputs is not None:
            return self.spec.inputs(pipeline, batch_size, rng)[0]
        return rng.uniform(0.0, 1.0, size=(batch_size, *self.SCENE_SHAPE)).astype("float32")

    def forward(self, pipeline, images):
        """The pipeline end to end: `pipeline.predict(images)`."""
        assert isinstance(pipeline, Pipeline), \
            f"{type(pipeline).__name__} lacks the Pipeline protocol (num_classes, predict, " \
            f"save, load)"
        return pipeline.predict(images)

    def check_prediction(self, pipeline, images, outputs):
        """Assert that `outputs` has the output format of the pipeline's task."""
        task = self.spec.task
        batch_size = len(images)
        if task == "detection":
            check_detections(outputs, batch_size, pipeline.num_classes,
                             pipeline.bounding_box_format, image_shape=np.shape(images)[1:])
        elif task == "segmentation":
            check_segmentation_scores(outputs, np.shape(images), pipeline.num_classes)
        else:
            scores = np.asarray(outputs)
            assert scores.shape == (batch_size, pipeline.num_classes), \
                f"class scores of shape {scores.shape}, want ({batch_size}, " \
                f"{pipeline.num_classes})"
            assert np.all(np.isfinite(scores)), "non-finite class scores"

    def reload(self, pipeline, directory):
        """`pipeline` saved to `directory` and loaded back by its class's `load`."""
        pipeline.save(str(directory))
        return type(pipeline).load(str(directory))

    @staticmethod
    def as_arrays(outputs):
        """The prediction as arrays in a fixed order, for comparisons."""
        return as_arrays(outputs)
