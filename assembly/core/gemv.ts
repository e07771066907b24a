// Packing for one-row products (h · U with a single row of h, as the recurrent kernels' small
// batches compute it): the columns of several gate blocks side by side, so that the product of
// one unit group reads one contiguous run of 32 floats per k.

// dst[k][g*8 + q] = src[k * ld + g * gs + q] for gates g = 0..3, q < n (1..8), 0 beyond; k < K.
// ld (a row of src) and gs (one gate block) in bytes; dst holds K x 32 floats.
export function packGates(src: usize, ld: usize, gs: usize, n: i32, K: i32, dst: usize): void {
  for (let k = 0; k < K; k++) {
    for (let g = 0; g < 4; g++) {
      const s = src + <usize>g * gs;
      const d = dst + (<usize>g << 5);
      if (n == 8) {
        v128.store(d, v128.load(s));
        v128.store(d, v128.load(s, 16), 16);
      } else {
        v128.store(d, f32x4.splat(0));
        v128.store(d, f32x4.splat(0), 16);
        for (let q = 0; q < n; q++) store<f32>(d + (<usize>q << 2), load<f32>(s + (<usize>q << 2)));
      }
    }
    src += ld;
    dst += 128;
  }
}
