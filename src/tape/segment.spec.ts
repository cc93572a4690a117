import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SegmentWriter } from './segment-writer.js';
import { emptyStats, readHeader, readSegment } from './segment-reader.js';
import {
  BLOCK_HEADER,
  HEADER_FIXED,
  RecordKind,
  TapeFormatError,
  encodeHeader,
  type SegmentHeader,
  type TapeRecord,
} from './tape-format.js';

const header: SegmentHeader = {
  format: 'kite-relay tape',
  version: 1,
  day: '2026-12-01',
  node: 'n1',
  fencing: 7,
  started_at: 1_764_561_000_000,
  codec: 'zstd',
};

const frame = (i: number): TapeRecord => ({
  kind: RecordKind.frame,
  at: header.started_at + i,
  shard: i % 3,
  payload: Buffer.from([0, 1, 0, 8, 0, 6, 0x3a, 0x01, 0, 0, i & 0xff, 0x10]),
});

async function writeBlocks(blocks: TapeRecord[][], onError = () => undefined): Promise<string> {
  const path = join(mkdtempSync(join(tmpdir(), 'tape-')), 'seg.ktape');
  const sut = new SegmentWriter(path, header, onError);
  for (const block of blocks) {
    for (const r of block) sut.append(r);
    await sut.flush();
  }
  await sut.close();
  return path;
}

const blockOffsets = (path: string): number[] => {
  const buf = readFileSync(path);
  const out: number[] = [];
  let pos = HEADER_FIXED + buf.readUInt32BE(8);
  while (pos < buf.length) {
    out.push(pos);
    pos += BLOCK_HEADER + buf.readUInt32BE(pos + 4);
  }
  return out;
};

describe('tape segments', () => {
  it('reads back every record exactly, in order, with its time, shard and bytes', async () => {
    const records = Array.from({ length: 50 }, (_, i) => frame(i));
    records.push({ kind: RecordKind.text, at: 5, shard: 1, payload: Buffer.from('{"type":"message"}') });
    const path = await writeBlocks([records.slice(0, 20), records.slice(20)]);
    const stats = emptyStats();
    const back = [...readSegment(path, stats)];
    assert.deepEqual(
      back.map((r) => ({ ...r, payload: Buffer.from(r.payload) })),
      records,
    );
    assert.deepEqual(stats, { blocks: 2, records: 51, corruptBlocks: 0, truncatedBytes: 0 });
    assert.deepEqual(readHeader(path), header);
  });

  it('a file cut mid-block reads up to its last whole block and counts the cut bytes', async () => {
    const path = await writeBlocks([[frame(1), frame(2)], [frame(3)], [frame(4), frame(5)]]);
    const [, , third] = blockOffsets(path);
    truncateSync(path, third + 9);
    const stats = emptyStats();
    const back = [...readSegment(path, stats)];
    assert.deepEqual(
      back.map((r) => r.at - header.started_at),
      [1, 2, 3],
    );
    assert.equal(stats.truncatedBytes, 9);
    assert.equal(stats.corruptBlocks, 0);
  });

  it('a corrupt block is dropped and counted; the blocks after it still read', async () => {
    const path = await writeBlocks([[frame(1)], [frame(2)], [frame(3)]]);
    const [, second] = blockOffsets(path);
    const buf = readFileSync(path);
    buf[second + BLOCK_HEADER + 2] ^= 0xff;
    writeFileSync(path, buf);
    const stats = emptyStats();
    const back = [...readSegment(path, stats)];
    assert.deepEqual(
      back.map((r) => r.at - header.started_at),
      [1, 3],
    );
    assert.equal(stats.corruptBlocks, 1);
  });

  it('a header-only segment (crash before the first block) reads as empty', async () => {
    const path = await writeBlocks([]);
    assert.equal(statSync(path).size, encodeHeader(header).length);
    assert.deepEqual([...readSegment(path)], []);
  });

  it('refuses a newer format version and a foreign file with a clear error', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tape-'));
    const newer = encodeHeader({ ...header, version: 2 });
    writeFileSync(join(dir, 'v2.ktape'), newer);
    assert.throws(
      () => readHeader(join(dir, 'v2.ktape')),
      (e: unknown) => {
        assert.ok(e instanceof TapeFormatError);
        assert.match(e.message, /version 2 is not supported/);
        return true;
      },
    );
    writeFileSync(join(dir, 'x.ktape'), 'hello, this is not a tape');
    assert.throws(() => [...readSegment(join(dir, 'x.ktape'))], /not a kite-relay tape segment/);
  });

  it('never reopens a segment: a second writer on the same path reports an error, the file is untouched', async () => {
    const path = await writeBlocks([[frame(1)]]);
    const before = readFileSync(path);
    const errors: unknown[] = [];
    const sut = new SegmentWriter(path, header, (e) => errors.push(e));
    sut.append(frame(2));
    await sut.close();
    assert.equal(errors.length, 1);
    assert.equal(sut.ok, false);
    assert.deepEqual(readFileSync(path), before);
  });
});
