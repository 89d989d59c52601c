"""The CEL implementations on PyPI compared for the policies (issue 23).

For each candidate: the time to compile the benchmark's three policies, the time to
evaluate them on N employer inputs (one evaluation per policy and input, the data
handed over each time, as validate does), and what it says about three mistakes a
bureau makes: a syntax error, a misspelt variable and a key an employer lacks::

    python benchmarks/cel_candidates.py --inputs 2000

Candidates (the ``bench`` extra installs the two that are not dependencies):

- ``cel-expr-python`` (module ``cel_expr_python``): Google's C++ CEL runtime;
- ``common-expression-language`` (module ``cel``): Rust, through PyO3;
- ``cel-python`` (module ``celpy``): pure Python, on lark.

The figures and the choice are in ``benchmarks/README.md``.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from typing import Any

RULES = [  # the policies of benchmarks/policies.py
    'employer.tier != "pro" || !has(employer.labels.account_manager) '
    '|| employer.labels.account_manager != ""',
    '!employer.users.exists(u, "Raadplegen MijnLoket e-mailadres" in u.rights) '
    '|| employer.addendum.status == "signed"',
    '!("MijnLoket" in employer.products) || employer.products.size() > 1',
]
MISTAKES = {
    "syntax error": 'employer.tier == "pro" &&',
    "misspelt variable": 'emplyer.tier == "pro"',
    "missing key": 'employer.labels.account_manager == "x"',
}
Compile = Callable[[str], Callable[[dict[str, Any]], Any]]


def inputs(count: int) -> list[dict[str, Any]]:
    """Employer inputs shaped like the files (``employer_input`` of a file)."""
    found = []
    for i in range(count):
        users = [
            {"login": f"u{j}@x.nl", "type": "werkgevergebruiker", "rights": ["Inzien"]}
            for j in range(i % 4)
        ]
        found.append(
            {
                "employer": {
                    "employer_id": f"id-{i}",
                    "name": f"Werkgever {i}",
                    "tier": ("start", "plus", "pro")[i % 3],
                    "labels": {"account_manager": "am@bureau.nl"} if i % 2 else {},
                    "addendum": {"status": "signed"},
                    "products": ["MijnLoket", "MijnLoket - Documenten", "Verlofregistratie"],
                    "users": users,
                }
            }
        )
    return found


def cel_expr_python() -> Compile:
    from cel_expr_python import cel

    env = cel.NewEnv(variables={"employer": cel.Type.DYN})

    def compile_(rule: str) -> Callable[[dict[str, Any]], Any]:
        expression = env.compile(rule)

        def run(data: dict[str, Any]) -> Any:
            value = expression.eval(data=data)
            if value.type() == cel.Type.ERROR:
                raise RuntimeError(value.value())
            return value.value()

        return run

    return compile_


def common_expression_language() -> Compile:
    import cel

    def compile_(rule: str) -> Callable[[dict[str, Any]], Any]:
        program = cel.compile(rule)
        return lambda data: program.execute(data)

    return compile_


def cel_python() -> Compile:
    import celpy
    from celpy.adapter import json_to_cel

    env = celpy.Environment()

    def compile_(rule: str) -> Callable[[dict[str, Any]], Any]:
        program = env.program(env.compile(rule))
        return lambda data: program.evaluate({k: json_to_cel(v) for k, v in data.items()})

    return compile_


CANDIDATES: dict[str, Callable[[], Compile]] = {
    "cel-expr-python": cel_expr_python,
    "common-expression-language": common_expression_language,
    "cel-python": cel_python,
}


def _message(error: Exception) -> str:
    return " ".join(str(error).split())[:160]


def compare(name: str, factory: Callable[[], Compile], data: list[dict[str, Any]]) -> None:
    try:
        compile_ = factory()
    except ImportError:
        print(f"{name}: not installed (pip install -e '.[bench]')")
        return
    started = time.perf_counter()
    programs = [compile_(rule) for rule in RULES]
    compiled = time.perf_counter() - started
    started = time.perf_counter()
    for one in data:
        for program in programs:
            program(one)
    evaluated = time.perf_counter() - started
    per = evaluated / (len(data) * len(programs)) * 1e6
    print(f"{name}:")
    print(f"  compile {len(RULES)} rules: {compiled * 1000:.1f} ms")
    print(f"  evaluate on {len(data)} inputs: {evaluated:.3f} s ({per:.1f} µs per evaluation)")
    for mistake, rule in MISTAKES.items():
        when = "compile"
        try:
            program = compile_(rule)
            when = "run"
            result = program(data[0])
            print(f"  {mistake}: no error at all, gave {result!r}")
        except Exception as error:  # each library raises its own classes
            print(f"  {mistake} (at {when}, {type(error).__name__}): {_message(error)}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--inputs", type=int, default=2000)
    args = parser.parse_args(argv)
    data = inputs(args.inputs)
    for name, factory in CANDIDATES.items():
        compare(name, factory, data)
    return 0


if __name__ == "__main__":
    sys.exit(main())
