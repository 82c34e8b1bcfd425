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
    so on any backend the layer can build per-RoI interpolation matrices A_y (out_h × H, the
    bin's row weights averaged over its n sample rows) and A_x (out_w × W) and compute
    y[b, r] = A_y · x[b] · A_xᵀ per channel with two einsums (`matrix_call`): exact and
    differentiable, but its work grows with the whole map per RoI. On TensorFlow the layer
    instead samples the (out·n)² points with `tf.image.crop_and_resize` on the map padded by
    two mirrored cells (so a point in [−1, 0) or (H − 1, H] reads the edge, as clamping does;
    points beyond are masked to 0) and averages each n × n block
    (`crop_call`): the same values (tested against each other and torchvision's kernel),
    work proportional to the samples only. `sampling_ratio` must be a positive int;
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

    def _sample_points(self, start, end, bins):
        """(B, R, bins·n) sample coordinates along one axis, in feature cells:
        bin i's sample k at y0 + (i + (k + ½)/n)·h/bins."""
        n = self.sampling_ratio
        offset = 0.5 if self.aligned else 0.0
        start = start * self.spatial_scale - offset
        extent = end * self.spatial_scale - offset - start
        if not self.aligned:
            extent = ops.maximum(extent, 1.0)
        steps = (ops.arange(bins * n, dtype="float32") + 0.5) / n  # (bins·n,)
        return start[..., None] + steps * (extent[..., None] / bins)

    @staticmethod
    def _inside(points, size):
        """torchvision's test: a point below −1 or above the map's size reads 0."""
        return ops.logical_and(points >= -1.0, points <= float(size))

    def _weights(self, start, end, bins, size):
        """(B, R, bins, size) interpolation weights, averaged over each bin's sample points."""
        n = self.sampling_ratio
        points = self._sample_points(start, end, bins)  # (B, R, bins·n)
        inside = self._inside(points, size)
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
        if features.shape[1] is None or features.shape[2] is None:
            raise ValueError("RoIAlign needs a static feature-map height and width")
        if keras.backend.backend() == "tensorflow":
            return self.crop_call(features, rois)
        return self.matrix_call(features, rois)

    def crop_call(self, features, rois):
        """TensorFlow: crop_and_resize at the sample points, then n × n block means."""
        import tensorflow as tf

        out_h, out_w = self.output_size
        n = self.sampling_ratio
        height, width = features.shape[1], features.shape[2]
        rois = tf.cast(rois, tf.float32)
        ys = self._sample_points(rois[..., 0], rois[..., 2], out_h)  # (B, R, out_h·n)
        xs = self._sample_points(rois[..., 1], rois[..., 3], out_w)
        # Two mirrored cells around the map: a point in [−1, 0) or (size − 1, size] reads
        # the edge, as torchvision's clamping does; points beyond are masked below, so
        # crop_and_resize's own rounding at the map's border never decides what reads 0.
        pad = 2
        padded = tf.pad(tf.cast(features, tf.float32), [[0, 0], [pad, pad], [pad, pad], [0, 0]],
                        mode="SYMMETRIC")
        boxes = tf.stack([(ys[..., 0] + pad) / (height + 2 * pad - 1),
                          (xs[..., 0] + pad) / (width + 2 * pad - 1),
                          (ys[..., -1] + pad) / (height + 2 * pad - 1),
                          (xs[..., -1] + pad) / (width + 2 * pad - 1)], axis=-1)
        batch, count = tf.shape(rois)[0], tf.shape(rois)[1]
        samples = tf.image.crop_and_resize(
            padded, tf.reshape(boxes, (-1, 4)), tf.repeat(tf.range(batch), count),
            (out_h * n, out_w * n))  # (B·R, out_h·n, out_w·n, C)
        inside = (tf.cast(self._inside(ys, height), tf.float32)[..., :, None]
                  * tf.cast(self._inside(xs, width), tf.float32)[..., None, :])
        valid = tf.cast(padding_mask(rois), tf.float32)[:, :, None, None]
        samples = samples * tf.reshape(inside * valid, (-1, out_h * n, out_w * n, 1))
        pooled = tf.nn.avg_pool2d(samples, n, n, "VALID") if n > 1 else samples
        pooled = tf.reshape(pooled, (batch, count, out_h, out_w, features.shape[-1]))
        return tf.cast(pooled, features.dtype)

    def matrix_call(self, features, rois):
        """Any backend: separable interpolation matrices and two einsums."""
        out_h, out_w = self.output_size
        height, width = features.shape[1], features.shape[2]
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
