"""Training an object detector with model.fit: the code behind the shipped Fashion-scenes
detector's recipe and `kerasvision train detector`.

The recipe: SSD heads on a registered backbone (`ssd`, models/detection/backbone_ssd.py),
AdamW under a cosine learning rate over a time budget (tasks/time_budget.py: minutes of the
whole machine, from the process's CPU time), fresh
generated Fashion scenes every epoch with flips and scale jitter, or a COCO or VOC folder. With
`init_from`, the base starts from a classifier's weights — the lecture's fine-tuning. The
resumable loop (checkpoints, history, BackupAndRestore) is the tasks' shared one.
"""

import json
from dataclasses import asdict, dataclass
from pathlib import Path


@dataclass
class DetectorTrainConfig:
    data: str = "fashion_scenes"  # or a COCO annotations JSON, or a VOC folder
    minutes: float = 40.0
    init_from: str = None  # a classifier .keras file to start the base from
    backbone: str = "resnet18"
    width: float = 0.5
    image_size: int = 128
    batch_size: int = 32
    steps_per_epoch: int = 125
    learning_rate: float = 1e-3
    seed: int = 0
    validation_scenes: int = 500
    workdir: str = "runs/detector"


def normalisation_of(classifier):
    """(mean, std) of a package classifier's `normalize` Rescaling layer."""
    layer = classifier.get_layer("normalize")
    std = 1.0 / (255.0 * float(layer.scale))
    return -float(layer.offset) * std, std


def scene_arrays(split, count, seed=0, **generator):
    """Images, boxes and classes of `count` generated scenes (lists, for evaluation)."""
    from kerasvision.data.fashion_scenes import FashionScenes

    scenes = FashionScenes(split, seed=seed, count=count, **generator)
    items = [scenes.scene(i) for i in range(count)]
    return ([s.image for s in items], [s.boxes for s in items], [s.classes for s in items])


def training_data(config, preprocessor):
    """`(repeated tf.data of (pixels, {"boxes", "classes"}), class names)` for the config."""
    if config.data == "fashion_scenes":
        from kerasvision.data.fashion_mnist import CLASS_NAMES
        from kerasvision.data.fashion_scenes_dataset import scenes_dataset

        size = (config.image_size, config.image_size)
        data = scenes_dataset("train", batch_size=config.batch_size, size=size,
                              seed=config.seed, augment=True, drop_remainder=True)
        data = data.map(lambda x, y: (x, {"boxes": y["boxes"], "classes": y["classes"]}))
        return data.repeat(), list(CLASS_NAMES)
    from kerasvision.data.detection_folder_dataset import detection_folder_dataset

    data, names = detection_folder_dataset(config.data, preprocessor,
                                           batch_size=config.batch_size, seed=config.seed)
    return data.repeat(), names


def build_detector(config, class_count, classifier=None):
    """The `ssd` model of the config; with `classifier`, its base starts from it."""
    import keras

    from kerasvision.models.classifier_initialization import initialize_from_classifier
    from kerasvision.models.detection.backbone_ssd import ssd

    mean, std = normalisation_of(classifier) if classifier is not None else (0.5, 0.25)
    model = ssd(input_shape=(config.image_size, config.image_size, 3), num_classes=class_count,
                backbone=config.backbone, backbone_kwargs={"width": config.width},
                mean=mean, std=std)
    copied = initialize_from_classifier(model, classifier) if classifier is not None else []
    model.compile(optimizer=keras.optimizers.AdamW(config.learning_rate, weight_decay=1e-4,
                                                   clipnorm=10.0))
    return model, copied, (mean, std)


def train_detector(config, progress=2):
    """Train per `config`; returns (ObjectDetector, summary dict). Re-run to resume."""
    import keras

    from kerasvision.io.image_preprocessor import ImagePreprocessor
    from kerasvision.tasks.object_detector import ObjectDetector
    from kerasvision.tasks.task import load_keras_model
    from kerasvision.tasks.time_budget import TimeBudget
    from kerasvision.tasks.training_loop import resumable_fit

    workdir = Path(config.workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    keras.utils.set_random_seed(config.seed)
    preprocessor = ImagePreprocessor((config.image_size,) * 2, 3, resize="letterbox")
    train, class_names = training_data(config, preprocessor)
    classifier = load_keras_model(config.init_from) if config.init_from else None
    model, copied, (mean, std) = build_detector(config, len(class_names), classifier)
    described = {**asdict(config), "layers_copied": len(copied), "params": model.count_params(),
                 "default_boxes": model.num_anchors, "mean": mean, "std": std,
                 "class_names": class_names}
    (workdir / "config.json").write_text(json.dumps(described, indent=2))

    budget = TimeBudget(config.minutes, config.learning_rate,
                        state_path=workdir / "budget.json")
    _, wall_minutes = resumable_fit(model, train, epochs=10_000, workdir=workdir,
                                    progress=progress, callbacks=[budget],
                                    steps_per_epoch=config.steps_per_epoch)

    detector = ObjectDetector(model, class_names, preprocessor)
    detector.save(workdir / "final.keras")
    summary = {"train_machine_minutes": round(budget.spent(), 1),
               "train_wall_minutes": wall_minutes, **described}
    if config.data == "fashion_scenes" and config.validation_scenes:
        images, boxes, classes = scene_arrays("validation", config.validation_scenes,
                                              seed=config.seed)
        summary["validation"] = detector.evaluate(images, boxes, classes)
    (workdir / "summary.json").write_text(json.dumps(summary, indent=2, default=float))
    return detector, summary
