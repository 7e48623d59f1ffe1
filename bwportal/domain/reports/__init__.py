"""Progress reports: the state machine, editing, deadlines, counts, spec, snapshot."""
