// Static work partitioning, `(ith, nth)` as in ggml: thread `ith` of `nth` takes one contiguous
// share of the output. A reduction is never split across threads, so every output element is
// computed by the same sequence of operations whatever the thread count: results are bitwise
// identical at 1, 2 or N threads.

// First index of thread `ith`'s share of `n` items, in whole groups of `align` items so that a
// SIMD body never straddles two threads (only the global tail is partial).
// Thread ith covers [partStart(n, align, ith, nth), partStart(n, align, ith + 1, nth)).
// @ts-ignore: decorator
@inline
export function partStart(n: i32, align: i32, ith: i32, nth: i32): i32 {
  if (ith >= nth) return n;
  const groups = (n + align - 1) / align;
  const start = <i32>((<i64>groups * ith) / nth) * align;
  return start < n ? start : n;
}
