// (filled in by the reduce kernels)
