"""Stage 2 of the shipped detector's recipe: train SSD on Fashion scenes with model.fit.

Why this detector: a single-stage SSD (kerasvision's `ssd`: SSD heads on ResNet-18 at width 0.5,
maps of stride 8, 16, 32 and 64, 2,040 default boxes) does one convolutional pass per image with
no proposal stage, which is what a 2-core CPU can afford; at 128×128 it trains at about 30
scenes/s here, several times what a two-stage Faster R-CNN on a comparable base would.

The budget is in minutes of the whole machine, measured as the process's CPU time over the
cores, so that other work on the shared cores does not eat it (kerasvision.tasks.time_budget):
cosine learning rate over the budget, stop at the last epoch that fits. Every epoch draws fresh generated training scenes,
with flips and scale jitter. `--init-from` starts the base from a classifier (stage 1,
pretrain_backbone.py): the lecture's fine-tuning. Resumable: re-run the same command after a
kill. The model is the final epoch's; validation scenes give the figure seen during
development, the test scenes are used once, in publish.py. The code is the library's
(kerasvision.tasks.detector_training), as `kerasvision train detector` runs it.

    python apps/fashion_scenes_detector/train.py --minutes 40 \
        --init-from runs/detector_backbone/final.keras --workdir runs/detector
"""

import json

import click


@click.command()
@click.option("--minutes", default=40.0, show_default=True, help="Training budget.")
@click.option("--init-from", default=None, help="A classifier .keras file to start the base from.")
@click.option("--width", default=0.5, show_default=True)
@click.option("--batch-size", default=32, show_default=True)
@click.option("--steps-per-epoch", default=125, show_default=True)
@click.option("--learning-rate", default=1e-3, show_default=True)
@click.option("--seed", default=0, show_default=True)
@click.option("--validation-scenes", default=500, show_default=True)
@click.option("--workdir", default="runs/detector", show_default=True)
def main(minutes, init_from, width, batch_size, steps_per_epoch, learning_rate, seed,
         validation_scenes, workdir):
    from kerasvision.tasks.detector_training import DetectorTrainConfig, train_detector

    config = DetectorTrainConfig(minutes=minutes, init_from=init_from, width=width,
                                 batch_size=batch_size, steps_per_epoch=steps_per_epoch,
                                 learning_rate=learning_rate, seed=seed,
                                 validation_scenes=validation_scenes, workdir=workdir)
    _, summary = train_detector(config)
    print(json.dumps({k: summary["validation"][k] for k in ("mAP", "mAP50")}
                     if "validation" in summary else summary, default=float))


if __name__ == "__main__":
    main()
