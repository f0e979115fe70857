"""Export: the stage that publishes the gold tables, and the targets it writes to."""
