"""Bad input at the edges: the command line, the size guards, the files read back, strict types.

Every bad command line ends with status 2 and one line naming the argument (no traceback); the
game model and game files raise only GameValidationError; checkpoints and saved equilibria are
checked before they are used; the size guards refuse before anything is built."""
import json
import zipfile

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import spbe
from spbe._file_checks import FileCheckError, safe_file_name
from spbe._limits import SizeLimitError, case_count, check_cases, check_grid, get_limits, limits
from spbe._validation import GameValidationError
from spbe.cli import main
from spbe.game_file import GameFileError, game_from_dict, game_to_dict, save_game


# ---------------------------------------------------------------------- fixtures
@pytest.fixture(scope="module")
def files(tmp_path_factory):
    """A small saved equilibrium, a truncated copy, game files good and bad."""
    d = tmp_path_factory.mktemp("bad_input")
    eq = spbe.solve(spbe.examples.public_goods(delta=0.5), grid=3, verify=False)
    eq.save(d / "eq.npz")
    raw = (d / "eq.npz").read_bytes()
    (d / "trunc.npz").write_bytes(raw[: len(raw) // 2])
    (d / "plain.txt").write_text("hello")
    save_game(spbe.examples.public_goods(delta=0.5), d / "game.json")
    good = game_to_dict(spbe.examples.public_goods(delta=0.5))
    (d / "bad_prior.json").write_text(json.dumps(dict(good, agents=[dict(good["agents"][0], prior=[0.5, 0.4]),
                                                                     good["agents"][1]])))
    (d / "bad_json.json").write_text("{not json")
    (d / "latin1.json").write_bytes(b'{"name": "caf\xe9"}')
    (d / "deep.json").write_text("[" * 3000 + "]" * 3000)
    (d / "huge_int.json").write_text(json.dumps(good).replace('"rewards": [[[[[', '"rewards": [[[[[' + "9" * 400 + ", ", 1))
    (d / "billion.json").write_text(json.dumps(dict(good, agents=[dict(good["agents"][0], actions=10 ** 9),
                                                                  good["agents"][1]])))
    (d / "bool_rewards.json").write_text(json.dumps(good).replace('"rewards": [[[[[', '"rewards": [[[[[true, ', 1)
                                         .replace("true, ", "true, ", 1))
    big = dict(name="big", delta=0.5, agents=[dict(types=3, actions=3)] * 3,
               rewards=np.zeros((3,) + (3,) * 6).tolist())           # 7^9 = 40 million cases
    (d / "big.json").write_text(json.dumps(big))
    (d / "adir").mkdir()
    return d


# ---------------------------------------------------------------------- the command line
# (argv, a piece of the one-line message: the argument or the file it names)
BAD_COMMANDS = [
    (["stage", "public-goods", "--belief", "a,b"], "--belief"),
    (["stage", "public-goods", "--belief", "0.1"], "--belief"),
    (["stage", "public-goods", "--belief", "1.5,0.2"], "--belief"),
    (["stage", "public-goods", "--belief", "nan,0.2"], "--belief"),
    (["stage", "public-goods", "--belief", "0.1,0.2,0.3"], "--belief"),
    (["stage", "public-goods", "--belief", "0.2:0.8:0,0.5"], "--belief"),
    (["stage", "public-goods", "--belief", "-0.1,0.5"], "--belief"),
    (["stage", "public-goods", "--delta", "1.5"], "--delta"),
    (["stage", "public-goods", "--delta", "x"], "--delta"),
    (["stage", "public-goods", "--delta", "-0.1"], "--delta"),
    (["stage", "public-goods", "--delta", "inf"], "--delta"),
    (["stage", "public-goods", "--max-unknowns", "-1"], "--max-unknowns"),
    (["stage", "public-goods", "--max-unknowns", "1.5"], "--max-unknowns"),
    (["stage", "no-such-game"], "no-such-game"),
    (["stage", "contribution-game", "--belief", "0.5,0.5"], "--belief"),
    (["stage", "public-goods", "--max-cases", "10"], "--max-cases"),
    (["stage", "public-goods", "--max-cases", "0"], "--max-cases"),
    (["stage", "{d}/bad_json.json"], "bad_json.json"),
    (["stage", "{d}/missing.json"], "missing.json"),
    (["stage"], "game"),
    (["stage", "public-goods", "--bogus"], "--bogus"),
    (["solve", "public-goods", "--delta", "1.5", "--grid", "5", "--out", "{d}/o"], "--delta"),
    (["solve", "public-goods", "--grid", "0", "--out", "{d}/o"], "--grid"),
    (["solve", "public-goods", "--grid", "1", "--out", "{d}/o"], "--grid"),
    (["solve", "public-goods", "--grid", "5.7", "--out", "{d}/o"], "--grid"),
    (["solve", "public-goods", "--grid", "abc", "--out", "{d}/o"], "--grid"),
    (["solve", "public-goods", "--grid", "1000000", "--out", "{d}/o"], "--max-nodes"),
    (["solve", "public-goods", "--eta", "-1", "--out", "{d}/o"], "--eta"),
    (["solve", "public-goods", "--eta", "0.7", "--grid", "3", "--out", "{d}/o"], "eta"),
    (["solve", "public-goods", "--horizon", "0", "--out", "{d}/o"], "--horizon"),
    (["solve", "public-goods", "--horizon", "2.5", "--out", "{d}/o"], "--horizon"),
    (["solve", "public-goods", "--max-iter", "0", "--out", "{d}/o"], "--max-iter"),
    (["solve", "public-goods", "--checkpoint-every", "0", "--out", "{d}/o"], "--checkpoint-every"),
    (["solve", "public-goods", "--report-every", "0", "--out", "{d}/o"], "--report-every"),
    (["solve", "public-goods", "--grid", "3", "--out", "{d}/plain.txt"], "--out"),
    (["solve", "public-goods", "--grid", "3"], "--out"),
    (["solve", "public-goods", "--grid", "3", "--out", "{d}/adir", "--resume"], "--resume"),
    (["solve", "public-goods", "--max-memory", "0", "--out", "{d}/o"], "--max-memory"),
    (["solve", "public-goods", "--grid", "5", "--max-memory", "1e-9", "--out", "{d}/o"], "--max-memory"),
    (["solve", "public-goods", "--grid", "5", "--max-nodes", "10", "--out", "{d}/o"], "--max-nodes"),
    (["solve", "{d}/big.json", "--grid", "3", "--out", "{d}/o"], "--max-cases"),
    (["solve", "{d}/bad_prior.json", "--out", "{d}/o"], "agents[0].prior"),
    (["solve", "{d}/latin1.json", "--out", "{d}/o"], "UTF-8"),
    (["solve", "{d}/deep.json", "--out", "{d}/o"], "deep.json"),
    (["solve", "{d}/huge_int.json", "--out", "{d}/o"], "rewards"),
    (["solve", "{d}/billion.json", "--out", "{d}/o"], "rewards: expected shape"),
    (["solve", "{d}/bool_rewards.json", "--out", "{d}/o"], "rewards"),
    (["solve", "{d}/adir", "--out", "{d}/o"], "adir"),
    (["verify", "{d}/eq.npz", "--refine", "0"], "--refine"),
    (["verify", "{d}/eq.npz", "--refine", "1000"], "--refine"),
    (["verify", "{d}/trunc.npz"], "trunc.npz"),
    (["verify", "{d}/missing.npz"], "missing.npz"),
    (["verify", "{d}/game.json"], "game.json"),
    (["verify", "{d}/adir"], "adir"),
    (["verify", "{d}/eq.npz", "--paths", "-1"], "--paths"),
    (["verify", "{d}/eq.npz", "--steps", "0"], "--steps"),
    (["verify", "{d}/eq.npz", "--seed", "-1"], "--seed"),
    (["verify", "{d}/eq.npz", "--out", "{d}/adir"], "--out"),
    (["simulate", "{d}/eq.npz", "--types", "X,H"], "--types"),
    (["simulate", "{d}/eq.npz", "--types", "L"], "--types"),
    (["simulate", "{d}/eq.npz", "--types", "0,1.7"], "--types"),
    (["simulate", "{d}/eq.npz", "--types", "0,2"], "--types"),
    (["simulate", "{d}/eq.npz", "--types", "L,H", "--steps", "0"], "--steps"),
    (["simulate", "{d}/eq.npz", "--types", "L,H", "--belief", "2,0"], "--belief"),
    (["simulate", "{d}/eq.npz", "--types", "L,H", "--seed", "x"], "--seed"),
    (["simulate", "{d}/eq.npz", "--types", "L,H", "--out", "{d}/nowhere/x.json"], "--out"),
    (["simulate", "{d}/eq.npz"], "--types"),
    (["simulate", "{d}/trunc.npz", "--types", "L,H"], "trunc.npz"),
    (["plot", "{d}/eq.npz", "--out", "{d}/p", "--format", "exe"], "--format"),
    (["plot", "{d}/eq.npz", "--out", "{d}/p", "--dpi", "0"], "--dpi"),
    (["plot", "{d}/eq.npz", "--out", "{d}/plain.txt"], "--out"),
    (["plot", "{d}/eq.npz", "--out", "{d}/p", "--axes", "1:H"], "--axes"),
    (["plot", "{d}/eq.npz", "--out", "{d}/p", "--axes", "3:H,1:H"], "--axes"),
    (["plot", "{d}/eq.npz", "--out", "{d}/p", "--axes", "1:Z,2:H"], "--axes"),
    (["plot", "{d}/eq.npz", "--out", "{d}/p", "--fixed", "a,b"], "--fixed"),
    (["plot", "{d}/eq.npz", "--out", "{d}/p", "--points", "1"], "--points"),
    (["plot", "{d}/trunc.npz", "--out", "{d}/p"], "trunc.npz"),
    (["reproduce", "no-such-reproduction", "--out", "{d}/r"], "no-such-reproduction"),
    (["reproduce", "ch6-public-goods"], "--out"),
    ([], "command"),
    (["frobnicate"], "frobnicate"),
]


def test_at_least_sixty_bad_command_lines():
    assert len(BAD_COMMANDS) >= 60


@pytest.mark.parametrize("argv,names", BAD_COMMANDS, ids=[" ".join(a) or "(none)" for a, _ in BAD_COMMANDS])
def test_bad_command_line_exits_2_with_one_line(argv, names, files, capsys):
    argv = [a.replace("{d}", str(files)) for a in argv]
    try:
        code = main(argv)
    except SystemExit as exc:               # argparse's own errors
        code = exc.code
    err = capsys.readouterr().err
    assert code == 2, err
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert names in lines[0], lines[0]
    assert len(lines[0]) < 500


def test_debug_shows_the_exception(files):
    with pytest.raises(ValueError, match="--belief"):
        main(["stage", "public-goods", "--belief", "a,b", "--debug"])


def test_bad_type_names_become_safe_file_names(tmp_path, capsys):
    game = spbe.examples.public_goods(delta=0.5)
    data = game_to_dict(game)
    data["agents"][0]["types"] = ["a/b", "../c"]
    data["agents"][1]["types"] = ["a/b", "../c"]
    (tmp_path / "g.json").write_text(json.dumps(data))
    assert main(["solve", str(tmp_path / "g.json"), "--grid", "3", "--no-progress",
                 "--out", str(tmp_path / "o")]) == 0
    names = sorted(p.name for p in (tmp_path / "o").iterdir())
    assert "value_agent1_a_b.png" in names and "value_agent1__c.png" in names
    assert all("/" not in n for n in names) and not (tmp_path / "c.png").exists()
    assert safe_file_name("x/y\\z:w") == "x_y_z_w"


def test_stage_default_beliefs_fit_three_type_agents():
    from spbe.cli import _parse_belief
    game = spbe.examples.contribution_game(delta=0.0)
    with pytest.raises(ValueError, match="agent 1 has 3 types"):
        _parse_belief("0.1,0.15", game)
    assert _parse_belief("0.2:0.3:0.5,1:0:0", game)[1] == [1.0, 0.0, 0.0]


# ---------------------------------------------------------------------- size guards
def _six_by_four():
    shape = (6,) + (4,) * 6 + (2,) * 6
    return spbe.DynamicGame(np.zeros(shape), types=[4] * 6, actions=[2] * 6, delta=0.5)


def test_six_agents_four_types_refused_before_the_case_table(monkeypatch):
    import spbe.stage.node_solver as ns
    import spbe.stage.solver as ss

    def never(*a, **k):
        raise AssertionError("the case table must not be built")
    monkeypatch.setattr(ns, "case_table", never)
    monkeypatch.setattr(ss, "iter_cases", never)
    game = _six_by_four()
    with pytest.raises(SizeLimitError, match=r"282,429,536,481 cases.*max_cases"):
        spbe.solve(game, grid=3)
    with pytest.raises(SizeLimitError, match=r"282,429,536,481 cases"):
        spbe.stage_equilibria(game, game.prior)
    with pytest.raises(SizeLimitError, match="cases"):
        ns.NodeSolver(game)


def test_huge_grid_refused_before_the_lattice(monkeypatch, capsys, tmp_path):
    import spbe.beliefs.grid as bg

    def never(*a, **k):
        raise AssertionError("the lattice must not be built")
    monkeypatch.setattr(bg, "simplex_lattice", never)
    with pytest.raises(SizeLimitError, match=r"1,000,000,000,000 belief nodes.*max_nodes"):
        spbe.solve(spbe.examples.public_goods(delta=0.5), grid=1_000_000)
    assert main(["solve", "public-goods", "--grid", "1000000", "--out", str(tmp_path / "o")]) == 2
    assert "1,000,000,000,000 belief nodes" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()          # refused before the output directory is made


def test_limits_can_be_raised_and_restored():
    game = spbe.examples.public_goods(delta=0.0)
    with limits(max_cases=10):
        with pytest.raises(SizeLimitError, match="81 cases"):
            spbe.stage_equilibria(game, (0.1, 0.15))
    assert get_limits()["max_cases"] == 1_000_000
    assert len(spbe.stage_equilibria(game, (0.1, 0.15))) == 3


def test_default_limits_admit_the_catalog_sizes():
    # 3 agents on 41^3, 2 agents x 3 types on simplex lattices, 101 x 101 grids
    for name, (make, _) in spbe.examples.CATALOG.items():
        g = make(delta=0.5)
        check_cases(g.n_types, g.n_actions)
    check_grid((2, 2, 2), (40, 40, 40))
    check_grid((3, 3), (20, 20))
    check_grid((2, 2), (100, 100))
    assert case_count((3, 3), (3, 3)) == 117_649
    assert case_count((2, 2), (2, 2), max_unknowns=1) == 1 * 16 + 4 * 8    # 0 or 1 interior unknowns


def test_game_file_with_a_billion_actions_is_refused_before_names(monkeypatch):
    import spbe.game as game_module
    data = game_to_dict(spbe.examples.public_goods(delta=0.5))
    data["agents"][1]["actions"] = 10 ** 9
    monkeypatch.setattr(game_module, "_names", lambda *a: (_ for _ in ()).throw(AssertionError("names built")))
    with pytest.raises(GameFileError, match="rewards: expected shape"):
        game_from_dict(data)


# ---------------------------------------------------------------------- strict types
@pytest.mark.parametrize("kwargs,match", [
    (dict(grid=5.7), "grid"), (dict(grid=True), "grid"), (dict(grid="5"), "grid"),
    (dict(grid=5, max_iter=0), "max_iter"),
    (dict(grid=5, options=dict(checkpoint_every=0)), r"options\['checkpoint_every'\]"),
    (dict(grid=5, eta="0.1"), "eta"), (dict(grid=5, delta=True), "delta"),
    (dict(grid=5, options=dict(max_unknowns=-1)), r"options\['max_unknowns'\]"),
    (dict(grid=5, tol=float("nan")), "tol"),
    (dict(grid=5, options=dict(schedule=[0.5, 1.2])), r"options\['schedule'\]"),
    (dict(grid=5, options=dict(anderson=2.0)), r"options\['anderson'\]"),
    (dict(grid=5, options=dict(selection="best")), r"options\['selection'\]"),
    (dict(grid=5, options=dict(symmetry=1)), r"options\['symmetry'\]"),
    (dict(grid=5, options=["anderson"]), "options: expected a dict"), (dict(grid=[5, 5, 5]), "grid"),
])
def test_solve_options_are_checked(kwargs, match):
    with pytest.raises(GameValidationError, match=match):
        spbe.solve(spbe.examples.public_goods(delta=0.5), **kwargs)


def test_strict_numbers_in_the_game():
    R = np.zeros((2, 2, 2, 2, 2))
    with pytest.raises(GameValidationError, match="kernels"):
        spbe.DynamicGame(R, types=[2, 2], actions=[2, 2], delta=0.5, kernels=5)
    with pytest.raises(GameValidationError, match="delta"):
        spbe.DynamicGame(R, types=[2, 2], actions=[2, 2], delta="0.5")
    with pytest.raises(GameValidationError, match="rewards.*booleans"):
        spbe.DynamicGame(R.astype(bool), types=[2, 2], actions=[2, 2], delta=0.5)
    with pytest.raises(GameValidationError, match="prior.*strings"):
        spbe.DynamicGame(R, types=[2, 2], actions=[2, 2], delta=0.5, prior=[["0.5", "0.5"], [0.5, 0.5]])
    with pytest.raises(GameValidationError, match="name"):
        spbe.DynamicGame(R, types=[2, 2], actions=[2, 2], delta=0.5, name="x" * 30_000_000)
    try:
        spbe.DynamicGame(R, types=[2, 2], actions=[2, 2], delta="y" * 30_000_000)
    except GameValidationError as exc:
        assert len(str(exc)) < 200                    # a huge bad value is not echoed whole


def test_simulate_refuses_fractional_types(files):
    eq = spbe.load(files / "eq.npz")
    with pytest.raises(GameValidationError, match=r"types\[1\]"):
        eq.simulate([0, 1.7], 2)
    with pytest.raises(GameValidationError, match=r"types\[0\]"):
        eq.simulate([True, 0], 2)


# ---------------------------------------------------------------------- files read back
def _rewrite(src, dst, edit):
    with np.load(src, allow_pickle=False) as data:
        arrays = {k: data[k] for k in data.files}
    header = json.loads(str(arrays["header"]))
    edit(arrays, header)
    arrays["header"] = np.array(json.dumps(header))
    np.savez_compressed(dst, **arrays)
    return dst


def _set(key, fn):
    def edit(arrays, header):
        arrays[key] = fn(arrays[key].copy())
    return edit


def _nan(a):
    a[0, 0, 0, 0, 0] = np.nan
    return a


def _negative(a):
    a[0, 0, 0, 0, :2] = [-0.5, 1.5]
    return a


@pytest.mark.parametrize("edit,match", [
    (_set("strategy_nodes", _nan), "strategy_nodes.*NaN"),
    (_set("strategy_nodes", _negative), "strategy_nodes.*negative"),
    (_set("strategy_nodes", lambda a: a[:, :-1]), "strategy_nodes.*shape"),
    (_set("strategy_nodes", lambda a: a * 0.5), "strategy_nodes.*sums to"),
    (_set("values", lambda a: a.astype(np.float32)[..., :1]), "values"),
    (_set("case", lambda a: a + 1000), "case"),
    (_set("flagged", lambda a: a.astype(np.int64)), "flagged"),
    (_set("rewards", lambda a: a[..., :1]), "rewards"),
    (lambda arrays, header: header.update(horizon=3), "horizon"),
    (lambda arrays, header: header.update(delta="0.5"), "delta"),
    (lambda arrays, header: header.update(grid_resolution=[2.5, 2]), "grid_resolution"),
    (lambda arrays, header: header.update(format_version=7), "format_version"),
    (lambda arrays, header: header.pop("types"), "types"),
    (lambda arrays, header: header["settings"].update(n_starts="many"), "n_starts"),
    (lambda arrays, header: arrays.pop("prior_1"), "prior_1"),
])
def test_load_refuses_bad_contents(files, tmp_path, edit, match):
    bad = _rewrite(files / "eq.npz", tmp_path / "bad.npz", edit)
    with pytest.raises(FileCheckError, match=match):
        spbe.load(bad)


def test_load_keeps_unknown_header_fields(files, tmp_path):
    def edit(arrays, header):
        header["future_field"] = {"x": 1}
        header["verification"]["new_key"] = 0.5
    eq = spbe.load(_rewrite(files / "eq.npz", tmp_path / "extra.npz", edit))
    assert eq.verification["new_key"] == 0.5


def test_corrupted_files_give_one_error(files, tmp_path):
    raw = (files / "eq.npz").read_bytes()
    for name, data in (("trunc.npz", raw[: len(raw) // 2]), ("empty.npz", b""),
                       ("flipped.npz", raw[:200] + bytes(b ^ 0xFF for b in raw[200:400]) + raw[400:])):
        (tmp_path / name).write_bytes(data)
        with pytest.raises(FileCheckError, match=name):
            spbe.load(tmp_path / name)
    # a member that declares terabytes is refused before it is read
    with zipfile.ZipFile(tmp_path / "bomb.npz", "w") as zf:
        zf.writestr("header.npy", b"x" * 1000)
    with limits(max_memory=100):
        with pytest.raises(SizeLimitError, match="memory limit"):
            spbe.load(tmp_path / "bomb.npz")


def test_pickled_arrays_are_not_loaded(tmp_path):
    np.savez(tmp_path / "obj.npz", header=np.array([{"a": 1}], dtype=object))
    with pytest.raises(FileCheckError, match="never unpickled|header"):
        spbe.load(tmp_path / "obj.npz")


def test_resume_refuses_another_games_checkpoint(tmp_path):
    game = spbe.examples.public_goods(0.8)
    ck = tmp_path / "ck.npz"
    spbe.solve(game, grid=5, verify=False, checkpoint=ck, options=dict(checkpoint_every=1),
               callback=lambda h: h["sweep"] < 3)
    # same name, δ, grid, η and schedule; other rewards
    other = spbe.DynamicGame(game.rewards * 1.1, types=game.types, actions=game.actions, delta=0.8,
                             name=game.name)
    with pytest.raises(FileCheckError, match="another game: its rewards differs"):
        spbe.solve(other, grid=5, verify=False, resume=ck)
    with pytest.raises(FileCheckError, match="tol="):
        spbe.solve(game, grid=5, verify=False, resume=ck, tol=1e-6)
    # a checkpoint with a damaged array is refused, naming it
    def edit(arrays, header):
        arrays["theta"] = arrays["theta"] * 2
    _rewrite(ck, tmp_path / "ck2.npz", edit)
    with pytest.raises(FileCheckError, match="theta"):
        spbe.solve(game, grid=5, verify=False, resume=tmp_path / "ck2.npz")
    res = spbe.solve(game, grid=5, verify=False, resume=ck)          # its own checkpoint: accepted
    assert res.converged


# ---------------------------------------------------------------------- property tests
json_leaf = (st.none() | st.booleans() | st.integers(min_value=-2 ** 1100, max_value=2 ** 1100)
             | st.floats(allow_nan=True, allow_infinity=True) | st.text(max_size=8))
json_value = st.recursive(json_leaf, lambda inner: st.lists(inner, max_size=4)
                          | st.dictionaries(st.text(max_size=8), inner, max_size=4), max_leaves=20)

_GOOD = game_to_dict(spbe.examples.public_goods(delta=0.5))
_PATHS = [("delta",), ("horizon",), ("name",), ("rewards",), ("agents",), ("agents", 0),
          ("agents", 0, "types"), ("agents", 1, "actions"), ("agents", 0, "prior"), ("agents", 1, "kernel"),
          ("agents", 0, "name"), ("rewards", 0), ("rewards", 1, 0, 1), ("rewards", 0, 1, 1, 0, 1),
          ("extra",), ("agents", 0, "extra")]


def _edited(edits) -> dict:
    """The good game file with each (path, value) of ``edits`` written in, where the path exists."""
    data = json.loads(json.dumps(_GOOD))
    for path, value in edits:
        target = data
        try:
            for key in path[:-1]:
                target = target[key]
            target[path[-1]] = value
        except (KeyError, IndexError, TypeError):
            continue
    return data


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.sampled_from(_PATHS), json_value), min_size=1, max_size=3))
def test_game_files_raise_only_validation_errors(edits):
    data = _edited(edits)
    try:
        game = game_from_dict(data)
    except GameValidationError:
        return
    assert isinstance(game, spbe.DynamicGame)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.sampled_from(_PATHS[:4] + _PATHS[6:10]), json_value), min_size=1, max_size=2),
       st.integers(0, 3))
def test_game_files_as_text_raise_only_validation_errors(edits, mode):
    # the same through the file reader (text, bytes, nesting)
    import tempfile
    from pathlib import Path

    from spbe.game_file import load_game
    data = _edited(edits)
    text = json.dumps(data)
    raw = [text.encode(), text.encode()[: len(text) // 2], text.encode("utf-16"), ("[" * 5000).encode()][mode]
    with tempfile.TemporaryDirectory() as d:
        p = Path(d) / "g.json"
        p.write_bytes(raw)
        try:
            load_game(p)
        except GameValidationError:
            pass


numbers_or_junk = (st.floats(allow_nan=True, allow_infinity=True) | st.integers(-3, 3) | st.booleans()
                   | st.text(max_size=3) | st.none())
small_arrays = st.one_of(
    st.integers(1, 3).flatmap(lambda n: st.lists(st.floats(-2, 2) | st.just(float("nan")), min_size=n, max_size=n)),
    st.builds(lambda shape, fill: np.full(shape, fill), st.lists(st.integers(0, 3), max_size=5).map(tuple),
              st.floats(allow_nan=True) | st.just(0.5)),
    numbers_or_junk, st.lists(numbers_or_junk, max_size=3))
specs = st.integers(-1, 3) | st.lists(st.text(max_size=2) | st.integers(0, 3) | st.booleans(), max_size=3) \
    | numbers_or_junk


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(specs, min_size=0, max_size=3), st.lists(specs, min_size=0, max_size=3), numbers_or_junk,
       small_arrays, st.none() | st.lists(st.none() | small_arrays, max_size=3) | numbers_or_junk,
       st.none() | st.lists(small_arrays, max_size=3) | numbers_or_junk,
       st.none() | st.integers(-2, 5) | st.floats() | st.booleans(), st.booleans())
def test_dynamic_game_raises_only_validation_errors(types, actions, delta, rewards, kernels, prior, horizon,
                                                    use_good_rewards):
    if use_good_rewards and types and len(types) == len(actions):
        try:
            M = [t if isinstance(t, int) and not isinstance(t, bool) else len(t) for t in types]
            K = [a if isinstance(a, int) and not isinstance(a, bool) else len(a) for a in actions]
            if all(1 <= x <= 3 for x in M + K):
                rewards = np.zeros((len(M),) + tuple(M) + tuple(K))
        except TypeError:
            pass
    try:
        spbe.DynamicGame(rewards, types=types, actions=actions, delta=delta, kernels=kernels, prior=prior,
                         horizon=horizon)
    except GameValidationError:
        pass
