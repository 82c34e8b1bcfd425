"""R-CNN's region warping (Girshick, Donahue, Darrell & Malik, "Rich feature hierarchies for
accurate object detection and semantic segmentation", CVPR 2014, §2.1 and Appendix A).

"Regardless of the size or aspect ratio of the candidate region, we warp all pixels in a
tight bounding box around it to the required size" — an anisotropic resize to the CNN's
square input. "Prior to warping, we dilate the tight bounding box so that at the warped size
there are exactly p pixels of warped image context around the original box (we use p = 16)."
Where the dilated box leaves the image, "we replace the missing data with the image mean"
(Appendix A); here the image's own mean colour.

Sampling is bilinear at the centres of the output pixels (an output pixel j of a box
[x1, x2) samples x1 + (j + 0.5) (x2 - x1) / S - 0.5 in pixel-index coordinates), through
tf.image.crop_and_resize.
"""

import numpy as np

# The paper's context padding, in pixels of the warped region (Appendix A).
PAPER_CONTEXT_PADDING = 16


def dilate_for_context(boxes, output_size, context_padding):
    """Boxes (N, 4) xyxy grown about their centres so that, warped to `output_size` square,
    the original box fills the inner `output_size - 2 * context_padding` pixels."""
    boxes = np.asarray(boxes, np.float32).reshape(-1, 4)
    inner = output_size - 2 * context_padding
    if inner <= 0:
        raise ValueError(f"context_padding {context_padding} leaves no room in {output_size} "
                         "pixels")
    scale = output_size / inner
    centre = 0.5 * (boxes[:, :2] + boxes[:, 2:])
    half = 0.5 * (boxes[:, 2:] - boxes[:, :2]) * scale
    return np.concatenate([centre - half, centre + half], axis=1)


def warp_regions(image, boxes, output_size, context_padding=0):
    """The regions `boxes` (N, 4) xyxy of `image` (H, W, C), each dilated for context and
    resized to (output_size, output_size): float32 (N, S, S, C). Missing data outside the
    image is the image's mean colour (module doc)."""
    import tensorflow as tf

    image = np.asarray(image, np.float32)
    boxes = dilate_for_context(boxes, output_size, context_padding) if context_padding \
        else np.asarray(boxes, np.float32).reshape(-1, 4)
    channels = image.shape[-1]
    if len(boxes) == 0:
        return np.zeros((0, output_size, output_size, channels), np.float32)
    height, width = image.shape[:2]
    # Output pixel j of S samples x1 + (j + 0.5) * w / S - 0.5; crop_and_resize samples
    # start + j * (end - start) / (S - 1) in normalised units of (size - 1).
    x1, y1, x2, y2 = boxes.T
    step_x, step_y = (x2 - x1) / output_size, (y2 - y1) / output_size
    normalised = np.stack([(y1 + 0.5 * step_y - 0.5) / max(height - 1, 1),
                           (x1 + 0.5 * step_x - 0.5) / max(width - 1, 1),
                           (y2 - 0.5 * step_y - 0.5) / max(height - 1, 1),
                           (x2 - 0.5 * step_x - 0.5) / max(width - 1, 1)], axis=1)
    mean = image.reshape(-1, channels).mean(axis=0)
    # crop_and_resize fills outside the image with one scalar: centre the image so that
    # the scalar 0 is the mean colour, then add it back.
    crops = tf.image.crop_and_resize((image - mean)[None], normalised.astype(np.float32),
                                     tf.zeros(len(boxes), tf.int32),
                                     (output_size, output_size), extrapolation_value=0.0)
    return crops.numpy() + mean


__all__ = ["PAPER_CONTEXT_PADDING", "dilate_for_context", "warp_regions"]
