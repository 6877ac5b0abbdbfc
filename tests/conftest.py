"""Test harness for the mock engine.

``evaluate`` (from offline.engine) sets the mocks and the stack configuration afresh for every call,
so tests never see each other's resources. Component tests pass their own ``program``.

An evaluation of this project's own program (no ``program`` argument) depends only on the stack, the
overrides and the mode, and the committed files do not change during a run: ``evaluate_stack`` and the
preview's ``main`` (``offline.preview.evaluate``) share one evaluation per distinct call, per process (each
pytest-xdist worker has its own), instead of re-running prod for every test that reads it.
"""

from __future__ import annotations

import dataclasses
import gc
import json
import sys
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import offline.preview  # noqa: E402
from offline.engine import Evaluation  # noqa: E402
from offline.engine import evaluate as evaluate_afresh  # noqa: E402
from scaling_kit.stackfiles import read_overrides_file  # noqa: E402

# The SDK, the offline engine and the project's modules imported above live for the whole session: frozen,
# the cycle collector stops walking them on every full collection, and the first generation is collected
# less often (a test evaluation allocates hundreds of thousands of objects). About a tenth of the suite's time.
gc.freeze()
gc.set_threshold(50_000, 20, 100)

_STACK_CACHE: dict[str, Evaluation] = {}
# Evaluations of this project's program by (stack, mode, overrides); a prod evaluation holds tens of MB, so
# only the most recent few are kept.
_PROGRAM_EVALUATIONS: OrderedDict[str, Evaluation] = OrderedDict()
_PROGRAM_EVALUATIONS_KEPT = 6


def evaluate(stack: str, *, root=None, config_overrides=None, program=None, preview: bool = True) -> Evaluation:
    """``offline.engine.evaluate``, sharing the evaluation of this project's own program between identical
    calls. Each caller gets its own Evaluation and resource list (the resources themselves are shared: tests
    read them)."""
    if program is not None or root is None or Path(root).resolve() != ROOT:
        return evaluate_afresh(stack, root=root, config_overrides=config_overrides, program=program,
                               preview=preview)
    key = json.dumps([stack, preview, config_overrides or {}], sort_keys=True, default=str)
    if key in _PROGRAM_EVALUATIONS:
        _PROGRAM_EVALUATIONS.move_to_end(key)
    else:
        _PROGRAM_EVALUATIONS[key] = evaluate_afresh(stack, root=root, config_overrides=config_overrides,
                                                    preview=preview)
        while len(_PROGRAM_EVALUATIONS) > _PROGRAM_EVALUATIONS_KEPT:
            _PROGRAM_EVALUATIONS.popitem(last=False)
    shared = _PROGRAM_EVALUATIONS[key]
    return dataclasses.replace(shared, resources=list(shared.resources), outputs=dict(shared.outputs),
                               config=dict(shared.config), invokes=list(shared.invokes))


# The preview's main() (called in-process by the CLI tests) evaluates through the same cache.
offline.preview.evaluate = evaluate
# What only a real prod stack's operator knows (domain, hosted zone, image): Pulumi.prod.yaml leaves it out,
# so every test that evaluates prod passes these example values, as CI's previews do with --set-file.
OPERATOR_VALUES_FILE = ROOT / "tests" / "fixtures" / "prod-operator-values.yaml"


def operator_values(stack: str) -> dict[str, str]:
    """The example operator values a test passes for ``stack`` (only prod has any)."""
    return read_overrides_file(OPERATOR_VALUES_FILE, "scaling") if stack == "prod" else {}


def evaluate_stack(stack: str, config_overrides=None, **kwargs) -> Evaluation:
    """``offline.engine.evaluate`` of a stack of this project with its operator values, then ``config_overrides``
    (``None`` removes a key, as in ``evaluate``)."""
    return evaluate(stack, root=ROOT, config_overrides={**operator_values(stack), **(config_overrides or {})},
                    **kwargs)


def stack_evaluation(stack: str) -> Evaluation:
    """The preview-mode evaluation of a stack as committed, shared by the tests that only read it."""
    if stack not in _STACK_CACHE:
        _STACK_CACHE[stack] = evaluate_stack(stack)
        assert _STACK_CACHE[stack].error is None, _STACK_CACHE[stack].error
    return _STACK_CACHE[stack]


def run_program(program: Callable[[], None], *, preview: bool = False, stack: str = "dev") -> Evaluation:
    """Run ``program`` (a function that declares resources) under the mock engine.

    ``preview=False`` gives known fake ids and ARNs so values built with ``apply`` can be inspected."""
    evaluation = evaluate_stack(stack, program=program, preview=preview)
    if evaluation.error is not None:
        raise evaluation.error
    return evaluation


def run_refused_program(program: Callable[[], None], *, stack: str = "dev") -> tuple[ValueError, Evaluation]:
    """Run ``program``, which must raise ``ValueError``, and return the error with what was declared before it.

    ``pytest.raises`` around ``run_program`` proves only that something raised; a component that declared
    half its children before validating would pass it. Callers assert ``evaluation.resources == []``."""
    errors: list[ValueError] = []

    def guarded() -> None:
        try:
            program()
        except ValueError as error:
            errors.append(error)

    evaluation = run_program(guarded, stack=stack)
    assert errors, "the program raised no ValueError"
    return errors[0], evaluation


@pytest.fixture(params=["dev", "prod"])
def each_stack(request) -> Evaluation:
    return stack_evaluation(request.param)
