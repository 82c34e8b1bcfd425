"""read_coco_annotations: valid files read exactly; malformed ones are one-line errors."""

import copy
import json

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kerasvision.data.coco_annotations import CocoAnnotationError, read_coco_annotations

FUZZ = settings(max_examples=200, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture])


def error_of(path, **kwargs):
    with pytest.raises(CocoAnnotationError) as raised:
        read_coco_annotations(path, **kwargs)
    message = str(raised.value)
    assert message.startswith(f"{path}: ") and "\n" not in message
    return raised.value.reason


def test_valid_file_reads_boxes_labels_and_paths(write_json, tmp_path, coco_document):
    document = coco_document()
    document["images"].append({"id": 9, "file_name": "sub/empty.jpg", "width": 5,
                               "height": 5})
    document["annotations"].append({"id": 2, "image_id": 7, "category_id": 4,
                                    "bbox": [0.5, 0, 99.5, 80]})
    dataset = read_coco_annotations(write_json(document))
    assert dataset.categories == {3: "cat", 4: "dog"}
    first, second = dataset.images
    assert (first.id, first.width, first.height) == (7, 100, 80)
    assert first.path == tmp_path.resolve() / "cat.jpg"
    np.testing.assert_array_equal(first.boxes, [[10, 20, 30, 40], [0.5, 0, 99.5, 80]])
    assert first.boxes.dtype == np.float32 and first.category_ids.tolist() == [3, 4]
    assert second.boxes.shape == (0, 4) and second.category_ids.shape == (0,)
    assert second.path == tmp_path.resolve() / "sub" / "empty.jpg"


def test_image_root_option(write_json, tmp_path, coco_document):
    dataset = read_coco_annotations(write_json(coco_document()), image_root=tmp_path / "imgs")
    assert dataset.images[0].path == (tmp_path / "imgs").resolve() / "cat.jpg"


def mutated(change):
    """A change to apply to the valid sample document (the test applies it)."""
    return change


BAD_DOCUMENTS = [
    ([], "top level must be a JSON object, got a list"),
    ({"images": [], "annotations": []}, "missing the 'categories' list"),
    ({"images": {}, "annotations": [], "categories": []}, "'images' must be a list"),
    (mutated(lambda d: d["images"].append(5)), "images[1] must be a JSON object"),
    (mutated(lambda d: d["images"][0].update(id="7")), "images[0].id must be an integer"),
    (mutated(lambda d: d["images"][0].update(id=True)), "images[0].id must be an integer"),
    (mutated(lambda d: d["images"].append(dict(d["images"][0]))), "duplicate image id 7"),
    (mutated(lambda d: d["images"][0].update(width=0)), "images[0].width must be >= 1"),
    (mutated(lambda d: d["images"][0].pop("height")), "images[0].height must be an integer"),
    (mutated(lambda d: d["images"][0].update(file_name="../../etc/passwd")),
     "images[0].file_name '../../etc/passwd' climbs out with '..'"),
    (mutated(lambda d: d["images"][0].update(file_name="/etc/passwd")), "is absolute"),
    (mutated(lambda d: d["images"][0].update(file_name=["a.jpg"])),
     "images[0].file_name must be a non-empty string"),
    (mutated(lambda d: d["categories"][0].update(name="")),
     "categories[0].name must be a non-empty string"),
    (mutated(lambda d: d["categories"][1].update(id=3)), "duplicate category id 3"),
    (mutated(lambda d: d["annotations"][0].update(image_id=8)),
     "annotations[0]: image_id 8 is not in 'images'"),
    (mutated(lambda d: d["annotations"][0].update(category_id=1)),
     "annotations[0]: category_id 1 is not in 'categories'"),
    (mutated(lambda d: d["annotations"].append(dict(d["annotations"][0]))),
     "annotations[1]: duplicate annotation id 1"),
    (mutated(lambda d: d["annotations"][0].pop("bbox")), "annotations[0].bbox must be 4 numbers"),
    (mutated(lambda d: d["annotations"][0].update(bbox=[1, 2, 3])), "bbox must be 4 numbers"),
    (mutated(lambda d: d["annotations"][0].update(bbox=[1, 2, "3", 4])),
     "bbox must be 4 numbers"),
    (mutated(lambda d: d["annotations"][0].update(bbox=[1, 2, True, 4])),
     "bbox must be 4 numbers"),
    (mutated(lambda d: d["annotations"][0].update(bbox=[1, 2, 0, 4])), "has no area"),
    (mutated(lambda d: d["annotations"][0].update(bbox=[1, 2, -5, 4])), "has no area"),
    (mutated(lambda d: d["annotations"][0].update(bbox=[90, 20, 30, 40])),
     "lies outside its 100x80 image"),
    (mutated(lambda d: d["annotations"][0].update(bbox=[-5, 20, 30, 40])),
     "lies outside its 100x80 image"),
]


@pytest.mark.parametrize("document, problem", BAD_DOCUMENTS)
def test_malformed_documents_name_the_problem(write_json, coco_document, document, problem):
    if callable(document):
        change, document = document, coco_document()
        change(document)
    assert problem in error_of(write_json(document))


@pytest.mark.parametrize("text, problem", [
    ("", "empty file"),
    ("  \n", "empty file"),
    ('{"images": [', "not valid JSON (Expecting value at line 1, column 13)"),
    ("[" * 100_000, "not valid JSON (nested too deeply)"),
    ('{"images": [], "annotations": [], "categories": [{"id": ' + "9" * 5000 + "}]}",
     "not usable JSON"),
    ('{"images": [{"id": 1, "file_name": "a", "width": 5, "height": 5}], "annotations": '
     '[{"id": 1, "image_id": 1, "category_id": 1, "bbox": [0, 0, NaN, 1]}], '
     '"categories": [{"id": 1, "name": "x"}]}', "bbox has a non-finite value"),
])
def test_broken_json_text(write_json, text, problem):
    assert problem in error_of(write_json(text))


def test_not_utf8(tmp_path):
    path = tmp_path / "latin1.json"
    path.write_bytes('{"name": "caf\xe9"}'.encode("latin-1"))
    assert error_of(path) == "not UTF-8 text (JSON must be UTF-8)"


def test_missing_file_and_directory(tmp_path):
    assert error_of(tmp_path / "nope.json") == "no such file"
    assert error_of(tmp_path) == "is a directory, not a JSON file"


def test_symlinked_image_folder_out_of_the_root_is_refused(write_json, tmp_path,
                                                           coco_document):
    root = tmp_path / "dataset"
    root.mkdir()
    (tmp_path / "private").mkdir()
    (root / "images").symlink_to(tmp_path / "private", target_is_directory=True)
    path = write_json(coco_document("images/id_rsa"), "dataset/ann.json")
    assert "leads outside the dataset root" in error_of(path)


# ---- fuzzing: whatever the file holds, the reader returns or raises CocoAnnotationError ---

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=10),
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.sampled_from(["id", "image_id", "category_id", "bbox", "name",
                                       "file_name", "width", "height", "images",
                                       "annotations", "categories"]) | st.text(max_size=5),
                      children, max_size=5),
    max_leaves=25)


def read_or_dataset_error(path):
    try:
        return read_coco_annotations(path)
    except CocoAnnotationError as error:
        assert str(error).startswith(f"{path}: ") and "\n" not in str(error)
        return None


@FUZZ
@given(document=json_values)
def test_fuzz_random_json(write_json, document):
    read_or_dataset_error(write_json(json.dumps(document)))


@FUZZ
@given(data=st.binary(max_size=200))
def test_fuzz_random_bytes(tmp_path, data):
    path = tmp_path / "bytes.json"
    path.write_bytes(data)
    read_or_dataset_error(path)


@FUZZ
@given(section=st.sampled_from(["images", "annotations", "categories"]),
       key=st.sampled_from(["id", "image_id", "category_id", "bbox", "name", "file_name",
                            "width", "height"]),
       value=json_values)
def test_fuzz_one_field_of_a_valid_document(write_json, tmp_path, coco_document, section, key,
                                            value):
    document = copy.deepcopy(coco_document())
    document[section][0][key] = value
    dataset = read_or_dataset_error(write_json(document))
    if dataset is not None:  # accepted: then everything in it is sound
        for image in dataset.images:
            assert tmp_path.resolve() in image.path.parents
            assert np.all(image.boxes[:, 2:] > 0)
            assert np.all(image.boxes[:, 0] + image.boxes[:, 2] <= image.width + 1)
