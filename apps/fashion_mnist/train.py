"""Recipe: train the shipped Fashion-MNIST classifier (WRN-16-2) with model.fit.

    python apps/fashion_mnist/train.py --workdir runs/fashion_mnist

Re-running the same command after an interruption resumes from the last epoch
(BackupAndRestore). The same code runs behind `kerasvision train classifier`.
"""

import argparse
import json

from kerasvision.tasks.classifier_training import TrainConfig, train_classifier


def main():
    defaults = TrainConfig(workdir="runs/fashion_mnist")
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    for field, value in vars(defaults).items():
        flag = "--" + field.replace("_", "-")
        if isinstance(value, bool):
            parser.add_argument(flag, type=lambda s: s.lower() in ("1", "true", "yes"),
                                default=value)
        else:
            parser.add_argument(flag, type=type(value), default=value)
    config = TrainConfig(**vars(parser.parse_args()))
    _, summary = train_classifier(config, progress=2)
    print(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()
