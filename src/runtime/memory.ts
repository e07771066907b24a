// Host-planned memory over one wasm linear memory. Kernels never allocate: the host hands them
// byte offsets from two allocators.
//   Heap  - long-lived blocks (a model's parameter slab: weights, gradients, optimizer state),
//           first-fit over a free list, 64-byte aligned, grows linear memory on demand.
//   Arena - everything of one step (activations, temporaries), bump-allocated in chunks taken
//           from the heap and released all at once by reset(). After a step that needed more
//           than one chunk the chunks are merged into one, so steady-state steps never grow.
// Linear memory never shrinks; JS views are re-made after memory.grow (see Memory.f32()).

export const ALIGN = 64;
const PAGE = 65536;

const alignUp = (n: number, a: number) => Math.ceil(n / a) * a;

/** Thrown when a request would take linear memory past the configured maximum. */
export class MemoryLimitError extends Error {
  constructor(readonly neededBytes: number, readonly maxBytes: number, what: string, requestBytes: number) {
    super(
      `wasmnn: out of memory allocating ${what} (${fmtBytes(requestBytes)}): needs ${fmtBytes(neededBytes)} of linear memory in all ` +
        `but the limit is ${fmtBytes(maxBytes)}. Raise it with init({ maxMemoryBytes: ${nextPow2MiB(neededBytes)} }) ` +
        `or use a smaller batch size or model.`,
    );
    this.name = 'MemoryLimitError';
  }
}

export function fmtBytes(n: number): string {
  if (n >= 1 << 30) return `${(n / (1 << 30)).toFixed(2)} GiB`;
  if (n >= 1 << 20) return `${(n / (1 << 20)).toFixed(1)} MiB`;
  if (n >= 1 << 10) return `${(n / (1 << 10)).toFixed(1)} KiB`;
  return `${n} B`;
}

function nextPow2MiB(n: number): string {
  let m = 1 << 20;
  while (m < n) m *= 2;
  return `${m / (1 << 20)} * 2 ** 20`;
}

interface Block { ptr: number; bytes: number }

export class Heap {
  private free: Block[] = [];          // sorted by ptr, coalesced
  private liveStarts: number[] = [];   // sorted ptrs of live blocks
  private liveSize = new Map<number, number>();
  private top: number;                 // first byte never handed out
  liveBytes = 0;
  peakBytes = 0;

  constructor(private readonly memory: WebAssembly.Memory, readonly base: number, readonly maxBytes: number) {
    this.top = alignUp(base, ALIGN);
  }

  /** Bytes of linear memory in use by the module right now. */
  get memoryBytes(): number { return this.memory.buffer.byteLength; }

  alloc(bytes: number, what = 'a buffer'): number {
    if (!Number.isFinite(bytes) || bytes < 0) throw new RangeError(`wasmnn: cannot allocate ${bytes} bytes for ${what}`);
    const size = alignUp(Math.max(bytes, 1), ALIGN);
    let ptr = -1;
    for (let i = 0; i < this.free.length; i++) {
      const f = this.free[i];
      if (f.bytes >= size) {
        ptr = f.ptr;
        if (f.bytes === size) this.free.splice(i, 1);
        else { f.ptr += size; f.bytes -= size; }
        break;
      }
    }
    if (ptr < 0) {
      // take from the top; a free block touching the top is merged first
      const last = this.free[this.free.length - 1];
      let start = this.top;
      if (last && last.ptr + last.bytes === this.top) { start = last.ptr; this.free.pop(); }
      const end = start + size;
      this.ensure(end, what, size);
      ptr = start;
      this.top = end;
    }
    this.insertLive(ptr, size);
    return ptr;
  }

  free_(ptr: number): void {
    const size = this.liveSize.get(ptr);
    if (size === undefined) throw new Error(`wasmnn: free of ${ptr}, which is not a live heap block (double free?)`);
    this.liveSize.delete(ptr);
    this.liveStarts.splice(this.findLive(ptr), 1);
    this.liveBytes -= size;
    // insert into the free list, coalescing with neighbours
    let i = 0;
    while (i < this.free.length && this.free[i].ptr < ptr) i++;
    this.free.splice(i, 0, { ptr, bytes: size });
    if (i + 1 < this.free.length && ptr + size === this.free[i + 1].ptr) {
      this.free[i].bytes += this.free[i + 1].bytes;
      this.free.splice(i + 1, 1);
    }
    if (i > 0 && this.free[i - 1].ptr + this.free[i - 1].bytes === ptr) {
      this.free[i - 1].bytes += this.free[i].bytes;
      this.free.splice(i, 1);
    }
  }

  /** Size of the live block starting at ptr, or undefined. */
  sizeOf(ptr: number): number | undefined { return this.liveSize.get(ptr); }

  /** True when [ptr, ptr + bytes) lies inside one live block. */
  contains(ptr: number, bytes: number): boolean {
    if (!Number.isInteger(ptr) || !Number.isInteger(bytes) || ptr < 0 || bytes < 0) return false;
    // last live block starting at or before ptr
    let lo = 0, hi = this.liveStarts.length - 1, at = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (this.liveStarts[mid] <= ptr) { at = mid; lo = mid + 1; } else hi = mid - 1;
    }
    if (at < 0) return false;
    const start = this.liveStarts[at];
    return ptr + bytes <= start + (this.liveSize.get(start) as number);
  }

  private ensure(end: number, what: string, requestBytes: number): void {
    if (end > this.maxBytes) throw new MemoryLimitError(end, this.maxBytes, what, requestBytes);
    const have = this.memory.buffer.byteLength;
    if (end > have) {
      // grow geometrically (at least x1.5) to keep the number of grows small, capped by the limit
      const want = Math.min(Math.max(end, Math.floor(have * 1.5)), this.maxBytes);
      this.memory.grow(Math.ceil((want - have) / PAGE));
    }
  }

  private insertLive(ptr: number, size: number): void {
    let lo = 0, hi = this.liveStarts.length;
    while (lo < hi) { const mid = (lo + hi) >> 1; if (this.liveStarts[mid] < ptr) lo = mid + 1; else hi = mid; }
    this.liveStarts.splice(lo, 0, ptr);
    this.liveSize.set(ptr, size);
    this.liveBytes += size;
    if (this.liveBytes > this.peakBytes) this.peakBytes = this.liveBytes;
  }

  private findLive(ptr: number): number {
    let lo = 0, hi = this.liveStarts.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const v = this.liveStarts[mid];
      if (v === ptr) return mid;
      if (v < ptr) lo = mid + 1; else hi = mid - 1;
    }
    return -1;
  }
}

export class Arena {
  private chunks: Block[] = [];
  private cur = 0;          // index of the chunk being filled
  private offset = 0;       // bytes used in chunks[cur]
  private usedBefore = 0;   // bytes used in chunks[0..cur)
  /** Incremented by every reset(): a tensor from an earlier step is stale. */
  generation = 0;
  usedBytes = 0;
  peakUsedBytes = 0;

  constructor(private readonly heap: Heap, private readonly chunkBytes = 1 << 20) {}

  alloc(bytes: number, what = 'a step buffer'): number {
    if (!Number.isFinite(bytes) || bytes < 0) throw new RangeError(`wasmnn: cannot allocate ${bytes} bytes for ${what}`);
    const size = alignUp(Math.max(bytes, 1), ALIGN);
    let chunk = this.chunks[this.cur];
    if (!chunk || this.offset + size > chunk.bytes) {
      if (chunk) { this.usedBefore += this.offset; this.cur++; this.offset = 0; }
      chunk = this.chunks[this.cur];
      if (!chunk || size > chunk.bytes) {
        // a fresh chunk (the rest of the list is dropped: a too-small chunk can't serve this)
        for (let i = this.cur; i < this.chunks.length; i++) this.heap.free_(this.chunks[i].ptr);
        this.chunks.length = this.cur;
        const cbytes = Math.max(this.chunkBytes, size);
        chunk = { ptr: this.heap.alloc(cbytes, what), bytes: cbytes };
        this.chunks.push(chunk);
      }
    }
    const ptr = chunk.ptr + this.offset;
    this.offset += size;
    this.usedBytes = this.usedBefore + this.offset;
    if (this.usedBytes > this.peakUsedBytes) this.peakUsedBytes = this.usedBytes;
    return ptr;
  }

  /** Releases everything allocated since the last reset. */
  reset(): void {
    if (this.chunks.length > 1) {
      // merge: one chunk big enough for the largest step seen so far
      const total = this.chunks.reduce((s, c) => s + c.bytes, 0);
      for (const c of this.chunks) this.heap.free_(c.ptr);
      this.chunks = [{ ptr: this.heap.alloc(total, 'the step arena'), bytes: total }];
    }
    this.cur = 0;
    this.offset = 0;
    this.usedBefore = 0;
    this.usedBytes = 0;
    this.generation++;
  }

  /** Bytes the arena holds from the heap. */
  get reservedBytes(): number { return this.chunks.reduce((s, c) => s + c.bytes, 0); }

  /** Gives every chunk back to the heap. */
  release(): void {
    for (const c of this.chunks) this.heap.free_(c.ptr);
    this.chunks = [];
    this.reset();
  }
}
