// Scalar twin of kernels/gemm.ts: the test oracle. The plain triple loop, never optimised.
// C (M,N) = act(op(A) · op(B) + bias); op(A) is (M,K), A stored (M,K) or (K,M) when transA;
// op(B) is (K,N), B stored (K,N) or (N,K) when transB; bias is (N) or 0.
// Same f32 operations in the same order as the fast kernel (acc from C or 0, k = 0..K-1, separate
// mul and add, then + bias), so linear and relu agree bit for bit; sigmoid, tanh and gelu are
// computed in f64 from the f32 sum and rounded once, measuring the fast kernel's approximation.
import { erf } from './common';


function act(op: i32, x: f32): f32 {
  const v = <f64>x;
  switch (op) {
    case 1: return max<f32>(x, 0);
    case 2: return <f32>(1 / (1 + Math.exp(-v)));
    case 3: return <f32>Math.tanh(v);
    case 4: return <f32>(0.5 * v * (1 + erf(v / Math.SQRT2)));
  }
  return x;
}

export function f32_gemm_fwd(a: usize, b: usize, c: usize, bias: usize, ws: usize, M: i32, N: i32, K: i32,
                             transA: i32, transB: i32, accumulate: i32, op: i32): void {
  for (let i = 0; i < M; i++) {
    for (let j = 0; j < N; j++) {
      const cij = c + ((<usize>i * N + j) << 2);
      let acc: f32 = accumulate ? load<f32>(cij) : 0;
      for (let k = 0; k < K; k++) {
        const aik = load<f32>(a + ((transA ? <usize>k * M + i : <usize>i * K + k) << 2));
        const bkj = load<f32>(b + ((transB ? <usize>j * K + k : <usize>k * N + j) << 2));
        acc = acc + aik * bkj;
      }
      if (bias) acc = acc + load<f32>(bias + (<usize>j << 2));
      store<f32>(cij, act(op, acc));
    }
  }
}
