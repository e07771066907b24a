// (scalar twins of kernels/norm.ts)
