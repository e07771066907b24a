// Scalar twins of kernels/binary.ts: the test oracle. Plain loops, never optimise these.
// c, da, and db for bcast 0 and 1 use the fast kernels' f32 operations in the same order, so they
// compare bitwise: db for bcast 1 is the column sum top to bottom starting from row 0's term.
// db for bcast 2 and 3 (sums along a row, done in SIMD lanes by the fast kernel) is computed
// in f64, terms included, and rounded once.

// b's value for element (r, j).
function bAt(b: usize, r: i32, j: i32, cols: i32, bcast: i32): f32 {
  if (bcast == 0) return load<f32>(b + ((<usize>r * <usize>cols + <usize>j) << 2));
  if (bcast == 1) return load<f32>(b + (<usize>j << 2));
  if (bcast == 2) return load<f32>(b + (<usize>r << 2));
  return load<f32>(b);
}

function fwd(op: i32, a: f32, b: f32): f32 {
  if (op == 0) return a + b;
  if (op == 1) return a - b;
  if (op == 2) return a * b;
  return a / b;
}

function gradA(op: i32, dc: f32, b: f32): f32 {
  if (op == 0 || op == 1) return dc;
  if (op == 2) return dc * b;
  return dc / b;
}

// one term of db, f32
function gradB(op: i32, a: f32, b: f32, dc: f32): f32 {
  if (op == 0) return dc;
  if (op == 1) return -dc;
  if (op == 2) return dc * a;
  return -((dc * (a / b)) / b);
}

// one term of db, f64
function gradB64(op: i32, a: f64, b: f64, dc: f64): f64 {
  if (op == 0) return dc;
  if (op == 1) return -dc;
  if (op == 2) return dc * a;
  return -dc * a / (b * b);
}

function binFwd(op: i32, a: usize, b: usize, c: usize, rows: i32, cols: i32, bcast: i32): void {
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < cols; j++) {
      const o = (<usize>r * <usize>cols + <usize>j) << 2;
      store<f32>(c + o, fwd(op, load<f32>(a + o), bAt(b, r, j, cols, bcast)));
    }
  }
}

function binBwd(op: i32, a: usize, b: usize, dc: usize, da: usize, db: usize, rows: i32, cols: i32, bcast: i32): void {
  if (da != 0) {
    for (let r = 0; r < rows; r++) {
      for (let j = 0; j < cols; j++) {
        const o = (<usize>r * <usize>cols + <usize>j) << 2;
        store<f32>(da + o, gradA(op, load<f32>(dc + o), bAt(b, r, j, cols, bcast)));
      }
    }
  }
  if (db == 0) return;
  if (bcast == 0) {
    for (let r = 0; r < rows; r++) {
      for (let j = 0; j < cols; j++) {
        const o = (<usize>r * <usize>cols + <usize>j) << 2;
        store<f32>(db + o, gradB(op, load<f32>(a + o), load<f32>(b + o), load<f32>(dc + o)));
      }
    }
  } else if (bcast == 1) {
    for (let j = 0; j < cols; j++) {
      const bj = load<f32>(b + (<usize>j << 2));
      let s: f32 = 0;
      for (let r = 0; r < rows; r++) {
        const o = (<usize>r * <usize>cols + <usize>j) << 2;
        const t = gradB(op, load<f32>(a + o), bj, load<f32>(dc + o));
        s = r == 0 ? t : s + t;
      }
      store<f32>(db + (<usize>j << 2), s);
    }
  } else if (bcast == 2) {
    for (let r = 0; r < rows; r++) {
      const br = <f64>load<f32>(b + (<usize>r << 2));
      let s: f64 = 0;
      for (let j = 0; j < cols; j++) {
        const o = (<usize>r * <usize>cols + <usize>j) << 2;
        s += gradB64(op, <f64>load<f32>(a + o), br, <f64>load<f32>(dc + o));
      }
      store<f32>(db + (<usize>r << 2), <f32>s);
    }
  } else {
    const b0 = <f64>load<f32>(b);
    let s: f64 = 0;
    for (let r = 0; r < rows; r++) {
      for (let j = 0; j < cols; j++) {
        const o = (<usize>r * <usize>cols + <usize>j) << 2;
        s += gradB64(op, <f64>load<f32>(a + o), b0, <f64>load<f32>(dc + o));
      }
    }
    store<f32>(db, <f32>s);
  }
}

export function f32_add_fwd(a: usize, b: usize, c: usize, rows: i32, cols: i32, bcast: i32): void { binFwd(0, a, b, c, rows, cols, bcast); }
export function f32_sub_fwd(a: usize, b: usize, c: usize, rows: i32, cols: i32, bcast: i32): void { binFwd(1, a, b, c, rows, cols, bcast); }
export function f32_mul_fwd(a: usize, b: usize, c: usize, rows: i32, cols: i32, bcast: i32): void { binFwd(2, a, b, c, rows, cols, bcast); }
export function f32_div_fwd(a: usize, b: usize, c: usize, rows: i32, cols: i32, bcast: i32): void { binFwd(3, a, b, c, rows, cols, bcast); }
export function f32_add_bwd(a: usize, b: usize, dc: usize, da: usize, db: usize, rows: i32, cols: i32, bcast: i32): void { binBwd(0, a, b, dc, da, db, rows, cols, bcast); }
export function f32_sub_bwd(a: usize, b: usize, dc: usize, da: usize, db: usize, rows: i32, cols: i32, bcast: i32): void { binBwd(1, a, b, dc, da, db, rows, cols, bcast); }
export function f32_mul_bwd(a: usize, b: usize, dc: usize, da: usize, db: usize, rows: i32, cols: i32, bcast: i32): void { binBwd(2, a, b, dc, da, db, rows, cols, bcast); }
export function f32_div_bwd(a: usize, b: usize, dc: usize, da: usize, db: usize, rows: i32, cols: i32, bcast: i32): void { binBwd(3, a, b, dc, da, db, rows, cols, bcast); }
