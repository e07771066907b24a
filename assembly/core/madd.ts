// The multiply-add of the product micro-kernels (core/microkernel.ts, core/rnn.ts, kernels/gemm.ts).
//
// Default builds ('simd', 'simd-mt'): a * b rounded to f32, then + c rounded to f32 (separate
// f32x4.mul and f32x4.add), the operation the scalar twins in assembly/ref/ compute, so results
// are bit-exact against them and the same on every host. Written c + a * b, the operand order the
// kernels had before madd existed: the default builds compile to the same bytes as then.
//
// The opt-in 'simd-fma' / 'simd-fma-mt' builds (asconfig.json, compiled with the relaxed-simd
// feature): f32x4.relaxed_madd, which the engine may compute fused (one rounding: about twice
// the multiply-add rate on CPUs with FMA) or as mul then add. Results then differ from the default
// builds in the last bits, and may differ between machines and engines; within one machine and
// engine they are still the same whatever the thread count (each element keeps one sequential sum
// in k order).

// a * b + c, lane by lane (f32x4).
// @ts-ignore: decorator
@inline
export function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(c, f32x4.mul(a, b));
}
