"""The command line's speed: cold starts, `classify` throughput, a naive loop, preprocessing.

    python -m benchmarks.cli_speed
    python -m benchmarks.cli_speed --pngs 200 --jpegs 50 --repeats 5

- Cold start: wall time of a fresh `kerasvision --help` (target < 0.5 s, issue 14 §3.4) and
  of `kerasvision classify one.png` (TensorFlow's import and the model's load included), with
  and without `--tta` (the shipped model's five test-time views; one view without it).
- Throughput of `kerasvision classify` over --pngs PNG files of 28×28 (Fashion-MNIST test
  images) and over --jpegs JPEG
  photographs of 640×480 (generated into a temporary folder; the photographs are smooth
  colour gradients plus noise), *beyond the cold start*: (N − 1) / (t(N files) − t(one file)),
  so the start-up both commands pay cancels (target ≥ 1,000 images/s for the PNGs); the
  PNGs with `--tta` too, beyond its own cold start.
- Against a naive per-image Python loop, in a warm process with the model loaded:
  `for path in paths: classifier.predict(path)` (ImageClassifier, the shipped model's one
  view, as `classify` runs it), over
  the first --loop-images of each set.
- `ImageClassifier.preprocess` alone: ms per image, one image per call and a list of
  --preprocess-batch images per call, for a 28×28 grey and a 640×480 colour image.

The commands run through the `kerasvision` console script beside this Python (`python -m
kerasvision.cli.main` if there is none), one after another in alternating rounds, medians of
--repeats (benchmarks/timing.py). Writes benchmarks/results/cli_speed.json. (The older
benchmarks/classifier_speed.py prints the figures RESULTS.md quotes from before this harness.)
"""

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from benchmarks import timing  # noqa: E402

NAME = "cli_speed"


def kerasvision_command():
    script = Path(sys.executable).parent / "kerasvision"
    return [str(script)] if script.is_file() else [sys.executable, "-m", "kerasvision.cli.main"]


def write_images(folder, count, size, suffix, seed):
    """`count` images of `size` (width, height) in `folder`: Fashion-MNIST test images for
    28×28 ones (what the shipped classifier is for), colour gradients plus noise for
    photographs. Returns the paths, sorted."""
    import numpy as np
    from PIL import Image

    from kerasvision.data.fashion_mnist import load_fashion_mnist

    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    width, height = size
    items = load_fashion_mnist()[1][0] if (width, height) == (28, 28) else None
    paths = []
    for i in range(count):
        if items is not None:
            pixels = items[(seed * 1000 + i) % len(items)]
        elif width <= 64:
            pixels = rng.integers(0, 256, (height, width), dtype=np.uint8)
        else:
            ramp = np.linspace(0, 255, width)[None, :, None] * rng.uniform(0.2, 1, 3)
            noise = rng.normal(0, 20, (height, width, 3))
            pixels = np.clip(ramp + noise, 0, 255).astype(np.uint8)
        path = folder / f"image_{i:05d}.{suffix}"
        Image.fromarray(pixels).save(path, quality=90) if suffix == "jpg" else \
            Image.fromarray(pixels).save(path)
        paths.append(path)
    return paths


def command_contender(arguments):
    def run():
        subprocess.run(arguments, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    return run


def beyond_cold_start(seconds_many, seconds_one, count):
    """Images/s of the extra count − 1 images: (count − 1) / (t(count) − t(1))."""
    extra = seconds_many - seconds_one
    return (count - 1) / extra if extra > 0 else None


def naive_loop(classifier, paths):
    start = time.perf_counter()
    for path in paths:
        classifier.predict(str(path))
    return len(paths) / (time.perf_counter() - start)


def preprocess_ms(classifier, image, batch, repeats):
    """Median ms per image of `classifier.preprocess`, one image a call and `batch` a call."""
    one = timing.alternate({"one": lambda: classifier.preprocess([image])}, repeats=repeats)
    many = timing.alternate({"many": lambda: classifier.preprocess([image] * batch)},
                            repeats=repeats)
    return {"one_per_call_ms": 1000 * timing.median(one["one"]),
            f"{batch}_per_call_ms_per_image": 1000 * timing.median(many["many"]) / batch}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pngs", type=int, default=1000)
    parser.add_argument("--jpegs", type=int, default=200)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--loop-images", type=int, default=200,
                        help="images per set the naive Python loop classifies")
    parser.add_argument("--preprocess-batch", type=int, default=64)
    parser.add_argument("--results-dir", default=None)
    args = parser.parse_args(argv)

    kv = kerasvision_command()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        one = write_images(tmp / "one", 1, (28, 28), "png", 0)
        pngs = write_images(tmp / "pngs", args.pngs, (28, 28), "png", 1)
        jpegs = write_images(tmp / "jpegs", args.jpegs, (640, 480), "jpg", 2)
        commands = {"kerasvision --help": kv + ["--help"],
                    "kerasvision classify one.png": kv + ["classify", str(one[0])],
                    f"kerasvision classify {args.pngs} PNGs 28×28": kv + ["classify",
                                                                          str(tmp / "pngs")],
                    f"kerasvision classify {args.jpegs} JPEGs 640×480": kv + [
                        "classify", str(tmp / "jpegs")],
                    # The shipped model's five test-time views (`--tta`): what they cost.
                    "kerasvision classify one.png --tta": kv + ["classify", str(one[0]),
                                                                 "--tta"],
                    f"kerasvision classify {args.pngs} PNGs 28×28 --tta": kv + [
                        "classify", str(tmp / "pngs"), "--tta"]}
        seconds = timing.alternate({k: command_contender(c) for k, c in commands.items()},
                                   repeats=args.repeats, warmup=1)
        medians = {k: timing.median(v) for k, v in seconds.items()}
        cold_one = medians["kerasvision classify one.png"]
        throughput = {
            "png": beyond_cold_start(medians[f"kerasvision classify {args.pngs} PNGs 28×28"],
                                     cold_one, args.pngs),
            "jpeg": beyond_cold_start(
                medians[f"kerasvision classify {args.jpegs} JPEGs 640×480"], cold_one,
                args.jpegs),
            "png --tta": beyond_cold_start(
                medians[f"kerasvision classify {args.pngs} PNGs 28×28 --tta"],
                medians["kerasvision classify one.png --tta"], args.pngs)}

        import numpy as np

        from kerasvision.tasks.image_classifier import ImageClassifier

        classifier = ImageClassifier.load().single_view()  # what `classify` runs
        classifier.predict(str(one[0]))  # warm-up: tracing
        loop = {"png": naive_loop(classifier, pngs[:args.loop_images]),
                "jpeg": naive_loop(classifier, jpegs[:args.loop_images])}
        rng = np.random.default_rng(3)
        # uint8, as decoded files are: the preprocessor converts colour to grey only for
        # those (a float colour image for a grey model is refused as ambiguous).
        preprocess = {
            "28x28 grey": preprocess_ms(classifier, rng.integers(
                0, 256, (28, 28, 1), dtype=np.uint8), args.preprocess_batch, args.repeats),
            "640x480 colour": preprocess_ms(classifier, rng.integers(
                0, 256, (480, 640, 3), dtype=np.uint8), args.preprocess_batch, args.repeats)}

    result = {"command": kv, "settings": {k: v for k, v in vars(args).items()
                                          if k != "results_dir"},
              "cold_start_s": {k: {"median_s": medians[k], "all_s": seconds[k]}
                               for k in commands},
              "classify_images_per_second_beyond_cold_start": throughput,
              "naive_loop_images_per_second": loop,
              "classify_over_naive_loop": {k: timing.ratio(throughput[k], loop[k])
                                           for k in loop},
              "preprocess": preprocess}
    path = timing.write_result(NAME, result, args.results_dir)
    print(f"\n{timing.machine_line(timing.machine())}\n")
    print(timing.markdown_table(["command (cold process)", "median s"],
                                [(k, v) for k, v in medians.items()]))
    print()
    print(timing.markdown_table(
        ["images", "classify images/s beyond cold start", "naive predict loop images/s",
         "ratio"],
        [(f"{args.pngs} PNG 28×28", throughput["png"], loop["png"],
          result["classify_over_naive_loop"]["png"]),
         (f"{args.jpegs} JPEG 640×480", throughput["jpeg"], loop["jpeg"],
          result["classify_over_naive_loop"]["jpeg"]),
         (f"{args.pngs} PNG 28×28, --tta", throughput["png --tta"], None, None)]))
    print()
    print(timing.markdown_table(
        ["ImageClassifier.preprocess", "ms/image, 1 per call",
         f"ms/image, {args.preprocess_batch} per call"],
        [(k, *v.values()) for k, v in preprocess.items()]))
    print(f"\nwritten: {path}")


if __name__ == "__main__":
    main()
