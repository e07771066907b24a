// (scalar twins of kernels/gemm.ts)
