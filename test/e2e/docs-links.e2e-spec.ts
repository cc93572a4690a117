import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { ROOT } from '../helpers/docs.js';

const FILES = [
  'README.md',
  ...readdirSync(join(ROOT, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
];

/** 12 KiB: the README fits on a few screens and links out (issue 25). */
const README_MAX_BYTES = 12 * 1024;

/** The text outside fenced code blocks and inline code spans: links inside code are not links. */
function prose(text: string): string {
  return text.replace(/^```[\s\S]*?^```/gm, '').replace(/`[^`\n]*`/g, '');
}

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to `-`, repeats numbered `-1`, `-2`. */
function anchors(text: string): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  for (const m of text.replace(/^```[\s\S]*?^```/gm, '').matchAll(/^#{1,6}\s+(.+?)\s*#*\s*$/gm)) {
    const base = m[1]
      .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/ /g, '-');
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    out.add(n === 0 ? base : `${base}-${n}`);
  }
  return out;
}

/** Every relative link of a markdown file: `[text](target)` with no scheme. */
function links(text: string): string[] {
  return [...prose(text).matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1]).filter((t) => !/^[a-z]+:/i.test(t));
}

describe('docs: every relative link and #anchor in README.md and docs/*.md resolves', () => {
  it('computes anchors as GitHub does', () => {
    const a = anchors(
      '# Socket.IO protocol (namespace `/market`)\n## Tokens, sessions, headers\n## A\n## A\n',
    );
    assert.deepEqual([...a], ['socketio-protocol-namespace-market', 'tokens-sessions-headers', 'a', 'a-1']);
  });

  it('finds the docs and their links', () => {
    assert.ok(FILES.length >= 10, FILES.join(' '));
    assert.ok(links(readFileSync(join(ROOT, 'README.md'), 'utf8')).length >= 10);
  });

  for (const file of FILES) {
    it(file, () => {
      const problems: string[] = [];
      for (const link of links(readFileSync(join(ROOT, file), 'utf8'))) {
        const [path, anchor] = link.split('#', 2);
        const target = path === '' ? join(ROOT, file) : join(dirname(join(ROOT, file)), decodeURI(path));
        if (!existsSync(target)) {
          problems.push(`${link}: no file ${relative(ROOT, target)}`);
          continue;
        }
        if (anchor === undefined) continue;
        if (statSync(target).isDirectory() || !target.endsWith('.md')) {
          problems.push(`${link}: an anchor into a file that is not markdown`);
        } else if (!anchors(readFileSync(target, 'utf8')).has(anchor)) {
          problems.push(`${link}: ${relative(ROOT, target)} has no heading #${anchor}`);
        }
      }
      assert.deepEqual(problems, []);
    });
  }
});

describe('README.md stays short', () => {
  it('keeps README.md under 12 KiB', () => {
    const bytes = statSync(join(ROOT, 'README.md')).size;
    assert.ok(
      bytes < README_MAX_BYTES,
      `README.md is ${bytes} bytes, the limit ${README_MAX_BYTES}: it keeps the pitch, the commands and an index; reference belongs in docs/`,
    );
  });
});
