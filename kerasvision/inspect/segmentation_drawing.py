"""Class maps as pictures: a colour mask, the mask blended over its image, and a legend.

The palette is Pascal VOC's (Everingham et al., The PASCAL Visual Object Classes Challenge,
IJCV 2010; the devkit's `labelcolormap`): class 0, the background, is black, and the bits of
each class id are spread over the high bits of red, green and blue, so neighbouring ids get
distinct colours and any tool that knows VOC masks shows ours the same way. The mask is
written as a palette PNG (mode "P"), as VOC ships its masks: its pixel values ARE the class
ids (`kerasvision.data.segmentation_masks.read_segmentation_mask` reads it back) and every
image viewer shows it in colour.
"""

import numpy as np
from PIL import Image, ImageDraw, ImageFont

PALETTE_SIZE = 256
OVERLAY_ALPHA = 0.5


def voc_palette(count=PALETTE_SIZE):
    """(count, 3) uint8 colours: VOC's colour map, class 0 black."""
    palette = np.zeros((count, 3), np.uint8)
    for class_id in range(count):
        value, rgb = class_id, [0, 0, 0]
        for bit in range(7, -1, -1):  # the id's bits, three at a time, from the top bit down
            for channel in range(3):
                rgb[channel] |= ((value >> channel) & 1) << bit
            value >>= 3
        palette[class_id] = rgb
    return palette


def colour_mask(class_map):
    """A palette PNG-ready image (mode "P") of a class map (H, W): pixel values are the class
    ids (0..255; -1, padding, becomes 0), colours VOC's."""
    ids = np.asarray(class_map)
    if ids.ndim != 2:
        raise ValueError(f"expected a class map (H, W), got shape {ids.shape}")
    if ids.size and ids.max() >= PALETTE_SIZE:
        raise ValueError(f"class id {int(ids.max())} does not fit a palette image (< 256)")
    indices = np.ascontiguousarray(np.clip(ids, 0, None).astype(np.uint8))
    picture = Image.frombytes("P", (indices.shape[1], indices.shape[0]), indices.tobytes())
    picture.putpalette(voc_palette().ravel().tolist())
    return picture


def overlay(image, class_map, alpha=OVERLAY_ALPHA):
    """The image (H, W[, C], 0–255) with each non-background pixel blended with its class's
    colour (`alpha` of the colour); background pixels are left as they are. RGB PIL image."""
    array = np.asarray(image)
    if array.ndim == 3 and array.shape[-1] == 1:
        array = array[..., 0]
    rgb = np.asarray(Image.fromarray(np.clip(array, 0, 255).astype(np.uint8)).convert("RGB"),
                     np.float32)
    ids = np.asarray(class_map)
    if ids.shape != rgb.shape[:2]:
        raise ValueError(f"class map of shape {ids.shape} for an image of {rgb.shape[:2]}")
    colours = voc_palette()[np.clip(ids, 0, PALETTE_SIZE - 1)].astype(np.float32)
    foreground = (ids > 0)[..., None]
    blended = np.where(foreground, (1 - alpha) * rgb + alpha * colours, rgb)
    return Image.fromarray(np.round(blended).astype(np.uint8))


def legend(entries, swatch=16, padding=6):
    """A legend of the classes present: a colour swatch, the name and the pixel fraction.

    Args:
        entries: `{"label", "class_id", "pixel_fraction"}` dicts, one row each, in order
            (`kerasvision.tasks.image_segmenter.class_fractions` gives them).
    """
    font = ImageFont.load_default()
    probe = ImageDraw.Draw(Image.new("RGB", (1, 1)))
    rows = [f"{e['label']}  {100 * e['pixel_fraction']:.1f}%" for e in entries] or ["(empty)"]
    boxes = [probe.textbbox((0, 0), text, font=font) for text in rows]
    text_width = max(right - left for left, _, right, _ in boxes)
    row_height = max(swatch, max(bottom - top for _, top, _, bottom in boxes)) + padding
    picture = Image.new("RGB", (3 * padding + swatch + text_width,
                                padding + row_height * len(rows)), (255, 255, 255))
    draw = ImageDraw.Draw(picture)
    palette = voc_palette()
    for index, (text, (left, top, _, bottom)) in enumerate(zip(rows, boxes)):
        y = padding + index * row_height
        if entries:
            colour = tuple(int(c) for c in palette[entries[index]["class_id"] % PALETTE_SIZE])
            # A grey outline keeps the black background swatch visible on white.
            draw.rectangle([padding, y, padding + swatch - 1, y + swatch - 1], fill=colour,
                           outline=(128, 128, 128))
        text_y = y + (swatch - (bottom - top)) // 2 - top
        draw.text((2 * padding + swatch - left, text_y), text, fill=(0, 0, 0), font=font)
    return picture
