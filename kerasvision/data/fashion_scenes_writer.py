"""Writing Fashion scenes as a COCO-format folder that appears complete or not at all.

    write_scenes_dataset("scenes/val", count=500, split="validation")

    scenes/val/
      images/000000.png ...   RGB scenes
      masks/000000.png ...    semantic masks (mode L): 0 background, 1 + Fashion-MNIST class
      annotations.json        COCO detection + instance segmentation (Lin et al., ECCV 2014)

Category ids are 1 + the Fashion-MNIST class, the values of the semantic masks; instance
masks are uncompressed COCO RLE. read_coco_annotations(..., masks=True) and
read_segmentation_mask(..., num_classes=11) read the folder back. The same arguments
always write byte-identical files (no dates inside).
"""

import json
import os
import sys

import numpy as np
from PIL import Image

import kerasvision
from kerasvision.data.coco_segmentation import encode_rle
from kerasvision.data.fashion_mnist import CLASS_NAMES
from kerasvision.data.fashion_scenes import (DEFAULT_ITEM_SIZE, DEFAULT_MAX_ITEMS,
                                             DEFAULT_SIZE, FashionScenes)
from kerasvision.io.atomic_files import atomic_directory

ANNOTATIONS_FILE = "annotations.json"
NUM_MASK_CLASSES = 1 + len(CLASS_NAMES)  # background + the ten classes


def write_scenes_dataset(directory, count, split="train", size=DEFAULT_SIZE, seed=0,
                         progress=True, item_size=DEFAULT_ITEM_SIZE,
                         max_items=DEFAULT_MAX_ITEMS, source=None):
    """Write scenes 0..count-1 of FashionScenes(split, size, seed, ...) to `directory`.

    The folder is built under a hidden temporary name beside it and renamed when complete
    (kerasvision.io.atomic_directory), so a killed run leaves no half-written dataset.

    Args:
        directory: the folder to create; it must not exist.
        count: the number of scenes.
        split, size, seed, item_size, max_items, source: as for FashionScenes.
        progress: show a progress bar on stderr.

    Returns:
        The COCO document written to annotations.json (a dict).

    Raises:
        FileExistsError: `directory` exists; nothing is changed.
    """
    if count < 1:
        raise ValueError(f"count must be >= 1, got {count}")
    scenes = FashionScenes(split, size=size, seed=seed, item_size=item_size,
                           max_items=max_items, count=count, source=source)
    directory = os.fspath(directory)
    if os.path.lexists(directory):  # before the parent is made or any work is done
        raise FileExistsError(f"{directory} already exists; refusing to overwrite it")
    os.makedirs(os.path.dirname(os.path.abspath(directory)), exist_ok=True)
    document = _empty_document(scenes)
    with atomic_directory(directory) as partial:
        for folder in ("images", "masks"):
            os.mkdir(os.path.join(partial, folder))
        with _progress(range(count), progress, f"Writing {count} {split} scenes") as indices:
            for index in indices:
                scene = scenes.scene(index)
                name = f"{index:06d}.png"
                Image.fromarray(scene.image, "RGB").save(os.path.join(partial, "images", name))
                Image.fromarray(scene.semantic_mask, "L").save(
                    os.path.join(partial, "masks", name))
                _add_scene(document, index, name, scene)
        with open(os.path.join(partial, ANNOTATIONS_FILE), "w", encoding="utf-8") as file:
            json.dump(document, file)
    return document


def _empty_document(scenes):
    height, width = scenes.size
    return {
        "info": {
            "description": f"Fashion scenes: Fashion-MNIST items composed on {height}x{width} "
                           f"canvases ({scenes.split} split, seed {scenes.seed})",
            "version": kerasvision.__version__,
            "split": scenes.split,
            "seed": scenes.seed,
        },
        "images": [],
        "annotations": [],
        "categories": [{"id": 1 + k, "name": name, "supercategory": "fashion"}
                       for k, name in enumerate(CLASS_NAMES)],
    }


def _add_scene(document, index, name, scene):
    height, width = scene.semantic_mask.shape
    document["images"].append({"id": index, "file_name": f"images/{name}", "width": width,
                               "height": height, "mask_file_name": f"masks/{name}"})
    for box, label, mask in zip(scene.boxes, scene.classes, scene.instance_masks):
        x_min, y_min, x_max, y_max = (float(v) for v in box)
        document["annotations"].append({
            "id": len(document["annotations"]) + 1,
            "image_id": index,
            "category_id": 1 + int(label),
            "bbox": [x_min, y_min, x_max - x_min, y_max - y_min],
            "area": int(np.count_nonzero(mask)),
            "iscrowd": 0,
            "segmentation": encode_rle(mask),
        })


def _progress(items, show, label):
    if not show:
        return _NoBar(items)
    import click

    return click.progressbar(items, label=label, file=sys.stderr)


class _NoBar:
    """click.progressbar's context-manager interface, silent."""

    def __init__(self, items):
        self.items = items

    def __enter__(self):
        return self.items

    def __exit__(self, *exc):
        return False
