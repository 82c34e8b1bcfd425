"""Training a semantic segmenter with model.fit: the code behind the Fashion-scenes segmenter's
recipe and `kerasvision train segmenter`.

The model: `backbone_fcn` (models/segmentation/backbone_fcn.py), an FPN-style top-down decoder
(64 channels) over ResNet-18's C2..C5 at width 0.5, scored at stride 4 and upsampled
bilinearly. Training throughput measured on this 2-core machine (shared with other work, so
counted in machine seconds: process CPU time over the cores, the budget's own clock), 20
machine-seconds of `fit` each on augmented 128×128 Fashion scenes, batch 16, cross-entropy +
Dice, Adam:

| candidate | parameters | scenes per machine-second |
|---|---|---|
| `backbone_fcn`, ResNet-18 width 0.5, decoder 64 (chosen) | 2,946,731 | 113 |
| `backbone_fcn`, ResNet-18 width 0.25, decoder 64 | 832,187 | 158 |
| `unet` ("same"), `base_filters=16`, + input normalisation | 1,941,275 | 62 |
| `unet` ("same"), `base_filters=8`, + input normalisation | 485,907 | 112 |

Why the ResNet-18 FCN: as fast as the 8-filter U-Net with six times its parameters, a
receptive field that spans a whole 96-pixel item at C5 (the hard part of this data set is
telling a shirt from a T-shirt, a coat or a pullover, not finding edges), and a base that can
start from a Fashion-MNIST classifier (`init_from`, the shipped detector's stage 1,
apps/fashion_scenes_detector/pretrain_backbone.py) — the lecture's fine-tuning, shared with the
detector through `models/classifier_initialization.py`. The U-Net at 16 filters is half as
fast and has no classifier to start from; width 0.25 is faster but halves every feature.

The recipe: AdamW under a cosine learning rate over a time budget (tasks/time_budget.py:
minutes of the whole machine), fresh generated Fashion scenes every epoch with flips and scale
jitter (data/fashion_scenes_dataset.py), cross-entropy plus soft Dice (the Dice term keeps the
small items from being outvoted by the background), the resumable loop of the tasks
(checkpoints, history, BackupAndRestore), and the mean IoU over the 11 classes (background +
10) on generated validation scenes at the end.
"""

import json
from dataclasses import asdict, dataclass
from pathlib import Path


@dataclass
class SegmenterTrainConfig:
    minutes: float = 40.0
    init_from: str = None  # a classifier .keras file to start the base from
    backbone: str = "resnet18"
    width: float = 0.5
    decoder_channels: int = 64
    image_size: int = 128
    batch_size: int = 16
    steps_per_epoch: int = 300
    learning_rate: float = 1e-3
    seed: int = 0
    validation_scenes: int = 500
    workdir: str = "runs/segmenter"


def scene_masks(split, count, seed=0, size=(128, 128)):
    """Images and semantic masks (0 background, 1 + class) of `count` generated scenes."""
    from kerasvision.data.fashion_scenes import FashionScenes

    scenes = FashionScenes(split, size=size, seed=seed, count=count)
    items = [scenes.scene(i) for i in range(count)]
    return [s.image for s in items], [s.semantic_mask for s in items]


def class_names():
    """"background" then the Fashion-MNIST classes: the scenes' mask values 0..10."""
    from kerasvision.data.fashion_mnist import CLASS_NAMES
    from kerasvision.tasks.image_segmenter import BACKGROUND

    return [BACKGROUND, *CLASS_NAMES]


def training_data(config):
    """Repeated tf.data of (pixels (B, S, S, 3), class maps (B, S, S)) with static shapes (the
    decoder's bilinear upsampling needs them; the augmentation leaves them unknown)."""
    import tensorflow as tf

    from kerasvision.data.fashion_scenes_dataset import scenes_dataset

    size = (config.image_size, config.image_size)
    data = scenes_dataset("train", batch_size=config.batch_size, size=size, seed=config.seed,
                          augment=True, drop_remainder=True)
    batch = (config.batch_size, *size)
    return data.map(lambda x, y: (tf.ensure_shape(x, (*batch, 3)),
                                  tf.ensure_shape(y["segmentation"], batch))).repeat()


def build_segmenter(config, class_count, classifier=None):
    """The config's `backbone_fcn`, compiled; with `classifier`, its base starts from it.

    Returns (model, names of the layers copied, (mean, std) of the input normalisation).
    """
    import keras

    from kerasvision.models.classifier_initialization import initialize_from_classifier
    from kerasvision.models.segmentation.backbone_fcn import backbone_fcn
    from kerasvision.models.segmentation.dice_cross_entropy_loss import DiceCrossEntropyLoss
    from kerasvision.models.segmentation.pixel_mean_iou import PixelMeanIoU
    from kerasvision.tasks.detector_training import normalisation_of

    mean, std = normalisation_of(classifier) if classifier is not None else (0.5, 0.25)
    model = backbone_fcn(input_shape=(config.image_size, config.image_size, 3),
                         classes=class_count, backbone=config.backbone,
                         decoder_channels=config.decoder_channels,
                         backbone_kwargs={"width": config.width}, mean=mean, std=std)
    copied = initialize_from_classifier(model, classifier) if classifier is not None else []
    model.compile(optimizer=keras.optimizers.AdamW(config.learning_rate, weight_decay=1e-4,
                                                   clipnorm=10.0),
                  loss=DiceCrossEntropyLoss(), metrics=[PixelMeanIoU(class_count)])
    return model, copied, (mean, std)


def train_segmenter(config, progress=2):
    """Train per `config`; returns (ImageSegmenter, summary dict). Re-run to resume."""
    import keras

    from kerasvision.io.image_preprocessor import ImagePreprocessor
    from kerasvision.tasks.image_segmenter import ImageSegmenter
    from kerasvision.tasks.task import load_keras_model
    from kerasvision.tasks.time_budget import TimeBudget
    from kerasvision.tasks.training_loop import resumable_fit

    workdir = Path(config.workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    keras.utils.set_random_seed(config.seed)
    names = class_names()
    classifier = load_keras_model(config.init_from) if config.init_from else None
    model, copied, (mean, std) = build_segmenter(config, len(names), classifier)
    described = {**asdict(config), "layers_copied": len(copied), "params": model.count_params(),
                 "mean": mean, "std": std, "class_names": names}
    (workdir / "config.json").write_text(json.dumps(described, indent=2))

    budget = TimeBudget(config.minutes, config.learning_rate,
                        state_path=workdir / "budget.json")
    _, wall_minutes = resumable_fit(model, training_data(config), epochs=10_000,
                                    workdir=workdir, progress=progress, callbacks=[budget],
                                    steps_per_epoch=config.steps_per_epoch)

    preprocessor = ImagePreprocessor((config.image_size,) * 2, 3, resize="letterbox")
    segmenter = ImageSegmenter(model, names, preprocessor)
    segmenter.save(workdir / "final.keras")
    summary = {"train_machine_minutes": round(budget.spent(), 1),
               "train_wall_minutes": wall_minutes, **described}
    if config.validation_scenes:
        images, masks = scene_masks("validation", config.validation_scenes, seed=config.seed,
                                    size=(config.image_size,) * 2)
        summary["validation"] = segmenter.evaluate(images, masks)
    (workdir / "summary.json").write_text(json.dumps(summary, indent=2, default=float))
    return segmenter, summary
