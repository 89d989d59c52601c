"""A real disk that fails: an ext4 image, loop-mounted, turned read-only mid-run."""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import tempfile
import uuid
from pathlib import Path

from .scenario import CaseFailed


@functools.cache
def disk_support() -> str | None:
    """None when a failing disk can be made here, else why not."""
    if os.geteuid() != 0:
        return "needs root: a loop-mounted ext4 file system in a private mount namespace"
    for tool in ("unshare", "mkfs.ext4", "e2fsck", "losetup", "mount"):
        if shutil.which(tool) is None:
            return f"needs {tool} (a loop-mounted ext4 file system)"
    with tempfile.TemporaryDirectory(prefix="faults-disk-") as temp:
        disk = Disk(Path(temp) / "folder", Path(temp))
        disk.folder.mkdir()
        try:
            disk.prepare()
        except CaseFailed as error:
            return str(error)
        probe = 'for f in /sys/fs/ext4/*/trigger_fs_error; do [ -w "$f" ] && exit 0; done; exit 1'
        done = subprocess.run([*disk.prefix(), "sh", "-c", probe], capture_output=True, timeout=30)
        if done.returncode != 0:
            detail = done.stderr.decode(errors="replace").strip()
            return f"cannot mount an ext4 image with a writable trigger_fs_error: {detail}"
    return None


class Disk:
    """An ext4 file system in an image file, holding what ``folder`` held.

    :meth:`prefix` mounts it over ``folder`` in a private mount namespace of the child
    it starts; :meth:`fail` makes the kernel turn it read-only as on a disk error;
    :meth:`restore` repairs it (``e2fsck``) and copies its contents back to ``folder``,
    as an administrator would after replacing the disk.
    """

    def __init__(self, folder: Path, work: Path, *, read_only: bool = False) -> None:
        self.folder = folder
        self.image = work / f"disk-{uuid.uuid4().hex[:8]}.img"
        self.read_only = read_only

    def prepare(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        _tool(["mkfs.ext4", "-q", "-F", "-d", str(self.folder), str(self.image), "16M"])

    def prefix(self) -> list[str]:
        options = "loop,errors=remount-ro" + (",ro" if self.read_only else "")
        script = 'mount -o "$1" "$2" "$3" && shift 3 && exec "$@"'
        return [
            *("unshare", "--mount", "--propagation", "private", "sh", "-c", script, "sh"),
            *(options, str(self.image), str(self.folder)),
        ]

    def fail(self) -> None:
        listed = _tool(["losetup", "-j", str(self.image)]).split(":", 1)[0].strip()
        if not listed:
            raise CaseFailed(f"{self.image} is not attached to a loop device")
        Path(f"/sys/fs/ext4/{Path(listed).name}/trigger_fs_error").write_text("1")

    def restore(self) -> None:
        subprocess.run(["e2fsck", "-fy", str(self.image)], capture_output=True, timeout=60)
        shutil.rmtree(self.folder)
        self.folder.mkdir()
        copy = 'mount -o loop,ro "$1" "$2" && cp -a "$2"/. "$3"/'
        with tempfile.TemporaryDirectory(prefix="faults-mnt-") as mnt:
            command = ["unshare", "--mount", "--propagation", "private", "sh", "-c", copy, "sh"]
            _tool([*command, str(self.image), mnt, str(self.folder)])
        shutil.rmtree(self.folder / "lost+found", ignore_errors=True)


def _tool(command: list[str]) -> str:
    done = subprocess.run(command, capture_output=True, text=True, timeout=60)
    if done.returncode != 0:
        raise CaseFailed(f"{' '.join(command[:3])} failed: {done.stderr.strip()[:300]}")
    return done.stdout
