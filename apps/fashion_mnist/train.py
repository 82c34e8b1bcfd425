"""Recipe: train the shipped Fashion-MNIST classifier (WRN-16-2) with model.fit and ship it.

    python apps/fashion_mnist/train.py --workdir runs/fashion_mnist \\
        --output saved_models/fashion_mnist_classifier

Re-running the same command after an interruption resumes from the last finished epoch
(BackupAndRestore); a finished run is not trained again, a larger --epochs continues it.
Progress goes to stderr, one JSON document to stdout. With --output, the model folder
(model.keras, a TF Serving version, curves, metrics, model card) is written at the end.
`kerasvision train classifier` runs the same code.
"""

import argparse
import json
import shlex
import sys

from kerasvision.tasks.classifier_training import (RunConflict, TrainConfig, config_for,
                                                   restart_run, run_state, stored_summary,
                                                   train_classifier)

# Defaults that depend on the architecture (tasks/training_recipes.py): None on the command
# line means the recipe's value for --model.
PER_ARCHITECTURE = ("optimizer", "learning_rate", "weight_decay", "label_smoothing",
                    "warmup_epochs", "min_side", "schedule", "precision", "ema", "bn_momentum",
                    "flip")


def config_parser(defaults):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    def yes(text):
        return text.lower() in ("1", "true", "yes")

    for field, value in vars(defaults).items():
        flag = "--" + field.replace("_", "-")
        kind = yes if isinstance(value, bool) else type(value)
        if field in PER_ARCHITECTURE:
            parser.add_argument(flag, type=kind, default=None, help="default: per architecture")
        elif isinstance(value, bool):
            parser.add_argument(flag, type=yes, default=value)
        elif isinstance(value, dict):
            parser.add_argument(flag, type=json.loads, default=value,
                                help='JSON, e.g. \'{"width": 1}\'')
        else:
            parser.add_argument(flag, type=type(value), default=value)
    parser.add_argument("--output", help="shipped-model folder to write at the end")
    parser.add_argument("--flip-averaging", action="store_true",
                        help="ship test-time flip averaging (measured: no gain on Fashion-MNIST)")
    parser.add_argument("--shift-averaging", action="store_true",
                        help="ship test-time averaging over one-pixel translations")
    parser.add_argument("--photo-inputs", action="store_true",
                        help="ship the photo conversion and the in-distribution score "
                             "(photo_inputs_release.py) in the published version")
    parser.add_argument("--card-note", help="a Markdown file appended to the model card")
    parser.add_argument("--publish-only", action="store_true",
                        help="skip training; publish the finished run in --workdir")
    parser.add_argument("--restart", action="store_true",
                        help="delete the run in --workdir and start over")
    return parser


def main():
    """Progress on stderr; one JSON document on stdout (the summary, `published` added)."""
    args = vars(config_parser(TrainConfig(workdir="runs/fashion_mnist")).parse_args())
    output, publish_only = args.pop("output"), args.pop("publish_only")
    restart = args.pop("restart")
    flip_averaging = args.pop("flip_averaging")
    views = "shifts" if args.pop("shift_averaging") else None
    photo_inputs, card_note = args.pop("photo_inputs"), args.pop("card_note")
    config = config_for(args.pop("model"), args.pop("batch_size"), **args)
    command = "python apps/fashion_mnist/train.py " + shlex.join(
        a for a in sys.argv[1:] if a not in ("--publish-only", "--restart"))
    result = {}
    if not publish_only:
        if restart:
            restart_run(config.workdir)
        try:
            state, done = run_state(config)
        except RunConflict as conflict:
            sys.exit(f"error: {conflict}")
        if state == "finished":  # as `kerasvision train classifier` does
            print(f"{config.workdir}: finished ({done} epochs trained); nothing to train",
                  file=sys.stderr)
            summary = stored_summary(config.workdir)
        else:
            _, summary = train_classifier(config, progress=1, command=command)
        result = {k: v for k, v in summary.items() if k != "class_names"}
    if output:
        from kerasvision.tasks.classifier_publishing import publish_run

        from pathlib import Path

        prepare = None
        if photo_inputs:  # the module beside this script
            sys.path.insert(0, str(Path(__file__).parent))
            from photo_inputs_release import with_photo_inputs as prepare
        note = Path(card_note).read_text() if card_note else ""
        metrics = publish_run(config.workdir, output, command, note=note,
                              flip_averaging=flip_averaging, views=views, prepare=prepare)
        result["published"] = {k: v for k, v in metrics.items() if k != "per_class"}
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
