import { afterEach, describe, expect, jest, test } from '@jest/globals';
import type { AppConfig } from '../../../config/app-config.js';
import { toE164 } from '../domain/client.rules.js';
import { PhoneNormalizer } from './phone-normalizer.js';

const PHONES = [
  '+39 347 123 4567',
  '3471234567',
  '347 1234567',
  '06 1234 5678',
  '+1 (415) 555-2671',
  '+44 20 7946 0958',
  '0039 347 123 4567',
  '12',
  'not a phone',
  '+39 347 123 4567 ext. 12',
  '３４７１２３４５６７',
  '',
];

/** Spies on the normalizer's worker starts, and silences (and records) its warnings. */
function watch(normalizer: PhoneNormalizer) {
  const internals = normalizer as unknown as {
    start: () => unknown;
    logger: { warn: (...args: unknown[]) => void };
  };
  const starts = jest.spyOn(internals, 'start');
  const warn = jest.spyOn(internals.logger, 'warn').mockImplementation(() => undefined);
  return { starts, warn };
}

describe('PhoneNormalizer', () => {
  let normalizer: PhoneNormalizer;
  afterEach(() => normalizer.onModuleDestroy());

  test('gives, on its worker thread, the same answers as toE164', async () => {
    normalizer = new PhoneNormalizer({ DEFAULT_PHONE_REGION: 'IT' } as AppConfig);
    const numbers = await normalizer.normalize([...PHONES, ...PHONES]);
    expect(numbers.size).toBe(PHONES.length);
    for (const raw of PHONES) expect([raw, numbers.get(raw)]).toEqual([raw, toE164(raw, 'IT')]);
    expect(numbers.get('3471234567')).toBe('+393471234567');
    expect(numbers.get('12')).toBeNull();
    // Several batches in flight on one worker: each gets its own answer.
    const [a, b] = await Promise.all([
      normalizer.normalize(['3471234567']),
      normalizer.normalize(['+1 (415) 555-2671', '12']),
    ]);
    expect([...a]).toEqual([['3471234567', '+393471234567']]);
    expect([...b]).toEqual([
      ['+1 (415) 555-2671', '+14155552671'],
      ['12', null],
    ]);
  });

  test('a worker that dies mid-batch: that batch is normalised on the event loop, a later one gets a new worker', async () => {
    normalizer = new PhoneNormalizer({ DEFAULT_PHONE_REGION: 'US' } as AppConfig);
    const { starts } = watch(normalizer);
    const inFlight = normalizer.normalize(['(415) 555-2671', '12']);
    await normalizer.onModuleDestroy(); // the worker goes away with the batch unanswered
    expect([...(await inFlight)]).toEqual([
      ['(415) 555-2671', '+14155552671'],
      ['12', null],
    ]);
    const later = Date.now() + 1_000; // after the pause
    const clock = jest.spyOn(Date, 'now').mockImplementation(() => later);
    try {
      expect([...(await normalizer.normalize(['415 555 2671']))]).toEqual([
        ['415 555 2671', '+14155552671'],
      ]);
    } finally {
      clock.mockRestore();
    }
    expect(starts).toHaveBeenCalledTimes(2);
  });

  test('a worker that cannot start: batches go to the event loop, and a new worker is tried only after a pause that doubles', async () => {
    normalizer = new PhoneNormalizer({ DEFAULT_PHONE_REGION: 'IT' } as AppConfig);
    Object.assign(normalizer, { script: new URL('file:///nowhere/phone-worker.js') }); // cannot start
    const { starts, warn } = watch(normalizer);
    let now = Date.now();
    const clock = jest.spyOn(Date, 'now').mockImplementation(() => now);
    try {
      const expected = [['3471234567', '+393471234567']];
      expect([...(await normalizer.normalize(['3471234567']))]).toEqual(expected);
      expect([...(await normalizer.normalize(['3471234567']))]).toEqual(expected);
      expect(starts).toHaveBeenCalledTimes(1); // the second batch did not try again
      now += 1_000; // after the first pause (1 s): one more attempt, then a pause of 2 s
      expect([...(await normalizer.normalize(['3471234567']))]).toEqual(expected);
      now += 1_999;
      expect([...(await normalizer.normalize(['3471234567']))]).toEqual(expected);
      expect(starts).toHaveBeenCalledTimes(2);
      expect(warn.mock.calls.map((call) => call[1])).toEqual([
        'phone worker unavailable: normalising on the event loop for 1 s',
        'phone worker unavailable: normalising on the event loop for 2 s',
      ]);
    } finally {
      clock.mockRestore();
    }
  });
});
