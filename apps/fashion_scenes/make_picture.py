"""Draw six Fashion scenes with their boxes and class names, each beside its semantic mask.

    python apps/fashion_scenes/make_picture.py   # writes kerasvision/data/fashion_scenes.png

Each scene and mask is enlarged 2x (nearest neighbour, so pixels stay visible); boxes and
masks share one colour per Fashion-MNIST class, named in the legend at the bottom.
"""

import argparse
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from kerasvision.data.fashion_mnist import CLASS_NAMES
from kerasvision.data.fashion_scenes import FashionScenes

ROOT = Path(__file__).resolve().parents[2]
ZOOM = 2
GAP = 8
# Matplotlib's tab10 colours: ten classes, told apart easily.
PALETTE = np.array([(31, 119, 180), (255, 127, 14), (44, 160, 44), (214, 39, 40),
                    (148, 103, 189), (140, 86, 75), (227, 119, 194), (127, 127, 127),
                    (188, 189, 34), (23, 190, 207)], np.uint8)


def scene_panel(scene, font):
    """The scene enlarged, each box outlined in its class colour with the class name."""
    height, width = scene.semantic_mask.shape
    panel = Image.fromarray(scene.image).resize((width * ZOOM, height * ZOOM),
                                                Image.Resampling.NEAREST)
    draw = ImageDraw.Draw(panel)
    for box, label in zip(scene.boxes, scene.classes):
        colour = tuple(int(v) for v in PALETTE[label])
        x_min, y_min, x_max, y_max = (float(v) * ZOOM for v in box)
        # Exclusive maxima: the last pixel inside ends one pixel before x_max.
        draw.rectangle([x_min, y_min, x_max - 1, y_max - 1], outline=colour, width=2)
        text = CLASS_NAMES[label]
        left, top, right, bottom = draw.textbbox((x_min + 2, y_min + 1), text, font=font)
        draw.rectangle([left - 2, top - 1, right + 1, bottom + 1], fill=colour)
        draw.text((x_min + 2, y_min + 1), text, fill=(255, 255, 255), font=font)
    return panel


def mask_panel(scene):
    """The semantic mask enlarged: black background, one colour per class."""
    colours = np.concatenate([np.zeros((1, 3), np.uint8), PALETTE])[scene.semantic_mask]
    height, width = scene.semantic_mask.shape
    return Image.fromarray(colours).resize((width * ZOOM, height * ZOOM),
                                           Image.Resampling.NEAREST)


def legend(width, font):
    strip = Image.new("RGB", (width, 44), "white")
    draw = ImageDraw.Draw(strip)
    step = width // 5
    for label, name in enumerate(CLASS_NAMES):
        x, y = (label % 5) * step + GAP, 4 + (label // 5) * 20
        draw.rectangle([x, y + 2, x + 12, y + 14], fill=tuple(int(v) for v in PALETTE[label]))
        draw.text((x + 18, y), name, fill=(0, 0, 0), font=font)
    return strip


def make_picture(output, split="validation", seed=0, count=6, columns=2):
    scenes = FashionScenes(split, seed=seed)
    font = ImageFont.load_default(size=13)
    pairs = []
    for index in range(count):
        scene = scenes.scene(index)
        pairs.append((scene_panel(scene, font), mask_panel(scene)))
    tile_w, tile_h = pairs[0][0].size
    rows = -(-count // columns)
    width = columns * (2 * tile_w + GAP) + (columns - 1) * 3 * GAP + 2 * GAP
    sheet = Image.new("RGB", (width, rows * (tile_h + GAP) + GAP), "white")
    for k, (picture, mask) in enumerate(pairs):
        x = GAP + (k % columns) * (2 * tile_w + 4 * GAP)
        y = GAP + (k // columns) * (tile_h + GAP)
        sheet.paste(picture, (x, y))
        sheet.paste(mask, (x + tile_w + GAP, y))
    key = legend(width, font)
    full = Image.new("RGB", (width, sheet.height + key.height), "white")
    full.paste(sheet, (0, 0))
    full.paste(key, (0, sheet.height))
    full.save(output, optimize=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", default=str(ROOT / "kerasvision/data/fashion_scenes.png"))
    parser.add_argument("--split", default="validation")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    make_picture(args.output, args.split, args.seed)
    print(args.output)


if __name__ == "__main__":
    main()
