// (scalar twins of kernels/reduce.ts)
