// Global pooling over time, mask-aware, channels last.
//   x is (B, T, C), mask is (B, T) (a step is kept where mask != 0) or 0 for none (every step kept),
//   y and dy are (B, C), argmax is (B, C) i32, dx is (B, T, C) (overwritten).
//   avgpool fwd: y[b,c] = (sum over kept t, in order, of x[b,t,c]) / n_b, n_b = number of kept
//                steps (as f32, exact up to 2^24); 0 when no step is kept. Masked steps are skipped,
//                not multiplied by 0, so whatever they hold (inf, NaN) does not leak into y.
//   avgpool bwd: dx[b,t,c] = dy[b,c] / n_b at kept steps, 0 at masked ones.
//   maxpool fwd: y[b,c] = x[b, argmax[b,c], c], argmax = the first kept step with the largest value
//                (ties: the first step wins; -0 and +0 tie; a NaN beats any number, the first NaN
//                wins), y copies that element bit for bit. No step kept: y = 0, argmax = -1.
//   maxpool bwd: dx[b,t,c] = dy[b,c] where t == argmax[b,c], else 0.
// Where we differ from Keras / tfjs-layers on purpose:
//   - tfjs-layers' GlobalAveragePooling1D / GlobalMaxPooling1D ignore masks (mean / max over every
//     step). Keras 3's GlobalAveragePooling1D honours the mask as here (where(mask, x, 0) summed over
//     the count of kept steps) but gives 0/0 = NaN for a row with no kept step, where we give 0.
//     Keras' GlobalMaxPooling1D ignores the mask: padding steps take part in the max. Ours skips them.
// Threads: the forward kernels split (b, 4-channel group) tasks, the backward kernels split the rows
// (b, t) of dx. Every output is computed by one thread in a fixed order; tails (C not a multiple of
// 4) go through the same f32x4 arithmetic as the body.
import { partStart } from '../core/partition';
import { loadPartial, storePartial } from '../core/simd';

// lanes [0, n) (n in 1..3) of i32s at p, zero-filled; and the store of the first n lanes.
// @ts-ignore: decorator
@inline
function loadPartialI32(p: usize, n: i32): v128 {
  let v = i32x4.splat(0);
  v = i32x4.replace_lane(v, 0, load<i32>(p));
  if (n > 1) v = i32x4.replace_lane(v, 1, load<i32>(p, 4));
  if (n > 2) v = i32x4.replace_lane(v, 2, load<i32>(p, 8));
  return v;
}
// @ts-ignore: decorator
@inline
function storePartialI32(p: usize, v: v128, n: i32): void {
  store<i32>(p, i32x4.extract_lane(v, 0));
  if (n > 1) store<i32>(p, i32x4.extract_lane(v, 1), 4);
  if (n > 2) store<i32>(p, i32x4.extract_lane(v, 2), 8);
}

// @ts-ignore: decorator
@inline
function kept(mask: usize, b: i32, t: i32, T: i32): bool {
  return mask == 0 || load<f32>(mask + ((<usize>b * T + t) << 2)) != 0;
}

// Kept steps of row b.
function keptCount(mask: usize, b: i32, T: i32): i32 {
  if (!mask) return T;
  let n = 0;
  const row = mask + (<usize>b * T << 2);
  for (let t = 0; t < T; t++) if (load<f32>(row + (<usize>t << 2)) != 0) n++;
  return n;
}

export function f32_avgpool1d_fwd(x: usize, mask: usize, y: usize, B: i32, T: i32, C: i32, ith: i32, nth: i32): void {
  const groups = (C + 3) >> 2;
  const tasks = B * groups;
  const i1 = partStart(tasks, 1, ith + 1, nth);
  const ld = <usize>C << 2;
  for (let i = partStart(tasks, 1, ith, nth); i < i1; i++) {
    const b = i / groups;
    const c0 = (i - b * groups) << 2;
    const nc = min(4, C - c0);
    let p = x + ((<usize>b * T * C + c0) << 2);
    let acc = f32x4.splat(0);
    let n = 0;
    if (nc == 4) {
      for (let t = 0; t < T; t++) {
        if (kept(mask, b, t, T)) { acc = f32x4.add(acc, v128.load(p)); n++; }
        p += ld;
      }
    } else {
      for (let t = 0; t < T; t++) {
        if (kept(mask, b, t, T)) { acc = f32x4.add(acc, loadPartial(p, nc)); n++; }
        p += ld;
      }
    }
    const out = n > 0 ? f32x4.div(acc, f32x4.splat(<f32>n)) : f32x4.splat(0);
    const yp = y + ((<usize>b * C + c0) << 2);
    if (nc == 4) v128.store(yp, out);
    else storePartial(yp, out, nc);
  }
}

export function f32_avgpool1d_bwd(mask: usize, dy: usize, dx: usize, B: i32, T: i32, C: i32, ith: i32, nth: i32): void {
  const rows = B * T;
  const r1 = partStart(rows, 1, ith + 1, nth);
  let b = -1, n = 0;
  for (let r = partStart(rows, 1, ith, nth); r < r1; r++) {
    const rb = r / T;
    if (rb != b) { b = rb; n = keptCount(mask, b, T); }
    const t = r - b * T;
    const out = dx + (<usize>r * C << 2);
    const keep = kept(mask, b, t, T);
    const dyRow = dy + (<usize>b * C << 2);
    const nv = f32x4.splat(<f32>n);
    let c = 0;
    if (keep) {
      for (; c + 4 <= C; c += 4) v128.store(out + (<usize>c << 2), f32x4.div(v128.load(dyRow + (<usize>c << 2)), nv));
      if (c < C) storePartial(out + (<usize>c << 2), f32x4.div(loadPartial(dyRow + (<usize>c << 2), C - c), nv), C - c);
    } else {
      for (; c + 4 <= C; c += 4) v128.store(out + (<usize>c << 2), f32x4.splat(0));
      if (c < C) storePartial(out + (<usize>c << 2), f32x4.splat(0), C - c);
    }
  }
}

export function f32_maxpool1d_fwd(x: usize, mask: usize, y: usize, argmax: usize, B: i32, T: i32, C: i32,
                                  ith: i32, nth: i32): void {
  const groups = (C + 3) >> 2;
  const tasks = B * groups;
  const i1 = partStart(tasks, 1, ith + 1, nth);
  const ld = <usize>C << 2;
  for (let i = partStart(tasks, 1, ith, nth); i < i1; i++) {
    const b = i / groups;
    const c0 = (i - b * groups) << 2;
    const nc = min(4, C - c0);
    let p = x + ((<usize>b * T * C + c0) << 2);
    let best = f32x4.splat(0);
    let idx = i32x4.splat(-1);
    let seen = false;
    for (let t = 0; t < T; t++) {
      if (kept(mask, b, t, T)) {
        const v = nc == 4 ? v128.load(p) : loadPartial(p, nc);
        if (!seen) {
          best = v;
          idx = i32x4.splat(t);
          seen = true;
        } else {
          // v wins where it is larger, or is NaN while best is not
          const win = v128.or(f32x4.gt(v, best), v128.andnot(f32x4.ne(v, v), f32x4.ne(best, best)));
          best = v128.bitselect(v, best, win);
          idx = v128.bitselect(i32x4.splat(t), idx, win);
        }
      }
      p += ld;
    }
    const yp = y + ((<usize>b * C + c0) << 2);
    const ap = argmax + ((<usize>b * C + c0) << 2);
    if (nc == 4) { v128.store(yp, best); v128.store(ap, idx); }
    else { storePartial(yp, best, nc); storePartialI32(ap, idx, nc); }
  }
}

export function f32_maxpool1d_bwd(argmax: usize, dy: usize, dx: usize, B: i32, T: i32, C: i32, ith: i32, nth: i32): void {
  const rows = B * T;
  const r1 = partStart(rows, 1, ith + 1, nth);
  for (let r = partStart(rows, 1, ith, nth); r < r1; r++) {
    const b = r / T;
    const tv = i32x4.splat(r - b * T);
    const out = dx + (<usize>r * C << 2);
    const src = (<usize>b * C) << 2;
    let c = 0;
    for (; c + 4 <= C; c += 4) {
      const o = <usize>c << 2;
      v128.store(out + o, v128.and(v128.load(dy + src + o), i32x4.eq(v128.load(argmax + src + o), tv)));
    }
    if (c < C) {
      const o = <usize>c << 2;
      const n = C - c;
      storePartial(out + o, v128.and(loadPartial(dy + src + o, n), i32x4.eq(loadPartialI32(argmax + src + o, n), tv)), n);
    }
  }
}

// Windowed pooling over time (MaxPooling1D / AveragePooling1D), channels last, no mask.
//   x and dx are (B, T, C), y, dy and argmax are (B, Tout, C); window j covers the steps
//   [j*s - pad, j*s - pad + k) clipped to [0, T) (the host computes Tout and pad as Keras does;
//   every window holds at least one step).
//   maxpool fwd: y[b,j,c] = the largest x[b,t,c] of the window (ties: the first step, as tfjs'
//                maxPool and its gradient; a NaN wins, the first NaN; -0 and +0 tie), copied bit
//                for bit; argmax[b,j,c] = that t (absolute step), not written when argmax is 0.
//   maxpool bwd: dx[b,t,c] = sum over the windows j containing t with argmax[b,j,c] == t of
//                dy[b,j,c], summed in j order from 0 (overlapping windows, strides < k, add up).
//   avgpool fwd: y[b,j,c] = (sum over the window's steps, in t order) / n_j, n_j = the number of
//                steps of the window inside [0, T) (padding is not counted, as Keras / tfjs).
//   avgpool bwd: dx[b,t,c] = sum over the windows j containing t of dy[b,j,c] / n_j, in j order.
// Threads split the output rows ((b, j) forward, (b, t) of dx backward); each row runs over the
// channels 4 at a time, the tail through the same f32x4 arithmetic.

// First window containing step t, and one past the last: j with j*s - pad <= t < j*s - pad + k.
// @ts-ignore: decorator
@inline
function firstWindow(t: i32, k: i32, s: i32, pad: i32): i32 {
  const a = t + pad - k + 1;
  return a <= 0 ? 0 : (a + s - 1) / s;
}

export function f32_maxpool1d_win_fwd(x: usize, y: usize, argmax: usize, B: i32, T: i32, C: i32, Tout: i32,
                                      k: i32, s: i32, pad: i32, ith: i32, nth: i32): void {
  const rows = B * Tout;
  const r1 = partStart(rows, 1, ith + 1, nth);
  const ld = <usize>C << 2;
  for (let r = partStart(rows, 1, ith, nth); r < r1; r++) {
    const b = r / Tout;
    const j = r - b * Tout;
    const w0 = j * s - pad;
    const t0 = max(w0, 0), t1 = min(w0 + k, T);
    const xRow = x + (<usize>b * T * C << 2);
    const yp = y + (<usize>r * C << 2);
    const ap = argmax + (<usize>r * C << 2);
    for (let c = 0; c < C; c += 4) {
      const nc = min(4, C - c);
      let p = xRow + (<usize>t0 * C + c << 2);
      let best = nc == 4 ? v128.load(p) : loadPartial(p, nc);
      let idx = i32x4.splat(t0);
      for (let t = t0 + 1; t < t1; t++) {
        p += ld;
        const v = nc == 4 ? v128.load(p) : loadPartial(p, nc);
        // v wins where it is larger, or is NaN while best is not
        const win = v128.or(f32x4.gt(v, best), v128.andnot(f32x4.ne(v, v), f32x4.ne(best, best)));
        best = v128.bitselect(v, best, win);
        idx = v128.bitselect(i32x4.splat(t), idx, win);
      }
      const o = <usize>c << 2;
      if (nc == 4) {
        v128.store(yp + o, best);
        if (argmax) v128.store(ap + o, idx);
      } else {
        storePartial(yp + o, best, nc);
        if (argmax) storePartialI32(ap + o, idx, nc);
      }
    }
  }
}

export function f32_maxpool1d_win_bwd(argmax: usize, dy: usize, dx: usize, B: i32, T: i32, C: i32, Tout: i32,
                                      k: i32, s: i32, pad: i32, ith: i32, nth: i32): void {
  const rows = B * T;
  const r1 = partStart(rows, 1, ith + 1, nth);
  for (let r = partStart(rows, 1, ith, nth); r < r1; r++) {
    const b = r / T;
    const t = r - b * T;
    const j0 = firstWindow(t, k, s, pad), j1 = min((t + pad) / s + 1, Tout);
    const tv = i32x4.splat(t);
    const out = dx + (<usize>r * C << 2);
    for (let c = 0; c < C; c += 4) {
      const nc = min(4, C - c);
      const o = <usize>(b * Tout * C + c) << 2;
      let acc = f32x4.splat(0);
      for (let j = j0; j < j1; j++) {
        const q = o + (<usize>j * C << 2);
        const g = nc == 4 ? v128.load(dy + q) : loadPartial(dy + q, nc);
        const a = nc == 4 ? v128.load(argmax + q) : loadPartialI32(argmax + q, nc);
        acc = f32x4.add(acc, v128.and(g, i32x4.eq(a, tv)));
      }
      if (nc == 4) v128.store(out + (<usize>c << 2), acc);
      else storePartial(out + (<usize>c << 2), acc, nc);
    }
  }
}

export function f32_avgpool1d_win_fwd(x: usize, y: usize, B: i32, T: i32, C: i32, Tout: i32,
                                      k: i32, s: i32, pad: i32, ith: i32, nth: i32): void {
  const rows = B * Tout;
  const r1 = partStart(rows, 1, ith + 1, nth);
  const ld = <usize>C << 2;
  for (let r = partStart(rows, 1, ith, nth); r < r1; r++) {
    const b = r / Tout;
    const j = r - b * Tout;
    const w0 = j * s - pad;
    const t0 = max(w0, 0), t1 = min(w0 + k, T);
    const nv = f32x4.splat(<f32>(t1 - t0));
    const xRow = x + (<usize>b * T * C << 2);
    const yp = y + (<usize>r * C << 2);
    for (let c = 0; c < C; c += 4) {
      const nc = min(4, C - c);
      let p = xRow + (<usize>t0 * C + c << 2);
      let acc = f32x4.splat(0);
      for (let t = t0; t < t1; t++) {
        acc = f32x4.add(acc, nc == 4 ? v128.load(p) : loadPartial(p, nc));
        p += ld;
      }
      const o = <usize>c << 2;
      if (nc == 4) v128.store(yp + o, f32x4.div(acc, nv));
      else storePartial(yp + o, f32x4.div(acc, nv), nc);
    }
  }
}

export function f32_avgpool1d_win_bwd(dy: usize, dx: usize, B: i32, T: i32, C: i32, Tout: i32,
                                      k: i32, s: i32, pad: i32, ith: i32, nth: i32): void {
  const rows = B * T;
  const r1 = partStart(rows, 1, ith + 1, nth);
  for (let r = partStart(rows, 1, ith, nth); r < r1; r++) {
    const b = r / T;
    const t = r - b * T;
    const j0 = firstWindow(t, k, s, pad), j1 = min((t + pad) / s + 1, Tout);
    const out = dx + (<usize>r * C << 2);
    for (let c = 0; c < C; c += 4) {
      const nc = min(4, C - c);
      const o = <usize>(b * Tout * C + c) << 2;
      let acc = f32x4.splat(0);
      for (let j = j0; j < j1; j++) {
        const w0 = j * s - pad;
        const nv = f32x4.splat(<f32>(min(w0 + k, T) - max(w0, 0)));
        const q = dy + o + (<usize>j * C << 2);
        acc = f32x4.add(acc, f32x4.div(nc == 4 ? v128.load(q) : loadPartial(q, nc), nv));
      }
      if (nc == 4) v128.store(out + (<usize>c << 2), acc);
      else storePartial(out + (<usize>c << 2), acc, nc);
    }
  }
}
