"""COCO's instance-segmentation encodings (Lin et al., Microsoft COCO, ECCV 2014), in numpy.

    rle = encode_rle(mask)                      # {"size": [h, w], "counts": [3, 5, 2, ...]}
    mask = decode_segmentation(rle, h, w)       # (h, w) bool, back again

COCO stores a mask either as polygons or as run-length encoding (RLE). An RLE walks the
mask in column-major order (down each column, then the next column), alternating runs of
0s and 1s and always starting with a run of 0s (possibly of length 0). Its "counts" are a
list of run lengths ("uncompressed RLE") or the same list packed into a string by
pycocotools ("compressed RLE"). Both are decoded here, so files written by pycocotools and
by kerasvision read the same; polygons are rasterised by their pixel centres.
"""

import math

import numpy as np

# A stranger's RLE or image entry must not make us allocate gigabytes (as for PNG masks).
MAX_MASK_PIXELS = 8192 * 8192


def encode_rle(mask):
    """Uncompressed COCO RLE of a 2-D mask: {"size": [height, width], "counts": [ints]}.

    Args:
        mask: (height, width) array; non-zero pixels belong to the object.
    """
    mask = np.asarray(mask)
    if mask.ndim != 2:
        raise ValueError(f"mask must be 2-D, got shape {mask.shape}")
    flat = mask.astype(bool).ravel(order="F")  # COCO runs down columns
    # Run boundaries: where the value changes, plus both ends; the first run counts 0s.
    changes = np.flatnonzero(flat[1:] != flat[:-1]) + 1
    edges = np.concatenate([[0], changes, [flat.size]])
    counts = np.diff(edges).tolist()
    if flat.size and flat[0]:
        counts.insert(0, 0)
    return {"size": [int(mask.shape[0]), int(mask.shape[1])], "counts": counts}


def decode_rle(rle, expected_size=None):
    """(height, width) bool mask of an uncompressed or compressed COCO RLE.

    Args:
        rle: {"size": [height, width], "counts": list of ints or a compressed string}.
        expected_size: (height, width) the RLE must have; checked before decoding.

    Raises:
        ValueError: malformed size or counts, counts that do not cover height * width, a
            size other than `expected_size`, or more than MAX_MASK_PIXELS pixels.
    """
    if not isinstance(rle, dict):
        raise ValueError(f"an RLE must be an object with 'size' and 'counts', got "
                         f"{type(rle).__name__}")
    size = rle.get("size")
    if (not isinstance(size, list) or len(size) != 2
            or not all(isinstance(v, int) and not isinstance(v, bool) and v >= 0
                       for v in size)):
        raise ValueError(f"RLE size must be [height, width], got {size!r:.60}")
    height, width = size
    if expected_size is not None and (height, width) != tuple(expected_size):
        raise ValueError(f"RLE size {height}x{width} (height x width) does not match its "
                         f"{expected_size[0]}x{expected_size[1]} image")
    if height * width > MAX_MASK_PIXELS:
        raise ValueError(f"RLE of {height}x{width} pixels refused (more than "
                         f"{MAX_MASK_PIXELS})")
    counts = rle.get("counts")
    if isinstance(counts, str):
        counts = _unpack_counts(counts)
    elif (not isinstance(counts, list)
          or not all(isinstance(v, int) and not isinstance(v, bool) and v >= 0
                     for v in counts)):
        raise ValueError("RLE counts must be a list of non-negative integers or a "
                         "compressed string")
    if sum(counts) != height * width:
        raise ValueError(f"RLE counts cover {sum(counts)} pixels, not {height}x{width} = "
                         f"{height * width}")
    values = np.arange(len(counts)) % 2 == 1  # runs alternate 0, 1, 0, ...
    flat = np.repeat(values, counts)
    return flat.reshape((width, height)).T.copy()  # column-major, as it was encoded


def rasterize_polygons(polygons, height, width):
    """(height, width) bool mask of COCO polygons [[x1, y1, x2, y2, ...], ...], united.

    A pixel is inside when its centre (x + 0.5, y + 0.5) is, by the even-odd rule:
    polygon coordinates are pixel edges, as in COCO (a square from 10 to 30 covers pixels
    10..29). pycocotools rasterises on a finer grid, so the two may differ by a pixel or
    two along a polygon's edges.

    Raises:
        ValueError: a polygon that is not an even-length list of at least 6 finite numbers.
    """
    mask = np.zeros((height, width), bool)
    for index, polygon in enumerate(polygons):
        if (not isinstance(polygon, list) or len(polygon) < 6 or len(polygon) % 2
                or not all(_finite_number(v) for v in polygon)):
            raise ValueError(f"polygon {index} must be an even-length list of at least 6 "
                             "finite numbers [x1, y1, x2, y2, ...]")
        xs, ys = np.array(polygon[0::2], float), np.array(polygon[1::2], float)
        # Only the pixels under the polygon's box can be inside it.
        left, right = max(int(np.floor(xs.min())), 0), min(int(np.ceil(xs.max())), width)
        top, bottom = max(int(np.floor(ys.min())), 0), min(int(np.ceil(ys.max())), height)
        if left >= right or top >= bottom:
            continue
        centre_y, centre_x = np.mgrid[top:bottom, left:right] + 0.5
        inside = np.zeros(centre_x.shape, bool)
        for x_a, y_a, x_b, y_b in zip(xs, ys, np.roll(xs, -1), np.roll(ys, -1)):
            if y_a == y_b:
                continue  # a horizontal edge crosses no horizontal ray
            crosses = (y_a > centre_y) != (y_b > centre_y)
            x_cross = x_a + (centre_y - y_a) * (x_b - x_a) / (y_b - y_a)
            inside ^= crosses & (centre_x < x_cross)
        mask[top:bottom, left:right] |= inside
    return mask


def decode_segmentation(segmentation, height, width):
    """(height, width) bool mask of an annotation's "segmentation", whichever encoding.

    Raises:
        ValueError: an unknown or malformed encoding, or an RLE of another size.
    """
    if isinstance(segmentation, list):
        if height * width > MAX_MASK_PIXELS:
            raise ValueError(f"mask of {height}x{width} pixels refused (more than "
                             f"{MAX_MASK_PIXELS})")
        return rasterize_polygons(segmentation, height, width)
    return decode_rle(segmentation, expected_size=(height, width))


def _finite_number(value):
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    try:
        return math.isfinite(float(value))
    except OverflowError:  # a 400-digit integer from JSON
        return False


def _unpack_counts(text):
    """pycocotools' rleFrString: 5-bit groups in printable characters, deltas after two."""
    counts = []
    position = 0
    data = text.encode("ascii", errors="replace")
    while position < len(data):
        value, shift, more = 0, 0, True
        while more:
            if position >= len(data):
                raise ValueError("compressed RLE counts end in the middle of a number")
            group = data[position] - 48
            if not 0 <= group < 64:
                raise ValueError("compressed RLE counts hold a character outside '0'..'o'")
            value |= (group & 0x1F) << (5 * shift)
            more = bool(group & 0x20)
            position += 1
            shift += 1
            if not more and group & 0x10:
                value |= -1 << (5 * shift)  # sign-extend
        if len(counts) > 2:
            value += counts[-2]  # stored as the difference to the run two before
        if value < 0:
            raise ValueError("compressed RLE counts decode to a negative run")
        counts.append(value)
    return counts
