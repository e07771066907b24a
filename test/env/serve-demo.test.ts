// The demo server (scripts/serve-demo.mjs): content types, COOP/COEP on and off, only the demo's
// files, and no way out of its directories.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'node:http';
import { readFileSync } from 'node:fs';
import { startDemoServer } from '../../scripts/serve-demo.mjs';

/** A raw GET (fetch would normalise the ../ segments away before sending). */
function get(base: string, path: string): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const req = request({ hostname, port, path, method: 'GET' }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('npm run demo:browser server', () => {
  let isolated: { url: string; close: () => Promise<void> };
  let plain: { url: string; close: () => Promise<void> };
  beforeAll(async () => {
    isolated = await startDemoServer({ fromSrc: true, modelPath: new URL('../../package.json', import.meta.url).pathname });
    plain = await startDemoServer({ fromSrc: true, isolation: false });
  });
  afterAll(async () => { await isolated.close(); await plain.close(); });

  it('listens on 127.0.0.1 and serves the page, modules and .wasm with their types', async () => {
    expect(new URL(isolated.url).hostname).toBe('127.0.0.1');
    const root = await get(isolated.url, '/');
    expect(root.status).toBe(302);
    expect(root.headers.location).toBe('/examples/browser/');
    const html = await get(isolated.url, '/examples/browser/');
    expect(html.status).toBe(200);
    expect(html.headers['content-type']).toMatch(/^text\/html/);
    const app = await get(isolated.url, '/examples/browser/app.js');
    expect(app.headers['content-type']).toMatch(/^text\/javascript/);
    // --from-src: TypeScript served as JavaScript with its types stripped
    const lib = await get(isolated.url, '/dist/browser/training.js');
    expect(lib.status).toBe(200);
    expect(lib.headers['content-type']).toMatch(/^text\/javascript/);
    expect(lib.body.toString()).toContain('export function startTraining(data, options = {})');
    const pool = await get(isolated.url, '/dist/runtime/web-worker.js');
    expect(pool.body.toString()).toBe(readFileSync(new URL('../../src/runtime/web-worker.js', import.meta.url), 'utf8'));
    const wasm = await get(isolated.url, '/build/wasmnn-simd.wasm');
    expect(wasm.status).toBe(200);
    expect(wasm.headers['content-type']).toBe('application/wasm');
    expect(wasm.body.subarray(0, 4)).toEqual(Buffer.from([0, 0x61, 0x73, 0x6d]));
    const model = await get(isolated.url, '/model/demo.wnn');
    expect(model.body.toString()).toBe(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
    const sample = await get(isolated.url, '/examples/browser/data/sample.csv');
    expect(sample.body.toString().split('\n')[0]).toBe('text,label');
  });

  it('sends COOP/COEP unless started without isolation or the page asks ?coi=0', async () => {
    const on = await get(isolated.url, '/examples/browser/');
    expect(on.headers['cross-origin-opener-policy']).toBe('same-origin');
    expect(on.headers['cross-origin-embedder-policy']).toBe('require-corp');
    const query = await get(isolated.url, '/examples/browser/?coi=0');
    expect(query.headers['cross-origin-opener-policy']).toBeUndefined();
    expect(query.headers['cross-origin-embedder-policy']).toBeUndefined();
    const off = await get(plain.url, '/examples/browser/');
    expect(off.headers['cross-origin-opener-policy']).toBeUndefined();
    expect(off.headers['cross-origin-embedder-policy']).toBeUndefined();
  });

  it('serves nothing outside the demo, the library and the builds: no traversal', async () => {
    for (const path of [
      '/package.json', '/examples/browser/../../package.json', '/dist/../package.json', '/examples/browser/%2e%2e/%2e%2e/package.json',
      '/examples/browser/..%2f..%2fpackage.json', '/build/../scripts/serve-demo.mjs', '/dist/..%5c..%5cpackage.json', '/etc/passwd',
      '/examples/browser/%00', '/build/wasmnn-simd.wat', '/examples/browser/build-model.mjs.bak', '/dist/browser/training.ts', '/examples/node/',
      '/examples/browser/%E0%A4%A', '/test/env/chromium.test.ts',
    ]) {
      const r = await get(isolated.url, path);
      expect([400, 404], `${path}: ${r.status}`).toContain(r.status);
      expect(r.body.toString()).not.toContain('"devDependencies"');
    }
    const post = await new Promise<number>((resolve) => {
      const { hostname, port } = new URL(isolated.url);
      request({ hostname, port, path: '/examples/browser/', method: 'POST' }, (res) => { res.resume(); resolve(res.statusCode!); }).end();
    });
    expect(post).toBe(405);
  });
});
