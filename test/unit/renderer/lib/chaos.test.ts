import { describe, expect, it } from 'vitest';
import { chaosDraft, chaosError, chaosSummary, faultsOf } from '../../../../renderer/src/lib/chaos.js';

describe('the Chaos panel arithmetic', () => {
  it('reads faults as written and writes them back the same way', () => {
    const faults = {
      delay: { percent: '10%', duration: '800ms' },
      abort: { percent: 5, status: 503 },
      bandwidth: '256kbps',
      header_control: true,
    };
    const draft = chaosDraft(faults);
    expect(draft).toEqual({
      delayPercent: 10,
      delayDuration: '800ms',
      abortPercent: 5,
      abortStatus: '503',
      bandwidth: '256kbps',
    });
    expect(faultsOf({ ...draft, abortPercent: 100 }, faults)).toEqual({
      delay: { percent: '10%', duration: '800ms' },
      abort: { percent: '100%', status: 503 },
      bandwidth: '256kbps',
      header_control: true,
    });
  });

  it('leaves out faults at 0% and sends null when nothing is left', () => {
    expect(faultsOf(chaosDraft(undefined), undefined)).toBeNull();
    expect(faultsOf({ ...chaosDraft(undefined), abortPercent: 50, abortStatus: 'Reset' }, null)).toEqual({
      abort: { percent: '50%', status: 'reset' },
    });
  });

  it('refuses what the engine would refuse, saying what to write', () => {
    expect(chaosError('abortPercent', '101')).toMatch(/0 to 100/);
    expect(chaosError('abortPercent', '12.5')).toBeUndefined();
    expect(chaosError('abortStatus', '302')).toMatch(/400 to 599/);
    expect(chaosError('abortStatus', 'reset')).toBeUndefined();
    expect(chaosError('delayDuration', 'soon')).toMatch(/800ms/);
    expect(chaosError('delayDuration', '2s')).toBeUndefined();
    expect(chaosError('bandwidth', 'fast')).toMatch(/256kbps/);
    expect(chaosError('bandwidth', '')).toBeUndefined();
  });

  it('says what runs in a few words', () => {
    expect(chaosSummary(null)).toBe('no faults');
    expect(
      chaosSummary({ delay: { percent: 10, duration: '1s' }, abort: { percent: 5, status: 'reset' } }),
    ).toBe('delay 10% × 1s, abort 5% → reset');
  });
});
