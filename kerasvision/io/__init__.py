"""Reading images robustly (the one place for every decoder quirk), and atomic writes.

    from kerasvision.io import read_images

    for path, image, error in read_images(["photo.jpg", "folder/"], channels=3):
        if error:
            print(error)  # one line: "photo.jpg: truncated JPEG"
        else:
            ...  # image: uint8 array (height, width, 3)

- `read_image(path_or_bytes, channels=None, max_pixels=...)` -> uint8 (H, W, C) array, or
  `ImageReadError` (a ValueError) whose message names the file and the problem.
- `iter_image_files(paths, recursive=True)` -> `FoundFile(path, error)` for each image file
  in the files and directories given; problems are records, not exceptions.
- `read_images(paths, channels=None, size=None)` -> `ReadResult(path, image, error)`.
- `atomic_write(path)`, `atomic_path(path, replace=False)`, `atomic_directory(path)`:
  all-or-nothing writes (never overwriting unless `replace`), the package's one atomic writer.
- `image_inputs.images_as_arrays(images, channels)`: paths, bytes, PIL images and arrays as a
  model takes them, converted as files are (the Python API's `predict`).
- `output_directories`: folders a failed run created are removed again if left empty.

Importing it loads Pillow and numpy only, so the CLI can import it cheaply; TensorFlow is
imported where graph work is done: the one resize (`pixel_resize`), the graph decoder for the
SavedModel (`graph_decoding`, `graph_orientation`, ...), and `ImagePreprocessor`
(`image_preprocessor`), which serves every path from files to model pixels.
"""

from kerasvision.io.atomic_files import atomic_directory, atomic_path, atomic_write
from kerasvision.io.image_errors import ImageReadError
from kerasvision.io.image_files import (
    IMAGE_EXTENSIONS,
    FoundFile,
    ReadResult,
    iter_image_files,
    read_images,
    resize_image,
)
from kerasvision.io.image_reader import DEFAULT_MAX_PIXELS, read_image

__all__ = [
    "DEFAULT_MAX_PIXELS",
    "IMAGE_EXTENSIONS",
    "FoundFile",
    "ImageReadError",
    "ReadResult",
    "atomic_directory",
    "atomic_path",
    "atomic_write",
    "iter_image_files",
    "read_image",
    "read_images",
    "resize_image",
]
