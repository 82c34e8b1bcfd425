"""Product photos and out-of-distribution inputs for the shipped Fashion-MNIST classifier.

    python benchmarks/photo_inputs.py [--model saved_models/fashion_mnist_classifier/model.keras]
        [--count 10000] [--json benchmarks/photo_inputs.json]

1. **Product photos** made from the Fashion-MNIST *test* split, the way a shop photographs a
   garment: the item dark on a white background (intensities negated), a colour tint (the
   darkest garment pixel gets a random colour with channels in 0–140), enlarged with bicubic
   interpolation to 45–90 % of a canvas 150–600 px on each side (independent sides), placed off
   centre at a random position, saved as JPEG (quality 70–95), read back as a file is read.
   Accuracy through the classifier's photo conversion (Xiao et al. 2017, §2;
   kerasvision/io/fashion_mnist_conversion.py) against the plain path (the same JPEG stretched
   to 28×28) and the plain test accuracy on the original 28×28 images.
2. **Flagged rates** of the classifier's in-distribution score (kerasvision/tasks/
   in_distribution.py: Mahalanobis on penultimate features, Lee et al. NeurIPS 2018, for the
   shipped model) and, beside it, of the energy score (Liu et al. NeurIPS 2020) calibrated on
   the same training images; none of these images was used for either calibration:
   the Fashion-MNIST test split, the product photos, photographs (random crops of the
   photographs in matplotlib's sample data, flipped and tinted), documents (text pages drawn
   with Pillow), textures (gratings, checkerboards, smoothed noise, dots), noise (uniform,
   Gaussian, salt and pepper) and flat colours. Every synthetic image comes from a seeded
   generator; nothing is downloaded.
"""

import argparse
import io
import json
import time

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

SEED = 2026


def jpeg(image, quality):
    buf = io.BytesIO()
    image.convert("RGB").save(buf, format="JPEG", quality=int(quality))
    return buf.getvalue()


def png(image):
    buf = io.BytesIO()
    image.save(buf, format="PNG")
    return buf.getvalue()


# ---- product photos from the test split --------------------------------------------------
def product_photo(item, rng):
    """One 28×28 Fashion-MNIST item (light on dark) as a shop-style JPEG (bytes)."""
    width, height = (int(v) for v in rng.integers(150, 601, size=2))
    colour = rng.integers(0, 141, size=3).astype(np.float32)  # the garment's darkest colour
    fill = rng.uniform(0.45, 0.90)
    side = max(8, int(min(width, height) * fill))
    amount = item.astype(np.float32)[..., None] / 255.0  # 1 where the garment is darkest
    rgb = 255.0 - amount * (255.0 - colour)  # white background, tinted dark garment
    garment = Image.fromarray(np.round(rgb).astype(np.uint8)).resize((side, side),
                                                                     Image.BICUBIC)
    canvas = Image.new("RGB", (width, height), (255, 255, 255))
    left = int(rng.integers(0, width - side + 1))
    top = int(rng.integers(0, height - side + 1))
    canvas.paste(garment, (left, top))
    return jpeg(canvas, rng.integers(70, 96))


# ---- inputs the classifier does not know -------------------------------------------------
def photographs(rng, count):
    """Random crops (64–full size) of matplotlib's sample photographs, some flipped/tinted."""
    import matplotlib.cbook as cbook

    sources = [Image.open(cbook.get_sample_data("grace_hopper.jpg")).convert("RGB")]
    out = []
    for i in range(count):
        photo = sources[i % len(sources)]
        w, h = photo.size
        cw, ch = (int(rng.integers(64, n + 1)) for n in (w, h))
        x0, y0 = int(rng.integers(0, w - cw + 1)), int(rng.integers(0, h - ch + 1))
        crop = photo.crop((x0, y0, x0 + cw, y0 + ch))
        if rng.random() < 0.5:
            crop = crop.transpose(Image.FLIP_LEFT_RIGHT)
        if rng.random() < 0.3:
            tint = rng.uniform(0.6, 1.2, size=3)
            crop = Image.fromarray(np.clip(np.asarray(crop) * tint, 0, 255).astype(np.uint8))
        out.append(jpeg(crop, rng.integers(70, 96)))
    return out


def documents(rng, count):
    """Pages of text (random words, sizes, margins), some with rules or a table grid."""
    words = ("the of and garment model image photo invoice total order shipping return size "
             "colour price date customer address page chapter figure table result").split()
    out = []
    for _ in range(count):
        width, height = int(rng.integers(200, 800)), int(rng.integers(200, 1000))
        page = Image.new("L", (width, height), int(rng.integers(225, 256)))
        draw = ImageDraw.Draw(page)
        size = int(rng.integers(9, 30))
        font = ImageFont.load_default(size=size)
        y = int(rng.integers(5, 40))
        while y < height - size:
            line = " ".join(rng.choice(words, size=int(rng.integers(2, 14))))
            draw.text((int(rng.integers(5, 40)), y), line, fill=int(rng.integers(0, 80)),
                      font=font)
            y += int(size * rng.uniform(1.2, 2.0))
        if rng.random() < 0.3:
            for gx in np.linspace(10, width - 10, int(rng.integers(2, 6))):
                draw.line([(gx, 10), (gx, height - 10)], fill=0, width=1)
        out.append(png(page) if rng.random() < 0.5 else jpeg(page, 85))
    return out


def textures(rng, count):
    """Gratings, checkerboards, smoothed noise and dot fields, grey or coloured."""
    out = []
    for i in range(count):
        h, w = int(rng.integers(64, 512)), int(rng.integers(64, 512))
        yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
        kind = i % 4
        if kind == 0:
            angle, period = rng.uniform(0, np.pi), rng.uniform(4, 60)
            field = 0.5 + 0.5 * np.sin(2 * np.pi * (xx * np.cos(angle) + yy * np.sin(angle))
                                       / period)
        elif kind == 1:
            cell = int(rng.integers(3, 64))
            field = ((yy // cell + xx // cell) % 2).astype(np.float32)
        elif kind == 2:
            noise = Image.fromarray((rng.random((h, w)) * 255).astype(np.uint8))
            field = np.asarray(noise.filter(ImageFilter.GaussianBlur(rng.uniform(1, 12))),
                               np.float32)
            field = (field - field.min()) / max(np.ptp(field), 1e-3)
        else:
            field = np.zeros((h, w), np.float32)
            img = Image.fromarray(field)
            draw = ImageDraw.Draw(img)
            for _ in range(int(rng.integers(10, 200))):
                x, y, r = rng.uniform(0, w), rng.uniform(0, h), rng.uniform(2, 20)
                draw.ellipse([x - r, y - r, x + r, y + r], fill=1.0)
            field = np.asarray(img, np.float32)
        low, high = rng.integers(0, 256, size=(2, 3)).astype(np.float32)
        rgb = low + field[..., None] * (high - low)
        out.append(jpeg(Image.fromarray(np.clip(rgb, 0, 255).astype(np.uint8)), 90))
    return out


def noise(rng, count):
    """Uniform, Gaussian and salt-and-pepper noise, grey or colour, 28–512 px."""
    out = []
    for i in range(count):
        h, w = int(rng.integers(28, 512)), int(rng.integers(28, 512))
        c = 3 if rng.random() < 0.5 else 1
        kind = i % 3
        if kind == 0:
            x = rng.uniform(0, 255, (h, w, c))
        elif kind == 1:
            x = rng.normal(rng.uniform(40, 215), rng.uniform(10, 80), (h, w, c))
        else:
            x = np.where(rng.random((h, w, 1)) < rng.uniform(0.05, 0.5), 255.0, 0.0)
            x = np.repeat(x, c, axis=-1) if rng.random() < 0.5 else 255.0 - np.repeat(x, c, -1)
        pixels = np.clip(x, 0, 255).astype(np.uint8)
        image = Image.fromarray(pixels[..., 0] if c == 1 else pixels)
        out.append(png(image))
    return out


def flat_colours(rng, count):
    out = []
    for _ in range(count):
        h, w = int(rng.integers(28, 512)), int(rng.integers(28, 512))
        colour = tuple(int(v) for v in rng.integers(0, 256, size=3))
        out.append(png(Image.new("RGB", (w, h), colour)))
    return out


# ---- measuring ---------------------------------------------------------------------------
def read_all(encoded, channels):
    from kerasvision.io import read_image

    return [read_image(data, channels=channels) for data in encoded]


def flagged_share(score, model, pixels):
    return float((~score.passes(score.scores(model, pixels))).mean())


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=None, help="a .keras classifier (default: shipped)")
    parser.add_argument("--count", type=int, default=10000, help="product photos to make")
    parser.add_argument("--ood-count", type=int, default=300, help="images per OOD category")
    parser.add_argument("--calibration", type=int, default=5000,
                        help="the last N training images calibrate the energy score compared")
    parser.add_argument("--json", default=None, help="write the figures here too")
    parser.add_argument("--single-view", action="store_true",
                        help="measure one view of a model with test-time views, with its "
                             "one-view calibration (what `kerasvision classify` runs)")
    args = parser.parse_args()

    from kerasvision.data.fashion_mnist import load_fashion_mnist
    from kerasvision.io.image_preprocessor import ImagePreprocessor
    from kerasvision.tasks.image_classifier import ImageClassifier
    from kerasvision.tasks.in_distribution import calibrate_energy

    start = time.time()
    classifier = ImageClassifier.load(args.model)
    if args.single_view:
        classifier = classifier.single_view()
    if classifier.in_distribution is None or classifier.preprocessor.photo_conversion is None:
        raise SystemExit("the classifier has no photo conversion or no calibration")
    model, converting = classifier.model, classifier.preprocessor
    plain = ImagePreprocessor(converting.size, converting.channels, converting.resize,
                              converting.pad_value)
    (x_train, _), (x_test, y_test) = load_fashion_mnist()
    # The shipped score, and the energy score calibrated on the same training images beside it.
    scores = {classifier.in_distribution.method: classifier.in_distribution}
    scores.setdefault("energy", calibrate_energy(
        model, x_train[-args.calibration:, ..., None].astype(np.float32)))
    rng = np.random.default_rng(SEED)
    order = rng.permutation(len(x_test))[:args.count]
    figures = {"product_photos": int(len(order)), "ood_images_per_category": args.ood_count,
               "views": "one" if args.single_view or not classifier.has_views else "all",
               "shipped_score": classifier.in_distribution.method,
               "thresholds": {name: score.threshold for name, score in scores.items()}}
    flagged = {name: {} for name in scores}

    def flag(category, pixels):
        for name, score in scores.items():
            flagged[name][category] = flagged_share(score, model, pixels)

    # Plain test accuracy and flagged rate on the original 28×28 test images.
    test = x_test[..., None].astype(np.float32)
    figures["test_accuracy"] = float(
        (model.predict(test, batch_size=500, verbose=0).argmax(-1) == y_test).mean())
    flag("fashion_mnist_test", test)

    # Product photos: with the conversion (the classifier's own path) and without.
    photos = read_all([product_photo(x_test[i], rng) for i in order], converting.channels)
    labels = y_test[order]
    for name, pre in (("with_conversion", converting), ("without_conversion", plain)):
        pixels = np.concatenate([pre.preprocess(photos[i:i + 500]).pixels
                                 for i in range(0, len(photos), 500)])
        figures[f"product_photo_accuracy_{name}"] = float(
            (model.predict(pixels, batch_size=500, verbose=0).argmax(-1) == labels).mean())
        flag(f"product_photos_{name}", pixels)

    # Out-of-distribution categories, through the classifier's preprocessor as `predict` and
    # `classify` see them (the photo conversion included).
    for name, make in (("photographs", photographs), ("documents", documents),
                       ("textures", textures), ("noise", noise),
                       ("flat_colours", flat_colours)):
        images = read_all(make(rng, args.ood_count), converting.channels)
        flag(name, converting.preprocess(images).pixels)
    figures["flagged"] = flagged
    figures["seconds"] = round(time.time() - start, 1)
    text = json.dumps(figures, indent=2)
    print(text)
    if args.json:
        with open(args.json, "w") as fh:
            fh.write(text + "\n")


if __name__ == "__main__":
    main()
