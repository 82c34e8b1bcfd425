"""Anchors for Faster R-CNN / SSD-style detectors (torchvision's AnchorGenerator, as graph ops).

Conventions (declared here because detectors disagree on them):

* Box format: "xyxy" in pixels by default (keras_cv_adapter's default); "yxyx" on request.
* Centres: anchor (i, j) of a level with stride s is centred at ((j + 0.5)·s, (i + 0.5)·s),
  the centre of its feature-map cell (keras-cv's and the tiny test detector's convention).
  torchvision centres at (j·s, i·s), the cell's top-left corner, and rounds the base
  anchors to integers; neither is done here.
* Aspect ratio r is height / width (torchvision's convention; keras-cv's is width /
  height): an anchor of size s and ratio r has h = s·sqrt(r), w = s/sqrt(r), so its area
  is s² for every ratio.
* Order: row-major positions, then the K = len(aspect_ratios)·len(sizes) anchors of a
  position with ratios outer and sizes inner (torchvision's order), then levels
  concatenated — the order of a head output of shape (H, W, K·c) reshaped to (H·W·K, c).

`keras_cv_adapter.anchor_boxes` gives keras-cv's anchors as numpy for eager use; this class
builds them from tensor shapes with keras.ops, so it works inside a traced function or a
SavedModel where feature-map shapes are only known at run time.
"""

import math

from keras import ops

from kerasvision.models.detection.box_coder import check_box_format, from_xyxy


def _per_level(values, num_levels, name):
    """A flat tuple of numbers applies to every level; a tuple of tuples gives one per level."""
    values = tuple(values)
    if values and isinstance(values[0], (tuple, list)):
        if len(values) != num_levels:
            raise ValueError(f"{len(values)} {name} tuples but {num_levels} strides; "
                             "give one per level")
        return tuple(tuple(float(v) for v in level) for level in values)
    return (tuple(float(v) for v in values),) * num_levels


class AnchorGenerator:
    """Anchors of several sizes and aspect ratios at every position of each feature map.

    Args:
        sizes: anchor sides (sqrt of the area) in pixels; a flat tuple for every level, or
            one tuple per level (SSD / FPN style).
        aspect_ratios: height / width ratios; flat, or one tuple per level.
        strides: the pixel step of each level's grid (one per level).
        bounding_box_format: "xyxy" (default) or "yxyx".
        clip: clip anchors to the image (False, as in Faster R-CNN's training).
    """

    def __init__(self, sizes=(128, 256, 512), aspect_ratios=(0.5, 1.0, 2.0), strides=(16,),
                 bounding_box_format="xyxy", clip=False):
        check_box_format(bounding_box_format)
        self.strides = tuple(float(s) for s in strides)
        if not self.strides:
            raise ValueError("strides must name at least one level")
        self.sizes = _per_level(sizes, len(self.strides), "sizes")
        self.aspect_ratios = _per_level(aspect_ratios, len(self.strides), "aspect_ratios")
        self.bounding_box_format = bounding_box_format
        self.clip = clip

    @property
    def num_levels(self):
        return len(self.strides)

    def num_anchors_per_location(self):
        """K for each level: len(sizes) · len(aspect_ratios)."""
        return [len(s) * len(r) for s, r in zip(self.sizes, self.aspect_ratios)]

    def base_anchors(self, level=0):
        """The K anchors of one position centred at the origin, (K, 4) xyxy (python floats)."""
        anchors = []
        for ratio in self.aspect_ratios[level]:
            for size in self.sizes[level]:
                h, w = size * math.sqrt(ratio), size / math.sqrt(ratio)
                anchors.append((-w / 2, -h / 2, w / 2, h / 2))
        return anchors

    def anchors(self, image_shape, feature_shapes=None):
        """All anchors, levels concatenated: (sum of H·W·K, 4) float32.

        Args:
            image_shape: (height, width[, channels]) of the input image (python ints or a
                tensor); used for clipping and for the default feature shapes.
            feature_shapes: one (height, width) per level (ints or scalar tensors); by
                default ceil(image side / stride).
        """
        height, width = image_shape[0], image_shape[1]
        if feature_shapes is None:
            feature_shapes = [(ops.cast(ops.ceil(ops.cast(height, "float32") / s), "int32"),
                               ops.cast(ops.ceil(ops.cast(width, "float32") / s), "int32"))
                              for s in self.strides]
        if len(feature_shapes) != self.num_levels:
            raise ValueError(f"{len(feature_shapes)} feature shapes for {self.num_levels} levels")
        levels = [self._level_anchors(level, fh, fw)
                  for level, (fh, fw) in enumerate(feature_shapes)]
        anchors = ops.concatenate(levels, axis=0) if len(levels) > 1 else levels[0]
        if self.clip:
            h, w = ops.cast(height, "float32"), ops.cast(width, "float32")
            anchors = ops.stack([ops.clip(anchors[:, 0], 0.0, w), ops.clip(anchors[:, 1], 0.0, h),
                                 ops.clip(anchors[:, 2], 0.0, w), ops.clip(anchors[:, 3], 0.0, h)],
                                axis=-1)
        return from_xyxy(anchors, self.bounding_box_format)

    __call__ = anchors

    def _level_anchors(self, level, feature_height, feature_width):
        stride = self.strides[level]
        ys = (ops.cast(ops.arange(feature_height), "float32") + 0.5) * stride
        xs = (ops.cast(ops.arange(feature_width), "float32") + 0.5) * stride
        grid_y, grid_x = ops.meshgrid(ys, xs, indexing="ij")
        grid_x, grid_y = ops.reshape(grid_x, (-1,)), ops.reshape(grid_y, (-1,))
        shifts = ops.stack([grid_x, grid_y, grid_x, grid_y], axis=-1)  # (H*W, 4)
        base = ops.convert_to_tensor(self.base_anchors(level), "float32")  # (K, 4)
        return ops.reshape(shifts[:, None, :] + base[None, :, :], (-1, 4))
