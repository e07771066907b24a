// (filled in by the dropout kernels)
