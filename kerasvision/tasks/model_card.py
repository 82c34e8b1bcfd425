"""A shipped model's card, written from facts about the run that made it, never from constants.

Each application fills a `ModelCard` with what was actually trained — architecture and paper
(from the registry), data source and image size (from the run's config), class names,
parameter count, time, the exact command — and its own metric sections; `render` lays it out.
"""

import platform
from dataclasses import dataclass, field


@dataclass
class ModelCard:
    title: str
    headline: str  # the main result in one or two sentences, measured
    architecture: str
    parameters: str
    data: str
    training: str
    training_time: str
    inputs: str
    outputs: str
    class_names: list
    command: str
    sections: list = field(default_factory=list)  # (heading, markdown) pairs
    pictures: list = field(default_factory=list)  # (caption, file name) pairs
    note: str = ""

    def render(self):
        rows = [("architecture", self.architecture), ("parameters", self.parameters),
                ("data", self.data), ("classes", ", ".join(map(str, self.class_names))),
                ("training", self.training), ("training time", self.training_time),
                ("inputs", self.inputs), ("outputs", self.outputs)]
        table = "\n".join(f"| {key} | {value} |" for key, value in rows)
        sections = "".join(f"\n## {heading}\n\n{body}\n" for heading, body in self.sections)
        pictures = "\n".join(f"![{caption}]({name})" for caption, name in self.pictures)
        note = f"\n{self.note}\n" if self.note else ""
        return (f"# {self.title}\n\n{self.headline}\n\n| | |\n|---|---|\n{table}\n{note}"
                f"{sections}\n## Reproduce\n\n```\n{self.command}\n```\n\n{pictures}\n")


def machine_description():
    """Where the training ran, for the card's time row."""
    import os

    return f"{platform.machine()} CPU, {os.cpu_count()} cores"


MULTI_COLUMN_PAPER = ("Ciresan, Meier & Schmidhuber, Multi-column Deep Neural Networks for "
                      "Image Classification, CVPR 2012")


def architecture_description(name, builder_kwargs=None, columns=1):
    """`name`, the builder arguments that changed it, and the paper it reproduces (from the
    registry), for a card's architecture row: a WRN-16-2 built with other stage widths is not
    the registry's WRN-16-2, and the card must say so; nor are several columns of it."""
    from kerasvision.registry import get_spec

    changed = ", ".join(f"{key}={value}" for key, value in sorted((builder_kwargs or {}).items()))
    network = f"`{name}`{f' with {changed}' if changed else ''} ({get_spec(name).paper})"
    if columns == 1:
        return network
    return (f"{columns} columns of {network}, each trained on its own loss, their "
            f"probabilities averaged ({MULTI_COLUMN_PAPER})")
