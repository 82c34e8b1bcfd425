"""COCO masks: RLE both ways (checked against pycocotools' own output), polygons, the reader."""

import numpy as np
import pytest

from kerasvision.data.coco_annotations import CocoAnnotationError, read_coco_annotations
from kerasvision.data.coco_segmentation import (decode_rle, decode_segmentation, encode_rle,
                                                rasterize_polygons)


def sample_mask():
    mask = np.zeros((7, 9), bool)
    mask[2:5, 3:8] = True
    mask[6, 0] = True
    return mask


def test_rle_runs_down_columns_from_a_run_of_zeros():
    assert encode_rle(np.array([[0, 1], [1, 1]])) == {"size": [2, 2], "counts": [1, 3]}
    assert encode_rle(np.ones((2, 3))) == {"size": [2, 3], "counts": [0, 6]}
    # pycocotools.mask.encode gives these counts, compressed as "61`02D00000005".
    assert encode_rle(sample_mask())["counts"] == [6, 1, 16, 3, 4, 3, 4, 3, 4, 3, 4, 3, 9]


def test_rle_decodes_both_forms_back_to_the_mask():
    mask = sample_mask()
    np.testing.assert_array_equal(decode_rle(encode_rle(mask)), mask)
    compressed = {"size": [7, 9], "counts": "61`02D00000005"}  # from pycocotools
    np.testing.assert_array_equal(decode_rle(compressed), mask)
    rng = np.random.default_rng(0)
    for _ in range(50):
        random_mask = rng.random(tuple(rng.integers(1, 20, 2))) < rng.random()
        np.testing.assert_array_equal(decode_rle(encode_rle(random_mask)), random_mask)


@pytest.mark.parametrize("rle, message", [
    ({"size": [2, 2], "counts": [1, 2]}, "cover 3 pixels, not 2x2"),
    ({"size": [2, 2], "counts": [1, -1, 4]}, "non-negative integers"),
    ({"size": [2], "counts": [4]}, "size must be [height, width]"),
    ({"size": [2, 2], "counts": "6"}, "cover 6 pixels"),
    ({"size": [2, 2], "counts": "~"}, "outside '0'..'o'"),
    ({"size": [2, 2], "counts": "P"}, "end in the middle of a number"),
    ({"size": [100_000, 100_000], "counts": [10_000_000_000]}, "refused"),
    ([1, 2], "an RLE must be an object"),
])
def test_malformed_rle_is_a_value_error(rle, message):
    with pytest.raises(ValueError, match=message.replace("[", r"\[").replace("(", r"\(")):
        decode_rle(rle)


def test_polygons_cover_the_pixels_whose_centres_are_inside():
    square = rasterize_polygons([[10, 10, 30, 10, 30, 20, 10, 20]], 40, 40)
    expected = np.zeros((40, 40), bool)
    expected[10:20, 10:30] = True  # what pycocotools gives for this rectangle
    np.testing.assert_array_equal(square, expected)
    two = rasterize_polygons([[0, 0, 4, 0, 4, 4, 0, 4], [2, 2, 6, 2, 6, 6, 2, 6]], 8, 8)
    assert two.sum() == 16 + 16 - 4  # united, not xor-ed (pycocotools agrees)
    triangle = rasterize_polygons([[0, 0, 8, 0, 0, 8]], 8, 8)
    assert triangle.sum() == 28  # centres strictly below the diagonal (pycocotools agrees)
    for bad in ([1, 2, 3, 4], [0, 0, 1, 0, 1, 10**400], [0, 0, 1, 0, 1, float("nan")],
                [0, 0, 1, 0, 1, True], "0 0 1 0 1 1"):
        with pytest.raises(ValueError, match="polygon 0 must be"):
            rasterize_polygons([bad], 8, 8)


def test_decode_segmentation_checks_the_rle_size_against_the_image():
    with pytest.raises(ValueError, match="does not match its 5x9 image"):
        decode_segmentation(encode_rle(sample_mask()), 5, 9)
    np.testing.assert_array_equal(decode_segmentation(encode_rle(sample_mask()), 7, 9),
                                  sample_mask())


def test_reader_decodes_masks_only_when_asked(write_json, coco_document):
    document = coco_document(bbox=(3, 2, 5, 5))
    mask = np.zeros((80, 100), bool)
    mask[2:7, 3:8] = True
    document["annotations"][0]["segmentation"] = encode_rle(mask)
    path = write_json(document)
    assert read_coco_annotations(path).images[0].masks is None
    (image,) = read_coco_annotations(path, masks=True).images
    assert image.masks.shape == (1, 80, 100)
    np.testing.assert_array_equal(image.masks[0], mask)
    document["annotations"][0]["segmentation"] = [[3, 2, 8, 2, 8, 7, 3, 7]]
    (image,) = read_coco_annotations(write_json(document), masks=True).images
    np.testing.assert_array_equal(image.masks[0], mask)


@pytest.mark.parametrize("segmentation, message", [
    (None, "annotations[0]: no 'segmentation'"),
    ({"size": [80, 100], "counts": [5]}, "annotations[0].segmentation: RLE counts cover 5"),
    ({"size": [8, 10], "counts": [80]}, "does not match its 80x100 image"),
    ([[1, 2, 3]], "annotations[0].segmentation: polygon 0 must be"),
])
def test_reader_reports_bad_segmentations_in_one_line(write_json, coco_document, segmentation,
                                                      message):
    document = coco_document()
    if segmentation is not None:
        document["annotations"][0]["segmentation"] = segmentation
    path = write_json(document)
    with pytest.raises(CocoAnnotationError) as raised:
        read_coco_annotations(path, masks=True)
    assert str(raised.value).startswith(f"{path}: ") and "\n" not in str(raised.value)
    assert message in raised.value.reason
