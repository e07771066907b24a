// Time of the whole-sequence recurrent kernels alone (no input projection, no layer around them):
// `npm run bench -- lstm_kernel [--json] [--gru] [--quick]`.
// Forward and backward of the LSTM (and of the GRU with --gru) for B=32, T=100, H=64 (a training
// batch), B=1, T=100, H=64 (one-sequence prediction) and two more shapes, on 1 and 2 threads.
// The backward includes dU as the wrappers compute it (LSTM: one gemm over all steps from a
// shifted copy of hs; GRU: summed in the kernel). `auto` is the thread count the wrappers choose
// on a 2-thread runtime (recurrentThreads); the @2 columns force 2 threads whatever it says.
// Times are the fastest of the samples' medians (this is a shared 2-core machine: the minimum is
// the least disturbed figure).
import { Runtime, Tensor, kernels } from '../dist/index.js';
import { timeit, machine, table } from './_util.mjs';

const { lstmSequence, lstmSequenceBackward, gruSequence, gruSequenceBackward, recurrentThreads,
  lstmForwardWorkspaceBytes, lstmBackwardWorkspaceBytes, gruForwardWorkspaceBytes, gruBackwardWorkspaceBytes, gemm } = kernels;

function fill(t, seed, scale) {
  const a = t.f32();
  let s = seed >>> 0;
  for (let i = 0; i < a.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    a[i] = ((s / 4294967296) * 2 - 1) * scale;
  }
  return t;
}

// Tensors of one problem and its calls: through the wrappers (auto threads), or the kernels at a forced nth.
function problem(rt, cell, B, T, H) {
  const lstm = cell === 'lstm';
  const G = (lstm ? 4 : 3) * H;
  const t = {
    xw: fill(rt.alloc([B, T, G]), 1, 1), u: fill(rt.alloc([H, G]), 2, 1 / Math.sqrt(H)),
    hs: rt.alloc([B, T, H]), cs: rt.alloc([B, T, H]), gates: rt.alloc([B, T, G]), rh: rt.alloc([B, T, H]),
    dhs: fill(rt.alloc([B, T, H]), 3, 1), dz: rt.alloc([B, T, G]), du: rt.alloc([H, G]),
    wsf: rt.alloc([(lstm ? lstmForwardWorkspaceBytes(B, H) : gruForwardWorkspaceBytes(B, H)) / 4]),
    wsb: rt.alloc([(lstm ? lstmBackwardWorkspaceBytes(B, H) : gruBackwardWorkspaceBytes(B, H, true)) / 4]),
    sync: rt.alloc([4], 'i32'), hprev: rt.alloc([B * T, H]),
  };
  const dz2 = new Tensor(rt, t.dz.ptr, [B * T, G], 'f32');
  return {
    fwd(nth) {
      if (!nth) return rt.step(() => (lstm ? lstmSequence(rt, t) : gruSequence(rt, t)));
      t.sync.fill(0);
      if (lstm) rt.run('f32_lstm_seq_fwd', 0, [t.xw.ptr, t.u.ptr, 0, 0, 0, t.hs.ptr, t.cs.ptr, t.gates.ptr, t.wsf.ptr, t.sync.ptr, B, T, H, 0, 0, 0], nth);
      else rt.run('f32_gru_seq_fwd', 0, [t.xw.ptr, t.u.ptr, 0, 0, t.hs.ptr, t.gates.ptr, t.rh.ptr, t.wsf.ptr, t.sync.ptr, B, T, H, 0, 0, 0], nth);
    },
    bwd(nth) {
      if (!nth) return rt.step(() => (lstm ? lstmSequenceBackward(rt, t) : gruSequenceBackward(rt, t)));
      t.sync.fill(0);
      if (!lstm) {
        rt.run('f32_gru_seq_bwd', 0, [t.u.ptr, 0, 0, t.hs.ptr, t.gates.ptr, t.rh.ptr, t.dhs.ptr, 0, t.dz.ptr, 0, t.du.ptr,
          t.wsb.ptr, t.sync.ptr, B, T, H, 0, 0], nth);
        return;
      }
      rt.run('f32_lstm_seq_bwd', 0, [t.u.ptr, 0, 0, t.cs.ptr, t.gates.ptr, t.dhs.ptr, 0, 0, t.dz.ptr, 0, 0,
        t.wsb.ptr, t.sync.ptr, B, T, H, 0, 0], nth);
      // dU as the wrapper does it: hs shifted by one step, one gemm
      const src = t.hs.f32(), dst = t.hprev.f32();
      for (let b = 0; b < B; b++) {
        dst.fill(0, b * T * H, b * T * H + H);
        dst.set(src.subarray(b * T * H, (b * T + T - 1) * H), b * T * H + H);
      }
      rt.step(() => gemm(rt, t.hprev, dz2, t.du, { transA: true }));
    },
  };
}

export default async function (args) {
  const json = args.includes('--json');
  const quick = args.includes('--quick');
  const cells = args.includes('--gru') ? ['lstm', 'gru'] : ['lstm'];
  const opts = quick ? { warmup: 3, reps: 3, minSeconds: 0.02 } : { warmup: 5, reps: 9, minSeconds: 0.05 };
  const best = (fn) => Math.min(...timeit(fn, opts).samples);
  const rt1 = await Runtime.create({ build: 'simd', threads: 1 });
  const rt2 = await Runtime.create({ build: 'simd-mt', threads: 2 });
  const rows = [];
  for (const cell of cells) {
    for (const [B, T, H] of [[32, 100, 64], [1, 100, 64], [8, 100, 64], [32, 100, 128]]) {
      const gatesN = cell === 'lstm' ? 4 : 3;
      const flops = 2 * B * T * H * gatesN * H;     // one recurrent product over the sequence
      const p1 = problem(rt1, cell, B, T, H), p2 = problem(rt2, cell, B, T, H);
      const f1 = best(() => p1.fwd(0)), b1 = best(() => p1.bwd(0));
      const f2 = best(() => p2.fwd(2)), b2 = best(() => p2.bwd(2));
      const fa = best(() => p2.fwd(0)), ba = best(() => p2.bwd(0));
      rows.push({
        cell, B, T, H, auto: recurrentThreads(rt2, B, H, gatesN),
        'fwd_ms@1': (f1 * 1e3).toFixed(3), 'fwd_ms@2': (f2 * 1e3).toFixed(3), 'fwd_ms@auto': (fa * 1e3).toFixed(3),
        'bwd_ms@1': (b1 * 1e3).toFixed(3), 'bwd_ms@2': (b2 * 1e3).toFixed(3), 'bwd_ms@auto': (ba * 1e3).toFixed(3),
        // the backward has two products of the forward's size (dh and dU)
        'fwd_GF@1': (flops / f1 / 1e9).toFixed(1), 'bwd_GF@1': (2 * flops / b1 / 1e9).toFixed(1),
        'fwd_GF@2': (flops / f2 / 1e9).toFixed(1), 'bwd_GF@2': (2 * flops / b2 / 1e9).toFixed(1),
      });
    }
  }
  if (json) {
    for (const r of rows) console.log(JSON.stringify({ bench: 'lstm_kernel', ...r }));
  } else {
    console.log(`lstm_kernel: ${machine()}, ${new Date().toISOString()}`);
    table(rows, Object.keys(rows[0]));
  }
  await rt1.close();
  await rt2.close();
}
