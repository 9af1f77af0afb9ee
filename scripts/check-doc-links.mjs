#!/usr/bin/env node
/**
 * Documentation check (part of `npm run lint`): a clone must make sense on its own.
 * - Every relative link in the repository's Markdown files resolves to a file or folder inside
 *   the repository, and every `#anchor` to a heading of the file it names. Links to the web
 *   (http, https, mailto) are not fetched; any other absolute link is an error.
 * - Every setting of src/config/app-config.ts has a row in docs/operations.md's settings table.
 * Prints one line per problem and exits 1 if there is any.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const SKIP = new Set(['node_modules', 'dist', '.git', 'data', 'coverage']);
const SKIP_PATHS = new Set(['bench/out', 'test/.tmp']);
const problems = [];

function markdownFiles(dir) {
  const files = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    const rel = relative(root, path).split(sep).join('/');
    if (SKIP.has(entry.name) || SKIP_PATHS.has(rel)) continue;
    if (entry.isDirectory()) files.push(...markdownFiles(path));
    else if (entry.name.endsWith('.md')) files.push(path);
  }
  return files;
}

/** The lines of a Markdown file with fenced code blocks blanked (their text is not Markdown). */
function proseLines(text) {
  let fence = null;
  return text.split('\n').map((line) => {
    const marker = /^\s*(`{3,}|~{3,})/.exec(line);
    if (marker) {
      if (fence === null) fence = marker[1][0];
      else if (marker[1][0] === fence) fence = null;
      return '';
    }
    return fence === null ? line : '';
  });
}

/** GitHub's anchor of a heading: lower case, punctuation dropped, spaces to hyphens. */
function slug(heading) {
  return heading
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1')
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc}\- ]/gu, '')
    .replace(/ /g, '-');
}

const anchorCache = new Map();
function anchorsOf(file) {
  if (!anchorCache.has(file)) {
    const anchors = new Set();
    const seen = new Map();
    for (const line of proseLines(readFileSync(file, 'utf8'))) {
      const heading = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
      if (!heading) continue;
      const base = slug(heading[1]);
      const count = seen.get(base) ?? 0;
      seen.set(base, count + 1);
      anchors.add(count === 0 ? base : `${base}-${count}`);
    }
    anchorCache.set(file, anchors);
  }
  return anchorCache.get(file);
}

function checkLink(file, lineNumber, target) {
  const where = `${relative(root, file)}:${lineNumber}`;
  if (/^(https?|mailto):/i.test(target)) return;
  if (/^[a-z][a-z0-9+.-]*:/i.test(target) || target.startsWith('/')) {
    problems.push(`${where}: ${target} is not a path inside the repository`);
    return;
  }
  const [rawPath, anchor] = target.split('#', 2);
  const path = rawPath === '' ? file : resolve(dirname(file), decodeURIComponent(rawPath));
  if (path !== root && !path.startsWith(root + sep)) {
    problems.push(`${where}: ${target} leads outside the repository`);
    return;
  }
  if (!existsSync(path)) {
    problems.push(`${where}: ${target} does not exist`);
    return;
  }
  if (anchor === undefined || anchor === '') return;
  if (statSync(path).isDirectory() || !path.endsWith('.md')) {
    problems.push(`${where}: ${target} has an anchor but is not a Markdown file`);
    return;
  }
  if (!anchorsOf(path).has(decodeURIComponent(anchor).toLowerCase())) {
    problems.push(`${where}: no heading for #${anchor} in ${relative(root, path)}`);
  }
}

const files = markdownFiles(root);
for (const file of files) {
  proseLines(readFileSync(file, 'utf8')).forEach((line, i) => {
    const text = line.replace(/`[^`]*`/g, '');
    for (const m of text.matchAll(/!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g))
      checkLink(file, i + 1, m[1]);
    const definition = /^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s+.*)?$/.exec(text);
    if (definition) checkLink(file, i + 1, definition[1]);
  });
}

// Every setting the server reads is in the operations guide's table.
const configSource = readFileSync(join(root, 'src/config/app-config.ts'), 'utf8');
const settings = [...configSource.matchAll(/^ {2}([A-Z][A-Z0-9_]+)\??\s*[:=]/gm)].map((m) => m[1]);
const operations = readFileSync(join(root, 'docs/operations.md'), 'utf8');
const section = /^## Settings\n([\s\S]*?)(?=^## )/m.exec(operations)?.[1] ?? '';
const rows = section.split('\n').filter((line) => line.startsWith('|'));
for (const name of settings) {
  if (!rows.some((row) => row.includes(`\`${name}\``)))
    problems.push(`docs/operations.md: the settings table has no row for ${name}`);
}
if (settings.length === 0) problems.push('src/config/app-config.ts: no setting found');

for (const problem of problems) console.error(problem);
if (problems.length > 0) {
  console.error(`${problems.length} documentation problem(s)`);
  process.exit(1);
}
console.log(
  `documentation: links of ${files.length} Markdown files resolve; ${settings.length} settings documented`,
);
