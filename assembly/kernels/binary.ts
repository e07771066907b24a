// (filled in by the binary kernels)
