"""setup.cfg lists packages by hand (to map saved_models/ into the package); keep it complete."""

import configparser
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_every_package_folder_is_listed_in_setup_cfg():
    cfg = configparser.ConfigParser()
    cfg.read(ROOT / "setup.cfg")
    listed = set(cfg["options"]["packages"].split())
    found = {".".join(p.parent.relative_to(ROOT).parts)
             for p in (ROOT / "kerasvision").rglob("__init__.py")}
    assert found <= listed, f"add to setup.cfg [options] packages: {sorted(found - listed)}"
    assert "kerasvision.shipped" in listed
    assert cfg["options"]["package_dir"].split() == ["kerasvision.shipped", "=", "saved_models"]
