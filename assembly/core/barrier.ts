// An in-wasm barrier for kernels whose threads must meet several times in one call (the
// recurrent kernels meet once or twice per time step). Generation counting over three i32 words
// at `sync` (4-byte aligned, zeroed by the host before the call):
//   sync[0] arrivals at the current barrier, sync[1] generation, sync[2] threads asleep.
// Each thread reads the generation, then counts itself in; the last to arrive resets the count
// and bumps the generation, which releases the others. Waiters poll the generation with
// atomic.load up to BARRIER_SPIN times (a balanced step costs the slowest thread's lead, usually
// well under a microsecond), then sleep in memory.atomic.wait32 so that an oversubscribed
// machine (more threads than free cores) is not spun to a halt; the last arriver notifies only
// when someone sleeps. Wasm atomics are sequentially consistent, so every store a thread made
// before the barrier is visible to every thread after it.
// A thread that waits longer than BARRIER_GIVE_UP_MS in total traps instead of hanging for ever
// (a pool thread that died mid-kernel would otherwise wedge the others; the pool reports the trap).
// Compiled only into the threads build: in the `simd` build nth is always 1 and the function is
// empty, so that build contains no atomic instruction.

// @ts-ignore: decorator
@inline const BARRIER_SPIN: i32 = 16384;
// @ts-ignore: decorator
@inline const BARRIER_SLICE_NS: i64 = 2_000_000;       // one sleep: 2 ms, then re-check
// @ts-ignore: decorator
@inline const BARRIER_GIVE_UP_MS: i32 = 60_000;

// Words of `sync` the barrier uses; the host allocates at least this many (zeroed).
// @ts-ignore: decorator
@inline export const BARRIER_WORDS: i32 = 4;

export function barrier(sync: usize, nth: i32): void {
  if (ASC_FEATURE_THREADS) {
    if (nth <= 1) return;
    const gen = atomic.load<i32>(sync, 4);
    if (atomic.add<i32>(sync, 1) == nth - 1) {
      // last to arrive: reset the count for the next barrier, then release this one
      atomic.store<i32>(sync, 0);
      atomic.add<i32>(sync, 1, 4);
      if (atomic.load<i32>(sync, 8) > 0) atomic.notify(sync + 4, nth);
      return;
    }
    for (let k = 0; k < BARRIER_SPIN; k++) {
      if (atomic.load<i32>(sync, 4) != gen) return;
    }
    let slept = 0;
    while (atomic.load<i32>(sync, 4) == gen) {
      atomic.add<i32>(sync, 1, 8);
      atomic.wait<i32>(sync + 4, gen, BARRIER_SLICE_NS);
      atomic.sub<i32>(sync, 1, 8);
      slept += <i32>(BARRIER_SLICE_NS / 1_000_000);
      if (slept > BARRIER_GIVE_UP_MS) unreachable();
    }
  }
}
