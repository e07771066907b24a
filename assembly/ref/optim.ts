// (scalar twins of kernels/optim.ts)
