// (scalar twins of kernels/binary.ts)
