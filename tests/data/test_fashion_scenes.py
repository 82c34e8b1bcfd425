"""Fashion scenes: deterministic, consistent annotations, honest splits, COCO round trip."""

import json
import os

import numpy as np
import pytest
from PIL import Image

from kerasvision.data.coco_annotations import read_coco_annotations
from kerasvision.data.fashion_mnist import CLASS_NAMES, load_fashion_mnist
from kerasvision.data.fashion_scenes import (FashionScenes, generate_scene, item_cutout,
                                             scale_item)
from kerasvision.data.fashion_scenes_writer import write_scenes_dataset
from kerasvision.data.segmentation_masks import read_segmentation_mask


def tight_box(mask):
    rows, cols = np.flatnonzero(mask.any(axis=1)), np.flatnonzero(mask.any(axis=0))
    return [cols[0], rows[0], cols[-1] + 1, rows[-1] + 1]


def blob_images(rng, count):
    """28x28 grey items: a bright rectangle of random size and place on black."""
    images = np.zeros((count, 28, 28), np.uint8)
    for image in images:
        top, left = rng.integers(0, 14, 2)
        height, width = rng.integers(4, 14, 2)
        image[top:top + height, left:left + width] = rng.integers(60, 256)
    return images


@pytest.fixture(scope="module")
def fake_source():
    """Training items of classes 0..4 and test items of classes 5..9, to tell them apart."""
    rng = np.random.default_rng(0)
    return ((blob_images(rng, 60), rng.integers(0, 5, 60).astype(np.uint8)),
            (blob_images(rng, 20), rng.integers(5, 10, 20).astype(np.uint8)))


@pytest.fixture(scope="module")
def scenes():
    return FashionScenes("train", size=(96, 112), seed=5)


def assert_scenes_equal(first, second):
    for field in ("image", "boxes", "classes", "instance_masks", "semantic_mask",
                  "source_indices"):
        np.testing.assert_array_equal(getattr(first, field), getattr(second, field))


def test_same_seed_gives_identical_scenes_other_seeds_and_indices_differ(scenes):
    again = FashionScenes("train", size=(96, 112), seed=5)
    for index in (0, 7, 123):
        assert_scenes_equal(scenes.scene(index), again.scene(index))
    other_seed = FashionScenes("train", size=(96, 112), seed=6).scene(7)
    assert not np.array_equal(other_seed.image, scenes.scene(7).image)
    assert not np.array_equal(scenes.scene(8).image, scenes.scene(7).image)
    validation = FashionScenes("validation", size=(96, 112), seed=5).scene(7)
    assert not np.array_equal(validation.image, scenes.scene(7).image)


def test_scene_arrays_have_the_declared_shapes_and_types(scenes):
    scene = scenes.scene(3)
    count = len(scene.classes)
    assert scene.image.shape == (96, 112, 3) and scene.image.dtype == np.uint8
    assert scene.boxes.shape == (count, 4) and scene.boxes.dtype == np.float32
    assert scene.classes.dtype == np.int32
    assert scene.instance_masks.shape == (count, 96, 112)
    assert scene.instance_masks.dtype == bool
    assert scene.semantic_mask.shape == (96, 112) and scene.semantic_mask.dtype == np.uint8


def test_every_scene_holds_one_to_max_items():
    scenes = FashionScenes("train", item_size=(14, 40))  # small items: all 8 find room
    counts = [len(scenes.scene(i).classes) for i in range(80)]
    assert min(counts) == 1 and max(counts) == 8
    few = FashionScenes("train", size=(96, 96), max_items=3)
    assert {len(few.scene(i).classes) for i in range(40)} == {1, 2, 3}


def test_boxes_classes_and_semantic_mask_agree_with_instance_masks(scenes):
    for index in range(40):
        scene = scenes.scene(index)
        masks = scene.instance_masks
        assert masks.any(axis=(1, 2)).all(), "an item with no visible pixel"
        assert (masks.sum(axis=0) <= 1).all(), "a pixel owned by two items"
        for mask, box in zip(masks, scene.boxes):
            assert box.tolist() == tight_box(mask)
        expected = np.zeros_like(scene.semantic_mask)
        for mask, label in zip(masks, scene.classes):
            expected[mask] = 1 + label
        np.testing.assert_array_equal(scene.semantic_mask, expected)
        assert set(scene.classes.tolist()) <= set(range(10))


def test_unoccluded_items_keep_their_shape_aspect_and_size_range():
    (images, labels), _ = load_fashion_mnist()
    items, labels = images[:500], labels[:500]
    for seed in range(40):
        rng = np.random.default_rng(seed)
        # No occlusion allowed: each instance mask is the whole scaled item.
        scene = generate_scene(rng, items, labels, size=(100, 90), item_size=(14, 60),
                               max_occlusion=0.0)
        for box, mask, source in zip(scene.boxes, scene.instance_masks,
                                     scene.source_indices):
            x_min, y_min, x_max, y_max = box.astype(int)
            longer = max(x_max - x_min, y_max - y_min)
            assert 14 <= longer <= 60
            _, expected = scale_item(*item_cutout(items[source]), longer)
            np.testing.assert_array_equal(mask[y_min:y_max, x_min:x_max], expected)
            assert mask.sum() == expected.sum()  # nothing of it outside its box


def test_item_size_is_capped_by_the_canvas():
    scenes = FashionScenes("test", size=(40, 64), item_size=(30, 96), max_items=1)
    for index in range(30):
        (box,) = scenes.scene(index).boxes
        assert max(box[2] - box[0], box[3] - box[1]) in range(30, 41)


def test_occlusion_never_hides_more_than_the_limit(fake_source):
    (items, labels), _ = fake_source
    for seed in range(40):
        rng = np.random.default_rng(seed)
        scene = generate_scene(rng, items, labels, size=(48, 48), item_size=(20, 28),
                               max_items=8, max_occlusion=0.25)
        for mask, source in zip(scene.instance_masks, scene.source_indices):
            # Blobs are rectangles, so the whole item's area lies between its areas at the
            # smallest and the largest size; at most 25 % of it may be hidden.
            largest = scale_item(*item_cutout(items[source]), 28)[1].sum()
            smallest = scale_item(*item_cutout(items[source]), 20)[1].sum()
            assert 0.75 * smallest <= mask.sum() <= largest


def test_splits_draw_from_their_own_fashion_mnist_items(fake_source):
    (_, y_train), (_, y_test) = fake_source
    options = dict(size=(48, 48), item_size=(14, 24), source=fake_source, validation_items=10)
    test = FashionScenes("test", **options)
    train = FashionScenes("train", **options)
    validation = FashionScenes("validation", **options)
    assert (len(train), len(validation), len(test)) == (50, 10, 20)
    for index in range(20):
        scene = test.scene(index)
        assert set(scene.classes.tolist()) <= {5, 6, 7, 8, 9}
        np.testing.assert_array_equal(scene.classes, y_test[scene.source_indices])
        train_scene, validation_scene = train.scene(index), validation.scene(index % 10)
        assert set(train_scene.classes.tolist()) <= {0, 1, 2, 3, 4}
        assert (train_scene.source_indices < 50).all()
        assert (validation_scene.source_indices >= 50).all()
        np.testing.assert_array_equal(train_scene.classes, y_train[train_scene.source_indices])


def test_fashion_mnist_validation_items_are_held_out_of_training():
    train, validation = FashionScenes("train"), FashionScenes("validation")
    np.testing.assert_array_equal(validation.item_indices, np.arange(55_000, 60_000))
    assert not set(train.item_indices.tolist()) & set(validation.item_indices.tolist())
    assert len(FashionScenes("test").item_indices) == 10_000


def test_bad_arguments_are_refused():
    with pytest.raises(ValueError, match="split must be one of"):
        FashionScenes("val")
    with pytest.raises(ValueError, match="seed must be a non-negative integer"):
        FashionScenes("train", seed=-1)
    with pytest.raises(ValueError, match="does not fit a 10x10 canvas"):
        FashionScenes("train", size=(10, 10))
    with pytest.raises(IndexError):
        FashionScenes("test", count=3).scene(3)


def written(tmp_path, name="scenes", **options):
    directory = tmp_path / name
    write_scenes_dataset(directory, 4, split="validation", size=(64, 72), seed=3,
                         progress=False, **options)
    return directory


def test_written_folder_reads_back_through_the_coco_and_mask_readers(tmp_path):
    directory = written(tmp_path)
    scenes = FashionScenes("validation", size=(64, 72), seed=3)
    dataset = read_coco_annotations(directory / "annotations.json", masks=True)
    assert dataset.categories == {1 + k: name for k, name in enumerate(CLASS_NAMES)}
    assert len(dataset.images) == 4
    for index, image in enumerate(dataset.images):
        scene = scenes.scene(index)
        assert (image.width, image.height) == (72, 64)
        np.testing.assert_array_equal(np.array(Image.open(image.path)), scene.image)
        x, y, w, h = image.boxes.T
        np.testing.assert_array_equal(np.stack([x, y, x + w, y + h], axis=1), scene.boxes)
        np.testing.assert_array_equal(image.category_ids, scene.classes + 1)
        np.testing.assert_array_equal(image.masks, scene.instance_masks)
        mask = read_segmentation_mask(f"masks/{index:06d}.png", num_classes=11,
                                      image_size=(64, 72), root=directory)
        np.testing.assert_array_equal(mask, scene.semantic_mask)
    document = json.loads((directory / "annotations.json").read_text())
    for annotation in document["annotations"]:
        x, y, w, h = annotation["bbox"]
        assert annotation["iscrowd"] == 0 and 0 < annotation["area"] <= w * h


def test_writing_is_byte_identical_and_never_overwrites(tmp_path):
    first, second = written(tmp_path, "first"), written(tmp_path, "second")
    names = sorted(str(p.relative_to(first)) for p in first.rglob("*") if p.is_file())
    assert len(names) == 9  # 4 images, 4 masks, annotations.json
    for name in names:
        assert (first / name).read_bytes() == (second / name).read_bytes(), name
    with pytest.raises(FileExistsError, match="already exists"):
        written(tmp_path, "first")
    assert sorted(os.listdir(tmp_path)) == ["first", "second"]


def test_a_failed_run_leaves_no_folder_behind(tmp_path, monkeypatch):
    calls = []

    def fail_on_third(self, index):
        calls.append(index)
        if len(calls) == 3:
            raise RuntimeError("killed")
        return original(self, index)

    original = FashionScenes.scene
    monkeypatch.setattr(FashionScenes, "scene", fail_on_third)
    with pytest.raises(RuntimeError, match="killed"):
        written(tmp_path)
    assert os.listdir(tmp_path) == []  # neither the folder nor a hidden partial one


def test_tf_dataset_batches_have_the_declared_shapes_and_padding():
    from kerasvision.data.fashion_scenes_dataset import scenes_dataset

    scenes = FashionScenes("test", size=(48, 64), seed=2, count=5)
    dataset = scenes_dataset("test", batch_size=3, size=(48, 64), seed=2, count=5, max_boxes=10)
    assert dataset.options().autotune.enabled is False  # data/pipeline_options.py
    batches = list(dataset)
    assert [len(images) for images, _ in batches] == [3, 2]
    images, targets = batches[0]
    assert images.shape == (3, 48, 64, 3) and images.dtype.name == "float32"
    assert targets["boxes"].shape == (3, 10, 4) and targets["boxes"].dtype.name == "float32"
    assert targets["classes"].shape == (3, 10) and targets["classes"].dtype.name == "int32"
    assert targets["segmentation"].shape == (3, 48, 64)
    assert targets["segmentation"].dtype.name == "int32"
    for index in range(5):
        images, targets = batches[index // 3]
        k, scene = index % 3, scenes.scene(index)
        count = len(scene.classes)
        np.testing.assert_array_equal(images[k].numpy(), scene.image.astype(np.float32))
        np.testing.assert_array_equal(targets["boxes"][k, :count], scene.boxes)
        np.testing.assert_array_equal(targets["classes"][k, :count], scene.classes)
        assert (targets["boxes"][k, count:].numpy() == -1).all()
        assert (targets["classes"][k, count:].numpy() == -1).all()
        np.testing.assert_array_equal(targets["segmentation"][k], scene.semantic_mask)


def test_tf_dataset_augmentation_is_consistent_and_repeatable():
    from kerasvision.data.fashion_scenes_dataset import scenes_dataset

    def passes(dataset, count):
        iterator_passes = []
        for _ in range(count):
            iterator_passes.append([{k: v.numpy() for k, v in targets.items()}
                                    for _, targets in dataset])
        return iterator_passes

    options = dict(batch_size=4, size=(64, 64), seed=1, count=8, augment=True)
    first, second = passes(scenes_dataset("validation", **options), 2)
    (again,) = passes(scenes_dataset("validation", **options), 1)
    for batch, repeat in zip(first, again):  # the same seed: the same augmentation
        for key in batch:
            np.testing.assert_array_equal(batch[key], repeat[key])
    assert any(not np.array_equal(a["boxes"], b["boxes"]) for a, b in zip(first, second))
    for batch in first + second:
        for boxes, classes, segmentation in zip(batch["boxes"], batch["classes"],
                                                batch["segmentation"]):
            present = classes >= 0
            assert (np.diff(present.astype(int)) <= 0).all()  # padding rows come last
            assert (boxes[~present] == -1).all()
            x_min, y_min, x_max, y_max = boxes[present].T
            assert (x_min >= 0).all() and (y_min >= 0).all()
            assert (x_max <= 64).all() and (y_max <= 64).all()
            assert (x_max > x_min).all() and (y_max > y_min).all()
            shown = set(np.unique(segmentation).tolist()) - {0}
            assert shown == set((classes[present] + 1).tolist())
            for box, label in zip(boxes[present].astype(int), classes[present]):
                # Each box is tight around pixels of its class.
                inside = segmentation[box[1]:box[3], box[0]:box[2]] == 1 + label
                assert inside[0].any() and inside[-1].any()
                assert inside[:, 0].any() and inside[:, -1].any()


def test_tf_dataset_refuses_fewer_box_rows_than_items():
    from kerasvision.data.fashion_scenes_dataset import scenes_dataset

    with pytest.raises(ValueError, match="max_boxes"):
        scenes_dataset("test", batch_size=2, max_boxes=4)
