"""The package's custom layers against reference ops: same values? how fast?

    python -m benchmarks.custom_layers_vs_reference
    python -m benchmarks.custom_layers_vs_reference --only lrn unpooling --repeats 5

Each pair runs on the same random inputs, both inside a tf.function (graph mode, as in a
model), warmed up, then in alternating rounds, median of --repeats (benchmarks/timing.py);
the ratio is reference time / ours (> 1: ours is faster). Values: the largest absolute
difference (or, where the two compute different things by design, what is compared instead).

- `lrn`: kerasvision.layers.LocalResponseNormalization (AlexNet's k=2, n=5, α=1e-4, β=0.75)
  vs `tf.nn.local_response_normalization` with the same constants.
- `unpooling`: MaxUnpooling2D after MaxPoolingWithArgmax2D (2×2, stride 2) vs a
  `tf.scatter_nd` of the pooled values to their argmax positions.
- `roi_align`: RoIAlign (aligned, sampling ratio 2) vs the usual TensorFlow construction:
  `tf.image.crop_and_resize` onto a (2·out)² grid whose points are exactly RoIAlign's sample
  points, then 2×2 average pooling (boxes kept inside the map, where the two are the same
  function).
- `roi_pool`: RoIPooling (Caffe's rounding, max over integer bins) vs crop_and_resize to
  (2·out)² then 2×2 max pooling — the common TensorFlow *approximation* of RoI pooling (it
  interpolates instead of taking the max over the bin's cells), so only speed is compared and
  the value difference is reported for information.
- `crf`: MeanFieldCRF (in-graph, windowed) vs pydensecrf2's permutohedral dense CRF
  (kerasvision.models.segmentation.dense_crf), 5 iterations, the same kernels, one
  128×128 image with 11 classes; values: the fraction of pixels given the same label.
- `nms`: the package's per-class NMS (detection_post_processor.detection_dict,
  tf.image.combined_non_max_suppression) vs keras-cv's NonMaxSuppression layer (through
  keras_cv_adapter), on random boxes; keras-cv's is class-agnostic, so values are compared on
  a one-class problem (kept boxes identical?), and the multi-class timing shows each
  layer's own job.

Writes benchmarks/results/custom_layers_vs_reference.json.
"""

import argparse
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from benchmarks import timing  # noqa: E402


def _graph(fn):
    import tensorflow as tf

    return tf.function(fn)


def lrn_pair(args):
    import numpy as np
    import tensorflow as tf

    from kerasvision.layers.local_response_normalization import LocalResponseNormalization

    x = tf.constant(np.random.default_rng(0).normal(
        0, 10, (args.batch, args.size, args.size, 64)).astype("float32"))
    layer = LocalResponseNormalization(depth_radius=2, bias=2.0, alpha=1e-4, beta=0.75)
    ours = _graph(lambda: layer(x))
    reference = _graph(lambda: tf.nn.local_response_normalization(
        x, depth_radius=2, bias=2.0, alpha=1e-4, beta=0.75))
    return ours, reference, "max abs difference"


def unpooling_pair(args):
    import numpy as np
    import tensorflow as tf

    from kerasvision.layers.max_pooling_with_argmax_2d import MaxPoolingWithArgmax2D
    from kerasvision.layers.max_unpooling_2d import MaxUnpooling2D

    x = tf.constant(np.random.default_rng(1).normal(
        size=(args.batch, args.size, args.size, 64)).astype("float32"))
    values, argmax = MaxPoolingWithArgmax2D()(x)
    unpool = MaxUnpooling2D()
    ours = _graph(lambda: unpool([values, argmax]))
    shape = tf.shape(x, out_type=tf.int64)
    reference = _graph(lambda: tf.reshape(tf.scatter_nd(
        tf.reshape(argmax, (-1, 1)), tf.reshape(values, (-1,)), [tf.reduce_prod(shape)]),
        shape))
    return ours, reference, "max abs difference"


def random_rois(rng, batch, count, image_side, margin):
    """(B, R, 4) [y1, x1, y2, x2] boxes in image pixels, `margin` pixels inside the image."""
    import numpy as np

    corners = rng.uniform(margin, image_side - margin, (batch, count, 2, 2))
    low, high = corners.min(axis=2), corners.max(axis=2)
    high = low + np.maximum(high - low, 16.0)
    high = np.minimum(high, image_side - margin)
    return np.concatenate([low, high], axis=-1).astype("float32")


def roi_inputs(args, seed):
    import numpy

    rng = numpy.random.default_rng(seed)
    feature_side, stride = args.size, 16
    features = rng.normal(size=(args.batch, feature_side, feature_side, 64)).astype("float32")
    # A margin of 2 feature cells keeps every sample point inside the map.
    rois = random_rois(rng, args.batch, args.rois, feature_side * stride, 2 * stride)
    return features, rois, 1.0 / stride


def crop_and_resize_grid(features, rois, scale, out, points):
    """crop_and_resize sampling `out·points` evenly spaced points per side, placed where
    RoIAlign (aligned=True) puts its out × points sample points per side."""
    import tensorflow as tf

    batch, count = rois.shape[0], rois.shape[1]
    height, width = features.shape[1], features.shape[2]
    y0, x0 = rois[..., 0] * scale - 0.5, rois[..., 1] * scale - 0.5
    h, w = (rois[..., 2] - rois[..., 0]) * scale, (rois[..., 3] - rois[..., 1]) * scale
    n = out * points
    first_y, last_y = y0 + 0.5 * h / n, y0 + (n - 0.5) * h / n
    first_x, last_x = x0 + 0.5 * w / n, x0 + (n - 0.5) * w / n
    boxes = tf.stack([first_y / (height - 1), first_x / (width - 1),
                      last_y / (height - 1), last_x / (width - 1)], axis=-1)
    indices = tf.repeat(tf.range(batch), count)
    crops = tf.image.crop_and_resize(features, tf.reshape(boxes, (-1, 4)), indices, (n, n))
    return crops  # (B·R, n, n, C)


def roi_align_pair(args):
    import tensorflow as tf

    from kerasvision.layers.roi_align import RoIAlign

    features, rois, scale = roi_inputs(args, 2)
    out, points = 7, 2
    layer = RoIAlign(output_size=out, spatial_scale=scale, sampling_ratio=points, aligned=True)
    f, r = tf.constant(features), tf.constant(rois)
    ours = _graph(lambda: layer([f, r]))

    def reference():
        crops = crop_and_resize_grid(f, r, scale, out, points)
        pooled = tf.nn.avg_pool2d(crops, points, points, "VALID")
        return tf.reshape(pooled, (*rois.shape[:2], out, out, features.shape[-1]))

    return ours, _graph(reference), "max abs difference"


def roi_pool_pair(args):
    import tensorflow as tf

    from kerasvision.layers.roi_pooling import RoIPooling

    features, rois, scale = roi_inputs(args, 3)
    out = 7
    layer = RoIPooling(output_size=out, spatial_scale=scale)
    f, r = tf.constant(features), tf.constant(rois)
    ours = _graph(lambda: layer([f, r]))

    def reference():
        crops = crop_and_resize_grid(f, r, scale, out, 2)
        pooled = tf.nn.max_pool2d(crops, 2, 2, "VALID")
        return tf.reshape(pooled, (*rois.shape[:2], out, out, features.shape[-1]))

    return ours, _graph(reference), "max abs difference (reference is an approximation)"


def crf_pair(args):
    import numpy
    import tensorflow as tf

    from kerasvision.layers.mean_field_crf import MeanFieldCRF
    from kerasvision.models.segmentation.dense_crf import dense_crf

    rng = numpy.random.default_rng(4)
    side, classes = args.crf_size, 11
    image = rng.integers(0, 256, (side, side, 3)).astype("float32")
    logits = rng.normal(0, 2, (side, side, classes)).astype("float32")
    layer = MeanFieldCRF(iterations=5, window=11, smoothness_theta=3.0,
                         appearance_theta=(80.0, 13.0), smoothness_weight=3.0,
                         appearance_weight=10.0)
    lt, it = tf.constant(logits[None]), tf.constant(image[None])
    ours = _graph(lambda: layer([lt, it]))

    def reference():
        return dense_crf(image, logits, 5, (3.0, 3.0), (80.0, 13.0, 10.0), from_logits=True)

    return ours, reference, "same label, fraction of pixels"


def nms_inputs(rng, batch, boxes, classes):
    """Random xyxy boxes in a 512-pixel image and per-class scores."""
    import numpy as np

    corners = rng.uniform(0, 512, (batch, boxes, 2, 2))
    low, high = corners.min(axis=2), corners.max(axis=2)
    xyxy = np.concatenate([low, high], axis=-1).astype("float32")
    return xyxy, rng.uniform(0, 1, (batch, boxes, classes)).astype("float32")


def nms_pair(args, classes=None):
    import numpy
    import tensorflow as tf

    from kerasvision.models.detection.detection_post_processor import detection_dict
    from kerasvision.models.detection.keras_cv_adapter import non_max_suppression_layer

    classes = classes or args.nms_classes
    boxes, scores = nms_inputs(numpy.random.default_rng(5), args.batch, args.nms_boxes, classes)
    b, s = tf.constant(boxes), tf.constant(scores)
    keras_cv_nms = non_max_suppression_layer("xyxy", iou_threshold=0.5,
                                             confidence_threshold=0.01, max_detections=100)
    ours = _graph(lambda: detection_dict(b, s, max_detections=100, iou_threshold=0.5,
                                         score_threshold=0.01))
    reference = _graph(lambda: keras_cv_nms(b, s))
    return ours, reference, "same kept boxes (one class)"


PAIRS = {"lrn": lrn_pair, "unpooling": unpooling_pair, "roi_align": roi_align_pair,
         "roi_pool": roi_pool_pair, "crf": crf_pair, "nms": nms_pair}


def compare_values(name, ours_out, reference_out, args):
    import numpy

    if name == "crf":
        ours_labels = numpy.asarray(ours_out)[0].argmax(-1)
        return float((ours_labels == numpy.asarray(reference_out).argmax(-1)).mean())
    if name == "nms":
        one_ours, one_reference, _ = nms_pair(args, classes=1)
        a, b = one_ours(), one_reference()
        count = int(a["num_detections"][0])
        same_count = count == int(b["num_detections"][0])
        return bool(same_count and numpy.allclose(numpy.asarray(a["boxes"])[0, :count],
                                                  numpy.asarray(b["boxes"])[0, :count]))
    return float(numpy.max(numpy.abs(numpy.asarray(ours_out) - numpy.asarray(reference_out))))


def measure(name, args):
    ours, reference, value_kind = PAIRS[name](args)
    try:
        values = compare_values(name, ours(), reference(), args)
    except ImportError as error:  # pydensecrf2 is an optional extra
        return {"pair": name, "skipped": f"not installed: {error}"}
    seconds = timing.alternate({"ours": ours, "reference": reference}, repeats=args.repeats)
    ours_s, reference_s = timing.median(seconds["ours"]), timing.median(seconds["reference"])
    return {"pair": name, "ours_ms": 1000 * ours_s, "reference_ms": 1000 * reference_s,
            "reference_over_ours": timing.ratio(reference_s, ours_s), "value_kind": value_kind,
            "value": values, "all_s": seconds}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="+", choices=list(PAIRS), default=list(PAIRS))
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--size", type=int, default=56,
                        help="feature-map side (LRN, unpooling, RoI layers)")
    parser.add_argument("--rois", type=int, default=64, help="RoIs per image")
    parser.add_argument("--crf-size", type=int, default=128)
    parser.add_argument("--nms-boxes", type=int, default=2000)
    parser.add_argument("--nms-classes", type=int, default=10)
    parser.add_argument("--results-dir", default=None)
    args = parser.parse_args(argv)
    rows = []
    for name in args.only:
        rows.append(measure(name, args))
        print(f"{name}: {rows[-1]}"[:200], flush=True)
    path = timing.write_result("custom_layers_vs_reference",
                               {"settings": {k: v for k, v in vars(args).items()
                                             if k != "results_dir"}, "rows": rows},
                               args.results_dir)
    print(f"\n{timing.machine_line(timing.machine())}\n")
    print(timing.markdown_table(
        ["pair", "ours ms", "reference ms", "reference / ours", "values", ""],
        [(r["pair"], r.get("ours_ms"), r.get("reference_ms"), r.get("reference_over_ours"),
          r.get("value_kind", r.get("skipped")), r.get("value")) for r in rows]))
    print(f"\nwritten: {path}")


if __name__ == "__main__":
    main()
