// The module graph of an entry as a bundler or workerd's module list sees it (engines.mjs lists
// workerd's modules with it; the package-import test checks what the wasm-only entries reach).
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

const IMPORT =
  /(?:^|[;\s])(?:import|export)\s[^'"`;]*?from\s*['"]([^'"]+)['"]|import\s*\(\s*['"]([^'"]+)['"]\s*\)|(?:^|[;\s])import\s*['"]([^'"]+)['"]/g;

/** The literal specifiers of a module's imports: static, re-exports and import('...'). */
export function specifiers(code) {
  return [...code.matchAll(IMPORT)].map((m) => m[1] ?? m[2] ?? m[3]);
}

/**
 * Every module a file reaches through literal relative imports, as a bundler or workerd's module
 * list sees them; `node:` built-ins and computed specifiers (only evaluated on paths an engine
 * never takes) are left out.
 */
export function moduleGraph(entries) {
  const seen = new Set();
  const visit = (file) => {
    if (seen.has(file)) return;
    seen.add(file);
    if (!/\.m?js$/.test(file)) return;
    for (const spec of specifiers(readFileSync(file, 'utf8'))) {
      if (spec.startsWith('.')) visit(resolve(dirname(file), spec));
    }
  };
  entries.forEach(visit);
  return [...seen];
}
