"""The worker: runs inside one matrix environment, one child process per case."""
