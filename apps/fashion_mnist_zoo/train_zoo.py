"""Recipe: train each classic CNN family briefly on Fashion-MNIST and tabulate the results.

    nice -n 10 python apps/fashion_mnist_zoo/train_zoo.py --cpu-seconds 100

"Briefly" is a fixed CPU budget per model, not a number of epochs: after a short calibration,
each model trains on as many Fashion-MNIST training images (in order of a fixed shuffle, two
passes at most, batch 128, Adam 1e-3, no augmentation) as its budget of process CPU seconds
allows; BatchNormalization statistics are then re-estimated on 1,024 training images (their
moving averages have not converged after so few steps) and the model is evaluated on the full
10,000-image test set. Small variants keep that
budget meaningful (narrow widths, native 28×28 inputs; AlexNet's strides need 67×67, so its
images are resized). The table (parameters, epochs, images seen, minutes, test accuracy) is
written between markers in this folder's README.md and as results.json.
"""

import argparse
import json
import math
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent

# (label, registered name, builder overrides, input side). Small variants of each family.
ZOO = [
    ("LeNet-5 (as published, RBF output)", "lenet5", {}, 28),
    ("LeNet-5 modern (ReLU, max pool)", "lenet5", {"modern": True}, 28),
    ("AlexNet, width 1/4", "alexnet", {"width": 0.25}, 67),
    ("VGG-16, width 1/8", "vgg16", {"width": 0.125}, 28),
    ("GoogLeNet, width 1/4", "googlenet", {"width": 0.25}, 28),
    ("ResNet-18, width 1/4", "resnet18", {"width": 0.25}, 28),
    ("CIFAR ResNet-20", "resnet20", {}, 28),
    ("DenseNet-BC (L=40, k=12)", "densenet_bc_100_12", {"depth": 40}, 28),
]
LEADERBOARD = "VGG16 93.5%, GoogLeNet 93.7%, ResNet18 94.9%, DenseNet-BC 95.4%"
BATCH = 128


def _batches(x, y, side, batch_size=BATCH):
    """A tf.data pipeline scaling uint8 images to [0, 1] (and resizing), batch by batch."""
    import tensorflow as tf

    def prepare(images, labels):
        images = tf.cast(images[..., None], "float32") / 255.0
        if side != 28:
            images = tf.image.resize(images, (side, side))
        return images, labels

    ds = tf.data.Dataset.from_tensor_slices((x, y)).batch(batch_size)
    return ds.map(prepare).prefetch(1)


def _recalibrate_batch_norm(model, x_train, side, images=1024):
    """Re-estimate BatchNormalization statistics on `images` training images ("precise BN").

    After a fraction of an epoch the moving averages (momentum 0.99) still remember their
    initial values; one training-mode forward pass with momentum 0 replaces them by the
    statistics of a large batch. Models without BN are unchanged.
    """
    import keras

    bns = [layer for layer in model._flatten_layers() if
           isinstance(layer, keras.layers.BatchNormalization)]
    if not bns:
        return
    momenta = [bn.momentum for bn in bns]
    for bn in bns:
        bn.momentum = 0.0
    for xb, _ in _batches(x_train[:images], x_train[:images, 0, 0], side, images):
        model(xb, training=True)
    for bn, m in zip(bns, momenta):
        bn.momentum = m


def train_one(label, name, overrides, side, data, cpu_seconds):
    import keras

    from kerasvision.models import build

    (x_train, y_train), (x_test, y_test) = data
    keras.utils.set_random_seed(0)
    wall0, cpu0 = time.time(), time.process_time()
    model = build(name, input_shape=(side, side, 1), classes=10, **overrides)
    model.compile(optimizer=keras.optimizers.Adam(1e-3),
                  loss=keras.losses.SparseCategoricalCrossentropy(), metrics=["accuracy"])
    # Calibrate the CPU cost of a batch (after the first, which compiles the step).
    model.fit(_batches(x_train[:BATCH], y_train[:BATCH], side), epochs=1, verbose=0)
    c = time.process_time()
    model.fit(_batches(x_train[:BATCH * 4], y_train[:BATCH * 4], side), epochs=1, verbose=0)
    per_batch = (time.process_time() - c) / 4
    epoch_batches = math.ceil(len(x_train) / BATCH)
    batches = max(1, min(2 * epoch_batches, int(cpu_seconds / per_batch)))
    if batches >= epoch_batches:  # cheap models: one or two full epochs
        epochs = batches // epoch_batches
        n = len(x_train)
        model.fit(_batches(x_train, y_train, side), epochs=epochs, verbose=0)
    else:  # expensive models: the first `batches` batches of one epoch
        epochs, n = 1, batches * BATCH
        model.fit(_batches(x_train[:n], y_train[:n], side), epochs=1, verbose=0)
    _recalibrate_batch_norm(model, x_train, side)
    _, accuracy = model.evaluate(_batches(x_test, y_test, side, 256), verbose=0)
    seen = epochs * n + 5 * BATCH
    return {"model": label, "name": name, "overrides": overrides, "input": f"{side}×{side}×1",
            "params": int(model.count_params()), "images_seen": int(seen),
            "epochs": round(seen / len(x_train), 2),
            "minutes": round((time.time() - wall0) / 60, 2),
            "cpu_minutes": round((time.process_time() - cpu0) / 60, 2),
            "test_accuracy": round(float(accuracy), 4)}


def table(rows):
    lines = ["| model | registered name | parameters | epochs | images seen | minutes (wall) "
             "| CPU-minutes | test accuracy |", "|---|---|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        lines.append(f"| {r['model']} | `{r['name']}` | {r['params']:,} | {r['epochs']} | "
                     f"{r['images_seen']:,} | {r['minutes']} | {r['cpu_minutes']} | "
                     f"{100 * r['test_accuracy']:.1f}% |")
    return "\n".join(lines)


def write_readme(rows, cpu_seconds):
    readme = HERE / "README.md"
    text = readme.read_text()
    start, end = "<!-- zoo-table:start -->", "<!-- zoo-table:end -->"
    total = sum(r["cpu_minutes"] for r in rows)
    block = (f"{start}\nBudget: {cpu_seconds:.0f} CPU-seconds of training per model; "
             f"whole run {total:.1f} CPU-minutes, "
             f"{sum(r['minutes'] for r in rows):.1f} wall minutes.\n\n{table(rows)}\n\n"
             f"Leaderboard (zalandoresearch/fashion-mnist, long training): {LEADERBOARD}.\n{end}")
    head, rest = text.split(start, 1)
    readme.write_text(head + block + rest.split(end, 1)[1])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cpu-seconds", type=float, default=100.0,
                        help="CPU seconds of training per model")
    parser.add_argument("--only", nargs="*", help="labels' registered names to run")
    args = parser.parse_args()

    from kerasvision.data.fashion_mnist import load_fashion_mnist

    (x_train, y_train), test = load_fashion_mnist()
    order = np.random.default_rng(0).permutation(len(x_train))
    data = ((x_train[order], y_train[order].astype("int32")),
            (test[0], test[1].astype("int32")))
    rows = []
    for label, name, overrides, side in ZOO:
        if args.only and name not in args.only:
            continue
        row = train_one(label, name, overrides, side, data, args.cpu_seconds)
        print(json.dumps(row, ensure_ascii=False), flush=True)
        rows.append(row)
    (HERE / "results.json").write_text(json.dumps(rows, indent=2, ensure_ascii=False) + "\n")
    if not args.only:
        write_readme(rows, args.cpu_seconds)
    print(table(rows))


if __name__ == "__main__":
    main()
