"""Region-of-interest max pooling (Girshick, Fast R-CNN, ICCV 2015, §2.1; after He et al.,
Spatial Pyramid Pooling in Deep Convolutional Networks for Visual Recognition, ECCV 2014)."""

import keras
from keras import ops

from kerasvision.layers.spatial_pair import spatial_pair


def round_half_away_from_zero(x):
    """C's `round` (Caffe rounds RoIs with it), not `ops.round`'s round-half-to-even."""
    return ops.sign(x) * ops.floor(ops.abs(x) + 0.5)


def padding_mask(rois):
    """True for real RoIs, False for padding rows (all four coordinates equal to -1)."""
    return ops.logical_not(ops.all(ops.equal(rois, -1.0), axis=-1))


@keras.saving.register_keras_serializable(package="kerasvision")
class RoIPooling(keras.layers.Layer):
    """Max-pools each region of interest into a fixed `output_size` grid (Fast R-CNN, §2.1).

    Inputs are `[features, rois]`: `features` (B, H, W, C) channels-last, `rois` (B, R, 4) as
    `[y1, x1, y2, x2]` in input-image pixels (the image is `1 / spatial_scale` times the feature
    map; 1/16 for VGG16's conv5). RoI `rois[b, r]` pools from `features[b]`. A row of four -1's is
    padding and gives all zeros. Output: (B, R, out_h, out_w, C).

    Rounding follows Caffe's `ROIPoolingLayer` (the Fast R-CNN reference code), with C rounding
    (half away from zero):

        h0 = round(y1·s),  h1 = round(y2·s),  h = max(h1 − h0 + 1, 1)   (ends inclusive)

    and likewise w0, w, so a RoI always covers at least one cell. Bin (i, j) of the
    H_out × W_out grid covers rows [h0 + ⌊i·h/H_out⌋, h0 + ⌈(i+1)·h/H_out⌉) and columns
    [w0 + ⌊j·w/W_out⌋, w0 + ⌈(j+1)·w/W_out⌉), both clipped to the map, and

        y[b, r, i, j, c] = max_{(u, v) ∈ bin(i, j)} x[b, u, v, c],

    or 0 where the clipped bin is empty. The gradient is max pooling's (to the argmax of each
    bin); the RoI coordinates get none. The max is taken separably (over each bin's columns,
    then its rows) as running maxima over the static W and H, so the largest intermediate is
    (B, R, W_out, H, C); the feature map's height and width must be static.
    """

    def __init__(self, output_size=(7, 7), spatial_scale=1.0 / 16, **kwargs):
        super().__init__(**kwargs)
        self.output_size = spatial_pair(output_size, "output_size")
        self.spatial_scale = float(spatial_scale)
        if self.spatial_scale <= 0:
            raise ValueError(f"spatial_scale must be positive, got {spatial_scale!r}")

    @staticmethod
    def _bin_mask(start, end, bins, size):
        """(B, R, bins, size) mask of the cells in each bin, from the rounded start/end."""
        extent = ops.maximum(end - start + 1.0, 1.0)[..., None]
        i = ops.arange(bins, dtype="float32")
        lo = ops.clip(ops.floor(i * extent / bins) + start[..., None], 0.0, float(size))
        hi = ops.clip(ops.ceil((i + 1.0) * extent / bins) + start[..., None], 0.0, float(size))
        cells = ops.arange(size, dtype="float32")
        return ops.logical_and(cells >= lo[..., None], cells < hi[..., None])

    def call(self, inputs):
        features, rois = inputs
        out_h, out_w = self.output_size
        height, width = features.shape[1], features.shape[2]
        if height is None or width is None:
            raise ValueError("RoIPooling needs a static feature-map height and width")
        rois = ops.cast(rois, "float32")
        corners = round_half_away_from_zero(rois * self.spatial_scale)
        rows = self._bin_mask(corners[..., 0], corners[..., 2], out_h, height)  # (B, R, out_h, H)
        cols = self._bin_mask(corners[..., 1], corners[..., 3], out_w, width)  # (B, R, out_w, W)
        neg_inf = ops.cast(float("-inf"), features.dtype)
        # Separable running maxima over the static width, then height: each step holds one
        # (B, R, out_w, H, C) tensor, never a (…, H, W, C) one per RoI. `maximum` sends the
        # gradient to its first argument on ties, so the first maximum in row-major order gets
        # it, as in Caffe.
        by_col = None
        for w in range(width):
            column = features[:, None, None, :, w, :]  # (B, 1, 1, H, C)
            step = ops.where(cols[:, :, :, None, w, None], column, neg_inf)
            by_col = step if by_col is None else ops.maximum(by_col, step)
        pooled = None  # (B, R, out_h, out_w, C)
        for h in range(height):
            row = by_col[:, :, None, :, h, :]  # (B, R, 1, out_w, C)
            step = ops.where(rows[:, :, :, None, h, None], row, neg_inf)
            pooled = step if pooled is None else ops.maximum(pooled, step)
        keep = ops.logical_and(ops.not_equal(pooled, neg_inf),
                               padding_mask(rois)[:, :, None, None, None])
        return ops.where(keep, pooled, ops.zeros_like(pooled))

    def compute_output_shape(self, input_shape):
        features_shape, rois_shape = input_shape
        return (features_shape[0], rois_shape[1], *self.output_size, features_shape[-1])

    def get_config(self):
        return {**super().get_config(), "output_size": self.output_size,
                "spatial_scale": self.spatial_scale}
