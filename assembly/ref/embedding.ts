// (scalar twins of kernels/embedding.ts)
