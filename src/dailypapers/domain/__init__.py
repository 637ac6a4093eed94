"""The domain: paper values, ids, periods, merging, ranking and selection rules; pure Python, no I/O, no framework."""
