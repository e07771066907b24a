// Layout of the pool's control block (a SharedArrayBuffer apart from wasm memory). The worker
// script (worker.js, plain JS) receives these numbers in its start message rather than
// importing them, so there is one definition.
export const CTL = {
  SEQ: 0,       // job sequence number; bumped by the caller to start a job
  KERNEL: 1,    // kernel index into the manifest, or STOP_KERNEL
  NTH: 2,       // threads taking part in this job (caller is ith 0)
  NARGS: 3,     // argument count (without ith, nth)
  DONE: 4,      // workers finished with this job
  ERROR: 5,     // 0, or (ith + 1) of a worker whose kernel threw
  DEAD: 6,      // bit i set: worker ith i has exited
  ARGS_BYTE_OFFSET: 64,   // Float64Array of MAX_ARGS: f64 holds every i32 and f32 argument exactly
  MAX_ARGS: 24,
  MSG_BYTE_OFFSET: 256,   // UTF-8 error message of a failed worker
  MSG_BYTES: 512,
  BYTES: 768,
  STOP_KERNEL: -1,
  EXIT_KERNEL: -2,        // tests only: the worker exits as if it had crashed
} as const;
