// (filled in by the norm kernels)
