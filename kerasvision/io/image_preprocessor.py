"""ImagePreprocessor: the one way images become model input, and answers come back.

Every path (a task's `predict`/`classify`, training from a folder, the serving signature, the
CLI) reads, decodes, converts channels and resizes through this object, so a model sees the
same pixels however an image reaches it (docs/architecture.md):

    pre = ImagePreprocessor((224, 224), channels=3, resize="letterbox")
    records = [r for r in pre.read(["photos/"]) if r.error is None]
    batch = pre.preprocess([r.image for r in records])
    boxes = pre.postprocess_boxes(model_boxes[0], batch.geometry(0))  # original pixels

- eager: `read` (PIL, via `kerasvision.io`, EXIF orientation applied) then `preprocess`;
- graph: `graph_preprocess` (encoded bytes -> pixels, pure TensorFlow, EXIF orientation too)
  and `graph_place` (decoded pixels -> model input, for tf.data pipelines);
- back: `postprocess_boxes` / `postprocess_class_map` and their `graph_` twins.

PNG gives identical float pixels on the eager and graph paths; so does JPEG with the
libjpeg-turbo builds of TF 2.21 and Pillow 13 (largest difference measured: 0, see
`kerasvision.io.graph_decoding`). The config is a plain JSON-able dict, kept with a task.
"""

import numpy as np

from kerasvision.io.preprocessed_images import ImageGeometry, Preprocessed

RESIZE_MODES = ("stretch", "letterbox")
PHOTO_CONVERSIONS = (None, "fashion_mnist")


class ImagePreprocessor:
    """Reads images and resizes them to a model's input; maps answers back to the images.

    Args:
        size: (height, width) of the model input, or an int for a square.
        channels: 1 (grey, ITU-R 601 luma) or 3 (RGB).
        resize: "stretch" (fill the input, aspect ratio not kept) or "letterbox" (aspect
            ratio kept, centred, the rest filled with `pad_value`).
        pad_value: the letterbox padding, in pixel units (0–255).
        photo_conversion: None, or "fashion_mnist": an image that is not already a
            Fashion-MNIST-style item (the model's size, light on dark) is converted as
            Fashion-MNIST's photos were (trim, subsample, sharpen, centre, negate; see
            `kerasvision.io.fashion_mnist_conversion`), on the eager and graph paths alike.
    """

    def __init__(self, size, channels=3, resize="stretch", pad_value=0.0,
                 photo_conversion=None):
        size = (size, size) if isinstance(size, (int, np.integer)) else tuple(size)
        if len(size) != 2 or not all(isinstance(n, (int, np.integer)) and n >= 1 for n in size):
            raise ValueError(f"size must be (height, width) of positive ints, got {size!r}")
        if channels not in (1, 3):
            raise ValueError(f"channels must be 1 or 3, got {channels!r}")
        if resize not in RESIZE_MODES:
            raise ValueError(f"resize must be one of {RESIZE_MODES}, got {resize!r}")
        self.size = (int(size[0]), int(size[1]))
        self.channels = int(channels)
        self.resize = resize
        self.pad_value = float(pad_value)
        if photo_conversion not in PHOTO_CONVERSIONS:
            raise ValueError(f"photo_conversion must be one of {PHOTO_CONVERSIONS}, got "
                             f"{photo_conversion!r}")
        self.photo_conversion = photo_conversion

    # ---- configuration ------------------------------------------------------------------
    def get_config(self):
        """A plain, JSON-able dict; `from_config` rebuilds an equal preprocessor."""
        config = {"size": list(self.size), "channels": self.channels, "resize": self.resize,
                  "pad_value": self.pad_value}
        if self.photo_conversion is not None:  # absent: configs from before it existed
            config["photo_conversion"] = self.photo_conversion
        return config

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __eq__(self, other):
        return isinstance(other, ImagePreprocessor) and self.get_config() == other.get_config()

    def __hash__(self):
        return hash((self.size, self.channels, self.resize, self.pad_value,
                     self.photo_conversion))

    def __repr__(self):
        return (f"ImagePreprocessor(size={self.size}, channels={self.channels}, "
                f"resize={self.resize!r}, pad_value={self.pad_value}"
                + (f", photo_conversion={self.photo_conversion!r})"
                   if self.photo_conversion else ")"))

    # ---- eager path ---------------------------------------------------------------------
    def read(self, paths, recursive=True):
        """Yield `kerasvision.io.ReadResult(path, image, error)` for each image file named by
        `paths` (files and folders): uint8 (H, W, channels) at the file's own size, EXIF
        orientation applied; a bad file is a record with `error`, never an exception.
        """
        from kerasvision.io import read_images

        return read_images(paths, channels=self.channels, recursive=recursive)

    def preprocess(self, images):
        """A list of (H, W, C) or (H, W) arrays of any sizes -> `Preprocessed` batch.

        uint8 images of another channel count (grey, grey+alpha, RGB, RGBA) are converted as
        the reader converts files; float images (0–255) must have `channels` channels or one.
        """
        height, width = self.size
        same_size = self._model_size_batch(images)
        if same_size is not None:
            return same_size
        place = self._traced_place()
        placed = [place(self._with_channels(image)) for image in images]
        if not placed:
            return Preprocessed(np.zeros((0, height, width, self.channels), np.float32),
                                np.zeros((0, 2), np.int64), np.zeros((0, 2), np.float32),
                                np.zeros((0, 2), np.float32))
        pixels, sizes, scales, offsets = (np.stack([np.asarray(part[i]) for part in placed])
                                          for i in range(4))
        return Preprocessed(pixels.astype(np.float32), sizes.astype(np.int64),
                            scales.astype(np.float32), offsets.astype(np.float32))

    def _model_size_batch(self, images):
        """The `Preprocessed` batch of images that are all already the model's size and
        channels (and, with the photo conversion, all Fashion-MNIST-style items), placed in
        one batched call, as the serving signature's fast path does; None for any other
        list. Same pixels as one image at a time: nothing to convert, and a same-size resize
        is the identity (every sample falls on a pixel centre with weight 1; a test checks it
        against `resize_pixels`), so it is skipped: an eager resize of a batch cost as much as
        the rest of this path."""
        import tensorflow as tf

        height, width = self.size
        shape = (height, width, self.channels)
        arrays = [np.asarray(image) for image in images]
        arrays = [a[..., None] if a.ndim == 2 and self.channels == 1 else a for a in arrays]
        if not arrays or any(a.shape != shape for a in arrays):
            return None
        pixels = np.stack(arrays).astype(np.float32)
        if self.photo_conversion == "fashion_mnist":
            from kerasvision.io.graph_batch_preprocessing import all_look_like_items

            if not bool(all_look_like_items(tf.constant(pixels))):
                return None
        elif self.photo_conversion is not None:
            return None
        count = len(arrays)
        return Preprocessed(pixels,
                            np.tile(np.array([[height, width]], np.int64), (count, 1)),
                            np.ones((count, 2), np.float32), np.zeros((count, 2), np.float32))

    def _with_channels(self, image):
        """float32 tensor (H, W, channels) from an array, converting channels if asked to."""
        import tensorflow as tf

        array = np.asarray(image)
        array = array[..., None] if array.ndim == 2 else array
        if array.ndim != 3 or min(array.shape) < 1:
            raise ValueError(f"expected a non-empty (H, W, C) image, got shape {array.shape}")
        depth = array.shape[-1]
        if depth != self.channels:
            if array.dtype == np.uint8 and depth <= 4:
                from kerasvision.io.graph_pixels import to_channels

                array = to_channels(tf.constant(array, tf.int32), self.channels)
            elif depth == 1:
                array = np.repeat(array, self.channels, axis=-1)
            else:
                raise ValueError(f"a float image of {depth} channels for a preprocessor of "
                                 f"{self.channels}; convert it, or pass uint8 pixels")
        return tf.cast(array, tf.float32)

    # ---- graph path ---------------------------------------------------------------------
    def graph_preprocess(self, image_bytes):
        """Encoded image bytes -> model input, in pure TensorFlow ops (for serving signatures).

        Runs eagerly, in tf.function (autograph on or off) and in SavedModels; map it over a
        batch with `tf.map_fn`. Decodes as `read` does (EXIF orientation included, see
        `kerasvision.io.graph_decoding`); a malformed image raises InvalidArgumentError.

        Args:
            image_bytes: scalar tf.string, a JPEG/PNG/GIF/BMP file's content.

        Returns:
            (pixels float32 (h, w, channels), original_size int32 (2,) (height, width)).
        """
        from kerasvision.io.graph_decoding import decode_image_bytes

        return self.graph_place(decode_image_bytes(image_bytes, self.channels))

    def graph_preprocess_batch(self, image_bytes):
        """`graph_preprocess` over a batch, tf.string (N,) -> (pixels (N, h, w, channels),
        original sizes int32 (N, 2)); a batch of plain model-size PNGs takes a batched fast
        path with the same pixels (`kerasvision.io.graph_batch_preprocessing`)."""
        from kerasvision.io.graph_batch_preprocessing import preprocess_image_batch

        return preprocess_image_batch(self, image_bytes)

    def graph_place(self, image):
        """Decoded pixels (H, W, channels) tensor -> (model input (h, w, channels) float32,
        original_size int32 (2,)); the resize step of `preprocess`, for tf.data pipelines."""
        pixels, original_size, _, _ = self._place(image)
        return pixels, original_size

    def _traced_place(self):
        """`_place` as one traced graph for any image size: eagerly, its dozens of small ops
        cost 8–13 ms an image (issue 14's measurement), most of `classify`'s time on small
        files; traced once per preprocessor, a call is one graph run."""
        import tensorflow as tf

        key = hash(self)  # a changed setting (e.g. `resize`) traces anew
        if getattr(self, "_traced", (None, None))[0] != key:
            spec = tf.TensorSpec([None, None, self.channels], tf.float32)
            self._traced = (key, tf.function(self._place, input_signature=[spec]))
        return self._traced[1]

    def _place(self, image):
        """One image -> (pixels, original_size, scale, offset), converted first where the
        preprocessor has a photo conversion."""
        if self.photo_conversion == "fashion_mnist":
            from kerasvision.io.fashion_mnist_conversion import place_photo

            return place_photo(image, self.size, self.resize, self.pad_value)
        from kerasvision.io.image_placement import place_image

        return place_image(image, self.size, self.resize, self.pad_value)

    # ---- back to the original image -----------------------------------------------------
    def postprocess_boxes(self, boxes, info, box_format="xyxy"):
        """Boxes (..., 4) in model input pixels -> float32 numpy boxes in the original image's
        pixels (letterbox offset and scale undone, clipped to the image).

        Args:
            info: the image's `ImageGeometry` (`preprocessed.geometry(i)`), or a `Preprocessed`
                of one image.
            box_format: "xyxy" (VOC, keras-cv) or "yxyx" (tf.image).
        """
        from kerasvision.io.image_placement import boxes_to_original

        geometry = _one_geometry(info)
        return boxes_to_original(boxes, geometry.original_size, geometry.scale,
                                 geometry.offset, box_format).numpy()

    def postprocess_class_map(self, class_map, info):
        """A map (h, w) or (h, w, K) over the model input -> the original image's (H, W[, K]):
        letterbox padding cropped, then nearest-neighbour resize (class ids stay ids)."""
        from kerasvision.io.image_placement import class_map_to_original

        geometry = _one_geometry(info)
        offset = [int(round(o)) for o in geometry.offset]
        return class_map_to_original(class_map, geometry.original_size, geometry.placed_size,
                                     offset).numpy()

    def graph_postprocess_boxes(self, boxes, original_size, box_format="xyxy"):
        """`postprocess_boxes` in graph ops, from the `original_size` `graph_preprocess` gave:
        (2,) with boxes (..., 4), or a batch's (N, 2) with boxes (N, ..., 4)."""
        from kerasvision.io.image_placement import boxes_to_original, placement

        _, scale, offset = placement(original_size, self.size, self.resize)
        return boxes_to_original(boxes, original_size, scale, offset, box_format)

    def graph_postprocess_class_map(self, class_map, original_size):
        """`postprocess_class_map` in graph ops, for one image's map and original_size (2,)."""
        from kerasvision.io.image_placement import class_map_to_original, placement

        placed, _, offset = placement(original_size, self.size, self.resize)
        return class_map_to_original(class_map, original_size, placed, offset)


def _one_geometry(info):
    if isinstance(info, ImageGeometry):
        return info
    if isinstance(info, Preprocessed):
        if len(info.pixels) != 1:
            raise ValueError(f"a Preprocessed batch of {len(info.pixels)} images; pass "
                             "`preprocessed.geometry(index)` for one of them")
        return info.geometry(0)
    raise TypeError(f"expected an ImageGeometry or a Preprocessed, got {type(info).__name__}")
