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
    bin, the first in row-major order on ties, as Caffe's); the RoI coordinates get none. The
    max is taken separably, over each bin's columns, then its rows. On any
    backend (`mask_call`) the running maxima go over the static W and H, with every cell
    masked in or out of every bin: work W·H per RoI and channel, whatever the RoI's size. On
    TensorFlow (`gather_call`) the column maxima come from a sparse table of the map (the
    maximum of every run of 2^k columns, 2^k ≤ W): a bin of n columns is the maximum of two
    runs of 2^⌊log2 n⌋ that cover it, two gathers whatever its width, and the left run wins
    ties, which keeps the first maximum's gradient. The row maxima (per RoI, small) are running
    maxima: step k gathers the k-th row of every bin at once, clamped to the bin's last one (a
    repeat leaves a maximum unchanged), for as many steps as the tallest bin has rows. The
    feature map's height and width must be static.
    """

    def __init__(self, output_size=(7, 7), spatial_scale=1.0 / 16, **kwargs):
        super().__init__(**kwargs)
        self.output_size = spatial_pair(output_size, "output_size")
        self.spatial_scale = float(spatial_scale)
        if self.spatial_scale <= 0:
            raise ValueError(f"spatial_scale must be positive, got {spatial_scale!r}")

    @staticmethod
    def _bin_bounds(start, end, bins, size):
        """(lo, hi) float (B, R, bins): bin i covers cells [lo, hi), clipped to the map."""
        extent = ops.maximum(end - start + 1.0, 1.0)[..., None]
        i = ops.arange(bins, dtype="float32")
        lo = ops.clip(ops.floor(i * extent / bins) + start[..., None], 0.0, float(size))
        hi = ops.clip(ops.ceil((i + 1.0) * extent / bins) + start[..., None], 0.0, float(size))
        return lo, hi

    @classmethod
    def _bin_mask(cls, start, end, bins, size):
        """(B, R, bins, size) mask of the cells in each bin, from the rounded start/end."""
        lo, hi = cls._bin_bounds(start, end, bins, size)
        cells = ops.arange(size, dtype="float32")
        return ops.logical_and(cells >= lo[..., None], cells < hi[..., None])

    def call(self, inputs):
        features, rois = inputs
        if features.shape[1] is None or features.shape[2] is None:
            raise ValueError("RoIPooling needs a static feature-map height and width")
        if keras.backend.backend() == "tensorflow":
            return self.gather_call(features, rois)
        return self.mask_call(features, rois)

    def gather_call(self, features, rois):
        """TensorFlow: column maxima from a sparse table, then running maxima over rows."""
        import tensorflow as tf

        out_h, out_w = self.output_size
        height, width = features.shape[1], features.shape[2]
        rois = tf.cast(rois, tf.float32)
        corners = round_half_away_from_zero(rois * self.spatial_scale)
        row_lo, row_hi = self._bin_bounds(corners[..., 0], corners[..., 2], out_h, height)
        col_lo, col_hi = self._bin_bounds(corners[..., 1], corners[..., 3], out_w, width)
        batch, count = tf.shape(rois)[0], tf.shape(rois)[1]

        def running_max(gather, lo, hi, size):
            # Step k reads cell lo + k of every bin, clamped to the bin's last cell (and to the
            # map, for empty bins, which are zeroed at the end); `maximum` sends the gradient to
            # its first argument on ties: the earliest cell keeps it.
            lo, hi = tf.cast(lo, tf.int32), tf.cast(hi, tf.int32)
            last = tf.clip_by_value(hi - 1, 0, size - 1)

            def cell(k):
                return gather(tf.minimum(tf.minimum(lo + k, size - 1), last))

            steps = tf.maximum(tf.reduce_max(hi - lo), 1)
            _, best = tf.while_loop(lambda k, best: k < steps,
                                    lambda k, best: (k + 1, tf.maximum(best, cell(k))),
                                    (tf.constant(1), cell(0)))
            return best

        # Columns: (B, H, W, C) at (B, R·out_w) column ranges -> (B, H, R·out_w, C).
        by_col = self._column_maxima(features, col_lo, col_hi, width, batch)
        by_col = tf.transpose(tf.reshape(by_col, (batch, height, count, out_w, -1)),
                              (0, 2, 1, 3, 4))  # (B, R, H, out_w, C)
        # Rows: (B, R, H, out_w, C) at (B, R, out_h) row indices -> (B, R, out_h, out_w, C).
        pooled = running_max(lambda idx: tf.gather(by_col, idx, axis=2, batch_dims=2),
                             row_lo, row_hi, height)
        keep = tf.logical_and(row_hi > row_lo, padding_mask(rois)[..., None])[..., :, None]
        keep = tf.logical_and(keep, (col_hi > col_lo)[..., None, :])[..., None]
        return tf.where(keep, pooled, tf.zeros_like(pooled))

    @staticmethod
    def _column_maxima(features, lo, hi, width, batch):
        """Maximum over columns [lo, hi) of every row, two sparse-table reads a bin.

        Level k of the table holds, at column x, the maximum of columns x .. x + 2^k − 1
        (built as the maximum of two runs of level k − 1). A bin of n ≥ 1 columns is covered
        by the run of 2^k (k = ⌊log2 n⌋) starting at lo and the one ending at hi − 1; neither
        reaches past the map, so the table's wrapped tail is never read by a non-empty bin.
        `maximum` sends the gradient to its first argument on ties, so the left run (and,
        inside a run, the left half) keeps it: the first maximum of the row, as in Caffe."""
        import tensorflow as tf

        levels, span = [features], 1
        while 2 * span <= width:
            previous = levels[-1]
            # Shifted left by `span`; the wrapped columns are never read (see above).
            shifted = tf.concat([previous[:, :, span:], previous[:, :, :span]], axis=2)
            levels.append(tf.maximum(previous, shifted))
            span *= 2
        table = tf.concat(levels, axis=2)  # (B, H, levels·W, C)
        lo, hi = tf.cast(lo, tf.int32), tf.cast(hi, tf.int32)
        cells = tf.maximum(hi - lo, 1)  # empty bins read one cell and are zeroed at the end
        level = tf.zeros_like(cells)
        for k in range(1, len(levels)):
            level += tf.cast(cells >= 2 ** k, tf.int32)
        run = tf.bitwise.left_shift(tf.ones_like(level), level)
        left = tf.clip_by_value(lo, 0, width - 1) + level * width
        right = tf.clip_by_value(hi - run, 0, width - 1) + level * width

        def read(index):
            return tf.gather(table, tf.reshape(index, (batch, -1)), axis=2, batch_dims=1)

        return tf.maximum(read(left), read(right))

    def mask_call(self, features, rois):
        """Any backend: running maxima over the static W and H with per-bin cell masks."""
        out_h, out_w = self.output_size
        height, width = features.shape[1], features.shape[2]
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
