// (scalar twins of kernels/softmax_xent.ts)
