// Installed version of a rival, read from its package.json on disk: some packages (usearch) do
// not export ./package.json, so require('x/package.json') fails there.
import { readFileSync } from 'node:fs';

export function installedVersion(name) {
  const url = new URL(`../node_modules/${name}/package.json`, import.meta.url);
  return JSON.parse(readFileSync(url, 'utf8')).version;
}
