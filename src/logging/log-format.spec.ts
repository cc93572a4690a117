import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { prettyTarget } from './log-format.js';

const installed = (id: string) => `/app/node_modules/${id}/index.js`;
const absent = (id: string): string => {
  throw Object.assign(new Error(`Cannot find module '${id}'`), { code: 'MODULE_NOT_FOUND' });
};

describe('prettyTarget: human-readable logs only in development on a terminal', () => {
  it('development on a terminal: pino-pretty, by its resolved path', () => {
    assert.equal(prettyTarget('development', true, installed), '/app/node_modules/pino-pretty/index.js');
  });

  it('JSON when stdout is not a terminal, and in production or test even on one', () => {
    assert.equal(prettyTarget('development', false, installed), undefined);
    assert.equal(prettyTarget('production', true, installed), undefined);
    assert.equal(prettyTarget('test', true, installed), undefined);
  });

  it('JSON, not a failed boot, when pino-pretty is not installed (npm ci --omit=dev)', () => {
    assert.equal(prettyTarget('development', true, absent), undefined);
  });

  it('finds the pino-pretty this project installs', () => {
    assert.match(prettyTarget('development', true) ?? '', /node_modules\/pino-pretty\//);
  });
});
