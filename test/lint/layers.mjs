// Enforces the dependency rules of ARCHITECTURE.md on import statements; exits 1 on a breach.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, relative, resolve, sep } from 'node:path';

const root = process.argv[2] ? resolve(process.argv[2]) : resolve(dirname(new URL(import.meta.url).pathname), '../..');
const builtins = new Set([...builtinModules, ...builtinModules.map((m) => `node:${m}`)]);

function walk(dir) {
  let out = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out = out.concat(walk(p));
    else if (/\.(ts|mts|tsx)$/.test(name) && !name.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

const importRe = /(?:^|[\s;])(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|(?:^|[^\w.])import\s*['"]([^'"]+)['"]|\b(?:require|import)\(\s*['"]([^'"]+)['"]\s*\)/gm;

/** Layer of a repo-relative path: 'shared', 'core', 'tempo', 'symbols', 'host', 'features', 'cli', 'extension', 'webview'. */
function layerOf(rel) {
  const parts = rel.split(sep);
  if (parts[0] === 'webview') return 'webview';
  if (parts[0] !== 'src') return null;
  if (parts.length === 2) return parts[1].replace(/\.ts$/, '');
  return parts[1];
}

const rules = {
  shared: { allow: [], packages: false, builtins: false },
  // re2js: a pure regex engine (no fs, no network) so TraceQL `=~` runs in linear time in core.
  core: { allow: ['shared'], packages: false, builtins: false, purePackages: ['re2js'] },
  tempo: { allow: ['shared', 'core'], packages: true, builtins: true },
  symbols: { allow: ['shared', 'core'], packages: true, builtins: true },
  // Telemetry sources beside tempo/: trace files and the local OTLP receiver (each behind core/source.ts).
  files: { allow: ['shared', 'core'], packages: true, builtins: true },
  receiver: { allow: ['shared', 'core'], packages: true, builtins: true },
  host: { allow: ['shared', 'core', 'tempo', 'files', 'receiver', 'symbols', 'host'], packages: true, builtins: true, vscode: true },
  features: { allow: ['shared', 'core', 'tempo', 'symbols', 'host'], packages: true, builtins: true, vscode: true },
  extension: { allow: ['shared', 'core', 'tempo', 'files', 'receiver', 'symbols', 'host', 'features'], packages: true, builtins: true, vscode: true },
  cli: { allow: ['shared', 'core', 'tempo', 'files', 'receiver', 'symbols'], packages: true, builtins: true },
  webview: { allow: ['shared', 'webview'], packages: true, builtins: false, extra: ['src/core/waterfall.ts'] },
};

const problems = [];
const walkIf = (d) => { try { return walk(d); } catch { return []; } };
const files = [...walkIf(join(root, 'src')), ...walkIf(join(root, 'webview'))];
for (const file of files) {
  const rel = relative(root, file);
  const layer = layerOf(rel);
  const rule = rules[layer];
  if (!rule) continue;
  const text = readFileSync(file, 'utf8').replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
  for (const m of text.matchAll(importRe)) {
    const spec = m[1] ?? m[2] ?? m[3];
    const say = (why) => problems.push(`${rel}: imports '${spec}' — ${why}`);
    if (spec === 'vscode') {
      if (!rule.vscode) say(`${layer}/ must not import vscode`);
      continue;
    }
    if (spec.startsWith('.')) {
      let target = relative(root, resolve(dirname(file), spec));
      const targetLayer = layerOf(target);
      if (rule.extra?.some((e) => e.replace(/\.ts$/, '') === target)) continue;
      if (targetLayer === layer && layer !== 'features') continue;
      if (layer === 'features' && targetLayer === 'features') { say('features never import each other; go through host/'); continue; }
      if (!rule.allow.includes(targetLayer)) say(`${layer}/ may import only ${rule.allow.join(', ') || 'nothing'}`);
      continue;
    }
    if (builtins.has(spec)) { if (!rule.builtins) say(`${layer}/ must not use Node built-ins (no fs, no network)`); continue; }
    if (!rule.packages && !rule.purePackages?.includes(spec)) say(`${layer}/ must not import packages`);
  }
}
if (problems.length) {
  console.error(`layers: ${problems.length} dependency rule breach(es):\n  ${problems.join('\n  ')}`);
  process.exit(1);
}
console.log(`layers: ${files.length} files follow the dependency rules`);
