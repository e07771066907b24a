// A .wasm file imported by an edge-worker entry: wrangler and workerd hand it over compiled.
declare module '*.wasm' {
  const module: WebAssembly.Module;
  export default module;
}
