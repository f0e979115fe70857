"""Gold: the materialize stage, which builds the business tables from silver."""
