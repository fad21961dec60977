"""The omnichannel simulator (`journeys simulate`) and its scorer (`journeys evaluate`).

``generate`` builds synthetic people and their journeys as plain event dicts, with the
friction of the shared catalogue (/docs friction rules) injected at known rates and a
ground truth of who owns which identifiers and which journey holds which friction;
``delivery`` makes the stream realistic (out of order, late, duplicated, invalid);
``send`` pushes it through the SDK or the HTTP collector; ``evaluate`` compares the
warehouse with the ground truth.
"""

from producers.simulator.generate import Simulation, SimulationConfig, simulate_population
from producers.simulator.truth import GroundTruth, read_truth, write_truth

__all__ = ["GroundTruth", "Simulation", "SimulationConfig", "read_truth", "simulate_population", "write_truth"]
