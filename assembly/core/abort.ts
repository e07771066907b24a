// Kernels never throw; the host checks every argument before a call. Anything that would abort
// (an AssemblyScript `throw` or failed assertion in debug builds) traps instead, so the module
// imports nothing but its memory.
export function onAbort(message: usize, fileName: usize, line: u32, column: u32): void {
  unreachable();
}
