// (filled in by the gemm kernels)
