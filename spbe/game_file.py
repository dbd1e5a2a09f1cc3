"""Games written as data: a small JSON or TOML format read by ``spbe solve FILE``.

Nothing in a game file is executed (no pickle, no expressions). Format (JSON shown; TOML has the
same keys)::

    {
      "name": "my-game",
      "delta": 0.9,
      "horizon": null,                     # optional: a positive integer for a finite horizon
      "agents": [
        {"name": "seller", "types": ["H", "L"], "actions": ["0", "1"],
         "prior": [0.5, 0.5],              # optional (default uniform)
         "kernel": [[0.9, 0.1], [0.2, 0.8]]},   # optional: Q(x'|x), or the full (M, K_1..K_N, M)
        {"name": "buyer", "types": ["H", "L"], "actions": ["0", "1"]}
      ],
      "rewards": [...]                     # nested lists of shape (N, M_1..M_N, K_1..K_N)
    }

:func:`load_game` validates the structure and raises :class:`GameFileError` (a ``ValueError``)
naming the offending field (``agents[1].types``, ``rewards``, ...); the numeric checks (stochastic
kernels, finite rewards, δ in [0, 1)) are those of :class:`spbe.DynamicGame`, with the field
named the same way. :func:`save_game` writes a game back as JSON.
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from ._validation import GameValidationError, as_float_array, check_discount, short_repr
from .game import DynamicGame

__all__ = ["GameFileError", "load_game", "save_game", "game_from_dict", "game_to_dict"]

_TOP_KEYS = {"name", "delta", "horizon", "agents", "rewards"}
_AGENT_KEYS = {"name", "types", "actions", "prior", "kernel"}


class GameFileError(GameValidationError):
    """A game file that cannot describe a game; the message names the field."""


#: Largest game file read (bytes); larger files are refused before they are parsed.
MAX_FILE_BYTES = 256 * 2 ** 20


def _names(value, field):
    """A count (kept as a count: the names are built by DynamicGame once the reward array has
    confirmed the sizes) or a list of distinct names."""
    if isinstance(value, int) and not isinstance(value, bool):
        if value < 1:
            raise GameFileError(f"{field}: a count must be at least 1, got {short_repr(value)}")
        return value
    if not isinstance(value, list) or not value or not all(
            isinstance(v, (str, int)) and not isinstance(v, bool) for v in value):
        raise GameFileError(f"{field}: expected a non-empty list of names (or a count), got {short_repr(value)}")
    names = [str(v) for v in value]
    if len(set(names)) != len(names):
        raise GameFileError(f"{field}: names must be distinct, got {short_repr(names)}")
    return names


def _clip(key, limit: int = 60) -> str:
    key = str(key)
    return key if len(key) <= limit else key[:limit - 3] + "..."


def _size(spec) -> int:
    return spec if isinstance(spec, int) else len(spec)


def _array(value, field):
    try:
        return as_float_array(value, field)
    except GameValidationError as exc:
        raise GameFileError(str(exc)) from None


def game_from_dict(data: dict) -> DynamicGame:
    """Build a :class:`~spbe.DynamicGame` from the parsed file contents (see the module docstring)."""
    if not isinstance(data, dict):
        raise GameFileError(f"game: expected a table/object at the top level, got {type(data).__name__}")
    unknown = set(data) - _TOP_KEYS
    if unknown:
        raise GameFileError(f"{_clip(sorted(unknown)[0])}: unknown field (known: {sorted(_TOP_KEYS)})")
    for key in ("delta", "agents", "rewards"):
        if key not in data:
            raise GameFileError(f"{key}: missing")
    delta = data["delta"]
    if isinstance(delta, bool) or not isinstance(delta, (int, float)):
        raise GameFileError(f"delta: expected a number in [0, 1), got {short_repr(delta)}")
    try:
        delta = check_discount(delta, "delta")
    except GameValidationError as exc:
        raise GameFileError(str(exc)) from None
    horizon = data.get("horizon")
    if horizon is not None and (isinstance(horizon, bool) or not isinstance(horizon, int) or horizon < 1):
        raise GameFileError(f"horizon: expected a positive integer or null, got {short_repr(horizon)}")
    name = data.get("name", "game")
    if not isinstance(name, str):
        raise GameFileError(f"name: expected a string, got {short_repr(name)}")
    agents = data["agents"]
    if not isinstance(agents, list) or not agents:
        raise GameFileError("agents: expected a non-empty list of agents")
    types, actions, priors, kernels, names = [], [], [], [], []
    for i, agent in enumerate(agents):
        where = f"agents[{i}]"
        if not isinstance(agent, dict):
            raise GameFileError(f"{where}: expected a table/object, got {type(agent).__name__}")
        unknown = set(agent) - _AGENT_KEYS
        if unknown:
            raise GameFileError(f"{where}.{_clip(sorted(unknown)[0])}: unknown field "
                                f"(known: {sorted(_AGENT_KEYS)})")
        for key in ("types", "actions"):
            if key not in agent:
                raise GameFileError(f"{where}.{key}: missing")
        types.append(_names(agent["types"], f"{where}.types"))
        actions.append(_names(agent["actions"], f"{where}.actions"))
        agent_name = agent.get("name", f"agent {i + 1}")
        if not isinstance(agent_name, str):
            raise GameFileError(f"{where}.name: expected a string, got {short_repr(agent_name)}")
        names.append(agent_name)
        priors.append(agent.get("prior"))
        kernels.append(agent.get("kernel"))
    N = len(agents)
    shape = (N,) + tuple(_size(t) for t in types) + tuple(_size(a) for a in actions)
    rewards = _array(data["rewards"], "rewards")
    if rewards.shape != shape:
        raise GameFileError(f"rewards: expected shape {shape} (agent, types of each agent, actions of each "
                            f"agent), got {rewards.shape}")
    for i in range(N):
        for key, values in (("prior", priors), ("kernel", kernels)):
            if values[i] is None:
                continue
            values[i] = _array(values[i], f"agents[{i}].{key}")
    if all(p is None for p in priors):
        priors = None
    elif any(p is None for p in priors):
        priors = [np.full(_size(t), 1 / _size(t)) if p is None else p for p, t in zip(priors, types)]
    try:
        return DynamicGame(rewards, types=types, actions=actions, delta=float(delta),
                           kernels=kernels if any(k is not None for k in kernels) else None,
                           prior=priors, horizon=horizon, agent_names=names,
                           name=name)
    except GameValidationError as exc:
        # DynamicGame names its own arguments (kernels[1], prior[0], delta, rewards); say where
        # they are in the file
        message = str(exc)
        for key, field in (("kernels[", "agents[{}].kernel"), ("prior[", "agents[{}].prior"),
                           ("types[", "agents[{}].types"), ("actions[", "agents[{}].actions"),
                           ("agent_names[", "agents[{}].name")):
            if message.startswith(key):
                index = message[len(key):].split("]", 1)[0]
                rest = message.split("]", 1)[1]
                message = field.format(index) + rest
        raise GameFileError(message) from None


def load_game(path) -> DynamicGame:
    """Read a game file (``.json``, or ``.toml`` on Python ≥ 3.11). Never executes code."""
    path = Path(path)
    if path.is_dir():
        raise GameFileError(f"path: {short_repr(str(path))} is a directory, not a game file")
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise GameFileError(f"path: {path.name} has {size:,} bytes; game files of at most "
                            f"{MAX_FILE_BYTES:,} bytes are read")
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise GameFileError(f"path: {path.name} is not UTF-8 text (byte {exc.start})") from None
    if path.suffix.lower() == ".toml":
        try:
            import tomllib
        except ImportError:                      # pragma: no cover (Python 3.10)
            raise GameFileError("path: TOML game files need Python 3.11 (tomllib); use JSON") from None
        try:
            data = tomllib.loads(text)
        except (ValueError, RecursionError) as exc:            # TOMLDecodeError is a ValueError
            raise GameFileError(f"path: {path.name} is not valid TOML ({short_repr(str(exc), 120)})") from None
    else:
        try:
            data = json.loads(text)
        except (ValueError, RecursionError) as exc:            # JSONDecodeError is a ValueError
            raise GameFileError(f"path: {path.name} is not valid JSON ({short_repr(str(exc), 120)})") from None
    try:
        return game_from_dict(data)
    except RecursionError:
        raise GameFileError(f"path: {path.name} is nested too deeply") from None


def game_to_dict(game: DynamicGame) -> dict:
    """The file contents describing ``game`` (a terminal-reward callable is not representable)."""
    agents = []
    for i in range(game.n_agents):
        agent = dict(name=game.agent_names[i], types=list(game.types[i]), actions=list(game.actions[i]),
                     prior=np.asarray(game.prior[i]).tolist())
        if not game.static[i]:
            agent["kernel"] = np.asarray(game.kernels[i]).tolist()
        agents.append(agent)
    return dict(name=game.name, delta=game.delta, horizon=game.horizon, agents=agents,
                rewards=np.asarray(game.rewards).tolist())


def save_game(game: DynamicGame, path) -> Path:
    """Write ``game`` as a JSON game file."""
    if game.terminal_reward is not None:
        raise ValueError("game: a terminal reward given as a callable cannot be written to a game file")
    path = Path(path)
    path.write_text(json.dumps(game_to_dict(game), indent=1))
    return path
