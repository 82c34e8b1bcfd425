"""Stage 1 of the shipped detector's recipe: pre-train its base as a Fashion-MNIST classifier.

The lecture's fine-tuning: the detector's ResNet-18 (width 0.5) base is first trained to
classify the 28×28 Fashion-MNIST items with the package's classifier recipe
(kerasvision.tasks.classifier_training), then `train.py --init-from` copies it into the
detector. Resumable: re-run the same command after a kill.

    python apps/fashion_scenes_detector/pretrain_backbone.py --epochs 5 --workdir runs/detector_backbone
"""

import json

import click


@click.command()
@click.option("--epochs", default=5, show_default=True)
@click.option("--width", default=0.5, show_default=True, help="ResNet-18 width multiplier.")
@click.option("--workdir", default="runs/detector_backbone", show_default=True)
def main(epochs, width, workdir):
    from kerasvision.tasks.classifier_training import TrainConfig, train_classifier

    config = TrainConfig(model="resnet18", epochs=epochs, batch_size=128, learning_rate=0.1,
                         workdir=workdir, model_kwargs={"width": width})
    _, summary = train_classifier(config, progress=2)
    print(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()
