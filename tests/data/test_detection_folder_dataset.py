"""COCO and VOC folders as detection batches: boxes follow the letterbox, bad files skipped."""

import json

import numpy as np
from PIL import Image

from kerasvision.io.image_preprocessor import ImagePreprocessor


def _dataset(source, size=(32, 32)):
    from kerasvision.data.detection_folder_dataset import detection_folder_dataset

    preprocessor = ImagePreprocessor(size, 3, resize="letterbox")
    data, names = detection_folder_dataset(source, preprocessor, batch_size=8, shuffle=False)
    assert data.options().autotune.enabled is False  # data/pipeline_options.py
    batches = list(data.as_numpy_iterator())
    return batches, names


def test_coco_boxes_follow_the_letterbox_and_empty_images_stay(tmp_path):
    # A 16×64 image letterboxed into 32×32: scale 0.5, 12 rows of padding on top.
    Image.fromarray(np.zeros((16, 64, 3), np.uint8)).save(tmp_path / "wide.png")
    Image.fromarray(np.zeros((32, 32, 3), np.uint8)).save(tmp_path / "empty.png")
    (tmp_path / "broken.png").write_bytes(b"not an image")
    document = {
        "images": [{"id": 1, "file_name": "wide.png", "width": 64, "height": 16},
                   {"id": 2, "file_name": "empty.png", "width": 32, "height": 32},
                   {"id": 3, "file_name": "broken.png", "width": 8, "height": 8}],
        "categories": [{"id": 7, "name": "cat"}, {"id": 3, "name": "ant"}],
        "annotations": [{"id": 1, "image_id": 1, "category_id": 7, "bbox": [8, 4, 16, 8],
                         "area": 128, "iscrowd": 0}]}
    (tmp_path / "coco.json").write_text(json.dumps(document))
    batches, names = _dataset(tmp_path / "coco.json")
    assert names == ["ant", "cat"]  # categories in id order (3, 7)
    (images, targets), = batches
    assert images.shape == (2, 32, 32, 3)  # the broken image is skipped
    # x: 8·0.5 = 4 .. 24·0.5 = 12; y: 4·0.5 + 12 = 14 .. 12·0.5 + 12 = 18.
    np.testing.assert_allclose(targets["boxes"][0, 0], [4, 14, 12, 18])
    assert targets["classes"][0, 0] == 1  # category 7 is the second in id order
    assert np.all(targets["classes"][1] == -1) and np.all(targets["boxes"][1] == -1)


def test_voc_corners_become_exclusive_pixel_edges(tmp_path):
    (tmp_path / "Annotations").mkdir()
    (tmp_path / "JPEGImages").mkdir()
    Image.fromarray(np.zeros((32, 32, 3), np.uint8)).save(tmp_path / "JPEGImages" / "a.jpg")
    (tmp_path / "Annotations" / "a.xml").write_text(
        "<annotation><filename>a.jpg</filename><size><width>32</width><height>32</height>"
        "<depth>3</depth></size><object><name>dog</name><bndbox><xmin>1</xmin><ymin>2</ymin>"
        "<xmax>10</xmax><ymax>20</ymax></bndbox></object></annotation>")
    batches, names = _dataset(tmp_path)
    assert names == ["dog"]
    (images, targets), = batches
    assert images.shape == (1, 32, 32, 3)
    np.testing.assert_allclose(targets["boxes"][0, 0], [0, 1, 10, 20])
    assert targets["classes"][0, 0] == 0
