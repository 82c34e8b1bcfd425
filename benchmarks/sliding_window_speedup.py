"""Sliding windows: the crop loop against one pass of the classifier made convolutional.

    python benchmarks/sliding_window_speedup.py      # prints a Markdown table

For each classifier and image, every window position on the network's own stride is scored
three ways: one crop per call (the lecture's loop), all crops in batches of 256, and one call
of `dense_to_conv(classifier)` on the whole image (LeCun et al. 1998 §VII.A; OverFeat §3.5).
Times are the best of a few runs after a warm-up (tracing); the largest difference between
the map and the crops' scores is printed too (0 up to float rounding for an unpadded network).
Numbers go to benchmarks/RESULTS.md by hand, with the machine they came from.
"""

import os
import time

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

BATCH = 256


def best_time(fn, repeats):
    fn()  # warm-up: tracing
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def measure(label, classifier, side, repeats=3):
    from kerasvision.models.detection.dense_to_conv import dense_to_conv, sliding_geometry

    geometry = sliding_geometry(classifier)
    channels = classifier.inputs[0].shape[-1]
    image = np.random.default_rng(0).uniform(0, 1, (side, side, channels)).astype("float32")
    rows, cols = geometry.map_size(side, side)
    windows = geometry.boxes(rows, cols).astype(int)
    convolutional = dense_to_conv(classifier)

    def crops():
        return np.stack([image[y1:y2, x1:x2] for x1, y1, x2, y2 in windows])

    def one_by_one():
        return [classifier.predict_on_batch(crop[None]) for crop in crops()]

    def batched():
        all_crops = crops()
        return np.concatenate([classifier.predict_on_batch(all_crops[i:i + BATCH])
                               for i in range(0, len(all_crops), BATCH)])

    def one_pass():
        return convolutional.predict_on_batch(image[None])

    score_map = np.asarray(one_pass())[0, :rows, :cols]
    error = np.abs(score_map.reshape(rows * cols, -1) - batched()).max()
    loop, batch, conv = (best_time(one_by_one, 1), best_time(batched, repeats),
                         best_time(one_pass, repeats))
    print(f"| {label} | {side}×{side} | {geometry.window[0]}×{geometry.window[1]} / "
          f"{geometry.stride[0]} | {rows * cols:,} | {loop:.2f} s | {batch:.3f} s | "
          f"{conv * 1000:.1f} ms | {loop / conv:,.0f}× | {batch / conv:.1f}× | "
          f"{'exact' if geometry.exact else 'padded'}, {error:.1e} |")


def main():
    import keras

    from kerasvision.registry import build

    keras.utils.set_random_seed(0)
    lenet = build("lenet5", input_shape=(32, 32, 3), classes=10, modern=True)
    vgg = build("vgg11", input_shape=(64, 64, 3), classes=10, width=0.25)
    print("| classifier | image | window / stride | windows | crop loop | crops, batches of "
          f"{BATCH} | one conv pass | loop / pass | batches / pass | map vs crops |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    measure(f"LeNet-5 (modern), {lenet.count_params():,} parameters", lenet, 128)
    measure(f"LeNet-5 (modern), {lenet.count_params():,} parameters", lenet, 256)
    measure(f"VGG-11 × 1/4, {vgg.count_params():,} parameters", vgg, 256)


if __name__ == "__main__":
    main()
