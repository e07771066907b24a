// One row of the kernel manifest. Every export of the wasm builds is a row (or a runtime entry
// point); tests and benchmarks iterate the manifest, so a new kernel is: the kernel, its twin in
// assembly/ref/, a row in its family's list, and a host wrapper next to that list.
export interface KernelSpec {
  /** Export name, `<dtype>_<op>[_<fusion>]_<fwd|bwd>`, the same in the fast and the ref build. */
  readonly name: string;
  /** The kernel takes (ith, nth) as its last two arguments and may run on several threads. */
  readonly threaded: boolean;
}

export const threaded = (...names: string[]): KernelSpec[] => names.map((name) => ({ name, threaded: true }));
export const single = (...names: string[]): KernelSpec[] => names.map((name) => ({ name, threaded: false }));
