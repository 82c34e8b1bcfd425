"""Plain-words reasons for why bytes could not be decoded, for ImageReadError messages."""

import io
import re

from PIL import Image

_SIGNATURES = (
    (b"\x89PNG\r\n\x1a\n", "PNG"),
    (b"\xff\xd8", "JPEG"),
    (b"GIF8", "GIF"),
    (b"BM", "BMP"),
    (b"II*\x00", "TIFF"),
    (b"MM\x00*", "TIFF"),
    *((b"P%d" % number, "PPM") for number in range(1, 7)),  # Netpbm: PBM, PGM, PPM
    (b"\x00\x00\x01\x00", "ICO"),
    (b"qoif", "QOI"),
    (b"DDS ", "DDS"),
    (b"\x01\xda", "SGI"),
    (b"\x00\x00\x00\x0cjP  \r\n\x87\n", "JPEG2000"),
    (b"\xffO\xffQ", "JPEG2000"),  # a bare codestream
)


def sniff_format(head):
    """The format whose signature `head` (the file's first bytes) starts with, or None."""
    for signature, image_format in _SIGNATURES:
        if head.startswith(signature):
            return image_format
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "WEBP"  # spelled as Pillow spells it
    return None


def not_an_image(name_suffix, head):
    """Reason for bytes no Pillow plugin recognised; `name_suffix` is e.g. ".jpg" or ""."""
    image_format = sniff_format(head)
    if image_format:
        # The signature is there but Pillow could not parse the header after it.
        return f"not an image (broken {image_format} header: truncated or corrupt)"
    if _looks_like_text(head):
        return f"not an image (text file named {name_suffix})" if name_suffix else (
            "not an image (text)")
    return "not an image (unknown format)"


def decoder_failed(error, image_format):
    """Reason for an exception a Pillow decoder raised; `image_format` may be None."""
    message = str(error)
    if "truncated" in message.lower() or isinstance(error, EOFError):
        return f"truncated {image_format}" if image_format else "truncated image"
    what = f"corrupt {image_format}" if image_format else "corrupt image"
    detail = message.splitlines()[0][:120] if message else type(error).__name__
    # Some decoders quote the offending bytes; garbage does not belong in a message.
    if "\\x" in detail or not detail.isascii() or not detail.isprintable():
        return what
    return f"{what} ({detail})"


def refused(width, height, max_pixels):
    """Reason for an image whose header claims more than `max_pixels`."""
    return f"refused, header claims {width}×{height} pixels ({_limit(max_pixels)})"


def refused_by_pillow(file, error, max_pixels):
    """Reason for an image Pillow's own decompression-bomb check refused at open."""
    size = _header_size_unchecked(file)
    if size is not None:
        return refused(*size, max_pixels)
    match = re.search(r"\((\d+) pixels\)", str(error))
    claimed = f"{int(match.group(1)):,} pixels" if match else "too many pixels"
    return f"refused, header claims {claimed} ({_limit(max_pixels)})"


def _limit(max_pixels):
    if max_pixels >= 1_000_000:
        return f"limit {max_pixels / 1e6:.0f} megapixels"
    return f"limit {max_pixels:,} pixels"


def _header_size_unchecked(file):
    """Width and height from the header, through the format plugin without Pillow's bomb
    check (which discards the size); None if that fails. Only used to word the error."""
    try:
        file.seek(0)
        head = file.read(16)
        for format_id in Image.ID:
            factory, accept = Image.OPEN[format_id]
            if accept is None or accept(head) is True:
                file.seek(0)
                return factory(file).size
    except Exception:  # noqa: BLE001 - best effort: the caller has a fallback wording
        pass
    return None


def _looks_like_text(head):
    if b"\x00" in head:
        return False
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError as error:
        # A multi-byte character cut at the sample's end is still text.
        if error.start < len(head) - 3:
            return False
        text = head[:error.start].decode("utf-8")
    printable = sum(ch.isprintable() or ch in "\n\r\t\f" for ch in text)
    return printable >= 0.95 * max(1, len(text))
