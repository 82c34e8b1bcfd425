"""Where a training step's time goes: forward, backward, optimizer update, input pipeline.

    python -m benchmarks.training_step_breakdown
    python -m benchmarks.training_step_breakdown --workloads classifier --repeats 5

For each workload and precision, four traced functions on one cached batch, timed in
alternating rounds (medians, benchmarks/timing.py):

- `forward`: `model(x, training=True)` (BatchNorm in training mode, as in a step);
- `forward + backward`: the loss and its gradients (`tf.GradientTape`);
- `full step`: the same plus `optimizer.apply` (SGD with Nesterov momentum and decoupled weight
  decay for the classifier, as its recipe; plain SGD with momentum for ResNet-50);
- `fit, input pipeline`: Keras's `fit` fed by the workload's tf.data pipeline (the classifier's
  recipe pipeline with augmentation; uint8 arrays with a parallel cast map for ResNet-50).

The differences give the shares: backward = (forward + backward) − forward, optimizer = full −
(forward + backward), pipeline and fit's own overhead = fit − full. Workloads: the shipped
classifier's step (WRN-16-2, batch 128, 28×28×1) and ResNet-50 (ours, batch 16, 224×224×3),
each in float32 and mixed bfloat16. Writes benchmarks/results/training_step_breakdown.json.
"""

import argparse
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from benchmarks import fit_speed, timing  # noqa: E402

NAME = "training_step_breakdown"
PARTS = ("forward", "forward + backward", "full step", "fit, input pipeline")


def classifier_workload(precision):
    import numpy as np

    from kerasvision.tasks.classifier_training import build_and_compile, config_for, make_datasets
    from kerasvision.tasks.training_precision import precision_policy

    config = config_for("wrn_16_2", precision=precision)
    batch, steps = config.batch_size, 8
    rng = np.random.default_rng(0)
    x = rng.integers(0, 256, (batch * steps, 28, 28, 1), dtype=np.uint8)
    y = rng.integers(0, 10, batch * steps).astype(np.int32)
    with precision_policy(precision):
        model = build_and_compile(config, (28, 28, 1), 10, 0.5, 0.25, steps)
    train, _ = make_datasets(x, y, x[:batch], y[:batch], 10, config)
    one_hot = np.eye(10, dtype=np.float32)[y[:batch]]
    return model, x[:batch].astype(np.float32), one_hot, train.repeat(), steps, batch


def resnet50_workload(precision):
    import keras
    import numpy as np
    import tensorflow as tf

    from kerasvision.registry import build
    from kerasvision.tasks.training_precision import float32_outputs, precision_policy

    batch, steps, size = 16, 3, 224
    with precision_policy(precision):
        model = build("resnet50", input_shape=(size, size, 3), classes=1000)
        if precision != "float32":
            float32_outputs(model)
    model.compile(optimizer=keras.optimizers.SGD(0.01, momentum=0.9),
                  loss=keras.losses.SparseCategoricalCrossentropy())
    x = fit_speed.random_images(batch, (size, size, 3))
    y = fit_speed.random_labels(batch, 1000)
    pipeline = (tf.data.Dataset.from_tensor_slices((x.astype(np.uint8), y)).repeat()
                .map(lambda a, b: (tf.cast(a, tf.float32), b), num_parallel_calls=tf.data.AUTOTUNE)
                .batch(batch).prefetch(tf.data.AUTOTUNE))
    return model, x, y, pipeline, steps, batch


WORKLOADS = {"classifier": classifier_workload, "resnet50": resnet50_workload}


def part_functions(model, x, y):
    import tensorflow as tf

    x, y = tf.constant(x), tf.constant(y)
    variables = model.trainable_variables

    def loss_value():
        return model.compute_loss(x=x, y=y, y_pred=model(x, training=True))

    @tf.function
    def forward():
        return model(x, training=True)

    @tf.function
    def forward_backward():
        with tf.GradientTape() as tape:
            loss = loss_value()
        return tape.gradient(loss, variables)

    @tf.function
    def full_step():
        with tf.GradientTape() as tape:
            loss = loss_value()
        model.optimizer.apply(tape.gradient(loss, variables), variables)
        return loss

    return forward, forward_backward, full_step


def measure(name, precision, args):
    model, x, y, pipeline, steps, batch = WORKLOADS[name](precision)
    forward, forward_backward, full_step = part_functions(model, x, y)

    def repeated(function):
        def run():
            for _ in range(steps - 1):
                function()
        return run

    contenders = {"forward": repeated(forward), "forward + backward": repeated(forward_backward),
                  "full step": repeated(full_step),
                  "fit, input pipeline": fit_speed.fit_contender(model, pipeline, steps)}
    seconds = timing.alternate(contenders, repeats=args.repeats)
    per_step = {part: timing.median(seconds[part]) / (steps - 1) for part in PARTS}
    shares = {"forward": per_step["forward"],
              "backward": per_step["forward + backward"] - per_step["forward"],
              "optimizer": per_step["full step"] - per_step["forward + backward"],
              "pipeline and fit overhead": per_step["fit, input pipeline"] - per_step["full step"]}
    total = per_step["fit, input pipeline"]
    return {"workload": name, "precision": precision, "batch": batch,
            "seconds_per_step": per_step,
            "share_of_fit_step": {k: v / total for k, v in shares.items()},
            "images_per_second_fit": batch / total}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workloads", nargs="+", default=list(WORKLOADS), choices=list(WORKLOADS))
    parser.add_argument("--precisions", nargs="+", default=["float32", "mixed_bfloat16"])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--results-dir", default=None)
    args = parser.parse_args(argv)
    rows = [measure(name, precision, args) for name in args.workloads
            for precision in args.precisions]
    path = timing.write_result(NAME, {"rows": rows, "settings": {
        k: v for k, v in vars(args).items() if k != "results_dir"}}, args.results_dir)
    print(f"\n{timing.machine_line(timing.machine())}\n")
    print(timing.markdown_table(
        ["workload", "precision", "images/s (fit)", "forward", "backward", "optimizer",
         "pipeline + fit"],
        [(r["workload"], r["precision"], r["images_per_second_fit"],
          *(f"{100 * v:.0f} %" for v in r["share_of_fit_step"].values())) for r in rows]))
    print(f"written: {path}")


if __name__ == "__main__":
    main()
