"""Run records: reading them, their progress, and the commands that write them (new-run,
upgrade, tick) or report on them (summary)."""
