"""Patch-wise segmentation against the same classifier made fully convolutional, and FCN-8s.

    nice -n 19 python benchmarks/patch_vs_fcn.py      # prints a Markdown table

One 128 x 128 RGB image, 21 classes (PASCAL VOC's 20 and background), untrained weights (only
time and agreement are measured). The classifier is LeNet-5 (modern: ReLU, max pooling, Flatten
+ Dense) on 32 x 32 patches, whose receptive field is the patch. Rows:

- `patch_classifier` at stride 1: 16,384 patches, one per pixel, classified in batches (the
  lecture's naive baseline, Ciresan et al., NIPS 2012), and at stride 4: 1,024 patches with
  nearest up-sampling.
- `dense_to_conv(LeNet)` (Long et al., CVPR 2015, §3.1; OverFeat §3.5) on the image padded as
  the pipeline pads it: one pass scores every 4th row and column (the network's total
  stride, 4), the same pixels as the pipeline at stride 4; the image shifted by each (dy, dx)
  in {0..3}^2, 16 shifts in one batch, interleaved ("shift-and-stitch", Long et al. §3.2),
  scores every pixel, the same map as the pipeline at stride 1. Both are checked against the
  pipeline (largest difference).
- the registered `fcn8s` at width 1/64 (the contract's tiny width): one forward pass, per-pixel
  scores at full density, a different (VGG-16-shaped) network: the end point of the lecture.

Times are the best of a few runs after a warm-up (tracing). Numbers go to benchmarks/RESULTS.md
by hand, with the machine they came from.
"""

import os
import time

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

SIDE = 128
CLASSES = 21
PATCH = 32


def best_time(fn, repeats):
    fn()  # warm-up: tracing
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def shift_and_stitch(convolutional, padded, stride, side):
    """Per-pixel scores (side, side, K) from the convolutional network run on `padded` shifted
    by each (dy, dx) in {0..stride-1}^2, the stride^2 shifts as one batch: shift (dy, dx)
    scores pixels (dy + stride i, dx + stride j)."""
    size = padded.shape[0] - (stride - 1)
    shifts = [(dy, dx) for dy in range(stride) for dx in range(stride)]
    batch = np.stack([padded[dy:dy + size, dx:dx + size] for dy, dx in shifts])
    maps = np.asarray(convolutional.predict_on_batch(batch))
    out = np.empty((side, side, maps.shape[-1]), "float32")
    for scores, (dy, dx) in zip(maps, shifts):
        rows, cols = len(range(dy, side, stride)), len(range(dx, side, stride))
        out[dy::stride, dx::stride] = scores[:rows, :cols]
    return out


def main():
    import keras

    from kerasvision.models.detection.dense_to_conv import dense_to_conv, sliding_geometry
    from kerasvision.models.segmentation.patch_classifier import pad_image
    from kerasvision.registry import build

    keras.utils.set_random_seed(0)
    image = np.random.default_rng(0).uniform(0, 1, (SIDE, SIDE, 3)).astype("float32")
    patch_net = build("patch_classifier", num_classes=CLASSES, patch_size=PATCH)
    lenet = patch_net.classifier
    coarse_net = build("patch_classifier", classifier=lenet, stride=4)
    convolutional = dense_to_conv(lenet)
    geometry = sliding_geometry(lenet)
    stride = geometry.stride[0]
    assert geometry.exact and geometry.stride == (stride, stride) and stride == 4
    padded = pad_image(image, (PATCH, PATCH), patch_net.padding)
    fcn8s = build("fcn8s", input_shape=(SIDE, SIDE, 3), classes=CLASSES, width=1 / 64)

    dense_scores = patch_net.predict(image[None])[0]
    coarse_scores = coarse_net.predict(image[None])[0]
    # The pipeline at stride 4 classifies pixels 4k + 2: the pass on the padded image from
    # row and column 2 scores exactly those.
    offset = 4 // 2
    one_pass = np.asarray(convolutional.predict_on_batch(padded[None, offset:, offset:]))[0]
    one_pass = one_pass[:SIDE // stride, :SIDE // stride]
    coarse_diff = np.abs(one_pass - coarse_scores[offset::stride, offset::stride]).max()
    stitch_diff = np.abs(shift_and_stitch(convolutional, padded, stride, SIDE)
                         - dense_scores).max()

    # The classifier alone on the patches cut beforehand: the pipeline's time less cutting.
    from kerasvision.models.segmentation.patch_classifier import extract_patches

    ys, xs = (a.ravel() for a in np.mgrid[:SIDE, :SIDE])
    patches = extract_patches(padded, ys, xs, (PATCH, PATCH))
    batch = patch_net.batch_size

    def classify_cut_patches():
        return [lenet.predict_on_batch(patches[i:i + batch]) for i in range(0, len(patches),
                                                                             batch)]

    times = {
        "patch1": best_time(lambda: patch_net.predict(image[None]), 2),
        "cut": best_time(classify_cut_patches, 2),
        "patch4": best_time(lambda: coarse_net.predict(image[None]), 5),
        "conv1": best_time(lambda: convolutional.predict_on_batch(padded[None]), 10),
        "stitch": best_time(lambda: shift_and_stitch(convolutional, padded, stride, SIDE), 5),
        "fcn8s": best_time(lambda: fcn8s.predict_on_batch(image[None]), 10),
    }
    lenet_params, fcn_params = lenet.count_params(), fcn8s.count_params()
    rows = [
        ("`patch_classifier`, stride 1", "every pixel", f"{SIDE * SIDE:,} patches",
         times["patch1"], "—"),
        ("LeNet on the same patches cut beforehand (classifier compute only)", "every pixel",
         f"{SIDE * SIDE:,} patches", times["cut"], "—"),
        ("`patch_classifier`, stride 4 (nearest up-sampling)", "every 4th row and column",
         f"{(SIDE // 4) ** 2:,} patches", times["patch4"], "—"),
        ("`dense_to_conv(LeNet)`, one pass", "every 4th row and column", "1 pass", times["conv1"],
         f"{coarse_diff:.1e} vs stride-4 pipeline"),
        ("`dense_to_conv(LeNet)`, shift-and-stitch", "every pixel", f"1 batch of {stride ** 2} shifts",
         times["stitch"], f"{stitch_diff:.1e} vs stride-1 pipeline"),
        (f"`fcn8s` width 1/64 ({fcn_params:,} parameters)", "every pixel", "1 pass",
         times["fcn8s"], "other network"),
    ]
    print(f"LeNet-5 (modern) on {PATCH}×{PATCH} patches, {CLASSES} classes: "
          f"{lenet_params:,} parameters; image {SIDE}×{SIDE}.\n")
    print("| method | pixels classified | classifier runs | time | patch stride 1 / this | "
          "max diff |")
    print("|---|---|---|---|---|---|")
    for label, density, runs, seconds, diff in rows:
        shown = f"{seconds:.3f} s" if seconds >= 0.1 else f"{seconds * 1000:.1f} ms"
        print(f"| {label} | {density} | {runs} | {shown} | "
              f"{times['patch1'] / seconds:,.0f}× | {diff} |")
    print(f"\nEqual density: stride-4 pipeline / one conv pass = "
          f"{times['patch4'] / times['conv1']:,.0f}×; stride-1 pipeline / shift-and-stitch = "
          f"{times['patch1'] / times['stitch']:,.0f}×; stride-1 pipeline / fcn8s = "
          f"{times['patch1'] / times['fcn8s']:,.0f}×.")


if __name__ == "__main__":
    main()
