"""Does the fused BatchNormalization train the classifier's recipe as well as Keras's layer?

    python benchmarks/fused_batch_norm_accuracy.py --epochs 4

Version 4 of the shipped classifier (fused BatchNormalization, 38 epochs) scored below
version 3 (Keras's layer, 30 epochs) on the test split. This trains the recipe twice with
one seed on 55,000 training images, once with each layer, and scores both on the 5,000 held
out from the training split (never the test split). The fused layer is tested for equal
outputs, gradients and moving statistics (tests/layers/test_fused_batch_normalization.py);
this is the end-to-end check. Writes benchmarks/results/fused_batch_norm_accuracy.json.
"""

import argparse
import json
import time
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results" / "fused_batch_norm_accuracy.json"
RECIPE = {"precision": "mixed_bfloat16", "flip": False, "bn_momentum": 0.9,
          "schedule": "one_cycle", "learning_rate": 0.2}


def train(layer, args):
    from kerasvision.layers.fused_batch_normalization import FusedBatchNormalization
    from kerasvision.tasks.classifier_training import config_for, restart_run, train_classifier

    config = config_for("wrn_16_2", epochs=args.epochs, holdout=5000, seed=args.seed,
                        workdir=f"{args.workdir}/{layer}", **RECIPE)
    restart_run(config.workdir)
    fusable = FusedBatchNormalization._fusable
    if layer == "keras":  # the layer decides at trace time: Keras's own call throughout
        FusedBatchNormalization._fusable = lambda self, inputs, mask: False
    try:
        start = time.time()
        _, summary = train_classifier(config, progress=2)
    finally:
        FusedBatchNormalization._fusable = fusable
    return {"validation_accuracy": summary["validation_accuracy"],
            "minutes": round((time.time() - start) / 60, 2)}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--workdir", default="runs/fused_bn_accuracy")
    args = parser.parse_args()
    results = {"epochs": args.epochs, "seed": args.seed, "recipe": RECIPE,
               "validation_images": 5000}
    for layer in ("fused", "keras"):
        results[layer] = train(layer, args)
        print(layer, results[layer], flush=True)
    RESULTS.write_text(json.dumps(results, indent=2))
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
