// Host-planned memory over one wasm linear memory. Kernels never allocate: the host hands them
// byte offsets from two allocators.
//   Heap  - long-lived blocks (a model's parameter slab: weights, gradients, optimizer state),
//           first-fit over a free list, 64-byte aligned, grows linear memory on demand.
//   Arena - everything of one step (activations, temporaries), bump-allocated in chunks taken
//           from the heap and released all at once by reset(). After a step that needed more
//           than one chunk the chunks are merged into one, so steady-state steps never grow.
// Linear memory never shrinks; JS views are re-made after memory.grow (see Memory.f32()).

export const ALIGN = 64;
export const PAGE = 65536;
/** The most linear memory a wasm32 module can have: 65536 pages. */
export const MAX_LINEAR_BYTES = 2 ** 32;

import type { Advice } from '../advice.js';

const alignUp = (n: number, a: number) => Math.ceil(n / a) * a;

/** Thrown when a request would take linear memory past the configured maximum. */
export class MemoryLimitError extends Error {
  readonly advice: Advice;
  constructor(readonly neededBytes: number, readonly maxBytes: number, what: string, requestBytes: number) {
    // the suggestion never exceeds what Runtime.create accepts (4 GiB, all a wasm32 memory can hold)
    const fix = neededBytes > MAX_LINEAR_BYTES
      ? `That is more than the 4 GiB a wasm32 linear memory can hold: use a smaller batch size or model.`
      : maxBytes >= MAX_LINEAR_BYTES
        ? `That is already the largest limit allowed (4 GiB): use a smaller batch size or model.`
        : `Raise it with init({ maxMemoryBytes: ${nextPow2MiB(neededBytes)} }) or use a smaller batch size or model.`;
    const problem = `wasmnn: out of memory allocating ${what} (${fmtBytes(requestBytes)}): needs ${fmtBytes(neededBytes)} of linear memory in all ` +
      `but the limit is ${fmtBytes(maxBytes)}.`;
    super(`${problem} ${fix}`);
    this.name = 'MemoryLimitError';
    this.advice = { kind: 'memory', problem, fix };
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
  return `${Math.min(m, MAX_LINEAR_BYTES) / (1 << 20)} * 2 ** 20`;
}

interface Block { ptr: number; bytes: number }

/**
 * One allocation of the heap. A new record is made by every alloc and marked dead by its free, so
 * a tensor that keeps its block's record knows in O(1) whether its memory is still its own, even
 * after the same bytes were handed out again (the record is the block's generation).
 */
export interface HeapBlock {
  readonly ptr: number;
  readonly bytes: number;
  /** False once freed. */
  live: boolean;
  /** A chunk of the step arena (its tensors live by the arena's generation), not a heap tensor's block. */
  readonly arena: boolean;
}

export class Heap {
  private free: Block[] = [];          // sorted by ptr, coalesced
  private liveStarts: number[] = [];   // sorted ptrs of live blocks
  private liveBlocks = new Map<number, HeapBlock>();
  private top: number;                 // first byte never handed out
  liveBytes = 0;
  peakBytes = 0;
  /** maxBytes: the ceiling, in whole 64 KiB pages (Runtime.create rounds it: the memory cannot grow by less). */
  constructor(private readonly memory: WebAssembly.Memory, readonly base: number, readonly maxBytes: number) {
    this.top = alignUp(base, ALIGN);
  }

  /** Bytes of linear memory in use by the module right now. */
  get memoryBytes(): number { return this.memory.buffer.byteLength; }

  /** Allocates a block and returns its record (see HeapBlock). */
  allocBlock(bytes: number, what = 'a buffer', arena = false): HeapBlock {
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
    const block: HeapBlock = { ptr, bytes: size, live: true, arena };
    this.insertLive(block);
    return block;
  }

  /** Frees a live block by its record; a dead record (double free) is refused, never someone else's block. */
  freeBlock(block: HeapBlock): void {
    if (!block.live || this.liveBlocks.get(block.ptr) !== block) {
      throw new Error(`wasmnn: free of the block at ${block.ptr}, which is not a live heap block (double free?)`);
    }
    block.live = false;
    const ptr = block.ptr, size = block.bytes;
    this.liveBlocks.delete(ptr);
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

  /** The live block [ptr, ptr + bytes) lies in, or null (O(log blocks)). */
  blockAt(ptr: number, bytes = 0): HeapBlock | null {
    if (!Number.isInteger(ptr) || !Number.isInteger(bytes) || ptr < 0 || bytes < 0) return null;
    // last live block starting at or before ptr
    let lo = 0, hi = this.liveStarts.length - 1, at = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (this.liveStarts[mid] <= ptr) { at = mid; lo = mid + 1; } else hi = mid - 1;
    }
    if (at < 0) return null;
    const block = this.liveBlocks.get(this.liveStarts[at]) as HeapBlock;
    return ptr + Math.max(bytes, 1) <= block.ptr + block.bytes ? block : null;
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

  private insertLive(block: HeapBlock): void {
    const ptr = block.ptr;
    let lo = 0, hi = this.liveStarts.length;
    while (lo < hi) { const mid = (lo + hi) >> 1; if (this.liveStarts[mid] < ptr) lo = mid + 1; else hi = mid; }
    this.liveStarts.splice(lo, 0, ptr);
    this.liveBlocks.set(ptr, block);
    this.liveBytes += block.bytes;
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
  private chunks: HeapBlock[] = [];
  private cur = 0;          // index of the chunk being filled
  private offset = 0;       // bytes used in chunks[cur]
  private usedBefore = 0;   // bytes used in chunks[0..cur)
  // a position to roll back to (see mark()): valid while markGen === generation
  private markGen = -1;
  private markCur = 0;
  private markOffset = 0;
  private markBefore = 0;
  /** Incremented by every reset(): a tensor from an earlier step is stale. */
  generation = 0;
  usedBytes = 0;
  peakUsedBytes = 0;
  /** The chunk the last alloc() was served from. */
  lastBlock: HeapBlock | null = null;

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
        for (let i = this.cur; i < this.chunks.length; i++) this.heap.freeBlock(this.chunks[i]);
        this.chunks.length = this.cur;
        chunk = this.heap.allocBlock(Math.max(this.chunkBytes, size), what, true);
        this.chunks.push(chunk);
      }
    }
    const ptr = chunk.ptr + this.offset;
    this.offset += size;
    this.usedBytes = this.usedBefore + this.offset;
    if (this.usedBytes > this.peakUsedBytes) this.peakUsedBytes = this.usedBytes;
    this.lastBlock = chunk;
    return ptr;
  }

  /** Remembers the current position for rollback() (one mark; a later mark replaces it). */
  mark(): void {
    this.markGen = this.generation;
    this.markCur = this.cur;
    this.markOffset = this.offset;
    this.markBefore = this.usedBefore;
  }

  /**
   * Releases what was allocated since mark() (in the same generation) and forgets the mark; without
   * a valid mark it does nothing. Only what the caller knows to be dead may lie past the mark.
   */
  rollback(): void {
    if (this.markGen !== this.generation) return;
    this.markGen = -1;
    if (this.cur < this.markCur || (this.cur === this.markCur && this.offset < this.markOffset)) return;
    this.cur = this.markCur;
    this.offset = this.markOffset;
    this.usedBefore = this.markBefore;
    this.usedBytes = this.usedBefore + this.offset;
  }

  /** Releases everything allocated since the last reset. */
  reset(): void {
    if (this.chunks.length > 1) {
      // merge: one chunk big enough for the largest step seen so far
      const total = this.chunks.reduce((s, c) => s + c.bytes, 0);
      for (const c of this.chunks) this.heap.freeBlock(c);
      this.chunks = [this.heap.allocBlock(total, 'the step arena', true)];
    }
    this.cur = 0;
    this.offset = 0;
    this.usedBefore = 0;
    this.usedBytes = 0;
    this.markGen = -1;
    this.generation++;
  }

  /** Bytes the arena holds from the heap. */
  get reservedBytes(): number { return this.chunks.reduce((s, c) => s + c.bytes, 0); }

  /** Gives every chunk back to the heap. */
  release(): void {
    for (const c of this.chunks) this.heap.freeBlock(c);
    this.chunks = [];
    this.reset();
  }
}
