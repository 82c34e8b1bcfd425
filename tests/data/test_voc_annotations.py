"""read_voc_annotation: VOC XML read exactly; DTDs, entities and bad fields refused."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kerasvision.data.voc_annotations import VocAnnotationError, VocObject, read_voc_annotation

FUZZ = settings(max_examples=200, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture])


def write(voc_root, content, name="000005.xml"):
    path = voc_root / "Annotations" / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content)
    return path


def error_of(path, **kwargs):
    with pytest.raises(VocAnnotationError) as raised:
        read_voc_annotation(path, **kwargs)
    message = str(raised.value)
    assert message.startswith(f"{path}: ") and "\n" not in message
    return raised.value.reason


def test_valid_annotation(voc_root, voc_xml):
    extra = ("<object><name>person</name><bndbox><xmin>0</xmin><ymin>0.5</ymin>"
             "<xmax>353</xmax><ymax>500.0</ymax></bndbox></object>")
    annotation = read_voc_annotation(write(voc_root, voc_xml(extra=extra)))
    assert annotation.image_path == (voc_root / "JPEGImages" / "000005.jpg").resolve()
    assert (annotation.width, annotation.height, annotation.depth) == (353, 500, 3)
    assert annotation.objects == [
        VocObject("chair", (12.0, 30.0, 200.0, 160.0), difficult=True, truncated=False),
        VocObject("person", (0.0, 0.5, 353.0, 500.0))]


def test_image_dir_option_and_no_objects(voc_root, tmp_path):
    text = ("<annotation><filename>a.jpg</filename><size><width>5.0</width>"
            "<height>4</height></size></annotation>")
    annotation = read_voc_annotation(write(voc_root, text), image_dir=tmp_path / "pics")
    assert annotation.image_path == (tmp_path / "pics" / "a.jpg").resolve()
    assert (annotation.width, annotation.height, annotation.depth, annotation.objects) == (
        5, 4, 3, [])


BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>
<annotation><filename>&lol2;</filename></annotation>"""

EXTERNAL_ENTITY = """<?xml version="1.0"?>
<!DOCTYPE annotation [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<annotation><filename>&xxe;</filename></annotation>"""


@pytest.mark.parametrize("text, problem", [
    (BILLION_LAUGHS, "refused: the XML declares a document type"),
    (EXTERNAL_ENTITY, "refused: the XML declares a document type"),
    ('<!DOCTYPE annotation SYSTEM "http://example.com/voc.dtd"><annotation/>',
     "refused: the XML declares a document type"),
    ("<annotation><filename>&amp;&foo;</filename></annotation>",
     "not well-formed XML (undefined entity"),
    ("", "empty file"),
    ("<annotation><filename>a.jpg</filename>", "not well-formed XML (no element found"),
    ("this is not xml", "not well-formed XML (syntax error"),
    ('<?xml version="1.0" encoding="klingon"?><annotation/>', "not usable XML"),
    ("<voc/>", "root element is <voc>, expected <annotation>"),
    ("<annotation><size/></annotation>", "missing <filename>"),
    ("<annotation><filename>../../etc/passwd</filename></annotation>", "climbs out with '..'"),
    ("<annotation><filename>/etc/passwd</filename></annotation>", "is absolute"),
    ("<annotation><filename>a.jpg</filename></annotation>", "missing <size>"),
    ("<annotation><filename>a.jpg</filename><size><width>10</width></size></annotation>",
     "missing <size><height>"),
    ("<annotation><filename>a.jpg</filename><size><width>ten</width><height>5</height>"
     "</size></annotation>", "<size><width> must be a positive integer, got 'ten'"),
    ("<annotation><filename>a.jpg</filename><size><width>10.5</width><height>5</height>"
     "</size></annotation>", "<size><width> must be a positive integer"),
    ("<annotation><filename>a.jpg</filename><size><width>0</width><height>5</height>"
     "</size></annotation>", "<size><width> must be a positive integer"),
])
def test_malformed_xml_is_refused(voc_root, text, problem):
    assert problem in error_of(write(voc_root, text))


@pytest.mark.parametrize("box, problem", [
    (("a", 1, 2, 3), "<object 0 bndbox><xmin> must be a number, got 'a'"),
    ((1, "nan", 2, 3), "<object 0 bndbox><ymin> must be finite"),
    ((1, 2, "inf", 3), "<object 0 bndbox><xmax> must be finite"),
    ((50, 2, 40, 3), "has no area"),
    ((1, 9, 2, 9), "has no area"),
    ((-1, 2, 40, 30), "lies outside the 353x500 image"),
    ((1, 2, 354, 30), "lies outside the 353x500 image"),
    ((1, 2, 40, 501), "lies outside the 353x500 image"),
])
def test_bad_boxes_are_refused(voc_root, voc_xml, box, problem):
    assert problem in error_of(write(voc_root, voc_xml(box=box)))


@pytest.mark.parametrize("broken, problem", [
    (("<name>chair</name>", ""), "missing <object 0><name>"),
    (("<bndbox>", "<box>"), "not well-formed XML"),
    (("<difficult>1</difficult>", "<difficult>yes</difficult>"),
     "<object 0><difficult> must be 0 or 1"),
])
def test_bad_object_fields(voc_root, voc_xml, broken, problem):
    old, new = broken
    assert problem in error_of(write(voc_root, voc_xml().replace(old, new)))


def test_missing_directory_and_too_large(voc_root, voc_xml):
    assert error_of(voc_root / "Annotations" / "nope.xml") == "no such file"
    assert error_of(voc_root / "Annotations") == "is a directory, not an XML file"
    huge = voc_xml().replace("</annotation>", " " * (9 * 1024 * 1024) + "</annotation>")
    assert "file too large" in error_of(write(voc_root, huge))


def test_utf16_file_with_its_bom_is_read(voc_root, voc_xml):
    text = '<?xml version="1.0" encoding="utf-16"?>' + voc_xml(filename="kuća.jpg")
    annotation = read_voc_annotation(write(voc_root, text.encode("utf-16")))
    assert annotation.image_path.name == "kuća.jpg"


# ---- fuzzing: anything in the file gives an annotation or a VocAnnotationError -------------

def read_or_voc_error(path):
    try:
        return read_voc_annotation(path)
    except VocAnnotationError as error:
        assert str(error).startswith(f"{path}: ") and "\n" not in str(error)
        return None


@FUZZ
@given(data=st.binary(max_size=300))
def test_fuzz_random_bytes(voc_root, data):
    read_or_voc_error(write(voc_root, data))


@FUZZ
@given(text=st.text(alphabet=st.sampled_from(list("<>/=\"'&;!?[] \nabxmlnotiDOCTYPEENTITY"
                                                   "012.-")), max_size=200))
def test_fuzz_xml_like_text(voc_root, text):
    read_or_voc_error(write(voc_root, text))


@FUZZ
@given(field=st.sampled_from(["000005.jpg", "353", "500", ">3<", "chair", "12", "30", "200",
                              "160", ">0<", ">1<"]),
       value=st.text(max_size=20))
def test_fuzz_one_field_of_a_valid_file(voc_root, voc_xml, field, value):
    escaped = value.replace("&", "&amp;").replace("<", "&lt;")
    annotation = read_or_voc_error(write(voc_root, voc_xml().replace(field, escaped, 1)))
    if annotation is not None:  # accepted: then it is sound
        assert (voc_root / "JPEGImages").resolve() in annotation.image_path.parents
        for obj in annotation.objects:
            xmin, ymin, xmax, ymax = obj.box
            assert 0 <= xmin < xmax <= annotation.width
            assert 0 <= ymin < ymax <= annotation.height
