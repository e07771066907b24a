// Scalar twins of kernels/pool.ts: the test oracle. Obvious loops, never optimised.
// x is (B, T, C), mask (B, T) or 0 (a step is kept where mask != 0), y / dy / argmax are (B, C).
// Same f32 operations in the same order as the fast kernels (sum over kept steps in t order, one
// f32 division by the count), so results agree bit for bit.

function kept(mask: usize, b: i32, t: i32, T: i32): bool {
  return mask == 0 || load<f32>(mask + ((<usize>(b * T + t)) << 2)) != 0;
}

function count(mask: usize, b: i32, T: i32): i32 {
  let n = 0;
  for (let t = 0; t < T; t++) if (kept(mask, b, t, T)) n++;
  return n;
}

export function f32_avgpool1d_fwd(x: usize, mask: usize, y: usize, B: i32, T: i32, C: i32): void {
  for (let b = 0; b < B; b++) {
    const n = count(mask, b, T);
    for (let c = 0; c < C; c++) {
      let acc: f32 = 0;
      for (let t = 0; t < T; t++) {
        if (kept(mask, b, t, T)) acc = acc + load<f32>(x + ((<usize>(b * T + t) * C + c) << 2));
      }
      store<f32>(y + ((<usize>(b * C + c)) << 2), n > 0 ? acc / <f32>n : 0);
    }
  }
}

export function f32_avgpool1d_bwd(mask: usize, dy: usize, dx: usize, B: i32, T: i32, C: i32): void {
  for (let b = 0; b < B; b++) {
    const n = count(mask, b, T);
    for (let t = 0; t < T; t++) {
      for (let c = 0; c < C; c++) {
        const g: f32 = kept(mask, b, t, T) ? load<f32>(dy + ((<usize>(b * C + c)) << 2)) / <f32>n : 0;
        store<f32>(dx + ((<usize>(b * T + t) * C + c) << 2), g);
      }
    }
  }
}

export function f32_maxpool1d_fwd(x: usize, mask: usize, y: usize, argmax: usize, B: i32, T: i32, C: i32): void {
  for (let b = 0; b < B; b++) {
    for (let c = 0; c < C; c++) {
      let best: f32 = 0;
      let idx = -1;
      for (let t = 0; t < T; t++) {
        if (!kept(mask, b, t, T)) continue;
        const v = load<f32>(x + ((<usize>(b * T + t) * C + c) << 2));
        // the first kept step; then a larger value, or a NaN while best is still a number
        if (idx < 0 || v > best || (isNaN(v) && !isNaN(best))) {
          best = v;
          idx = t;
        }
      }
      store<f32>(y + ((<usize>(b * C + c)) << 2), best);
      store<i32>(argmax + ((<usize>(b * C + c)) << 2), idx);
    }
  }
}

export function f32_maxpool1d_bwd(argmax: usize, dy: usize, dx: usize, B: i32, T: i32, C: i32): void {
  for (let b = 0; b < B; b++) {
    for (let t = 0; t < T; t++) {
      for (let c = 0; c < C; c++) {
        const hit = load<i32>(argmax + ((<usize>(b * C + c)) << 2)) == t;
        store<f32>(dx + ((<usize>(b * T + t) * C + c) << 2), hit ? load<f32>(dy + ((<usize>(b * C + c)) << 2)) : 0);
      }
    }
  }
}

// Windowed pooling (kernels/pool.ts *_win_*): x, dx (B, T, C); y, dy, argmax (B, Tout, C);
// window j covers [j*s - pad, j*s - pad + k) clipped to [0, T). Backward: a plain scatter over
// the windows in j order into a zeroed dx, which is the same sum per element in the same order.

export function f32_maxpool1d_win_fwd(x: usize, y: usize, argmax: usize, B: i32, T: i32, C: i32, Tout: i32, k: i32, s: i32, pad: i32): void {
  for (let b = 0; b < B; b++) {
    for (let j = 0; j < Tout; j++) {
      const t0 = max(j * s - pad, 0), t1 = min(j * s - pad + k, T);
      for (let c = 0; c < C; c++) {
        let best: f32 = 0;
        let idx = -1;
        for (let t = t0; t < t1; t++) {
          const v = load<f32>(x + ((<usize>(b * T + t) * C + c) << 2));
          if (idx < 0 || v > best || (isNaN(v) && !isNaN(best))) { best = v; idx = t; }
        }
        store<f32>(y + ((<usize>(b * Tout + j) * C + c) << 2), best);
        if (argmax) store<i32>(argmax + ((<usize>(b * Tout + j) * C + c) << 2), idx);
      }
    }
  }
}

export function f32_maxpool1d_win_bwd(argmax: usize, dy: usize, dx: usize, B: i32, T: i32, C: i32, Tout: i32, k: i32, s: i32, pad: i32): void {
  for (let i = 0; i < B * T * C; i++) store<f32>(dx + (<usize>i << 2), 0);
  for (let b = 0; b < B; b++) {
    for (let j = 0; j < Tout; j++) {
      for (let c = 0; c < C; c++) {
        const o = (<usize>(b * Tout + j) * C + c) << 2;
        const t = load<i32>(argmax + o);
        const p = dx + ((<usize>(b * T + t) * C + c) << 2);
        store<f32>(p, load<f32>(p) + load<f32>(dy + o));
      }
    }
  }
}

export function f32_avgpool1d_win_fwd(x: usize, y: usize, B: i32, T: i32, C: i32, Tout: i32, k: i32, s: i32, pad: i32): void {
  for (let b = 0; b < B; b++) {
    for (let j = 0; j < Tout; j++) {
      const t0 = max(j * s - pad, 0), t1 = min(j * s - pad + k, T);
      for (let c = 0; c < C; c++) {
        let acc: f32 = 0;
        for (let t = t0; t < t1; t++) acc = acc + load<f32>(x + ((<usize>(b * T + t) * C + c) << 2));
        store<f32>(y + ((<usize>(b * Tout + j) * C + c) << 2), acc / <f32>(t1 - t0));
      }
    }
  }
}

export function f32_avgpool1d_win_bwd(dy: usize, dx: usize, B: i32, T: i32, C: i32, Tout: i32, k: i32, s: i32, pad: i32): void {
  for (let i = 0; i < B * T * C; i++) store<f32>(dx + (<usize>i << 2), 0);
  for (let b = 0; b < B; b++) {
    for (let j = 0; j < Tout; j++) {
      const t0 = max(j * s - pad, 0), t1 = min(j * s - pad + k, T);
      for (let c = 0; c < C; c++) {
        const g = load<f32>(dy + ((<usize>(b * Tout + j) * C + c) << 2)) / <f32>(t1 - t0);
        for (let t = t0; t < t1; t++) {
          const p = dx + ((<usize>(b * T + t) * C + c) << 2);
          store<f32>(p, load<f32>(p) + g);
        }
      }
    }
  }
}
