# This code is part of qiskit-patchqnn.
#
# (C) Copyright the qiskit-patchqnn developers, 2026.
#
# This code is licensed under the Apache License, Version 2.0. You may obtain a copy of this
# license in the LICENSE file in the root directory of this source tree or at
# http://www.apache.org/licenses/LICENSE-2.0.

"""Tests for :mod:`qiskit_patchqnn.simulator`: agreement with StatevectorEstimator, PUB
broadcasting, streaming, noise, unsupported instructions and the Dask path."""

from __future__ import annotations

import numpy as np
import pytest
from qiskit.circuit import Parameter, ParameterVector, QuantumCircuit
from qiskit.circuit.library import ECRGate, RZZGate, UGate, iSwapGate
from qiskit.primitives import StatevectorEstimator
from qiskit.primitives.containers.bindings_array import BindingsArray
from qiskit.quantum_info import SparseObservable, SparsePauliOp, Statevector

from qiskit_patchqnn.circuits import patch_circuit, readout_observables
from qiskit_patchqnn.simulator import (
    BatchedEstimator,
    UnsupportedCircuitError,
    compile_circuit,
    statevectors,
)

ATOL = 1e-10


def random_circuit(num_qubits: int, num_gates: int, seed: int) -> QuantumCircuit:
    """A random circuit over the supported gate set, with affine and shared parameter angles."""
    rng = np.random.default_rng(seed)
    params = ParameterVector("t", 5)
    qc = QuantumCircuit(num_qubits)
    one = ["h", "x", "y", "s", "sdg", "t", "sx", "u"]
    two = ["cx", "cz", "swap", "ecr", "iswap", "rzz", "cp"]
    for _ in range(num_gates):
        r = rng.random()
        q = int(rng.integers(num_qubits))
        if r < 0.45:
            gate = ["rx", "ry", "rz", "p"][rng.integers(4)]
            p = params[rng.integers(len(params))]
            angle = [p, 2 * p + 0.3, -0.5 * p, 1.7][rng.integers(4)]
            getattr(qc, gate)(angle, q)
        elif r < 0.7 or num_qubits == 1:
            name = one[rng.integers(len(one))]
            if name == "u":
                qc.append(UGate(*rng.uniform(-3, 3, 3)), [q])
            else:
                getattr(qc, name)(q)
        else:
            a, b = (int(v) for v in rng.choice(num_qubits, 2, replace=False))
            name = two[rng.integers(len(two))]
            if name == "ecr":
                qc.append(ECRGate(), [a, b])
            elif name == "iswap":
                qc.append(iSwapGate(), [a, b])
            elif name == "rzz":
                qc.append(RZZGate(float(rng.uniform(-3, 3))), [a, b])
            elif name == "cp":
                qc.cp(float(rng.uniform(-3, 3)), a, b)
            else:
                getattr(qc, name)(a, b)
    return qc


def random_observable(num_qubits: int, num_terms: int, rng: np.random.Generator) -> SparsePauliOp:
    labels = ["".join(rng.choice(list("IXYZ"), num_qubits)) for _ in range(num_terms)]
    labels[0] = "Y" * num_qubits  # always exercise Y phases
    coeffs = rng.normal(size=num_terms).astype(complex)  # complex-typed, real-valued
    return SparsePauliOp(labels, coeffs)


def reference(pubs: list) -> list[np.ndarray]:
    return [r.data.evs for r in StatevectorEstimator().run(pubs).result()]


def ours(pubs: list, **kwargs) -> list[np.ndarray]:
    return [r.data.evs for r in BatchedEstimator(**kwargs).run(pubs).result()]


@pytest.mark.parametrize("seed", range(8))
def test_random_circuits_match_statevector_estimator(seed: int) -> None:
    rng = np.random.default_rng(100 + seed)
    n = 1 + seed % 4
    qc = random_circuit(n, 40, seed)
    qc.rz(Parameter("zz"), 0)  # a parameter unknown to the random gates
    obs = [random_observable(n, 4, rng) for _ in range(3)]
    values = rng.uniform(-np.pi, np.pi, (6, qc.num_parameters))
    pub = (qc, [[o] for o in obs], values)
    (expected,) = reference([pub])
    (got,) = ours([pub])
    assert got.shape == expected.shape == (3, 6)
    np.testing.assert_allclose(got, expected, atol=ATOL, rtol=0)
    assert np.ptp(got) > 0.1  # not a constant


@pytest.mark.parametrize(
    ("obs_shape", "param_shape"),
    [
        ((), ()),
        ((), (5,)),
        ((3, 1), (4,)),
        ((3,), (2, 3)),
        ((2, 3), (2, 3)),
        ((4, 1, 1), (2, 3)),
        ((2, 1), (1, 3)),
        ((5,), ()),
    ],
)
def test_broadcasting_matches_reference(obs_shape: tuple, param_shape: tuple) -> None:
    rng = np.random.default_rng(7)
    qc = random_circuit(3, 30, 11)
    n_obs = int(np.prod(obs_shape, dtype=int))
    obs = np.empty(n_obs, dtype=object)
    for i in range(n_obs):
        obs[i] = random_observable(3, 3, rng)
    obs_arg = obs.reshape(obs_shape).tolist() if obs_shape else obs[0]
    values = rng.uniform(-3, 3, (*param_shape, qc.num_parameters))
    pub = (qc, obs_arg, values)
    (expected,) = reference([pub])
    for chunk in (1, 4, 16384):
        (got,) = ours([pub], chunk_size=chunk)
        assert got.shape == expected.shape == np.broadcast_shapes(obs_shape, param_shape)
        np.testing.assert_allclose(got, expected, atol=ATOL, rtol=0)


def test_circuit_without_parameters_and_multi_pub() -> None:
    fixed = QuantumCircuit(2)
    fixed.h(0)
    fixed.cx(0, 1)
    fixed.ry(0.4, 1)
    pc = patch_circuit(4, 8, depth=1)
    values = np.random.default_rng(0).uniform(-1, 1, (7, pc.circuit.num_parameters))
    pubs = [
        (fixed, ["XX", "ZZ", "YY", "XZ"]),
        (fixed, [["ZI"], ["IZ"]], np.zeros((3, 0))),
        (pc.circuit, [[o] for o in readout_observables(4, 6)], values),
    ]
    expected = reference(pubs)
    got = ours(pubs)
    assert [g.shape for g in got] == [(4,), (2, 3), (6, 7)]
    for g, e in zip(got, expected, strict=True):
        np.testing.assert_allclose(g, e, atol=ATOL, rtol=0)
    c, s = np.cos(0.4), np.sin(0.4)
    np.testing.assert_allclose(got[0], [c, c, -1.0, s], atol=1e-12)  # ry commutes with Y


def test_projector_observables() -> None:
    qc = random_circuit(2, 20, 3)
    values = np.random.default_rng(1).uniform(-2, 2, (4, qc.num_parameters))
    obs = SparseObservable.from_list([("0+", 1.0), ("rZ", -0.5)])
    res = BatchedEstimator().run([(qc, obs, values)]).result()[0].data.evs
    matrix = SparsePauliOp.from_sparse_list(
        obs.as_paulis().to_sparse_list(), obs.num_qubits
    ).to_matrix()
    for row, v in zip(values, res, strict=True):
        psi = Statevector(qc.assign_parameters(row)).data
        assert v == pytest.approx(float(np.real(psi.conj() @ matrix @ psi)), abs=ATOL)


def test_statevectors_match_qiskit() -> None:
    qc = random_circuit(3, 30, 5)
    values = np.random.default_rng(2).uniform(-3, 3, (3, qc.num_parameters))
    got = statevectors(qc, values)
    for row, sv in zip(values, got, strict=True):
        np.testing.assert_allclose(sv, Statevector(qc.assign_parameters(row)).data, atol=ATOL)
    match = rf"shape \(B, {qc.num_parameters}\)"
    with pytest.raises(ValueError, match=match):
        statevectors(qc, np.zeros((2, qc.num_parameters + 1)))


def test_streaming_is_bitwise_identical_across_chunk_sizes() -> None:
    pc = patch_circuit(4, 16, depth=1)
    obs = [[o] for o in readout_observables(4, 8)]
    values = np.random.default_rng(3).uniform(-np.pi, np.pi, (1000, pc.circuit.num_parameters))
    (a,) = ours([(pc.circuit, obs, values)], chunk_size=16384)
    (b,) = ours([(pc.circuit, obs, values)], chunk_size=37, num_threads=1)
    assert a.shape == (8, 1000)
    assert np.array_equal(a, b)


def test_precision_noise_is_seeded_and_reported() -> None:
    qc = QuantumCircuit(1)
    qc.ry(Parameter("a"), 0)
    values = np.linspace(0, np.pi, 20000)[:, None]
    exact = np.cos(values[:, 0])
    est = BatchedEstimator(seed=42)
    r1 = est.run([(qc, "Z", values)], precision=0.05).result()[0]
    r2 = est.run([(qc, "Z", values)], precision=0.05).result()[0]
    r3 = BatchedEstimator(seed=43).run([(qc, "Z", values)], precision=0.05).result()[0]
    assert np.array_equal(r1.data.evs, r2.data.evs)
    assert not np.array_equal(r1.data.evs, r3.data.evs)
    residual = r1.data.evs - exact
    assert np.std(residual) == pytest.approx(0.05, rel=0.03)
    assert abs(np.mean(residual)) < 0.002
    np.testing.assert_array_equal(r1.data.stds, np.full(20000, 0.05))
    assert r1.metadata["target_precision"] == 0.05
    default = BatchedEstimator(default_precision=0.1, seed=1).run([(qc, "Z", values)]).result()
    assert np.std(default[0].data.evs - exact) == pytest.approx(0.1, rel=0.03)
    exact_run = BatchedEstimator().run([(qc, "Z", values)]).result()[0]
    np.testing.assert_allclose(exact_run.data.evs, exact, atol=1e-12)
    np.testing.assert_array_equal(exact_run.data.stds, 0.0)


def test_cache_follows_in_place_changes() -> None:
    a, b = Parameter("a"), Parameter("b")
    qc = QuantumCircuit(1)
    qc.rx(a, 0)
    qc.ry(b, 0)
    est = BatchedEstimator()
    first = est.run([(qc, "Z", [0.3, 0.4])]).result()[0].data.evs
    assert first == pytest.approx(np.cos(0.3) * np.cos(0.4), abs=1e-12)
    qc.assign_parameters({a: 1.0}, inplace=True)
    second = est.run([(qc, "Z", [0.4])]).result()[0].data.evs
    assert second == pytest.approx(np.cos(1.0) * np.cos(0.4), abs=1e-12)


@pytest.mark.parametrize("change", ["angle", "gate", "qubits", "append"])
def test_cache_sees_every_in_place_edit(change: str) -> None:
    from qiskit.circuit.library import RXGate, RYGate

    t = Parameter("t")
    qc = QuantumCircuit(2)
    qc.ry(t, 0)
    qc.rx(0.7, 1)
    est = BatchedEstimator()
    obs = SparsePauliOp(["IZ", "ZI"])
    before = est.run([(qc, obs, [0.3])]).result()[0].data.evs
    if change == "angle":
        qc.data[1] = qc.data[1].replace(operation=RXGate(0.2))
    elif change == "gate":
        qc.data[0] = qc.data[0].replace(operation=RYGate(2 * t))
    elif change == "qubits":
        qc.data[1] = qc.data[1].replace(qubits=(qc.qubits[0],))
    else:
        qc.rx(0.5, 1)
    after = est.run([(qc, obs, [0.3])]).result()[0].data.evs
    fresh = BatchedEstimator().run([(qc, obs, [0.3])]).result()[0].data.evs
    assert after == pytest.approx(fresh, abs=1e-12)
    assert not np.allclose(after, before)


def _unsupported() -> list[tuple[QuantumCircuit, str]]:
    a, b = Parameter("a"), Parameter("b")
    cases = []
    qc = QuantumCircuit(2, 1)
    qc.h(0)
    qc.measure(0, 0)
    cases.append((qc, "'measure'"))
    qc = QuantumCircuit(1)
    qc.reset(0)
    cases.append((qc, "'reset'"))
    qc = QuantumCircuit(2)
    qc.rzz(a, 0, 1)
    cases.append((qc, "parameterised gate 'rzz'"))
    qc = QuantumCircuit(1)
    qc.u(a, 0.1, 0.2, 0)
    cases.append((qc, "parameterised gate 'u'"))
    qc = QuantumCircuit(1)
    qc.rx(a + b, 0)
    cases.append((qc, r"'rx'.*several parameters \['a', 'b'\]"))
    qc = QuantumCircuit(1)
    qc.ry(a * a, 0)
    cases.append((qc, "'ry'.*not affine in parameter 'a'"))
    qc = QuantumCircuit(3)
    qc.ccx(0, 1, 2)
    cases.append((qc, "'ccx' acts on 3 qubits"))
    qc = QuantumCircuit(1)
    qc.initialize([0, 1], 0)
    cases.append((qc, "'initialize'"))
    qc = QuantumCircuit(1, 1)
    with qc.if_test((qc.clbits[0], 1)):
        qc.x(0)
    cases.append((qc, "'if_else'"))
    return cases


@pytest.mark.parametrize(("circuit", "match"), _unsupported())
def test_unsupported_instructions_raise(circuit: QuantumCircuit, match: str) -> None:
    with pytest.raises(UnsupportedCircuitError, match=match):
        compile_circuit(circuit)
    obs = "Z" * circuit.num_qubits
    values = np.zeros(circuit.num_parameters)
    with pytest.raises(UnsupportedCircuitError, match=match):
        BatchedEstimator().run([(circuit, obs, values)])
    assert issubclass(UnsupportedCircuitError, ValueError)


def test_ignored_instructions() -> None:
    qc = QuantumCircuit(2, global_phase=Parameter("g"))
    qc.h(0)
    qc.barrier()
    qc.id(1)
    qc.delay(10, 1)
    qc.cx(0, 1)
    (got,) = ours([(qc, ["XX", "ZI"], [0.7])])
    np.testing.assert_allclose(got, [1.0, 0.0], atol=1e-12)


def test_invalid_arguments() -> None:
    for kwargs, match in [
        ({"default_precision": -1.0}, "default_precision"),
        ({"chunk_size": 0}, "chunk_size"),
        ({"num_threads": 0}, "num_threads"),
        ({"worker_threads": 0}, "worker_threads"),
    ]:
        with pytest.raises(ValueError, match=match):
            BatchedEstimator(**kwargs)


def test_dask_path_matches_in_process() -> None:
    import distributed

    pc = patch_circuit(4, 16, depth=1)
    obs = [[o] for o in readout_observables(4, 8)]
    values = np.random.default_rng(9).uniform(-np.pi, np.pi, (2000, pc.circuit.num_parameters))
    pubs = [(pc.circuit, obs, values), (pc.circuit, obs, values[:10]), _factored_pub(pc, 7)]
    local = ours(pubs)
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        est = BatchedEstimator(client=client, chunk_size=300, worker_threads=1)
        with distributed.get_task_stream(client) as stream:
            remote = [r.data.evs for r in est.run(pubs).result()]
    blocks = [t for t in stream.data if "_evaluate_block" in t["key"]]
    assert len(blocks) == 7 + 3  # ceil(2000 / 300) + ceil(900 / 300) tasks; 10 stay local
    for r, loc in zip(remote, local, strict=True):
        assert r.shape == loc.shape
        assert np.array_equal(r, loc)


def test_chunks_bound_the_kernel_buffers(monkeypatch: pytest.MonkeyPatch) -> None:
    import qiskit_patchqnn.simulator.estimator as module

    bindings: list[int] = []
    kernel = module.simulate_lanes

    def spy(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        bindings.append(len(args[14]))  # rows: one per binding
        return kernel(*args, **kwargs)

    monkeypatch.setattr(module, "simulate_lanes", spy)
    pc = patch_circuit(4, 8, depth=1)
    obs = [[o] for o in readout_observables(4, 8)]
    values = np.random.default_rng(4).uniform(-1, 1, (1000, pc.circuit.num_parameters))
    (got,) = ours([(pc.circuit, obs, values)], chunk_size=64)
    assert bindings == [64] * 15 + [40]
    (full,) = ours([(pc.circuit, obs, values)])
    assert np.array_equal(got, full)


def test_bindings_as_dict_in_any_order() -> None:
    qc = random_circuit(2, 25, 8)
    values = np.random.default_rng(5).uniform(-3, 3, (6, qc.num_parameters))
    as_dict = {p.name: values[:, i] for i, p in reversed(list(enumerate(qc.parameters)))}
    obs = [["XY"], ["ZZ"]]
    (got,) = ours([(qc, obs, as_dict)])
    (expected,) = reference([(qc, obs, values)])
    assert got.shape == expected.shape == (2, 6)
    np.testing.assert_allclose(got, expected, atol=ATOL, rtol=0)


def _shift_rows(qc: QuantumCircuit, rng: np.random.Generator) -> np.ndarray:
    """Gradient-style bindings: a base point, then each angle shifted by +-pi/2 in turn."""
    base = rng.uniform(0, np.pi, qc.num_parameters)
    rows = [base]
    for i in range(qc.num_parameters):
        for sign in (1.0, -1.0):
            row = base.copy()
            row[i] += sign * np.pi / 2
            rows.append(row)
    rows.append(rows[-1].copy())  # a repeated binding
    rows.append(rng.uniform(0, np.pi, qc.num_parameters))  # shares nothing
    return np.array(rows)


def test_resuming_shared_prefixes_is_bitwise_identical(monkeypatch: pytest.MonkeyPatch) -> None:
    """The one-binding-at-a-time kernel resumes shifted bindings from saved states."""
    import qiskit_patchqnn.simulator.estimator as estimator_module

    monkeypatch.setattr(estimator_module, "_LANE_MAX_QUBITS", 0)  # wide-circuit kernel
    pc = patch_circuit(3, 6, 2)
    qc = pc.circuit
    obs = [[o] for o in readout_observables(3, 4)]
    values = _shift_rows(qc, np.random.default_rng(7))
    reused = BatchedEstimator().run([(qc, obs, values)]).result()[0].data.evs
    monkeypatch.setattr(estimator_module, "_MAX_SNAPSHOT", 0)
    fresh = BatchedEstimator().run([(qc, obs, values)]).result()[0].data.evs
    np.testing.assert_array_equal(reused, fresh)
    ref = StatevectorEstimator().run([(qc, obs, values[:5])]).result()[0].data.evs
    np.testing.assert_allclose(reused[:, :5], ref, atol=1e-12)


@pytest.mark.parametrize("single_qubit_observables", [True, False])
def test_lane_kernel_reuse_is_bitwise_identical(
    monkeypatch: pytest.MonkeyPatch, single_qubit_observables: bool
) -> None:
    """Cached angles, fused gates and saved prefix states change no bit of the results:
    a binding evaluated alone (chunk of one, nothing to reuse) gives the same numbers as in a
    block of lanes, whatever the lane count; the one-at-a-time kernel agrees to rounding."""
    import qiskit_patchqnn.simulator.estimator as estimator_module

    pc = patch_circuit(3, 6, 2)
    qc = pc.circuit
    rng = np.random.default_rng(8)
    if single_qubit_observables:  # the measurement folds the last layer in
        obs = [[o] for o in readout_observables(3, 4)]
    else:
        obs = [[random_observable(3, 3, rng)] for _ in range(2)]
    shifts = _shift_rows(qc, rng)
    values = np.concatenate([shifts, shifts[::-1], np.repeat(shifts[:3], 5, axis=0)])
    (blocked,) = ours([(qc, obs, values)])
    (alone,) = ours([(qc, obs, values)], chunk_size=1)
    np.testing.assert_array_equal(blocked, alone)
    for amplitudes in (32, 64):  # 4 and 8 lanes
        monkeypatch.setattr(estimator_module, "_LANE_AMPLITUDES", amplitudes)
        (other,) = ours([(qc, obs, values)], num_threads=1)
        np.testing.assert_array_equal(blocked, other)
    monkeypatch.setattr(estimator_module, "_LANE_MAX_QUBITS", 0)
    (rows,) = ours([(qc, obs, values)])
    np.testing.assert_allclose(blocked, rows, atol=1e-13, rtol=0)
    ref = StatevectorEstimator().run([(qc, obs, values[:9])]).result()[0].data.evs
    np.testing.assert_allclose(blocked[:, :9], ref, atol=1e-12, rtol=0)


@pytest.mark.parametrize("seed", range(6))
def test_single_qubit_observables_fold_the_last_layer(seed: int) -> None:
    """Sums of one-qubit Paulis (Y and identity terms included) read the reduced density
    matrices with the last single-qubit layer folded in; random circuits, some with no
    two-qubit gate at all (everything folded)."""
    rng = np.random.default_rng(300 + seed)
    n = 1 + seed % 4
    qc = random_circuit(n, 30, seed) if seed < 4 else QuantumCircuit(n)
    t = Parameter("t")
    for q in range(n if seed % 2 == 0 else 1):  # odd seeds: a last layer on qubit 0 only
        qc.ry(t * (q + 1), q)
        qc.rx(0.3 * t, q)
    labels = []
    for _ in range(3):
        ops = []
        for _ in range(3):
            lab = ["I"] * n
            lab[int(rng.integers(n))] = "IXYZ"[int(rng.integers(4))]
            ops.append("".join(lab))
        labels.append(SparsePauliOp(ops, rng.normal(size=3)))
    values = rng.uniform(-np.pi, np.pi, (11, qc.num_parameters))
    pub = (qc, [[o] for o in labels], values)
    (expected,) = reference([pub])
    (got,) = ours([pub])
    np.testing.assert_allclose(got, expected, atol=ATOL, rtol=0)
    assert np.ptp(got) > 0.05


def _factored_pub(pc, seed: int, observables: list | None = None) -> tuple:
    """A PUB of 5 weight vectors x 3 'patches' x 60 'samples' as two broadcast arrays."""
    rng = np.random.default_rng(seed)
    shape = (5, 3, 60)
    inputs = rng.uniform(-np.pi, np.pi, (1, 3, 60, pc.num_inputs))
    weights = rng.uniform(-np.pi, np.pi, (5, 3, 1, pc.num_weights))
    bindings = BindingsArray(
        {
            tuple(pc.input_params): np.broadcast_to(inputs, (*shape, pc.num_inputs)),
            tuple(pc.weight_params): np.broadcast_to(weights, (*shape, pc.num_weights)),
        }
    )
    if observables is None:
        observables = readout_observables(pc.circuit.num_qubits, 2 * pc.circuit.num_qubits)
    obs = np.empty((len(observables), 1, 1, 1), dtype=object)
    for i, o in enumerate(observables):
        obs[i, 0, 0, 0] = o
    return (pc.circuit, obs, bindings)


@pytest.mark.parametrize("single_qubit_observables", [True, False])
def test_broadcast_bindings_are_used_unmaterialised(single_qubit_observables: bool) -> None:
    """A bindings array of broadcast parts gives the numbers of the materialised array (to
    rounding: the rotation tables come from another code path), bitwise the same for every
    chunk size, and the numbers of Qiskit's reference estimator."""
    pc = patch_circuit(3, 6, 1)
    rng = np.random.default_rng(11)
    observables = None if single_qubit_observables else [random_observable(3, 3, rng)]
    circuit, obs, bindings = _factored_pub(pc, 3, observables)
    (factored,) = ours([(circuit, obs, bindings)])
    assert factored.shape == (obs.shape[0], 5, 3, 60)
    plain_values = bindings.as_array(circuit.parameters)
    (plain,) = ours([(circuit, obs, plain_values)])
    np.testing.assert_allclose(factored, plain, atol=1e-13, rtol=0)
    for chunk in (1, 7, 64):
        (chunked,) = ours([(circuit, obs, bindings)], chunk_size=chunk)
        np.testing.assert_array_equal(chunked, factored)
    ref_values = plain_values[:2, :, :4]
    (ref,) = reference([(circuit, obs, ref_values)])
    np.testing.assert_allclose(factored[:, :2, :, :4], ref, atol=ATOL, rtol=0)


def test_broadcast_bindings_take_the_unbroadcast_path_when_names_do_not_match() -> None:
    """Parts that do not name every circuit parameter fall back to the plain route, which
    raises the usual error."""
    pc = patch_circuit(2, 2, 1)
    shape = (2, 3)
    bindings = BindingsArray(
        {
            tuple(pc.input_params): np.broadcast_to(np.zeros((1, 3, 2)), (*shape, 2)),
            tuple(pc.weight_params[:-1]): np.zeros((*shape, pc.num_weights - 1)),
        }
    )
    with pytest.raises(ValueError, match="parameter"):
        ours([(pc.circuit, "ZI", bindings)])


def test_broadcast_bindings_that_hardly_repeat_stay_plain(monkeypatch: pytest.MonkeyPatch) -> None:
    """Parts whose distinct rows (with their rotation tables) would take more memory than the
    plain array are not factored: no rotation tables are built, and the numbers are right."""
    import qiskit_patchqnn.simulator.bindings as bindings_module

    calls: list[int] = []
    tables = bindings_module.element_tables

    def spy(table, *args):  # noqa: ANN001, ANN002, ANN202
        calls.append(len(table))
        return tables(table, *args)

    monkeypatch.setattr(bindings_module, "element_tables", spy)
    pc = patch_circuit(2, 4, 1)
    rng = np.random.default_rng(12)
    shape = (3, 40)
    weights = rng.uniform(-1, 1, (3, 1, pc.num_weights))  # repeats along the second axis
    inputs = rng.uniform(-1, 1, (3, 40, pc.num_inputs))  # every binding its own row
    bindings = BindingsArray(
        {
            tuple(pc.input_params): inputs,
            tuple(pc.weight_params): np.broadcast_to(weights, (*shape, pc.num_weights)),
        }
    )
    obs = [[["ZI"]], [["IX"]]]  # shape (2, 1, 1)
    (got,) = ours([(pc.circuit, obs, bindings)])
    assert calls == []
    (ref,) = reference([(pc.circuit, obs, bindings.as_array(pc.circuit.parameters))])
    np.testing.assert_allclose(got, ref, atol=ATOL, rtol=0)
    (_, obs4, factored) = _factored_pub(pc, 4)
    ours([(pc.circuit, obs4, factored)])
    assert calls == [3 * 60 + 5 * 3]  # distinct rows of inputs (1, 3, 60), weights (5, 3, 1)
