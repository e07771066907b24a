// Rollup from the TypeScript sources, for the environment tests: resolves the sources' `./x.js`
// imports to `./x.ts` and strips the types (what tsc emits), so a test bundles the current code
// without waiting for dist/.
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Plugin } from 'rollup';
import ts from 'typescript';

export function fromSrc(aliases: Record<string, string> = {}): Plugin {
  return {
    name: 'wasmnn-src',
    resolveId(id, importer) {
      if (id in aliases) return aliases[id];
      if (!importer || !id.startsWith('.') || !id.endsWith('.js')) return null;
      const src = resolve(dirname(importer), `${id.slice(0, -3)}.ts`);
      return existsSync(src) ? src : null;
    },
    transform(code, id) {
      if (!id.endsWith('.ts')) return null;
      const out = ts.transpileModule(code, { fileName: id, compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext, sourceMap: true } });
      return { code: out.outputText, map: out.sourceMapText };
    },
  };
}
