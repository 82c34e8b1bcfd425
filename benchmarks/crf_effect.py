"""How much do dense CRFs change segmentations of Fashion scenes? mIoU, pixel accuracy and
boundary accuracy before and after dense_crf (pydensecrf) and MeanFieldCRF (windowed, in-graph).

    python benchmarks/crf_effect.py                                   # synthetic unaries
    python benchmarks/crf_effect.py --model runs/segmenter/final.keras  # a trained segmenter

With --model, the unaries are a saved segmentation model's scores (the segmentation contract:
0-255 pixels in, per-pixel softmax over background + the 10 Fashion-MNIST classes out). Without
it, and while the repository has no trained segmenter, they are a SYNTHETIC BASELINE made from
the ground truth: one-hot masks blurred (a network's coarse, up-sampled scores), plus spatially
smooth and per-pixel Gaussian noise, as logits. It tells what the CRFs do with unaries whose
errors look like that, not what they would do for a real network.

Boundary accuracy is pixel accuracy within --band pixels (Chebyshev distance) of a ground-truth
class boundary, the "trimap" accuracy Krähenbühl & Koltun report (NIPS 2011, §5, after Kohli,
Ladický & Torr, IJCV 2009). Prints a Markdown table; numbers go to benchmarks/RESULTS.md by
hand. Writes a picture (image / truth / unary / each CRF) to --picture.
"""

import argparse
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np

CLASSES = 11  # background + Fashion-MNIST's 10


def gaussian_blur(x, sigma):
    """Separable Gaussian blur of an (H, W, ...) array over its first two axes (edge padding)."""
    radius = max(1, int(3 * sigma))
    taps = np.exp(-np.arange(-radius, radius + 1) ** 2 / (2 * sigma ** 2))
    taps /= taps.sum()
    for axis in (0, 1):
        pad = [(0, 0)] * x.ndim
        pad[axis] = (radius, radius)
        padded = np.pad(x, pad, mode="edge")
        length = x.shape[axis]
        x = sum(t * np.take(padded, np.arange(i, i + length), axis=axis)
                for i, t in enumerate(taps))
    return x


def synthetic_logits(mask, rng, blur=2.0, strength=4.0, smooth_noise=1.0, smooth_sigma=4.0,
                     pixel_noise=0.5):
    """Noisy logits (H, W, CLASSES) derived from a ground-truth label map (the baseline)."""
    one_hot = np.eye(CLASSES)[mask]
    logits = strength * gaussian_blur(one_hot, blur)
    correlated = gaussian_blur(rng.normal(size=one_hot.shape), smooth_sigma)
    correlated /= correlated.std()
    return (logits + smooth_noise * correlated
            + pixel_noise * rng.normal(size=one_hot.shape)).astype(np.float32)


def near_boundary(mask, band):
    """True where a pixel of another class lies within `band` pixels (Chebyshev distance)."""
    padded = np.pad(mask, band, mode="edge")
    h, w = mask.shape
    near = np.zeros(mask.shape, bool)
    for dy in range(2 * band + 1):
        for dx in range(2 * band + 1):
            near |= padded[dy:dy + h, dx:dx + w] != mask
    return near


class Score:
    def __init__(self):
        from kerasvision.models.segmentation.confusion_scores import confusion_matrix

        self._confusion = confusion_matrix
        self.matrix = np.zeros((CLASSES, CLASSES), np.int64)
        self.boundary_right = self.boundary_total = 0
        self.seconds = 0.0

    def add(self, mask, labels, band):
        self.matrix += self._confusion(mask, labels, CLASSES)
        near = near_boundary(mask, band)
        self.boundary_right += int((labels[near] == mask[near]).sum())
        self.boundary_total += int(near.sum())

    def row(self):
        from kerasvision.models.segmentation.confusion_scores import mean_iou, pixel_accuracy

        return (100 * mean_iou(self.matrix), 100 * pixel_accuracy(self.matrix),
                100 * self.boundary_right / max(1, self.boundary_total))


def model_logits(path):
    import keras

    import kerasvision.layers.mean_field_crf  # noqa: F401  (registers the layer for loading)

    model = keras.models.load_model(path, safe_mode=True)

    def logits(image):
        pixels = image[None].astype(np.float32)
        if model.input_shape[-1] == 1:
            pixels = pixels.mean(-1, keepdims=True)
        scores = model.predict_on_batch(pixels)[0]
        return np.log(np.clip(scores, 1e-8, None)).astype(np.float32)

    return logits


def mean_field_model(args):
    import keras

    from kerasvision.layers.mean_field_crf import MeanFieldCRF

    logits, image = keras.Input((None, None, CLASSES)), keras.Input((None, None, 3))
    crf = MeanFieldCRF(iterations=args.iterations, window=args.window,
                       smoothness_theta=args.smoothness[0], smoothness_weight=args.smoothness[1],
                       appearance_theta=args.appearance[:2], appearance_weight=args.appearance[2])
    return keras.Model([logits, image], crf([logits, image]))


def fit_mean_field(model, args, unary):
    """Fit the layer's kernel weights and compatibility on random crops of training scenes.

    Cross-entropy of the refined logits; the crops keep the cost down (the layer is local,
    so what it learns on crops applies to whole scenes).
    """
    import keras

    from kerasvision.data.fashion_scenes import FashionScenes

    scenes = FashionScenes("train", size=(args.size, args.size), seed=args.seed)
    rng = np.random.default_rng(args.seed + 1)
    model.compile(keras.optimizers.Adam(args.fit_rate),
                  keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    crop = args.fit_crop
    for step in range(args.fit_steps):
        logits, images, masks = [], [], []
        for i in range(args.fit_batch):
            scene = scenes.scene(step * args.fit_batch + i)
            mask = scene.semantic_mask.astype(np.int64)
            y, x = rng.integers(0, args.size - crop + 1, size=2)
            window = (slice(y, y + crop), slice(x, x + crop))
            logits.append(unary(scene.image, mask)[window])
            images.append(scene.image[window].astype(np.float32))
            masks.append(mask[window])
        loss = model.train_on_batch([np.stack(logits), np.stack(images)], np.stack(masks))
        if step % 10 == 0 or step == args.fit_steps - 1:
            print(f"fit step {step}: loss {float(loss):.4f}", flush=True)
    crf = model.layers[-1]
    return {"kernel_weights": [round(float(w), 2) for w in crf.kernel_weights.numpy()],
            "compatibility": crf.compatibility.numpy()}


def picture(path, rows):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    titles = ["image", "ground truth", "unary (argmax)", "dense_crf", "MeanFieldCRF",
              "MeanFieldCRF, fitted"][:len(rows[0])]
    figure, axes = plt.subplots(len(rows), len(titles), figsize=(2.2 * len(titles),
                                                                  2.2 * len(rows)))
    for r, row in enumerate(rows):
        for c, (title, panel) in enumerate(zip(titles, row)):
            axis = axes[r, c]
            if panel.ndim == 3:
                axis.imshow(panel)
            else:
                axis.imshow(panel, cmap="tab20", vmin=0, vmax=19, interpolation="nearest")
            axis.set_xticks([])
            axis.set_yticks([])
            if r == 0:
                axis.set_title(title, fontsize=9)
    figure.tight_layout()
    figure.savefig(path, dpi=100)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", help="a saved segmenter (.keras); default: synthetic unaries")
    parser.add_argument("--scenes", type=int, default=50)
    parser.add_argument("--size", type=int, default=128, help="scene side in pixels")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--iterations", type=int, default=5)
    parser.add_argument("--smoothness", type=float, nargs=2, default=(3.0, 3.0),
                        metavar=("THETA_GAMMA", "W2"))
    parser.add_argument("--appearance", type=float, nargs=3, default=(80.0, 13.0, 10.0),
                        metavar=("THETA_ALPHA", "THETA_BETA", "W1"))
    parser.add_argument("--window", type=int, default=11, help="MeanFieldCRF's window")
    parser.add_argument("--band", type=int, default=3, help="boundary band half-width, pixels")
    parser.add_argument("--picture", default="benchmarks/crf_effect.png")
    parser.add_argument("--pictured", type=int, default=3, help="scenes in the picture")
    parser.add_argument("--fit-steps", type=int, default=0,
                        help="also fit a MeanFieldCRF's weights on training scenes (0: no)")
    parser.add_argument("--fit-batch", type=int, default=4)
    parser.add_argument("--fit-crop", type=int, default=48, help="training crop side, pixels")
    parser.add_argument("--fit-rate", type=float, default=0.05, help="Adam learning rate")
    args = parser.parse_args()

    from kerasvision.data.fashion_scenes import FashionScenes
    from kerasvision.models.segmentation.dense_crf import dense_crf

    scenes = FashionScenes("validation", size=(args.size, args.size), seed=args.seed)
    rng = np.random.default_rng(args.seed)
    segmenter = model_logits(args.model) if args.model else None

    def unary(image, mask):
        return segmenter(image) if segmenter else synthetic_logits(mask, rng)

    crfs = {"dense_crf": lambda logits, image: dense_crf(
                image, logits, args.iterations, args.smoothness, args.appearance,
                from_logits=True),
            "MeanFieldCRF": mean_field_model(args)}
    fitted = None
    if args.fit_steps:
        crfs["MeanFieldCRF, fitted"] = mean_field_model(args)
        fitted = fit_mean_field(crfs["MeanFieldCRF, fitted"], args, unary)
        rng = np.random.default_rng(args.seed)  # the same validation unaries as without
    for name, crf in crfs.items():
        if not callable(getattr(crf, "predict_on_batch", None)):
            continue
        crf.predict_on_batch([np.zeros((1, args.size, args.size, CLASSES), np.float32),
                              np.zeros((1, args.size, args.size, 3), np.float32)])  # trace
        crfs[name] = (lambda model: lambda logits, image: model.predict_on_batch(
            [logits[None], image[None].astype(np.float32)])[0])(crf)
    scores = {name: Score() for name in ["unary", *crfs]}
    rows = []
    for index in range(args.scenes):
        scene = scenes.scene(index)
        mask = scene.semantic_mask.astype(np.int64)
        logits = unary(scene.image, mask)
        labels = {"unary": logits.argmax(-1)}
        for name, crf in crfs.items():
            start = time.perf_counter()
            labels[name] = crf(logits, scene.image).argmax(-1)
            scores[name].seconds += time.perf_counter() - start
        for name, score in scores.items():
            score.add(mask, labels[name], args.band)
        if index < args.pictured:
            rows.append([scene.image, mask, *labels.values()])
    picture(args.picture, rows)

    source = args.model or "SYNTHETIC unaries from the ground truth (no trained segmenter)"
    print(f"Fashion scenes, validation split, seed {args.seed}, {args.scenes} scenes of "
          f"{args.size} x {args.size}; unaries: {source}")
    print(f"{args.iterations} iterations, smoothness (θγ, w2) = {tuple(args.smoothness)}, "
          f"appearance (θα, θβ, w1) = {tuple(args.appearance)}, MeanFieldCRF window "
          f"{args.window}, boundary band {args.band} px\n")
    print("| labels from | mIoU | pixel accuracy | boundary accuracy | s/image |")
    print("|---|---|---|---|---|")
    for name, score in scores.items():
        miou, accuracy, boundary = score.row()
        seconds = f"{score.seconds / args.scenes:.3f}" if score.seconds else "-"
        print(f"| {name} | {miou:.1f} % | {accuracy:.1f} % | {boundary:.1f} % | {seconds} |")
    if fitted:
        print(f"\nfitted on {args.fit_steps} x {args.fit_batch} training crops of {args.fit_crop}"
              f" px: kernel weights (w_s, w_a) {fitted['kernel_weights']}; compatibility "
              f"diagonal mean {np.diag(fitted['compatibility']).mean():.2f}, off-diagonal "
              f"mean {fitted['compatibility'][~np.eye(CLASSES, dtype=bool)].mean():.2f}")
    print(f"\npicture: {args.picture}")


if __name__ == "__main__":
    main()
