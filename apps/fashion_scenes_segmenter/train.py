"""The Fashion-scenes segmenter's recipe: an FCN with an FPN-style decoder on ResNet-18 (width
0.5), trained on generated Fashion scenes with model.fit against a budget of machine minutes.

Stage 1 is the shipped detector's: a Fashion-MNIST classifier of the same base
(apps/fashion_scenes_detector/pretrain_backbone.py writes runs/detector_backbone/final.keras);
`--init-from` copies it into the segmenter's base, the lecture's fine-tuning. Why this model,
and the throughputs of the candidates measured here, are in kerasvision.tasks.
segmenter_training, which is the code this runs (as `kerasvision train segmenter` does).
Resumable: re-run the same command after a kill. The figure printed is the mean IoU over the
11 classes (background + 10) on generated validation scenes; the test scenes are for the end.

    python apps/fashion_scenes_segmenter/train.py --minutes 40 \
        --init-from runs/detector_backbone/final.keras --workdir runs/segmenter
"""

import json

import click


@click.command()
@click.option("--minutes", default=40.0, show_default=True, help="Training budget.")
@click.option("--init-from", default=None, help="A classifier .keras file to start the base from.")
@click.option("--width", default=0.5, show_default=True)
@click.option("--batch-size", default=16, show_default=True)
@click.option("--steps-per-epoch", default=300, show_default=True)
@click.option("--learning-rate", default=1e-3, show_default=True)
@click.option("--seed", default=0, show_default=True)
@click.option("--validation-scenes", default=500, show_default=True)
@click.option("--workdir", default="runs/segmenter", show_default=True)
def main(minutes, init_from, width, batch_size, steps_per_epoch, learning_rate, seed,
         validation_scenes, workdir):
    from kerasvision.tasks.segmenter_training import SegmenterTrainConfig, train_segmenter

    config = SegmenterTrainConfig(minutes=minutes, init_from=init_from, width=width,
                                  batch_size=batch_size, steps_per_epoch=steps_per_epoch,
                                  learning_rate=learning_rate, seed=seed,
                                  validation_scenes=validation_scenes, workdir=workdir)
    _, summary = train_segmenter(config)
    validation = summary.get("validation")
    print(json.dumps({k: validation[k] for k in ("mean_iou", "pixel_accuracy", "per_class_iou")}
                     if validation else summary, indent=2, default=float))


if __name__ == "__main__":
    main()
