"""Fashion scenes: Fashion-MNIST items composed on canvases, for detection and segmentation.

    scenes = FashionScenes("train", size=(128, 128), seed=0)
    scene = scenes.scene(17)      # the same arrays every time (same numpy and Pillow)
    scene.image                   # (128, 128, 3) uint8
    scene.boxes, scene.classes    # (N, 4) float32 [x_min, y_min, x_max, y_max], (N,) int32
    scene.instance_masks          # (N, 128, 128) bool, visible pixels of each item
    scene.semantic_mask           # (128, 128) uint8: 0 background, 1 + Fashion-MNIST class

Each scene holds 1 to 8 Fashion-MNIST items (Xiao, Rasul & Vollgraf 2017), each cut out
along its own mask, scaled (keeping its aspect ratio) to a random longer side, optionally
tinted, and pasted at a random place over a random background (see scene_backgrounds.py).
Later items lie on top; a placement that would hide more than `max_occlusion` of an earlier
item is drawn again, so every item stays recognisable.

Conventions:
- An item's mask is its 28x28 pixels brighter than ITEM_THRESHOLD (16 of 255), scaled with
  a box filter so that a scaled pixel belongs to the item if it overlaps one such pixel;
  the item's intensities are scaled with Pillow's antialiased bilinear filter.
- Boxes are pixel-edge coordinates with exclusive maxima: an item covering columns 3..9
  has x_min = 3, x_max = 10. So COCO's [x, y, w, h] is [x_min, y_min, x_max - x_min,
  y_max - y_min], and w, h count pixels. Boxes are the tight boxes of the visible masks.
- Splits: "train" and "validation" draw items from Fashion-MNIST's training split, the
  validation scenes from its last VALIDATION_ITEMS images only, the training scenes from
  the others; "test" draws from Fashion-MNIST's test split.

The COCO writer and the tf.data pipeline live in fashion_scenes_writer.py and
fashion_scenes_dataset.py; `write_scenes_dataset` and `scenes_dataset` are importable from
here too, loaded on first use so that this module never imports TensorFlow.
"""

import functools
from dataclasses import dataclass

import numpy as np
from PIL import Image

from kerasvision.data.fashion_mnist import CLASS_NAMES, load_fashion_mnist
from kerasvision.data.scene_backgrounds import random_background

SPLITS = ("train", "validation", "test")
ITEM_THRESHOLD = 16
VALIDATION_ITEMS = 5000
DEFAULT_SIZE = (128, 128)
DEFAULT_ITEM_SIZE = (14, 96)
DEFAULT_MAX_ITEMS = 8
DEFAULT_MAX_OCCLUSION = 0.5
PLACEMENT_ATTEMPTS = 30
TINT_PROBABILITY = 0.5


@dataclass(frozen=True)
class Scene:
    """One composed scene; N items, in painting order (the last one is on top)."""

    image: np.ndarray  # (H, W, 3) uint8
    boxes: np.ndarray  # (N, 4) float32, [x_min, y_min, x_max, y_max], exclusive maxima
    classes: np.ndarray  # (N,) int32, Fashion-MNIST class ids 0..9
    instance_masks: np.ndarray  # (N, H, W) bool, the visible pixels of each item
    semantic_mask: np.ndarray  # (H, W) uint8, 0 = background, 1 + class id elsewhere
    source_indices: np.ndarray  # (N,) int64, each item's index in its source array


def generate_scene(rng, items, labels, size=DEFAULT_SIZE, item_size=DEFAULT_ITEM_SIZE,
                   min_items=1, max_items=DEFAULT_MAX_ITEMS,
                   max_occlusion=DEFAULT_MAX_OCCLUSION):
    """Compose one scene from items drawn out of `items`.

    Args:
        rng: a numpy Generator; the scene depends on nothing else.
        items: (M, h, w) uint8 grey images to draw items from (Fashion-MNIST's 28x28).
        labels: (M,) their class ids.
        size: (height, width) of the canvas.
        item_size: (smallest, largest) longer side of a scaled item, in pixels; the
            largest is capped at the canvas's shorter side.
        min_items, max_items: the number of items is drawn uniformly in this range; an
            item that finds no place after PLACEMENT_ATTEMPTS is left out (never the first,
            which always fits), and so is a blank image (Fashion-MNIST has none).
        max_occlusion: the largest fraction of an item's pixels later items may cover.

    Returns:
        A Scene whose `source_indices` index `items`.
    """
    height, width = _check_size(size)
    smallest, largest = _item_size_range(item_size, size)
    _check_items(min_items, max_items, max_occlusion)
    if len(items) != len(labels) or len(items) == 0:
        raise ValueError(f"need as many labels as items (and some), got {len(items)} items "
                         f"and {len(labels)} labels")
    image = random_background(rng, (height, width)).copy()
    visible, full_areas, classes, sources = [], [], [], []
    for _ in range(rng.integers(min_items, max_items + 1)):
        index = int(rng.integers(len(items)))
        cutout = item_cutout(items[index])
        if cutout is None:  # an item with no pixel above the threshold: nothing to show
            continue
        intensity, mask = scale_item(*cutout, int(rng.integers(smallest, largest + 1)))
        colour = _tinted(rng, intensity)
        placed = _place(rng, mask, (height, width), visible, full_areas, max_occlusion)
        if placed is None:
            continue
        top, left = placed
        window = (slice(top, top + mask.shape[0]), slice(left, left + mask.shape[1]))
        canvas_mask = np.zeros((height, width), bool)
        canvas_mask[window] = mask
        for earlier in visible:
            earlier &= ~canvas_mask  # occluded pixels belong to the item on top
        image[window][mask] = colour[mask]
        visible.append(canvas_mask)
        full_areas.append(int(mask.sum()))
        classes.append(int(labels[index]))
        sources.append(index)
    instance_masks = (np.stack(visible) if visible
                      else np.zeros((0, height, width), bool))
    classes = np.array(classes, np.int32)
    semantic = np.zeros((height, width), np.uint8)
    for mask, label in zip(instance_masks, classes):
        semantic[mask] = 1 + label
    return Scene(image, mask_boxes(instance_masks), classes, instance_masks, semantic,
                 np.array(sources, np.int64))


def item_cutout(item, threshold=ITEM_THRESHOLD):
    """(intensity, mask) of an item cropped to its tight box, or None if it is blank.

    The mask is the pixels brighter than `threshold`; intensities outside it are zeroed so
    that scaling does not blend the item's own faint background into it.
    """
    mask = item > threshold
    rows, cols = np.flatnonzero(mask.any(axis=1)), np.flatnonzero(mask.any(axis=0))
    if rows.size == 0:
        return None
    window = (slice(rows[0], rows[-1] + 1), slice(cols[0], cols[-1] + 1))
    return np.where(mask, item, 0)[window].astype(np.uint8), mask[window]


def scale_item(intensity, mask, longer_side):
    """Scale a cutout so its longer side is `longer_side` pixels, keeping its aspect ratio.

    The mask uses a box filter and keeps every pixel that overlaps the item, so the scaled
    mask still touches all four sides of its box and its tight box is exactly the scaled
    size. Intensities are resized with Pillow's antialiased bilinear filter as a weighted
    mean over the item's own pixels only (normalised convolution), so the edges are not
    darkened by the black outside the item.
    """
    height, width = mask.shape
    factor = longer_side / max(height, width)
    new_size = (max(1, round(width * factor)), max(1, round(height * factor)))  # PIL: w, h
    weight = mask.astype(np.float32)
    total = _resized(intensity.astype(np.float32) * weight, new_size, Image.Resampling.BILINEAR)
    weights = _resized(weight, new_size, Image.Resampling.BILINEAR)
    scaled = np.clip(np.round(total / np.maximum(weights, 1e-6)), 0, 255).astype(np.uint8)
    coverage = _resized(weight, new_size, Image.Resampling.BOX)
    return scaled, coverage > 0


def mask_boxes(masks):
    """(N, 4) float32 tight boxes [x_min, y_min, x_max, y_max] (exclusive maxima) of masks.

    An empty mask gets [0, 0, 0, 0].
    """
    boxes = np.zeros((len(masks), 4), np.float32)
    for k, mask in enumerate(masks):
        rows, cols = np.flatnonzero(mask.any(axis=1)), np.flatnonzero(mask.any(axis=0))
        if rows.size:
            boxes[k] = (cols[0], rows[0], cols[-1] + 1, rows[-1] + 1)
    return boxes


class FashionScenes:
    """The scenes of one split: `scene(i)` is a pure function of (seed, split, i).

    Args:
        split: "train", "validation" or "test" (see the module docstring).
        size: (height, width) of every canvas.
        seed: non-negative integer; scene i of one seed never changes.
        item_size: (smallest, largest) longer side of an item in pixels.
        max_items: at most this many items per scene (at least 1).
        max_occlusion: the largest fraction of an item later items may hide.
        count: the number of scenes (`len`); default one per item of the split's pool.
        source: ((x_train, y_train), (x_test, y_test)) as load_fashion_mnist returns, to
            compose other images (tests); default Fashion-MNIST itself.
        validation_items: how many of the last training images form the validation pool.
    """

    def __init__(self, split="train", size=DEFAULT_SIZE, seed=0, item_size=DEFAULT_ITEM_SIZE,
                 max_items=DEFAULT_MAX_ITEMS, max_occlusion=DEFAULT_MAX_OCCLUSION, count=None,
                 source=None, validation_items=VALIDATION_ITEMS):
        if split not in SPLITS:
            raise ValueError(f"split must be one of {', '.join(SPLITS)}; got {split!r}")
        if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
            raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
        self.split, self.seed = split, int(seed)
        self.size = _check_size(size)
        self.item_size = tuple(item_size)
        _item_size_range(self.item_size, self.size)
        _check_items(1, max_items, max_occlusion)
        self.max_items, self.max_occlusion = max_items, max_occlusion
        (x_train, y_train), (x_test, y_test) = source if source is not None else _fashion_mnist()
        if split == "test":
            self.source_split, images, labels = "test", x_test, y_test
            self.item_indices = np.arange(len(x_test))
        else:
            if not 0 < validation_items < len(x_train):
                raise ValueError(f"validation_items must be in 1..{len(x_train) - 1}, got "
                                 f"{validation_items}")
            self.source_split, images, labels = "train", x_train, y_train
            first_held_out = len(x_train) - validation_items
            self.item_indices = (np.arange(first_held_out) if split == "train"
                                 else np.arange(first_held_out, len(x_train)))
        self._items, self._labels = images[self.item_indices], labels[self.item_indices]
        self.count = len(self.item_indices) if count is None else int(count)
        if self.count < 0:
            raise ValueError(f"count must be >= 0, got {count}")
        self.class_names = CLASS_NAMES

    def __len__(self):
        return self.count

    def __getitem__(self, i):
        return self.scene(i)

    def __iter__(self):
        return (self.scene(i) for i in range(self.count))

    def scene(self, i):
        """Scene `i` (0 <= i < len); its `source_indices` index Fashion-MNIST's split."""
        if isinstance(i, bool) or not isinstance(i, (int, np.integer)) or not 0 <= i < self.count:
            raise IndexError(f"scene index {i!r} out of range 0..{self.count - 1}")
        rng = np.random.default_rng([self.seed, SPLITS.index(self.split), int(i)])
        scene = generate_scene(rng, self._items, self._labels, self.size, self.item_size,
                               max_items=self.max_items, max_occlusion=self.max_occlusion)
        # Report provenance in Fashion-MNIST's own numbering, not the pool's.
        return Scene(scene.image, scene.boxes, scene.classes, scene.instance_masks,
                     scene.semantic_mask, self.item_indices[scene.source_indices])


def __getattr__(name):
    # The writer imports this module; TensorFlow loads only with scenes_dataset.
    if name == "write_scenes_dataset":
        from kerasvision.data.fashion_scenes_writer import write_scenes_dataset

        return write_scenes_dataset
    if name == "scenes_dataset":
        from kerasvision.data.fashion_scenes_dataset import scenes_dataset

        return scenes_dataset
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


@functools.lru_cache(maxsize=1)
def _fashion_mnist():
    return load_fashion_mnist()


def _check_size(size):
    height, width = (int(v) for v in size)
    if height < 1 or width < 1:
        raise ValueError(f"scene size must be positive, got {height}x{width}")
    return height, width


def _check_items(min_items, max_items, max_occlusion):
    if not 1 <= min_items <= max_items:
        raise ValueError(f"need 1 <= min_items <= max_items, got {min_items}, {max_items}")
    if not 0 <= max_occlusion < 1:
        raise ValueError(f"max_occlusion must be in [0, 1), got {max_occlusion}")


def _item_size_range(item_size, size):
    smallest, largest = (int(v) for v in item_size)
    largest = min(largest, min(size))  # an item must fit on the canvas
    if not 1 <= smallest <= largest:
        raise ValueError(f"item_size {tuple(item_size)} does not fit a "
                         f"{size[0]}x{size[1]} canvas (need 1 <= smallest <= largest and "
                         "smallest <= the canvas's shorter side)")
    return smallest, largest


def _resized(values, size, method):
    """A float32 (h, w) array resized by Pillow (mode F: no rounding to 8 bits)."""
    return np.array(Image.fromarray(values, "F").resize(size, method))


def _tinted(rng, intensity):
    """(h, w, 3) uint8 colours: the grey item, or it times a random colour."""
    tint = (rng.uniform(0.35, 1.0, size=3) if rng.random() < TINT_PROBABILITY
            else np.ones(3))
    return np.round(intensity[..., None] * tint).astype(np.uint8)


def _place(rng, mask, size, visible, full_areas, max_occlusion):
    """(top, left) where `mask` hides at most `max_occlusion` of every earlier item."""
    height, width = size
    for _ in range(PLACEMENT_ATTEMPTS):
        top = int(rng.integers(height - mask.shape[0] + 1))
        left = int(rng.integers(width - mask.shape[1] + 1))
        window = (slice(top, top + mask.shape[0]), slice(left, left + mask.shape[1]))
        # Hidden pixels count against the item's full area, so that occlusion by several
        # later items adds up.
        if all(full - (np.count_nonzero(earlier) - np.count_nonzero(earlier[window] & mask))
               <= max_occlusion * full
               for earlier, full in zip(visible, full_areas)):
            return top, left
    return None
