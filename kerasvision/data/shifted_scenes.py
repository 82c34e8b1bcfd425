"""Fashion scenes away from the training setting: the robustness check of the shipped models.

Test-split scenes on another canvas size (192×256 instead of 128×128), with items from 20 to
150 pixels (training: 14–96), over stripe or checkerboard backgrounds, a kind the generator
never draws (scene_backgrounds.held_out_background). The items' pixels are the generator's;
only the background around them is replaced, so boxes and masks stay exact.
"""

import numpy as np

SHIFTED_SETTING = {"size": (192, 256), "item_size": (20, 150)}


def shifted_scenes(count, seed=1):
    """`(images, boxes, classes, semantic masks)` lists of `count` shifted test scenes."""
    from kerasvision.data.fashion_scenes import FashionScenes
    from kerasvision.data.scene_backgrounds import held_out_background

    scenes = FashionScenes("test", seed=seed, count=count, **SHIFTED_SETTING)
    rng = np.random.default_rng(seed)
    images, boxes, classes, masks = [], [], [], []
    for i in range(count):
        scene = scenes.scene(i)
        background = held_out_background(rng, scene.image.shape[:2])
        items = scene.semantic_mask[..., None] > 0
        images.append(np.where(items, scene.image, background))
        boxes.append(scene.boxes)
        classes.append(scene.classes)
        masks.append(scene.semantic_mask)
    return images, boxes, classes, masks
