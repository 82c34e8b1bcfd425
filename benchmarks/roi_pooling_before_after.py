"""RoIPooling's TensorFlow path against an earlier version of itself, side by side.

    python -m benchmarks.roi_pooling_before_after                 # against 62d8260
    python -m benchmarks.roi_pooling_before_after --before REV --repeats 7

The earlier layer is read from git (`git show REV:kerasvision/layers/roi_pooling.py`, so this
needs the repository's history) and loaded beside today's. Both run `gather_call` on the
inputs of custom_layers_vs_reference's `roi_pool` pair (batch 8, a 56 × 56 × 64 map, 64 RoIs
an image, 7 × 7 bins), each inside a tf.function: the forward pass alone, and forward plus
the gradient of a sum of squares with respect to the map (training's cost). Alternating
rounds, medians (benchmarks/timing.py); the speed-up is before / after. The values must be
identical and the gradient must reach the same cells (its sums may differ in the last bits:
a cell that is the maximum of several bins adds their gradients in another order).

Writes benchmarks/results/roi_pooling_before_after.json.
"""

import argparse
import importlib.util
import os
import subprocess
import tempfile
import types
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from benchmarks import timing  # noqa: E402

NAME = "roi_pooling_before_after"
LAYER_PATH = "kerasvision/layers/roi_pooling.py"
# The last commit whose column maxima were running maxima (one gather per column).
BEFORE = "62d8260"


def load_layer_at(revision):
    """The RoIPooling class as it was at `revision`."""
    root = Path(__file__).resolve().parent.parent
    source = subprocess.run(["git", "show", f"{revision}:{LAYER_PATH}"], cwd=root, check=True,
                            capture_output=True, text=True).stdout
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "roi_pooling_before.py"
        path.write_text(source)
        spec = importlib.util.spec_from_file_location("roi_pooling_before", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    return module.RoIPooling


def contenders_for(layer_class, features, rois, scale):
    """(forward, forward_and_gradient) tf.functions of one layer version."""
    import tensorflow as tf

    layer = layer_class(output_size=7, spatial_scale=scale)

    # No autograph: both versions loop with tf.while_loop themselves, and the earlier one's
    # source file is gone by the time the function traces.
    @tf.function(autograph=False)
    def forward():
        return layer.gather_call(features, rois)

    @tf.function(autograph=False)
    def forward_and_gradient():
        with tf.GradientTape() as tape:
            pooled = layer.gather_call(features, rois)
            loss = tf.reduce_sum(pooled * pooled)
        return pooled, tape.gradient(loss, features)

    return forward, forward_and_gradient


def main(argv=None):
    import numpy as np
    import tensorflow as tf

    from benchmarks.custom_layers_vs_reference import roi_inputs
    from kerasvision.layers.roi_pooling import RoIPooling

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", default=BEFORE, help="git revision of the earlier layer")
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--results-dir", default=None)
    args = parser.parse_args(argv)

    shape = types.SimpleNamespace(batch=8, size=56, rois=64)
    features, rois, scale = roi_inputs(shape, 3)
    # A variable, so that the tape follows the map inside the tf.functions.
    features, rois = tf.Variable(features), tf.constant(rois)
    versions = {"before": load_layer_at(args.before), "after": RoIPooling}
    functions = {who: contenders_for(cls, features, rois, scale) for who, cls in versions.items()}
    outputs = {who: [np.asarray(t) for t in both()] for who, (_, both) in functions.items()}
    contenders = {}
    for who, (forward, both) in functions.items():
        contenders[f"{who}_forward"] = lambda f=forward: f().numpy()
        contenders[f"{who}_forward_and_gradient"] = lambda f=both: f()[1].numpy()
    seconds = timing.alternate(contenders, repeats=args.repeats)
    ms = {name: 1000 * timing.median(s) for name, s in seconds.items()}
    (before_values, before_gradient), (after_values, after_gradient) = (
        outputs["before"], outputs["after"])
    result = {
        "settings": {**vars(shape), "output_size": 7, "repeats": args.repeats,
                     "before": args.before},
        "ms": ms,
        "speedup_forward": timing.ratio(ms["before_forward"], ms["after_forward"]),
        "speedup_forward_and_gradient": timing.ratio(ms["before_forward_and_gradient"],
                                                     ms["after_forward_and_gradient"]),
        "values_identical": bool(np.array_equal(before_values, after_values)),
        "gradient_same_cells": bool(np.array_equal(before_gradient != 0,
                                                   after_gradient != 0)),
        "gradient_max_abs_difference": float(np.max(np.abs(before_gradient
                                                           - after_gradient))),
        "all_s": seconds,
    }
    path = timing.write_result(NAME, result, args.results_dir)
    print(timing.markdown_table(
        ["pass", "before ms", "after ms", "speed-up"],
        [("forward", ms["before_forward"], ms["after_forward"], result["speedup_forward"]),
         ("forward + gradient", ms["before_forward_and_gradient"],
          ms["after_forward_and_gradient"], result["speedup_forward_and_gradient"])]))
    print(f"values identical: {result['values_identical']}; gradient on the same cells: "
          f"{result['gradient_same_cells']} (max difference "
          f"{result['gradient_max_abs_difference']:.2g})\nwritten: {path}")


if __name__ == "__main__":
    main()
