// Fails the build when the JavaScript needed for the first paint grows past the budget:
// the entry module plus every module index.html preloads, each gzipped at level 9.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

const BUDGET_KIB = 150;
const dist = new URL('../dist/', import.meta.url).pathname;
const html = readFileSync(join(dist, 'index.html'), 'utf8');

function attr(tag, name) {
  const m = tag.match(new RegExp(`\\s${name}\\s*=\\s*("([^"]*)"|'([^']*)'|([^\\s>]+))`, 'i'));
  return m ? (m[2] ?? m[3] ?? m[4]) : undefined;
}

const files = [];
for (const [tag] of html.matchAll(/<script\b[^>]*>/gi)) {
  if (attr(tag, 'type') === 'module' && attr(tag, 'src')) files.push(attr(tag, 'src'));
}
for (const [tag] of html.matchAll(/<link\b[^>]*>/gi)) {
  if (attr(tag, 'rel') === 'modulepreload' && attr(tag, 'href')) files.push(attr(tag, 'href'));
}
if (files.length === 0) {
  console.error('budget: dist/index.html loads no module script; is the build broken?');
  process.exit(1);
}

let total = 0;
const lines = [];
for (const src of new Set(files)) {
  const path = join(dist, new URL(src, 'http://x/').pathname);
  const size = gzipSync(readFileSync(path), { level: 9 }).length;
  total += size;
  lines.push(`  ${(size / 1024).toFixed(1).padStart(7)} KiB  ${src}`);
}
const kib = (total / 1024).toFixed(1);
if (total > BUDGET_KIB * 1024) {
  console.error(`budget: first-paint JavaScript is ${kib} KiB gzipped, over the ${BUDGET_KIB} KiB budget:`);
  console.error(lines.join('\n'));
  console.error('Move code behind a dynamic import() (pages are loaded per area in src/routes.tsx).');
  process.exit(1);
}
console.log(`budget: first-paint JavaScript ${kib} KiB gzipped (budget ${BUDGET_KIB} KiB)`);
console.log(lines.join('\n'));
