"""The tutoring-business simulator: a vectorized, seeded re-implementation of the original
pandas simulator (docs/simulator.md) that lands raw CSV in the lake (docs/CONTRACTS.md).

Entry points live in `sim.api`; everything else is the machinery behind them.
"""
