// (filled in by the optim kernels)
