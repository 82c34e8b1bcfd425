"""Annotated detections as a picture: a box per detection, a distinct colour per class, and a
label with its score on a filled tag, so it reads on dark and light images alike."""

import colorsys

import numpy as np
from PIL import Image, ImageDraw, ImageFont


def class_colour(class_id):
    """A saturated colour per class id, neighbours far apart on the hue circle (golden ratio)."""
    hue = (class_id * 0.618033988749895) % 1.0
    r, g, b = colorsys.hsv_to_rgb(hue, 0.85, 0.95)
    return int(r * 255), int(g * 255), int(b * 255)


def _text_colour(background):
    # Black text on light tags, white on dark ones (relative luminance).
    r, g, b = background
    return (0, 0, 0) if 0.299 * r + 0.587 * g + 0.114 * b > 140 else (255, 255, 255)


def draw_detections(image, detections, scale=None):
    """The image (H, W[, C] array, 0–255) with `detections` drawn; returns a PIL RGB image.

    Args:
        detections: objects with `label`, `class_id`, `score` and `box` (x0, y0, x1, y1) in the
            image's pixels (`kerasvision.tasks.object_detector.Detection`).
        scale: integer enlargement for small images (default: so the longer side is ≥ 384),
            applied before drawing so lines and text stay sharp.
    """
    array = np.asarray(image)
    if array.ndim == 3 and array.shape[-1] == 1:
        array = array[..., 0]
    picture = Image.fromarray(np.clip(array, 0, 255).astype(np.uint8)).convert("RGB")
    if scale is None:
        scale = max(1, int(np.ceil(384 / max(picture.size))))
    if scale > 1:
        picture = picture.resize((picture.width * scale, picture.height * scale),
                                 Image.Resampling.NEAREST)
    draw = ImageDraw.Draw(picture)
    font = ImageFont.load_default()
    line = max(2, scale // 2)
    for detection in detections:
        colour = class_colour(detection.class_id)
        x0, y0, x1, y1 = (float(v) * scale for v in detection.box)
        # An outline in black under the colour keeps the box visible on any background.
        draw.rectangle([x0 - 1, y0 - 1, x1 + 1, y1 + 1], outline=(0, 0, 0), width=line + 2)
        draw.rectangle([x0, y0, x1, y1], outline=colour, width=line)
        text = f"{detection.label} {detection.score:.2f}"
        left, top, right, bottom = draw.textbbox((0, 0), text, font=font)
        width, height = right - left + 4, bottom - top + 4
        ty = y0 - height if y0 - height >= 0 else y0
        tx = min(max(x0, 0), max(picture.width - width, 0))
        draw.rectangle([tx, ty, tx + width, ty + height], fill=colour)
        draw.text((tx + 2 - left, ty + 2 - top), text, fill=_text_colour(colour), font=font)
    return picture
