"""The omnichannel simulator (`journeys simulate`) and its scorer (`journeys evaluate`).

``generate`` builds synthetic people and their journeys as plain event dicts, with the
friction of the shared rule catalogue (warehouse/friction_rules.yaml) injected at known
rates and a ground truth of who owns which identifiers and which journey holds which friction;
``delivery`` makes the stream realistic (out of order, late, duplicated, invalid);
``send`` pushes it through the SDK or the HTTP collector (``run.simulate`` does it all);
``evaluate`` compares the warehouse with the ground truth. See docs/simulator.md.
"""

from producers.simulator.generate import Simulation, SimulationConfig, simulate_population
from producers.simulator.truth import GroundTruth, read_truth, write_truth

__all__ = ["GroundTruth", "Simulation", "SimulationConfig", "read_truth", "simulate_population", "write_truth"]
