"""Reading COCO object-detection annotations (Lin et al., Microsoft COCO, ECCV 2014) safely.

    dataset = read_coco_annotations("instances_train.json", image_root="images/")
    for image in dataset.images:
        image.path, image.boxes, image.category_ids  # boxes: (N, 4) [x, y, w, h] pixels

    dataset = read_coco_annotations("instances_train.json", masks=True)
    dataset.images[0].masks  # (N, height, width) bool, from RLE or polygons

Everything a stranger's JSON could get wrong is checked up front and reported as one
`CocoAnnotationError` line naming the file, the place and the problem, rather than a
KeyError or a nonsense box deep inside training: types, unique ids, references between
images, annotations and categories, boxes inside their image, and file names that stay
inside the image root.
"""

import json
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from kerasvision.data.coco_segmentation import decode_segmentation
from kerasvision.data.dataset_paths import DatasetFileError, quoted, resolve_inside

# COCO's own boxes overshoot their image by rounding (x + w = 640.01 in a 640-wide image).
BOX_TOLERANCE_PIXELS = 1.0


class CocoAnnotationError(DatasetFileError):
    """A COCO annotation file that cannot be used (one line: "PATH: problem")."""


@dataclass(frozen=True)
class CocoImage:
    id: int
    path: Path
    width: int
    height: int
    boxes: np.ndarray  # (N, 4) float32, [x, y, width, height] in pixels, COCO's own format
    category_ids: np.ndarray  # (N,) int64
    masks: np.ndarray = None  # (N, height, width) bool when read with masks=True, else None


@dataclass(frozen=True)
class CocoDataset:
    images: list  # CocoImage, in the file's order
    categories: dict  # category id -> name


def read_coco_annotations(path, image_root=None, masks=False):
    """Read and validate a COCO detection JSON file.

    Args:
        path: the JSON file.
        image_root: the folder `file_name`s are relative to; default: the JSON's folder.
        masks: also decode every annotation's "segmentation" (RLE, compressed or not, or
            polygons) into `CocoImage.masks`; each annotation must then have one.

    Raises:
        CocoAnnotationError: the file is missing, unreadable, not JSON, or breaks COCO's
            structure; the message names the file and the first problem found.
    """
    path = Path(path)
    root = Path(image_root) if image_root is not None else path.parent
    document = _load_json(path)
    if not isinstance(document, dict):
        raise CocoAnnotationError(path, f"top level must be a JSON object, got "
                                        f"{_json_type(document)}")
    sections = {}
    for key in ("images", "annotations", "categories"):
        if key not in document:
            raise CocoAnnotationError(path, f"missing the {key!r} list")
        if not isinstance(document[key], list):
            raise CocoAnnotationError(path, f"{key!r} must be a list, got "
                                            f"{_json_type(document[key])}")
        sections[key] = document[key]
    categories = _read_categories(path, sections["categories"])
    images = _read_images(path, root, sections["images"])
    boxes = {image_id: [] for image_id in images}
    labels = {image_id: [] for image_id in images}
    instance_masks = {image_id: [] for image_id in images}
    seen = set()
    for index, annotation in enumerate(sections["annotations"]):
        where = f"annotations[{index}]"
        _require_object(path, annotation, where)
        annotation_id = _integer(path, annotation, "id", where)
        if annotation_id in seen:
            raise CocoAnnotationError(path, f"{where}: duplicate annotation id {annotation_id}")
        seen.add(annotation_id)
        image_id = _integer(path, annotation, "image_id", where)
        if image_id not in images:
            raise CocoAnnotationError(path, f"{where}: image_id {image_id} is not in 'images'")
        category_id = _integer(path, annotation, "category_id", where)
        if category_id not in categories:
            raise CocoAnnotationError(
                path, f"{where}: category_id {category_id} is not in 'categories'")
        boxes[image_id].append(_bbox(path, annotation, where, images[image_id]))
        labels[image_id].append(category_id)
        if masks:
            instance_masks[image_id].append(
                _segmentation(path, annotation, where, images[image_id]))
    result = [CocoImage(image_id, file_path, width, height,
                        np.array(boxes[image_id], np.float32).reshape(-1, 4),
                        np.array(labels[image_id], np.int64),
                        _stacked(instance_masks[image_id], height, width) if masks else None)
              for image_id, (file_path, width, height) in images.items()]
    return CocoDataset(result, categories)


def _load_json(path):
    try:
        text = path.read_bytes()
    except FileNotFoundError:
        raise CocoAnnotationError(path, "no such file") from None
    except IsADirectoryError:
        raise CocoAnnotationError(path, "is a directory, not a JSON file") from None
    except PermissionError:
        raise CocoAnnotationError(path, "permission denied") from None
    except OSError as exc:
        raise CocoAnnotationError(path, f"cannot read ({exc.strerror or exc})") from None
    if not text.strip():
        raise CocoAnnotationError(path, "empty file")
    try:
        return json.loads(text)
    except UnicodeDecodeError:
        raise CocoAnnotationError(path, "not UTF-8 text (JSON must be UTF-8)") from None
    except json.JSONDecodeError as exc:
        raise CocoAnnotationError(path, f"not valid JSON ({exc.msg} at line {exc.lineno}, "
                                        f"column {exc.colno})") from None
    except RecursionError:  # "[[[[..." a hundred thousand deep
        raise CocoAnnotationError(path, "not valid JSON (nested too deeply)") from None
    except ValueError as exc:  # a 5000-digit integer passes the grammar, not int()
        raise CocoAnnotationError(path, f"not usable JSON ({exc})") from None


def _read_categories(path, entries):
    categories = {}
    for index, category in enumerate(entries):
        where = f"categories[{index}]"
        _require_object(path, category, where)
        category_id = _integer(path, category, "id", where)
        name = category.get("name")
        if not isinstance(name, str) or not name:
            raise CocoAnnotationError(path, f"{where}.name must be a non-empty string, got "
                                            f"{quoted(name)}")
        if category_id in categories:
            raise CocoAnnotationError(path, f"{where}: duplicate category id {category_id}")
        categories[category_id] = name
    return categories


def _read_images(path, root, entries):
    images = {}
    for index, image in enumerate(entries):
        where = f"images[{index}]"
        _require_object(path, image, where)
        image_id = _integer(path, image, "id", where)
        if image_id in images:
            raise CocoAnnotationError(path, f"{where}: duplicate image id {image_id}")
        width = _integer(path, image, "width", where, minimum=1)
        height = _integer(path, image, "height", where, minimum=1)
        file_path = resolve_inside(root, image.get("file_name"), CocoAnnotationError, path,
                                   f"{where}.file_name")
        images[image_id] = (file_path, width, height)
    return images


def _bbox(path, annotation, where, image):
    _, width, height = image
    box = annotation.get("bbox")
    if (not isinstance(box, list) or len(box) != 4
            or not all(_is_number(v) for v in box)):
        raise CocoAnnotationError(path, f"{where}.bbox must be 4 numbers [x, y, width, "
                                        f"height], got {quoted(box)}")
    x, y, w, h = (float(v) for v in box)
    if not all(math.isfinite(v) for v in (x, y, w, h)):
        raise CocoAnnotationError(path, f"{where}.bbox has a non-finite value {quoted(box)}")
    if w <= 0 or h <= 0:
        raise CocoAnnotationError(path, f"{where}.bbox {quoted(box)} has no area "
                                        "(width and height must be > 0)")
    slack = BOX_TOLERANCE_PIXELS
    if x < -slack or y < -slack or x + w > width + slack or y + h > height + slack:
        raise CocoAnnotationError(path, f"{where}.bbox {quoted(box)} lies outside its "
                                        f"{width}x{height} image")
    return [x, y, w, h]


def _segmentation(path, annotation, where, image):
    _, width, height = image
    if "segmentation" not in annotation:
        raise CocoAnnotationError(path, f"{where}: no 'segmentation' (needed to read masks)")
    try:
        return decode_segmentation(annotation["segmentation"], height, width)
    except ValueError as exc:
        raise CocoAnnotationError(path, f"{where}.segmentation: {exc}") from None


def _stacked(masks, height, width):
    return np.stack(masks) if masks else np.zeros((0, height, width), bool)


def _require_object(path, value, where):
    if not isinstance(value, dict):
        raise CocoAnnotationError(path, f"{where} must be a JSON object, got {_json_type(value)}")


def _integer(path, entry, key, where, minimum=None):
    value = entry.get(key)
    # bool is an int in Python; `true` is not an id in JSON.
    if isinstance(value, bool) or not isinstance(value, int):
        raise CocoAnnotationError(path, f"{where}.{key} must be an integer, got {quoted(value)}")
    if minimum is not None and value < minimum:
        raise CocoAnnotationError(path, f"{where}.{key} must be >= {minimum}, got {value}")
    return value


def _is_number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _json_type(value):
    return {dict: "an object", list: "a list", str: "a string", bool: "a boolean",
            type(None): "null", int: "a number", float: "a number"}.get(type(value), "a value")
