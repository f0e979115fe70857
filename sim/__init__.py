"""The tutoring-business simulator: a vectorized, seeded re-implementation of the original
pandas simulator (SPEC section 7) that lands raw CSV in the lake (SPEC section 3).

Entry points live in `sim.api`; everything else is the machinery behind them.
"""
