// Scalar twins of kernels/conv1d.ts: the test oracle. Obvious loops, never optimised.
// x is (B, T, C), w is (K, C, F), bias (F) or 0, y / dy are (B, Tout, F).
// Same f32 operations in the same order as the fast kernels, so results agree bit for bit:
//   fwd  acc = 0; for k, for c: acc = acc + xp * w; then acc + bias; then relu (act 1)
//   dx   acc = 0; for k = K-1 down to 0, for f: acc = acc + dyu * w
//   dw   acc = 0; for b, for t: acc = acc + xp * dy
//   db   acc = 0; for b, for t: acc = acc + dy
// xp is x read as 0 outside [0, T), dyu is dy upsampled by stride (0 where there is no dy row):
// those terms are kept (0 * w), as with an explicitly zero-padded input.

function xAt(x: usize, b: i32, pos: i32, c: i32, T: i32, C: i32): f32 {
  if (pos < 0 || pos >= T) return 0;
  return load<f32>(x + ((<usize>(b * T + pos) * C + c) << 2));
}

export function f32_conv1d_fwd(x: usize, w: usize, bias: usize, y: usize, B: i32, T: i32, C: i32, F: i32, K: i32,
                               stride: i32, dilation: i32, padLeft: i32, Tout: i32, act: i32, ws: usize): void {
  for (let b = 0; b < B; b++) {
    for (let t = 0; t < Tout; t++) {
      for (let f = 0; f < F; f++) {
        let acc: f32 = 0;
        for (let k = 0; k < K; k++) {
          const pos = t * stride + k * dilation - padLeft;
          for (let c = 0; c < C; c++) {
            acc = acc + xAt(x, b, pos, c, T, C) * load<f32>(w + ((<usize>(k * C + c) * F + f) << 2));
          }
        }
        if (bias) acc = acc + load<f32>(bias + (<usize>f << 2));
        if (act == 1) acc = max<f32>(acc, 0);
        store<f32>(y + ((<usize>(b * Tout + t) * F + f) << 2), acc);
      }
    }
  }
}

export function f32_conv1d_bwd(x: usize, w: usize, dy: usize, dx: usize, dw: usize, dbias: usize,
                               B: i32, T: i32, C: i32, F: i32, K: i32, stride: i32, dilation: i32, padLeft: i32,
                               Tout: i32, ws: usize): void {
  if (dx) {
    for (let b = 0; b < B; b++) {
      for (let i = 0; i < T; i++) {
        for (let c = 0; c < C; c++) {
          let acc: f32 = 0;
          for (let k = K - 1; k >= 0; k--) {
            const q = i + padLeft - k * dilation;       // = t * stride for the output row t it feeds
            const hasRow = q >= 0 && q % stride == 0 && q / stride < Tout;
            for (let f = 0; f < F; f++) {
              const g: f32 = hasRow ? load<f32>(dy + ((<usize>(b * Tout + q / stride) * F + f) << 2)) : 0;
              acc = acc + g * load<f32>(w + ((<usize>(k * C + c) * F + f) << 2));
            }
          }
          store<f32>(dx + ((<usize>(b * T + i) * C + c) << 2), acc);
        }
      }
    }
  }
  if (dw) {
    for (let k = 0; k < K; k++) {
      for (let c = 0; c < C; c++) {
        for (let f = 0; f < F; f++) {
          let acc: f32 = 0;
          for (let b = 0; b < B; b++) {
            for (let t = 0; t < Tout; t++) {
              const pos = t * stride + k * dilation - padLeft;
              acc = acc + xAt(x, b, pos, c, T, C) * load<f32>(dy + ((<usize>(b * Tout + t) * F + f) << 2));
            }
          }
          store<f32>(dw + ((<usize>(k * C + c) * F + f) << 2), acc);
        }
      }
    }
  }
  if (dbias) {
    for (let f = 0; f < F; f++) {
      let acc: f32 = 0;
      for (let b = 0; b < B; b++) {
        for (let t = 0; t < Tout; t++) acc = acc + load<f32>(dy + ((<usize>(b * Tout + t) * F + f) << 2));
      }
      store<f32>(dbias + (<usize>f << 2), acc);
    }
  }
}
