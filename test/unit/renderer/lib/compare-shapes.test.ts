import { describe, expect, it } from 'vitest';
import type { LogSummary } from '../../../../shared/api/contract.js';
import { shadowShapes } from '../../../../renderer/src/lib/compare-shapes.js';

const entry = (seq: number, path: string, verdict?: 'same' | 'different' | 'error', gateway = 'shop') =>
  ({
    seq,
    time: seq,
    gateway,
    method: 'GET',
    path,
    status: 200,
    durationMs: 1,
    bytesIn: 0,
    bytesOut: 0,
    clientIp: '127.0.0.1',
    trace: [],
    override: false,
    websocket: false,
    ...(verdict ? { shadow: [{ route: 'candidate', verdict }] } : {}),
  }) as LogSummary;

describe('shadowShapes', () => {
  it('counts verdicts by shape, ids collapsed, the shape with the newest request first', () => {
    const shapes = shadowShapes(
      [
        entry(1, '/users/1', 'same'),
        entry(2, '/users/2?x=1', 'different'),
        entry(3, '/health', 'same'),
        entry(4, '/users/3', 'error'),
        entry(5, '/health'),
        entry(6, '/other', 'different', 'elsewhere'),
      ],
      'shop',
    );
    expect(shapes).toEqual([
      {
        shape: 'GET /users/{id}',
        route: 'candidate',
        same: 1,
        different: 1,
        error: 1,
        skipped: 0,
        seqs: [4, 2, 1],
        newest: 4,
      },
      {
        shape: 'GET /health',
        route: 'candidate',
        same: 1,
        different: 0,
        error: 0,
        skipped: 0,
        seqs: [3],
        newest: 3,
      },
    ]);
  });
});
