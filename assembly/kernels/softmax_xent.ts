// (filled in by the softmax_xent kernels)
