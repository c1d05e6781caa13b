# SPDX-License-Identifier: Apache-2.0
"""Every test starts from a fresh pyfaasm.core: the local modes and the emulator are module state."""

import importlib
from types import ModuleType
from typing import Iterator

import pytest

import pyfaasm.core


@pytest.fixture()
def core(monkeypatch: pytest.MonkeyPatch) -> Iterator[ModuleType]:
    monkeypatch.delenv("PYTHON_LOCAL_CHAINING", raising=False)
    monkeypatch.delenv("PYTHON_LOCAL_OUTPUT", raising=False)
    yield importlib.reload(pyfaasm.core)
