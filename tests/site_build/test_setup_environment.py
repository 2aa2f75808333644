"""scripts/setup notices a .venv that belongs to another checkout (moved or copied with it, or
installed from another folder), which would build with that checkout's interpreter and engine
without a word, and makes a new one, saying why (`--check-env` only says)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

SETUP = Path(__file__).resolve().parents[2] / "scripts" / "setup"


def checkout(root: Path, *packages: str) -> Path:
    """A folder with scripts/setup, the named (empty) packages and a .venv made there (no pip: fast)."""
    (root / "scripts").mkdir(parents=True)
    shutil.copy2(SETUP, root / "scripts" / "setup")
    for package in packages:
        (root / package).mkdir()
        (root / package / "__init__.py").write_text("")
    subprocess.run(["python3", "-m", "venv", "--without-pip", str(root / ".venv")], check=True)
    # a console script as pip writes them: its first line names the interpreter of this .venv
    (root / ".venv" / "bin" / "tool").write_text(f"#!{root}/.venv/bin/python\nimport sys\n")
    return root


def check_env(root: Path) -> subprocess.CompletedProcess:
    return subprocess.run(["bash", str(root / "scripts" / "setup"), "--check-env"], capture_output=True, text=True)


def install_from(root: Path, source: Path) -> None:
    """What `pip install -e` does for the engine, pointing at `source`: a path entry in site-packages."""
    site_packages = next((root / ".venv" / "lib").glob("python3*/site-packages"))
    (site_packages / "project.pth").write_text(f"{source}\n")


def test_a_venv_moved_with_its_checkout_is_noticed_by_its_scripts_first_line(tmp_path):
    first = checkout(tmp_path / "first")
    assert check_env(first).stdout == "setup: .venv belongs to this checkout\n"
    moved = first.rename(tmp_path / "moved")
    done = check_env(moved)
    assert done.returncode == 1
    assert done.stdout == (f"setup: .venv belongs to another checkout: tool starts {tmp_path}/first/.venv/bin/python, "
                           f"not an interpreter in {moved}/.venv\n")


def test_an_editable_install_of_another_checkouts_engine_is_noticed(tmp_path):
    here = checkout(tmp_path / "here", "lesson", "site_src")
    other = tmp_path / "other"
    (other / "lesson").mkdir(parents=True)
    (other / "lesson" / "__init__.py").write_text("")
    install_from(here, other)
    done = check_env(here)
    assert done.returncode == 1
    assert done.stdout == (f"setup: .venv belongs to another checkout: it imports lesson from {other}/lesson, "
                           f"not {here}/lesson\n")
    install_from(here, here)  # the same install, of this checkout: nothing to say
    done = check_env(here)
    assert (done.returncode, done.stdout) == (0, "setup: .venv belongs to this checkout\n")


def test_a_checkout_without_a_venv_is_told_to_run_setup(tmp_path):
    (tmp_path / "scripts").mkdir()
    shutil.copy2(SETUP, tmp_path / "scripts" / "setup")
    done = check_env(tmp_path)
    assert (done.returncode, done.stdout) == (1, "setup: no .venv yet (scripts/setup makes one)\n")
