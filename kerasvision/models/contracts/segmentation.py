"""The contract of semantic segmentation models.

Training: images `(B, H, W, C)` and per-pixel integer class targets `(B, H, W)` at input
resolution, sparse categorical cross-entropy (on logits unless the model ends in a softmax).
Forward (`call(training=False)`): per-pixel class scores `(B, H, W, classes)` at input
resolution, float32.
"""

import numpy as np

from kerasvision.models.contracts.model_contract import ModelContract, as_arrays, concrete_shape
from kerasvision.models.contracts.output_activation import ends_in_softmax, sparse_cross_entropy


def check_segmentation_scores(scores, image_shape, num_classes, probabilities=False):
    """Assert that `scores` are per-pixel class scores of a batch of images.

    Args:
        scores: the prediction, `(B, H, W, num_classes)`.
        image_shape: `(B, H, W[, C])` of the images it was predicted from.
        num_classes: number of classes.
        probabilities: whether each pixel's scores must be a distribution (sum to one).
    """
    scores = np.asarray(scores)
    want = (*tuple(image_shape)[:3], num_classes)
    assert scores.shape == want, f"scores of shape {scores.shape}, want {want} (input size)"
    assert scores.dtype == np.float32, f"scores dtype {scores.dtype}"
    assert np.all(np.isfinite(scores)), "non-finite scores"
    if probabilities:
        np.testing.assert_allclose(scores.sum(axis=-1), 1.0, rtol=1e-4, atol=1e-4)


class SegmentationContract(ModelContract):
    """Per-pixel classification at input resolution."""

    def example_inputs(self, model, batch_size, rng):
        shape = concrete_shape(model.inputs[0].shape[1:])
        return rng.uniform(0.0, 1.0, size=(batch_size, *shape)).astype("float32")

    def example_targets(self, model, batch_size, rng):
        height, width = concrete_shape(model.inputs[0].shape[1:3])
        classes = int(model.outputs[0].shape[-1])
        return rng.integers(0, classes, size=(batch_size, height, width)).astype("int32")

    def compile(self, model):
        """Sparse cross-entropy over pixels, with SGD."""
        import keras

        if model.compiled:
            return
        model.compile(optimizer=keras.optimizers.SGD(0.01),
                      loss=sparse_cross_entropy(model.outputs[0]))

    def check_prediction(self, model, x, outputs):
        """One output: `(B, H, W, classes)` scores at the input's resolution."""
        arrays = as_arrays(outputs)
        assert len(arrays) == 1, f"a segmentation model has one output, got {len(arrays)}"
        check_segmentation_scores(arrays[0], np.shape(x), int(model.outputs[0].shape[-1]),
                                  probabilities=ends_in_softmax(model.outputs[0]))
