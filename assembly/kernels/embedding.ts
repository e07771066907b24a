// (filled in by the embedding kernels)
