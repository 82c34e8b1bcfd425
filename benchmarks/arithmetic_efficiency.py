"""Arithmetic efficiency of training steps against the machine's matrix-product peak.

    python -m benchmarks.arithmetic_efficiency                     # ResNet-50 and the classifier
    python -m benchmarks.arithmetic_efficiency --workloads classifier --repeats 5

Peak: the float32 GFLOP/s of a large square `tf.matmul` (2·n³ FLOPs, inside a tf.function),
median of the repetitions — what the machine's cores and oneDNN can do at best.

Workloads (issue 14, §2):

- `resnet50`: a ResNet-50 training step at batch 16, 224×224, 1,000 classes, SGD with
  momentum: keras.applications' ResNet50 in a default `fit` (numpy arrays, Keras's default
  `jit_compile`, which is off on a CPU-only machine), against our builder's in the same
  default fit and with each option: XLA (`jit_compile=True`), the `mixed_bfloat16` policy,
  a tf.data pipeline (uint8 images from_tensor_slices, parallel cast map, batch,
  prefetch), and bf16 with that pipeline; and our builder with Keras's own
  BatchNormalization instead of layers/fused_batch_normalization.py (the builder before it).
- `classifier`: the shipped classifier's training step: the recipe of apps/fashion_mnist/
  train.py (`classifier_training.config_for` + `build_and_compile` for the architecture named
  in saved_models/fashion_mnist_classifier/MODEL_CARD.md, batch 128, 28×28×1, fed by the
  recipe's own `make_datasets` pipeline with augmentation) as it was before issue 14
  (float32, no weight average, Keras's own BatchNormalization) as the baseline, against the
  recipe now (its precision and EMA, the fused BatchNormalization), the recipe now with
  Keras's BatchNormalization, float32 with the fused one, and the baseline with XLA or one
  cached batch (no input pipeline: what the pipeline costs).
  keras.applications has no counterpart here.

FLOPs: kerasvision.inspect's per-layer multiply-accumulates (convolutions and dense layers;
normalisation, activations and pooling count 0) × 2 FLOPs per MAC per image, and a training
step ≈ 3 × the forward pass (forward, plus backward to the activations and to the weights,
each about a forward's work) — an approximation, stated as such in the output.

Thread settings (`tf.config.threading` intra-/inter-op pools) must be set before TensorFlow
runs anything, so each setting is measured in a child process (`--child`), the default
(0, 0: TensorFlow's choice) too, and reported as a ratio of child to child; these children
run one after another, not in alternating rounds.

All in-process contenders of one workload are measured in alternating rounds, median of
--repeats (benchmarks/timing.py). Ratios are to the workload's default (keras.applications'
default fit for ResNet-50; the recipe for the classifier). Writes
benchmarks/results/arithmetic_efficiency.json.
"""

import argparse
import gc
import json
import os
import re
import subprocess
import sys
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from benchmarks import fit_speed, timing  # noqa: E402

NAME = "arithmetic_efficiency"
REPO = Path(__file__).resolve().parent.parent
CARD = REPO / "saved_models" / "fashion_mnist_classifier" / "MODEL_CARD.md"
TRAINING_OVER_FORWARD = 3  # forward + backward (activations) + backward (weights)


def matmul_peak(n, repeats):
    """Median float32 GFLOP/s of an n×n by n×n tf.matmul."""
    import tensorflow as tf

    a = tf.random.uniform((n, n), dtype=tf.float32)
    b = tf.random.uniform((n, n), dtype=tf.float32)
    product = tf.function(lambda: tf.reduce_sum(tf.matmul(a, b)))  # a scalar: no copy out
    seconds = timing.alternate({"matmul": lambda: product().numpy()}, repeats=repeats)["matmul"]
    summary = timing.summarise(seconds, 2 * n ** 3 / 1e9)
    return {"n": n, "gflops": summary["per_second"], "median_s": summary["median_s"],
            "all_s": summary["all_s"]}


def forward_macs(model):
    """Multiply-accumulates of one example's forward pass (kerasvision.inspect)."""
    from kerasvision.inspect import layer_table

    rows = layer_table(model)
    unknown = [r["name"] for r in rows if r["macs"] is None]
    if unknown:
        raise ValueError(f"MACs unknown for layers {unknown[:5]}")
    return sum(r["macs"] for r in rows)


def training_gflop_per_image(macs):
    return 2 * TRAINING_OVER_FORWARD * macs / 1e9


# ---- ResNet-50 ---------------------------------------------------------------------------
def with_keras_batch_norm(model):
    """`model` with every FusedBatchNormalization layer running Keras's own BatchNormalization
    call: our builders as they were before the fused layer (the layer decides at trace time,
    so this works on a built, even compiled, model that has not run yet)."""
    from kerasvision.layers.fused_batch_normalization import FusedBatchNormalization

    def walk(layer):
        if isinstance(layer, FusedBatchNormalization):
            layer._fusable = lambda inputs, mask: False
        for inner in getattr(layer, "layers", []):
            walk(inner)

    walk(model)
    return model


def resnet50_model(source, image_size, jit_compile=False):
    import keras

    from kerasvision.models import build

    shape = (image_size, image_size, 3)
    model = (keras.applications.ResNet50(weights=None, input_shape=shape) if source == "keras"
             else build("resnet50", weights=None, input_shape=shape))
    if source == "ours, Keras's BatchNormalization":
        with_keras_batch_norm(model)
    kwargs = {} if jit_compile is None else {"jit_compile": jit_compile}
    model.compile(optimizer=keras.optimizers.SGD(0.01, momentum=0.9),
                  loss="sparse_categorical_crossentropy", **kwargs)
    return model


def array_fit_contender(model, x, y, batch, steps):
    """A default fit: numpy arrays and batch_size (Keras's own input handling)."""
    clock = fit_speed.make_batch_clock()

    def run():
        model.fit(x, y, batch_size=batch, epochs=1, steps_per_epoch=steps, verbose=0,
                  callbacks=[clock])
        return timing.MeasuredSeconds(fit_speed.steady_seconds(clock.ends))

    return run


def tf_data_pipeline(x_uint8, y, batch):
    import tensorflow as tf

    return (tf.data.Dataset.from_tensor_slices((x_uint8, y)).repeat()
            .map(lambda im, label: (tf.cast(im, tf.float32), label),
                 num_parallel_calls=tf.data.AUTOTUNE)
            .batch(batch, drop_remainder=True).prefetch(tf.data.AUTOTUNE))


def build_models(factories, only):
    """{label: model} for the labels in `only` (all when None), built in order."""
    return {label: make() for label, make in factories.items() if only is None or label in only}


def resnet50_contenders(args, only=None):
    batch, steps, size = args.resnet_batch, args.train_steps, args.image_size
    x = fit_speed.random_images(batch * steps, (size, size, 3))
    y = fit_speed.random_labels(batch * steps, 1000)

    def bf16():
        from kerasvision.tasks.training_precision import precision_policy

        with precision_policy("mixed_bfloat16"):
            return resnet50_model("ours", size, None)

    models = build_models({
        "keras.applications, default fit": lambda: resnet50_model("keras", size, None),
        "ours with Keras's BatchNormalization, default fit": lambda: resnet50_model(
            "ours, Keras's BatchNormalization", size, None),
        "ours, default fit": lambda: resnet50_model("ours", size, None),
        "ours, XLA": lambda: resnet50_model("ours", size, True),
        "ours, tf.data prefetch + parallel map": lambda: resnet50_model("ours", size, None),
        "ours, mixed_bfloat16": bf16,
        "ours, mixed_bfloat16 + tf.data": bf16}, only)
    contenders = {}
    for label, model in models.items():
        if "tf.data" in label:
            data = tf_data_pipeline(x.astype("uint8"), y, batch)
            contenders[label] = fit_speed.fit_contender(model, data, steps)
        else:
            contenders[label] = array_fit_contender(model, x, y, batch, steps)
    return contenders, models, batch, "keras.applications, default fit"


# ---- the shipped classifier's recipe -----------------------------------------------------
BEFORE = "recipe before issue 14: float32, Keras's BatchNormalization (its tf.data pipeline)"


def classifier_architecture():
    """The architecture the shipped classifier's card names, e.g. "wrn_16_2"."""
    match = re.search(r"\(([a-z0-9_]+)\)", CARD.read_text().splitlines()[0])
    if not match:
        raise ValueError(f"{CARD}: no architecture in the title line")
    return match.group(1)


def classifier_model(config, steps, jit_compile=False, keras_batch_norm=False):
    from kerasvision.tasks.classifier_training import build_and_compile

    model = build_and_compile(config, (28, 28, 1), 10, 0.5, 0.25, steps)
    if jit_compile:
        model.jit_compile = True
    return with_keras_batch_norm(model) if keras_batch_norm else model


def classifier_contenders(args, only=None):
    import numpy as np

    from kerasvision.tasks.classifier_training import config_for, make_datasets

    from dataclasses import replace

    from kerasvision.tasks.training_precision import precision_policy

    # The recipe as it is now (issue 14's ablation chose its precision and averaging; the
    # builder's BatchNormalization is fused), and as it was before: float32 without a weight
    # average, Keras's own BatchNormalization, the baseline of the ratios.
    config = config_for(classifier_architecture())
    before = replace(config, precision="float32", ema=0.0)
    batch, steps = config.batch_size, args.train_steps
    rng = np.random.default_rng(0)
    x = rng.integers(0, 256, (batch * steps, 28, 28, 1), dtype=np.uint8)
    y = rng.integers(0, 10, batch * steps).astype(np.int32)
    train, _ = make_datasets(x, y, x[:batch], y[:batch], 10, config)

    def now(keras_batch_norm=False):
        with precision_policy(config.precision):
            return classifier_model(config, steps, keras_batch_norm=keras_batch_norm)

    models = build_models({
        BEFORE: lambda: classifier_model(before, steps, keras_batch_norm=True),
        f"recipe now ({config.precision}, EMA {config.ema:g}, fused BatchNormalization)": now,
        f"recipe now with Keras's BatchNormalization": lambda: now(keras_batch_norm=True),
        "float32, fused BatchNormalization": lambda: classifier_model(before, steps),
        "before, XLA": lambda: classifier_model(before, steps, jit_compile=True,
                                                 keras_batch_norm=True),
        "before, one cached batch (no input pipeline)": lambda: classifier_model(
            before, steps, keras_batch_norm=True),
        }, only)
    one_hot = np.eye(10, dtype=np.float32)[y[:batch]]
    contenders = {}
    for label, model in models.items():
        data = ((x[:batch].astype(np.float32), one_hot) if "cached" in label
                else train.repeat())
        contenders[label] = fit_speed.fit_contender(model, data, steps)
    return contenders, models, batch, BEFORE


WORKLOADS = {"resnet50": resnet50_contenders, "classifier": classifier_contenders}
BASELINES = {"resnet50": "keras.applications, default fit",
             "classifier": BEFORE}


def measure_workload(name, args, peak_gflops):
    contenders, models, batch, baseline = WORKLOADS[name](args)
    macs = forward_macs(models[baseline])
    seconds = timing.alternate(contenders, repeats=args.repeats)
    gflop_per_image = training_gflop_per_image(macs)
    rows = []
    for label in contenders:
        summary = timing.summarise(seconds[label], batch * (args.train_steps - 1))
        achieved = summary["per_second"] * gflop_per_image
        rows.append({"workload": name, "contender": label, "batch": batch,
                     "jit_compile": bool(models[label].jit_compile), **summary,
                     "images_per_second": summary["per_second"], "gflops": achieved,
                     "fraction_of_peak": timing.ratio(achieved, peak_gflops)})
    base = next(r for r in rows if r["contender"] == baseline)["images_per_second"]
    for row in rows:
        row["ratio_to_default"] = timing.ratio(row["images_per_second"], base)
    del models, contenders
    gc.collect()
    return {"forward_macs_per_image": macs, "training_gflop_per_image": gflop_per_image,
            "baseline": baseline, "rows": rows}


# ---- thread settings, one child process each --------------------------------------------
def child_run(args):
    """In a fresh process: set the thread pools, time the workload's default contender."""
    import tensorflow as tf

    intra, inter = args.child_threads
    tf.config.threading.set_intra_op_parallelism_threads(intra)
    tf.config.threading.set_inter_op_parallelism_threads(inter)
    baseline = BASELINES[args.child]
    contenders, _, batch, _ = WORKLOADS[args.child](args, only={baseline})
    seconds = timing.alternate(contenders, repeats=args.repeats)
    summary = timing.summarise(seconds[baseline], batch * (args.train_steps - 1))
    print("CHILD_RESULT " + json.dumps({"intra": intra, "inter": inter, **summary}))


def thread_rows(name, args):
    rows = []
    for setting in [(0, 0)] + [tuple(int(v) for v in s.split(",")) for s in args.threads]:
        command = [sys.executable, "-m", "benchmarks.arithmetic_efficiency", "--child", name,
                   "--child-threads", str(setting[0]), str(setting[1]),
                   "--repeats", str(args.repeats), "--train-steps", str(args.train_steps),
                   "--image-size", str(args.image_size), "--resnet-batch",
                   str(args.resnet_batch)]
        done = subprocess.run(command, capture_output=True, text=True, cwd=REPO)
        line = [l for l in done.stdout.splitlines() if l.startswith("CHILD_RESULT ")]
        if done.returncode or not line:
            rows.append({"workload": name, "intra": setting[0], "inter": setting[1],
                         "error": (done.stderr or done.stdout)[-500:]})
            continue
        rows.append({"workload": name, **json.loads(line[0].split(" ", 1)[1])})
    base = rows[0].get("per_second")
    for row in rows:
        row["ratio_to_default_threads"] = timing.ratio(row.get("per_second"), base)
    return rows


def tables(result):
    lines = [f"matrix-product peak: {result['peak']['gflops']:.1f} GFLOP/s (float32, "
             f"n = {result['peak']['n']})",
             "training FLOPs = 2 × forward MACs × 3 (backward ≈ 2 forwards: an approximation)"]
    for name, workload in result["workloads"].items():
        lines += ["", f"**{name}**: {workload['forward_macs_per_image'] / 1e9:.3f} GMAC forward"
                  f" per image, ≈ {workload['training_gflop_per_image']:.2f} GFLOP per "
                  f"training image; ratios to {workload['baseline']}", "",
                  timing.markdown_table(
                      ["contender", "batch", "images/s", "GFLOP/s", "of float32 peak", "ratio"],
                      [(r["contender"], r["batch"], r["images_per_second"], r["gflops"],
                        f"{100 * r['fraction_of_peak']:.0f} %", r["ratio_to_default"])
                       for r in workload["rows"]])]
    for name, rows in result.get("threads", {}).items():
        lines += ["", f"**{name}, thread settings** (child processes, one after another)", "",
                  timing.markdown_table(
                      ["intra-op", "inter-op", "images/s", "ratio to 0/0 (TF's choice)"],
                      [(r["intra"], r["inter"], r.get("per_second"),
                        r.get("ratio_to_default_threads")) for r in rows])]
    return "\n".join(lines)


def parser():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--workloads", nargs="+", choices=list(WORKLOADS), default=list(WORKLOADS))
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--train-steps", type=int, default=4,
                   help="batches per timed fit call (the first is not timed)")
    p.add_argument("--image-size", type=int, default=224, help="ResNet-50's input side")
    p.add_argument("--resnet-batch", type=int, default=16)
    p.add_argument("--matmul-n", type=int, default=4096)
    p.add_argument("--threads", nargs="*", default=[f"{os.cpu_count()},1", "1,1"],
                   help="intra,inter thread settings to try in child processes")
    p.add_argument("--results-dir", default=None)
    p.add_argument("--child", choices=list(WORKLOADS), help=argparse.SUPPRESS)
    p.add_argument("--child-threads", nargs=2, type=int, help=argparse.SUPPRESS)
    return p


def main(argv=None):
    args = parser().parse_args(argv)
    if args.child:
        return child_run(args)
    description = timing.machine()
    flags = description["cpu_flags"]
    result = {"settings": {k: v for k, v in vars(args).items()
                           if k not in ("results_dir", "child", "child_threads")},
              "bf16_hardware": {"avx512_bf16": flags.get("avx512_bf16"),
                                "amx_bf16": flags.get("amx_bf16")},
              "peak": matmul_peak(args.matmul_n, args.repeats), "workloads": {},
              "threads": {}}
    print(f"peak {result['peak']['gflops']:.1f} GFLOP/s", flush=True)
    for name in args.workloads:
        result["workloads"][name] = measure_workload(name, args, result["peak"]["gflops"])
        print(f"{name} measured", flush=True)
        if args.threads:
            result["threads"][name] = thread_rows(name, args)
    path = timing.write_result(NAME, result, args.results_dir)
    print(f"\n{timing.machine_line(description)}\nbf16 hardware: {result['bf16_hardware']}\n\n"
          f"{tables(result)}\n\nwritten: {path}")


if __name__ == "__main__":
    main()
