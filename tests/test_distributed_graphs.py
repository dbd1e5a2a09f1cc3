"""Communication graphs and the routing maps n(i, r), d(i, r) of ch. 4 (mechanisms/distributed/graphs.py)."""
import itertools

import numpy as np
import pytest

from mechanisms.distributed.graphs import (binary_tree, complete_graph, cycle_graph, directed_cycle,
                                           erdos_renyi, from_adjacency, from_edges, grid_graph,
                                           path_graph, spanning_tree, star_graph)

GRAPHS = [path_graph(3), path_graph(6), cycle_graph(5), cycle_graph(7), star_graph(6), complete_graph(5),
          grid_graph(3, 3), binary_tree(7), binary_tree(31), erdos_renyi(12, 0.3, seed=1), directed_cycle(6)]


def _distance_reference(adj):
    """All shortest path lengths by boolean powers of the adjacency matrix (independent of BFS)."""
    n = adj.shape[0]
    dist = np.where(np.eye(n, dtype=bool), 0, -1)
    reach = np.eye(n, dtype=int)
    for k in range(1, n):
        reach = ((reach + reach @ adj.astype(int)) > 0).astype(int)
        dist[(reach > 0) & (dist < 0)] = k
    return dist


def test_path_example_of_the_notes():
    g = path_graph(4)
    assert g.distances[0, 3] == 3 and g.next_hop[0, 3] == 1 and g.next_hop[1, 3] == 2
    assert g.next_hop[3, 0] == 2 and g.distances[3, 0] == 3


@pytest.mark.parametrize("g", GRAPHS, ids=lambda g: g.name)
def test_routing_maps_satisfy_the_recursion(g):
    n = g.n_agents
    np.testing.assert_array_equal(g.distances, _distance_reference(g.adjacency))
    for i, r in itertools.product(range(n), range(n)):
        if i == r:
            assert g.adjacency[i, g.next_hop[i, i]]                 # n(i, i) in N(i)
            continue
        j = g.next_hop[i, r]
        assert g.adjacency[i, j]                                    # a neighbour
        assert (j == r) == bool(g.adjacency[i, r])                  # n(i, r) = r iff r in N(i)
        assert g.distances[j, r] == g.distances[i, r] - 1           # d(n(i,r), r) = d(i,r) - 1
        # ties broken by the smallest index
        ok = [k for k in g.neighbours(i) if g.distances[k, r] == g.distances[i, r] - 1]
        assert j == min(ok)


def test_binary_tree_of_the_experiments():
    g = binary_tree(31)
    assert g.n_edges == 30 and g.average_degree == pytest.approx(60 / 31) and g.diameter == 8
    assert sorted(g.neighbours(0)) == [1, 2] and sorted(g.neighbours(3)) == [1, 7, 8]


def test_self_hop_prefers_reciprocal_neighbours():
    g = cycle_graph(5)
    assert np.all(g.self_hop_distance() == 1)
    d = directed_cycle(6)
    assert not d.is_undirected and np.all(d.self_hop_distance() == 5)       # n(i,i) = i+1, back in 5 hops
    a = np.zeros((3, 3), dtype=bool)
    a[0, 1] = a[1, 2] = a[2, 0] = a[0, 2] = True                           # 0 <-> 2 reciprocal
    g = from_adjacency(a)
    assert g.next_hop[0, 0] == 2 and g.self_hop_distance()[0] == 1


def test_erdos_renyi_is_connected_seeded_and_has_the_right_density():
    gs = [erdos_renyi(31, 0.3, seed=s) for s in range(20)]
    assert all(np.all(g.distances >= 0) for g in gs)
    assert np.array_equal(erdos_renyi(31, 0.3, seed=4).adjacency, gs[4].adjacency)
    mean_deg = np.mean([g.average_degree for g in gs])
    assert 8.0 < mean_deg < 10.0                                   # E deg = 0.3 * 30 = 9 (conditioned)
    rng = np.random.default_rng(0)
    a, b = erdos_renyi(10, 0.5, rng), erdos_renyi(10, 0.5, rng)   # one stream, advanced
    assert not np.array_equal(a.adjacency, b.adjacency)


def test_spanning_tree():
    g = grid_graph(3, 4)
    t = spanning_tree(g, root=5)
    assert t.is_undirected and t.n_edges == g.n_agents - 1 and np.all(t.distances >= 0)
    assert np.all(g.adjacency[t.adjacency])                      # only edges of the graph
    assert np.array_equal(t.distances[5], g.distances[5])       # BFS tree keeps distances from the root


@pytest.mark.parametrize("call, match", [
    (lambda: from_adjacency(np.zeros((3, 3))), "not strongly connected"),
    (lambda: from_adjacency(np.eye(3)), "self-loop"),
    (lambda: from_adjacency(np.ones((2, 3))), "square"),
    (lambda: from_adjacency([[0, 2], [1, 0]]), "0/1"),
    (lambda: from_edges(3, [(0, 1), (1, 1)]), r"edges\[1\]"),
    (lambda: from_edges(3, [(0, 5)]), r"edges\[0\]"),
    (lambda: from_edges(3, [(0, 1), (1, 2)], directed=True), "strongly connected"),
    (lambda: path_graph(1), "n"),
    (lambda: erdos_renyi(5, 1.5), "p"),
    (lambda: spanning_tree(directed_cycle(4)), "undirected"),
    (lambda: spanning_tree(path_graph(3), root=7), "root"),
])
def test_validation_names_the_argument(call, match):
    with pytest.raises((ValueError, TypeError), match=match):
        call()
