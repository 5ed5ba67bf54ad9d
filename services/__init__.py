"""What the PAR Cell does: functions that take a session and ids, called by routes, CLI and workers."""
