// (scalar twins of kernels/dropout.ts)
