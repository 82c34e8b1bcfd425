"""Region-of-interest alignment (He, Gkioxari, Dollár & Girshick, Mask R-CNN, ICCV 2017, §3)."""

import keras
from keras import ops

from kerasvision.layers.roi_pooling import padding_mask
from kerasvision.layers.spatial_pair import spatial_pair


@keras.saving.register_keras_serializable(package="kerasvision")
class RoIAlign(keras.layers.Layer):
    """Bilinearly samples each region of interest on a fixed `output_size` grid (Mask R-CNN, §3).

    Inputs are `[features, rois]`: `features` (B, H, W, C) channels-last, `rois` (B, R, 4) as
    `[y1, x1, y2, x2]` in input-image pixels; RoI `rois[b, r]` samples `features[b]`. A row of
    four -1's is padding and gives all zeros. Output: (B, R, out_h, out_w, C).

    No coordinate is rounded. With s = `spatial_scale` and o = 0.5 if `aligned` else 0,

        y0 = y1·s − o,  h = y2·s − o − y0  (h = max(h, 1) when not aligned),  likewise x0, w,

    bin (i, j) averages n × n points (n = `sampling_ratio`) at

        y = y0 + (i + (k + ½)/n)·h/H_out,   x = x0 + (j + (l + ½)/n)·w/W_out,   k, l < n,

    each read by bilinear interpolation in feature-cell coordinates where cell u's centre is at
    u. `aligned=True` is the −½-pixel shift of Detectron2 and torchvision's
    `roi_align(aligned=True)`: a box edge at image pixel coordinate p maps to the continuous
    feature coordinate p·s, whose cell centres lie at u + ½, hence the −½ (`aligned=False` is
    the original Mask R-CNN / Detectron behaviour). Out-of-map points follow torchvision's
    `bilinear_interpolate`: a point with y < −1, y > H, x < −1 or x > W reads 0; otherwise y and
    x are clamped to [0, H − 1] and [0, W − 1] before interpolating.

    Bilinear interpolation is separable and the sample grid is a product of rows and columns,
    so the layer builds per-RoI interpolation matrices A_y (out_h × H, the bin's row weights
    averaged over its n sample rows) and A_x (out_w × W) and computes
    y[b, r] = A_y · x[b] · A_xᵀ per channel with two einsums: exact, differentiable in the
    features (and in the RoI coordinates), no gathers. `sampling_ratio` must be a positive int;
    torchvision's adaptive `sampling_ratio=0` (⌈h/H_out⌉ points per RoI) is not supported.
    """

    def __init__(self, output_size=(7, 7), spatial_scale=1.0 / 16, sampling_ratio=2,
                 aligned=True, **kwargs):
        super().__init__(**kwargs)
        self.output_size = spatial_pair(output_size, "output_size")
        self.spatial_scale = float(spatial_scale)
        if self.spatial_scale <= 0:
            raise ValueError(f"spatial_scale must be positive, got {spatial_scale!r}")
        if int(sampling_ratio) != sampling_ratio or sampling_ratio < 1:
            raise ValueError(
                f"sampling_ratio must be a positive int (adaptive 0 is not supported), "
                f"got {sampling_ratio!r}")
        self.sampling_ratio = int(sampling_ratio)
        self.aligned = bool(aligned)

    def _weights(self, start, end, bins, size):
        """(B, R, bins, size) interpolation weights, averaged over each bin's sample points."""
        n = self.sampling_ratio
        offset = 0.5 if self.aligned else 0.0
        start = start * self.spatial_scale - offset
        extent = end * self.spatial_scale - offset - start
        if not self.aligned:
            extent = ops.maximum(extent, 1.0)
        # Sample positions in bin units: i + (k + ½)/n for bin i, sample k.
        steps = (ops.arange(bins * n, dtype="float32") + 0.5) / n  # (bins·n,)
        points = start[..., None] + steps * (extent[..., None] / bins)  # (B, R, bins·n)
        inside = ops.logical_and(points >= -1.0, points <= float(size))
        points = ops.clip(points, 0.0, float(size - 1))
        low = ops.floor(points)
        frac = points - low
        high = ops.minimum(low + 1.0, float(size - 1))
        cells = ops.arange(size, dtype="float32")
        weights = (ops.cast(ops.equal(low[..., None], cells), "float32") * (1.0 - frac)[..., None]
                   + ops.cast(ops.equal(high[..., None], cells), "float32") * frac[..., None])
        weights = weights * ops.cast(inside, "float32")[..., None]  # (B, R, bins·n, size)
        shape = ops.shape(weights)
        weights = ops.reshape(weights, (shape[0], shape[1], bins, n, size))
        return ops.mean(weights, axis=3)

    def call(self, inputs):
        features, rois = inputs
        out_h, out_w = self.output_size
        height, width = features.shape[1], features.shape[2]
        if height is None or width is None:
            raise ValueError("RoIAlign needs a static feature-map height and width")
        rois = ops.cast(rois, "float32")
        rows = self._weights(rois[..., 0], rois[..., 2], out_h, height)  # (B, R, out_h, H)
        cols = self._weights(rois[..., 1], rois[..., 3], out_w, width)  # (B, R, out_w, W)
        valid = ops.cast(padding_mask(rois), "float32")[:, :, None, None]
        rows = ops.cast(rows * valid, features.dtype)
        cols = ops.cast(cols, features.dtype)
        by_row = ops.einsum("brih,bhwc->briwc", rows, features)
        return ops.einsum("brjw,briwc->brijc", cols, by_row)

    def compute_output_shape(self, input_shape):
        features_shape, rois_shape = input_shape
        return (features_shape[0], rois_shape[1], *self.output_size, features_shape[-1])

    def get_config(self):
        return {**super().get_config(), "output_size": self.output_size,
                "spatial_scale": self.spatial_scale, "sampling_ratio": self.sampling_ratio,
                "aligned": self.aligned}
