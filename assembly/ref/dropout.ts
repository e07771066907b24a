// Scalar twins of kernels/dropout.ts: the test oracle, with its own plain Philox4x32-10 written
// from the published algorithm (one block at a time, 64-bit products). Never optimise these.

const M0: u64 = 0xD2511F53;
const M1: u64 = 0xCD9E8D57;
const W0: u32 = 0x9E3779B9;
const W1: u32 = 0xBB67AE85;

// Word `w` (0..3) of the Philox4x32-10 block with counter (c0, c1, c2, c3) and key (k0, k1).
function philoxWord(c0: u32, c1: u32, c2: u32, c3: u32, k0: u32, k1: u32, w: i32): u32 {
  let x0 = c0, x1 = c1, x2 = c2, x3 = c3;
  let ka = k0, kb = k1;
  for (let round = 0; round < 10; round++) {
    if (round > 0) { ka += W0; kb += W1; }
    const p0: u64 = M0 * <u64>x0;
    const p1: u64 = M1 * <u64>x2;
    const y0 = <u32>(p1 >> 32) ^ x1 ^ ka;
    const y1 = <u32>p1;
    const y2 = <u32>(p0 >> 32) ^ x3 ^ kb;
    const y3 = <u32>p0;
    x0 = y0; x1 = y1; x2 = y2; x3 = y3;
  }
  if (w == 0) return x0;
  if (w == 1) return x1;
  if (w == 2) return x2;
  return x3;
}

function uniformAt(j: u64, seedLo: u32, seedHi: u32): f32 {
  const block = j >> 2;
  const w = philoxWord(<u32>block, <u32>(block >> 32), 0, 0, seedLo, seedHi, <i32>(j & 3));
  return <f32>(w >>> 8) * <f32>5.9604644775390625e-8;
}

function dropout(x: usize, y: usize, n: i32, rate: f32, seedLo: i32, seedHi: i32, offset: i32): void {
  const scale: f32 = <f32>1 / (<f32>1 - rate);
  for (let i = 0; i < n; i++) {
    const j: u64 = <u64><u32>offset + <u64>i;
    const u = uniformAt(j, <u32>seedLo, <u32>seedHi);
    const o = <usize>i << 2;
    store<f32>(y + o, u >= rate ? load<f32>(x + o) * scale : <f32>0);
  }
}

export function f32_dropout_fwd(x: usize, y: usize, n: i32, rate: f32, seedLo: i32, seedHi: i32, offset: i32): void {
  dropout(x, y, n, rate, seedLo, seedHi, offset);
}

export function f32_dropout_bwd(dy: usize, dx: usize, n: i32, rate: f32, seedLo: i32, seedHi: i32, offset: i32): void {
  dropout(dy, dx, n, rate, seedLo, seedHi, offset);
}

export function i32_philox_fwd(out: usize, nblocks: i32, c0: i32, c1: i32, c2: i32, c3: i32, k0: i32, k1: i32): void {
  for (let b = 0; b < nblocks; b++) {
    const ctr: u64 = ((<u64><u32>c1) << 32 | <u64><u32>c0) + <u64>b;
    for (let w = 0; w < 4; w++) {
      store<u32>(out + (<usize>(b * 4 + w) << 2), philoxWord(<u32>ctr, <u32>(ctr >> 32), <u32>c2, <u32>c3, <u32>k0, <u32>k1, w));
    }
  }
}

// SpatialDropout1D's mask application: x, y (B, T, C), m (B, C); y = m != 0 ? x * m : 0.
function channelMask(x: usize, m: usize, y: usize, B: i32, T: i32, C: i32): void {
  for (let b = 0; b < B; b++) {
    for (let t = 0; t < T; t++) {
      for (let c = 0; c < C; c++) {
        const mv = load<f32>(m + ((<usize>(b * C + c)) << 2));
        const o = (<usize>((b * T + t) * C + c)) << 2;
        store<f32>(y + o, mv != 0 ? load<f32>(x + o) * mv : <f32>0);
      }
    }
  }
}

export function f32_spatial_dropout_fwd(x: usize, m: usize, y: usize, B: i32, T: i32, C: i32): void { channelMask(x, m, y, B, T, C); }
export function f32_spatial_dropout_bwd(dy: usize, m: usize, dx: usize, B: i32, T: i32, C: i32): void { channelMask(dy, m, dx, B, T, C); }
