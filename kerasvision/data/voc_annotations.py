"""Reading Pascal VOC XML annotations (Everingham et al., The PASCAL Visual Object Classes
Challenge, IJCV 2010) safely.

    annotation = read_voc_annotation("VOC2007/Annotations/000005.xml")
    annotation.image_path, [(o.name, o.box) for o in annotation.objects]

The XML is parsed with expat directly and any document type declaration is refused, so no
entity can expand (billion laughs) or pull in another file (XXE); standard-library
ElementTree would expand internal entities. Every field is validated; a problem is one
`VocAnnotationError` line naming the file.
"""

import math
import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass
from pathlib import Path
from xml.parsers import expat

from kerasvision.data.dataset_paths import DatasetFileError, quoted, resolve_inside

# A VOC annotation is a few kilobytes; anything this large is not one.
MAX_FILE_BYTES = 8 * 1024 * 1024


class VocAnnotationError(DatasetFileError):
    """A VOC annotation file that cannot be used (one line: "PATH: problem")."""


@dataclass(frozen=True)
class VocObject:
    name: str
    box: tuple  # (xmin, ymin, xmax, ymax) in pixels, as VOC writes them
    difficult: bool = False
    truncated: bool = False


@dataclass(frozen=True)
class VocAnnotation:
    path: Path  # the annotation file
    image_path: Path
    width: int
    height: int
    depth: int
    objects: list  # VocObject


def read_voc_annotation(path, image_dir=None):
    """Read and validate one VOC annotation XML file.

    Args:
        path: the XML file (VOC's `Annotations/NAME.xml`).
        image_dir: the folder `<filename>` is relative to; default: VOC's layout,
            `../JPEGImages` from the annotation's folder.

    Raises:
        VocAnnotationError: the file is missing, not well-formed XML, declares a DTD or
            entities, or has a missing or invalid field; the message names the file.
    """
    path = Path(path)
    image_dir = Path(image_dir) if image_dir is not None else path.parent.parent / "JPEGImages"
    root = _parse(path, _read_bytes(path))
    if root.tag != "annotation":
        raise VocAnnotationError(path, f"root element is <{root.tag}>, expected <annotation>")
    image_path = resolve_inside(image_dir, _text(path, root, "filename"), VocAnnotationError,
                                path, "<filename>")
    size = root.find("size")
    if size is None:
        raise VocAnnotationError(path, "missing <size>")
    width = _integer(path, size, "width", "size")
    height = _integer(path, size, "height", "size")
    depth = _integer(path, size, "depth", "size", required=False, default=3)
    objects = [_object(path, element, index, width, height)
               for index, element in enumerate(root.findall("object"))]
    return VocAnnotation(path, image_path, width, height, depth, objects)


def _read_bytes(path):
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise VocAnnotationError(path, f"file too large for a VOC annotation "
                                           f"(> {MAX_FILE_BYTES} bytes)")
        return path.read_bytes()
    except FileNotFoundError:
        raise VocAnnotationError(path, "no such file") from None
    except IsADirectoryError:
        raise VocAnnotationError(path, "is a directory, not an XML file") from None
    except PermissionError:
        raise VocAnnotationError(path, "permission denied") from None
    except OSError as exc:
        raise VocAnnotationError(path, f"cannot read ({exc.strerror or exc})") from None


def _parse(path, data):
    """An ElementTree element built by expat, refusing DTDs, entities and external refs."""
    if not data.strip():
        raise VocAnnotationError(path, "empty file")
    builder = ElementTree.TreeBuilder()
    parser = expat.ParserCreate()

    def refuse(what):
        def handler(*args):
            raise VocAnnotationError(path, f"refused: the XML declares {what} (DTDs and "
                                           "entities are not allowed in annotations)")
        return handler

    parser.StartDoctypeDeclHandler = refuse("a document type")
    parser.EntityDeclHandler = refuse("an entity")
    parser.UnparsedEntityDeclHandler = refuse("an entity")
    parser.ExternalEntityRefHandler = refuse("an external entity")
    parser.StartElementHandler = builder.start
    parser.EndElementHandler = builder.end
    parser.CharacterDataHandler = builder.data
    try:
        parser.Parse(data, True)
        return builder.close()
    except VocAnnotationError:
        raise
    except expat.ExpatError as exc:
        raise VocAnnotationError(path, f"not well-formed XML ({expat.ErrorString(exc.code)} "
                                       f"at line {exc.lineno}, column {exc.offset})") from None
    except (ValueError, LookupError, UnicodeError, AssertionError) as exc:
        # an unknown declared encoding, a builder left with unclosed elements
        raise VocAnnotationError(path, f"not usable XML ({exc or type(exc).__name__})") \
            from None


def _text(path, parent, tag, where=None, required=True):
    element = parent.find(tag)
    place = f"<{where}><{tag}>" if where else f"<{tag}>"
    if element is None or element.text is None or not element.text.strip():
        if required:
            raise VocAnnotationError(path, f"missing {place}")
        return None
    return element.text.strip()


def _number(path, parent, tag, where):
    text = _text(path, parent, tag, where)
    try:
        value = float(text)
    except ValueError:
        raise VocAnnotationError(path, f"<{where}><{tag}> must be a number, got "
                                       f"{quoted(text)}") from None
    if not math.isfinite(value):
        raise VocAnnotationError(path, f"<{where}><{tag}> must be finite, got {quoted(text)}")
    return value


def _integer(path, parent, tag, where, required=True, default=None):
    text = _text(path, parent, tag, where, required)
    if text is None:
        return default
    # VOC's own files write "500" but some exporters write "500.0"; both mean 500 pixels.
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or value != int(value) or value < 1:
        raise VocAnnotationError(path, f"<{where}><{tag}> must be a positive integer, got "
                                       f"{quoted(text)}")
    return int(value)


def _flag(path, element, tag, where):
    text = _text(path, element, tag, where, required=False)
    if text is None:
        return False
    if text not in ("0", "1"):
        raise VocAnnotationError(path, f"<{where}><{tag}> must be 0 or 1, got {quoted(text)}")
    return text == "1"


def _object(path, element, index, width, height):
    where = f"object {index}"
    name = _text(path, element, "name", where)
    box_element = element.find("bndbox")
    if box_element is None:
        raise VocAnnotationError(path, f"missing <{where}><bndbox>")
    box = tuple(_number(path, box_element, tag, f"{where} bndbox")
                for tag in ("xmin", "ymin", "xmax", "ymax"))
    xmin, ymin, xmax, ymax = box
    if not (xmin < xmax and ymin < ymax):
        raise VocAnnotationError(path, f"<{where}><bndbox> {box} has no area "
                                       "(needs xmin < xmax and ymin < ymax)")
    if xmin < 0 or ymin < 0 or xmax > width or ymax > height:
        raise VocAnnotationError(path, f"<{where}><bndbox> {box} lies outside the "
                                       f"{width}x{height} image")
    return VocObject(name, box, _flag(path, element, "difficult", where),
                     _flag(path, element, "truncated", where))
