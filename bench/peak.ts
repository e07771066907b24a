// Bench only (never part of the shipped builds): the wasm SIMD peak of this machine with separate
// f32x4.mul and f32x4.add, as GEMM runs them. bench/gemm.mjs compiles this file into build/ and
// times it, and takes the fastest of these loops as the peak.
// peak8/10/12: chains acc = acc * m + c, independent of each other; m = 1 and c = 0 arrive at run
// time so nothing folds, and the values stay put (no overflow, no subnormals). Several chain counts
// because the best one depends on the core's latency x throughput product and on how many of the
// 16 vector registers V8 leaves to wasm. Each iteration is 2 flops per lane per chain.
// peakIndep: 6 accumulators acc += x * y as in a GEMM tile, the products independent of the
// accumulators (x moves by c = 0 each iteration so the products cannot be hoisted): bound by
// throughput, not latency, like GEMM; 12 flops per lane per iteration (x += c not counted).

// @ts-ignore: decorator
@inline
function step(acc: v128, m: v128, c: v128): v128 { return f32x4.add(f32x4.mul(acc, m), c); }

// 8 chains: returns a checksum so the loop is not dead code. flops = iters * 8 chains * 8.
export function peak8(iters: i32, mv: f32, cv: f32): f32 {
  const m = f32x4.splat(mv), c = f32x4.splat(cv);
  let a0 = f32x4.splat(1), a1 = f32x4.splat(2), a2 = f32x4.splat(3), a3 = f32x4.splat(4);
  let a4 = f32x4.splat(5), a5 = f32x4.splat(6), a6 = f32x4.splat(7), a7 = f32x4.splat(8);
  for (let i = 0; i < iters; i++) {
    a0 = step(a0, m, c); a1 = step(a1, m, c); a2 = step(a2, m, c); a3 = step(a3, m, c);
    a4 = step(a4, m, c); a5 = step(a5, m, c); a6 = step(a6, m, c); a7 = step(a7, m, c);
  }
  const s = f32x4.add(f32x4.add(f32x4.add(a0, a1), f32x4.add(a2, a3)), f32x4.add(f32x4.add(a4, a5), f32x4.add(a6, a7)));
  return f32x4.extract_lane(s, 0);
}

// 10 chains. flops = iters * 10 * 8.
export function peak10(iters: i32, mv: f32, cv: f32): f32 {
  const m = f32x4.splat(mv), c = f32x4.splat(cv);
  let a0 = f32x4.splat(1), a1 = f32x4.splat(2), a2 = f32x4.splat(3), a3 = f32x4.splat(4), a4 = f32x4.splat(5);
  let a5 = f32x4.splat(6), a6 = f32x4.splat(7), a7 = f32x4.splat(8), a8 = f32x4.splat(9), a9 = f32x4.splat(10);
  for (let i = 0; i < iters; i++) {
    a0 = step(a0, m, c); a1 = step(a1, m, c); a2 = step(a2, m, c); a3 = step(a3, m, c); a4 = step(a4, m, c);
    a5 = step(a5, m, c); a6 = step(a6, m, c); a7 = step(a7, m, c); a8 = step(a8, m, c); a9 = step(a9, m, c);
  }
  const s = f32x4.add(f32x4.add(f32x4.add(a0, a1), f32x4.add(a2, a3)), f32x4.add(f32x4.add(a4, a5), f32x4.add(a6, a7)));
  return f32x4.extract_lane(f32x4.add(s, f32x4.add(a8, a9)), 0);
}

// 12 chains. flops = iters * 12 * 8.
export function peak12(iters: i32, mv: f32, cv: f32): f32 {
  const m = f32x4.splat(mv), c = f32x4.splat(cv);
  let a0 = f32x4.splat(1), a1 = f32x4.splat(2), a2 = f32x4.splat(3), a3 = f32x4.splat(4);
  let a4 = f32x4.splat(5), a5 = f32x4.splat(6), a6 = f32x4.splat(7), a7 = f32x4.splat(8);
  let a8 = f32x4.splat(9), a9 = f32x4.splat(10), a10 = f32x4.splat(11), a11 = f32x4.splat(12);
  for (let i = 0; i < iters; i++) {
    a0 = step(a0, m, c); a1 = step(a1, m, c); a2 = step(a2, m, c); a3 = step(a3, m, c);
    a4 = step(a4, m, c); a5 = step(a5, m, c); a6 = step(a6, m, c); a7 = step(a7, m, c);
    a8 = step(a8, m, c); a9 = step(a9, m, c); a10 = step(a10, m, c); a11 = step(a11, m, c);
  }
  const s = f32x4.add(f32x4.add(f32x4.add(a0, a1), f32x4.add(a2, a3)), f32x4.add(f32x4.add(a4, a5), f32x4.add(a6, a7)));
  return f32x4.extract_lane(f32x4.add(s, f32x4.add(f32x4.add(a8, a9), f32x4.add(a10, a11))), 0);
}

// 6 accumulators fed by products that do not depend on them. flops = iters * 6 * 8.
export function peakIndep(iters: i32, mv: f32, cv: f32): f32 {
  let x = f32x4.splat(mv);
  const c = f32x4.splat(cv);
  const y0 = f32x4.splat(0.5), y1 = f32x4.splat(0.25), y2 = f32x4.splat(0.125);
  const y3 = f32x4.splat(0.0625), y4 = f32x4.splat(0.03125), y5 = f32x4.splat(0.015625);
  let a0 = f32x4.splat(0), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0;
  for (let i = 0; i < iters; i++) {
    x = f32x4.add(x, c);
    a0 = f32x4.add(a0, f32x4.mul(x, y0)); a1 = f32x4.add(a1, f32x4.mul(x, y1)); a2 = f32x4.add(a2, f32x4.mul(x, y2));
    a3 = f32x4.add(a3, f32x4.mul(x, y3)); a4 = f32x4.add(a4, f32x4.mul(x, y4)); a5 = f32x4.add(a5, f32x4.mul(x, y5));
  }
  const s = f32x4.add(f32x4.add(f32x4.add(a0, a1), f32x4.add(a2, a3)), f32x4.add(a4, a5));
  return f32x4.extract_lane(s, 0);
}
