"""Fixtures for tests/data: annotation files and masks are generated here, never stored."""

import json

import pytest


def coco_document(file_name="cat.jpg", bbox=(10, 20, 30, 40)):
    """A minimal valid COCO detection document: one 100x80 image, one box, two classes."""
    return {
        "images": [{"id": 7, "file_name": file_name, "width": 100, "height": 80}],
        "annotations": [{"id": 1, "image_id": 7, "category_id": 3, "bbox": list(bbox)}],
        "categories": [{"id": 3, "name": "cat"}, {"id": 4, "name": "dog"}],
    }


def voc_xml(filename="000005.jpg", box=(12, 30, 200, 160), size=(353, 500), extra=""):
    """A Pascal VOC annotation as the VOC devkit writes it (size is width, height)."""
    xmin, ymin, xmax, ymax = box
    return f"""<annotation>
  <folder>VOC2007</folder>
  <filename>{filename}</filename>
  <size><width>{size[0]}</width><height>{size[1]}</height><depth>3</depth></size>
  <object>
    <name>chair</name><pose>Rear</pose><truncated>0</truncated><difficult>1</difficult>
    <bndbox><xmin>{xmin}</xmin><ymin>{ymin}</ymin><xmax>{xmax}</xmax><ymax>{ymax}</ymax></bndbox>
  </object>{extra}
</annotation>
"""


@pytest.fixture(name="coco_document")
def coco_document_fixture():
    """coco_document(file_name=..., bbox=...) -> a fresh valid COCO dict."""
    return coco_document


@pytest.fixture(name="voc_xml")
def voc_xml_fixture():
    """voc_xml(filename=..., box=..., size=..., extra=...) -> VOC XML text."""
    return voc_xml


@pytest.fixture
def write_json(tmp_path):
    def write(document, name="instances.json"):
        path = tmp_path / name
        path.write_text(document if isinstance(document, str) else json.dumps(document))
        return path

    return write


@pytest.fixture
def voc_root(tmp_path):
    """A VOC-style folder: Annotations/ and JPEGImages/ under tmp_path/VOC2007."""
    root = tmp_path / "VOC2007"
    (root / "Annotations").mkdir(parents=True)
    (root / "JPEGImages").mkdir()
    return root
