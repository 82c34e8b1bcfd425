"""Our builders against keras.applications: training and inference images/s, side by side.

    python -m benchmarks.builders_vs_keras_applications                    # all (long)
    python -m benchmarks.builders_vs_keras_applications --models resnet50 --batches 8

For each model (VGG16, ResNet50, DenseNet121), batch size and XLA setting, ours
(`kerasvision.models.build(name, weights=None)`) and `keras.applications.X(weights=None)`
are built with the same input shape and 1,000 classes, compiled identically (SGD with
momentum 0.9, sparse cross-entropy; `jit_compile` False or True) and measured in alternating
rounds (benchmarks/timing.py): steady-state training images/s in `fit` (benchmarks/
fit_speed.py) and inference images/s through `predict_on_batch`. The ratio is ours/keras;
the graphs are the same layers, so the target is >= 1.0 (issue 14, §3.1).

Keras's own default on a CPU-only machine is `jit_compile="auto"` = no XLA; "XLA off" is
that default. Writes benchmarks/results/builders_vs_keras_applications.json.
"""

import argparse
import gc
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from benchmarks import fit_speed, timing  # noqa: E402

NAME = "builders_vs_keras_applications"
APPLICATIONS = {"vgg16": "VGG16", "resnet50": "ResNet50", "densenet121": "DenseNet121"}
CLASSES = 1000


def build_pair(name, image_size, jit_compile):
    """{"ours": model, "keras": model}, compiled the same way."""
    import keras

    from kerasvision.models import build

    shape = (image_size, image_size, 3)
    models = {"ours": build(name, weights=None, input_shape=shape, classes=CLASSES),
              "keras": getattr(keras.applications, APPLICATIONS[name])(
                  weights=None, input_shape=shape, classes=CLASSES)}
    for model in models.values():
        model.compile(optimizer=keras.optimizers.SGD(0.01, momentum=0.9),
                      loss="sparse_categorical_crossentropy", jit_compile=jit_compile)
    return models


def measure(name, batch, jit_compile, args):
    """One row: training and inference images/s of ours and keras, and the ratios."""
    models = build_pair(name, args.image_size, jit_compile)
    x = fit_speed.random_images(batch, (args.image_size, args.image_size, 3))
    y = fit_speed.random_labels(batch, CLASSES)
    params = {who: int(m.count_params()) for who, m in models.items()}
    train = timing.alternate(
        {who: fit_speed.fit_contender(m, (x, y), args.train_steps) for who, m in models.items()},
        repeats=args.repeats)
    infer = timing.alternate(
        {who: fit_speed.predict_contender(m, x, args.predict_calls) for who, m in models.items()},
        repeats=args.repeats)
    row = {"model": name, "batch": batch, "xla": jit_compile, "params": params}
    for who in models:
        row[f"train_{who}"] = timing.summarise(train[who], batch * (args.train_steps - 1))
        row[f"infer_{who}"] = timing.summarise(infer[who], batch * args.predict_calls)
    for kind in ("train", "infer"):
        row[f"{kind}_ratio"] = timing.ratio(row[f"{kind}_ours"]["per_second"],
                                            row[f"{kind}_keras"]["per_second"])
    del models
    gc.collect()
    return row


def table(rows):
    return timing.markdown_table(
        ["model", "batch", "XLA", "train ours img/s", "train keras img/s", "ratio",
         "infer ours img/s", "infer keras img/s", "ratio"],
        [(r["model"], r["batch"], "on" if r["xla"] else "off",
          r["train_ours"]["per_second"], r["train_keras"]["per_second"], r["train_ratio"],
          r["infer_ours"]["per_second"], r["infer_keras"]["per_second"], r["infer_ratio"])
         for r in rows])


def parser():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--models", nargs="+", default=list(APPLICATIONS), choices=list(APPLICATIONS))
    p.add_argument("--batches", nargs="+", type=int, default=[8, 32])
    p.add_argument("--xla", nargs="+", choices=["off", "on"], default=["off", "on"])
    p.add_argument("--image-size", type=int, default=224)
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--train-steps", type=int, default=3,
                   help="batches per timed fit call (the first is not timed)")
    p.add_argument("--predict-calls", type=int, default=2)
    p.add_argument("--results-dir", default=None)
    return p


def main(argv=None):
    args = parser().parse_args(argv)
    rows = []
    settings = {k: v for k, v in vars(args).items() if k != "results_dir"}
    for name in args.models:
        for batch in args.batches:
            for xla in args.xla:
                rows.append(measure(name, batch, xla == "on", args))
                print(f"{name} batch {batch} XLA {xla}: train ratio {rows[-1]['train_ratio']:.3f}"
                      f", inference ratio {rows[-1]['infer_ratio']:.3f}", flush=True)
                # Written after every row: the full run takes hours on 2 cores, and a run
                # cut short keeps the rows it finished.
                path = timing.write_result(NAME, {"settings": settings, "rows": rows},
                                           args.results_dir)
    print(f"\n{timing.machine_line(timing.machine())}\n\n{table(rows)}\n\nwritten: {path}")


if __name__ == "__main__":
    main()
