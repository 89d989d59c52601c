"""The generator moved into the package: :mod:`mijnloket_gitops.sandbox.synthetic` (one
generator for the tests, the benchmarks and ``emulator serve --employers``). This name
only re-exports it, for imports written before the move; it generates nothing itself."""

from mijnloket_gitops.sandbox.synthetic import AK_POOL as AK_POOL
from mijnloket_gitops.sandbox.synthetic import BENCHMARK as BENCHMARK
from mijnloket_gitops.sandbox.synthetic import USER_TYPES as USER_TYPES
from mijnloket_gitops.sandbox.synthetic import Shape as Shape
from mijnloket_gitops.sandbox.synthetic import employer_yaml as employer_yaml
from mijnloket_gitops.sandbox.synthetic import realistic_yaml as realistic_yaml
from mijnloket_gitops.sandbox.synthetic import write_employers as write_employers
from mijnloket_gitops.sandbox.synthetic import write_realistic as write_realistic
