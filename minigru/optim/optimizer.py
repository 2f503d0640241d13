"""``Optimizer``: parameter groups, per-parameter state, and state dicts (PyTorch's layout)."""

from __future__ import annotations

import copy
from collections.abc import Iterable
from typing import Any

import numpy as np

from ..errors import InputError, InputTypeError
from ..tensor import Tensor


class Optimizer:
    """Base class. ``params`` is an iterable of tensors or of dicts ``{"params": [...],
    "lr": ...}`` (parameter groups with their own settings); ``defaults`` fills in the rest.
    Subclasses implement ``_update(p, grad, state, group)`` for one parameter."""

    def __init__(self, params: Iterable[Any], defaults: dict[str, Any]) -> None:
        self.defaults = dict(defaults)
        self.param_groups: list[dict[str, Any]] = []
        self.state: dict[int, dict[str, Any]] = {}
        items = list(params)
        if not items:
            raise InputError(f"{type(self).__name__}: got an empty list of parameters")
        groups = items if isinstance(items[0], dict) else [{"params": items}]
        for group in groups:
            self.add_param_group(group)

    def add_param_group(self, group: dict[str, Any]) -> None:
        params = group["params"]
        params = [params] if isinstance(params, Tensor) else list(params)
        for i, p in enumerate(params):
            if not isinstance(p, Tensor):
                raise InputTypeError(f"{type(self).__name__}: params[{i}] is "
                                     f"{type(p).__name__}, not a Tensor")
            if not p.requires_grad:
                raise InputError(f"{type(self).__name__}: params[{i}] does not require grad")
        seen = {id(p) for g in self.param_groups for p in g["params"]}
        if any(id(p) in seen for p in params):
            raise InputError(f"{type(self).__name__}: a parameter appears in two groups")
        full = {**self.defaults, **{k: v for k, v in group.items() if k != "params"}}
        full["params"] = params
        self._check_group(full)
        self.param_groups.append(full)

    def _check_group(self, group: dict[str, Any]) -> None:
        if group["lr"] < 0:
            raise InputError(f"{type(self).__name__}: lr must be >= 0, got {group['lr']}")
        if group.get("weight_decay", 0) < 0:
            raise InputError(f"{type(self).__name__}: weight_decay must be >= 0, "
                             f"got {group['weight_decay']}")

    def zero_grad(self, set_to_none: bool = True) -> None:
        for group in self.param_groups:
            for p in group["params"]:
                p.grad = None if set_to_none or p.grad is None else np.zeros_like(p.data)

    def step(self) -> None:
        """Apply one update to every parameter that has a gradient."""
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                state = self.state.setdefault(id(p), {})
                self._update(p, p.grad, state, group)

    def _update(self, p: Tensor, grad: np.ndarray, state: dict[str, Any],
                group: dict[str, Any]) -> None:  # pragma: no cover
        raise NotImplementedError

    # ------------------------------------------------------------------ state dicts
    def _all_params(self) -> list[Tensor]:
        return [p for g in self.param_groups for p in g["params"]]

    def state_dict(self) -> dict[str, Any]:
        """{"state": {index: {name: value}}, "param_groups": [{..., "params": [indices]}]},
        parameters numbered in group order, values copied."""
        index = {id(p): i for i, p in enumerate(self._all_params())}
        groups = []
        for g in self.param_groups:
            entry = {k: v for k, v in g.items() if k != "params"}
            entry["params"] = [index[id(p)] for p in g["params"]]
            groups.append(entry)
        state = {index[pid]: copy.deepcopy(s) for pid, s in self.state.items() if pid in index}
        return {"state": state, "param_groups": copy.deepcopy(groups)}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        groups = state_dict.get("param_groups")
        if not isinstance(groups, list) or len(groups) != len(self.param_groups):
            raise InputError(f"{type(self).__name__}.load_state_dict: expected "
                             f"{len(self.param_groups)} parameter groups")
        params = self._all_params()
        for mine, saved in zip(self.param_groups, groups, strict=True):
            if len(saved["params"]) != len(mine["params"]):
                raise InputError(f"{type(self).__name__}.load_state_dict: a group has "
                                 f"{len(saved['params'])} parameters in the state dict and "
                                 f"{len(mine['params'])} here")
            mine.update({k: v for k, v in saved.items() if k != "params"})
        self.state = {}
        for key, s in state_dict.get("state", {}).items():
            p = params[int(key)]
            restored = {}
            for name, value in s.items():
                if isinstance(value, (np.ndarray, list)):
                    arr = np.array(value, dtype=p.dtype)
                    if arr.shape != p.shape:
                        raise InputError(f"{type(self).__name__}.load_state_dict: state "
                                         f"{name!r} of parameter {key} has shape {arr.shape}, "
                                         f"the parameter {p.shape}")
                    restored[name] = arr
                else:
                    restored[name] = value
            self.state[id(p)] = restored

    def __repr__(self) -> str:
        lines = [f"{type(self).__name__} ("]
        for i, g in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            lines += [f"    {k}: {v}" for k, v in sorted(g.items()) if k != "params"]
        return "\n".join(lines + [")"])
