"""mijnloket-gitops: MijnLoket product activation in Loket.nl as configuration as code."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("mijnloket-gitops")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0"
