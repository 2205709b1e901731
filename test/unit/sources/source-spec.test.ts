import { describe, expect, it } from 'vitest';
import { GatehouseError } from '../../../shared/errors.js';
import { formatSyntheticSpec, openSource, parseSourceSpec } from '../../../main/sources/index.js';

async function openError(spec: string): Promise<GatehouseError> {
  const error: unknown = await openSource(spec).then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(GatehouseError);
  return error as GatehouseError;
}

describe('source specs', () => {
  it('refuses an unknown scheme with one line listing the valid forms', async () => {
    const error = await openError('ftp://example.com/hearings');
    expect(error.code).toBe('SOURCE_SPEC_UNKNOWN');
    expect(error.message).toContain('file:PATH');
    expect(error.message).toContain('synthetic:seed=N,count=M');
    expect(error.message).not.toContain('\n');
  });

  it('suggests file: for a bare path', async () => {
    const error = await openError('hearings.ndjson');
    expect(error.code).toBe('SOURCE_SPEC_UNKNOWN');
    expect(error.hint).toBe('for a file, write file:hearings.ndjson');
  });

  it('parses congress: with the public API as the default base URL', () => {
    expect(parseSourceSpec('congress:')).toEqual({ scheme: 'congress', baseUrl: 'https://api.congress.gov/v3' });
    expect(parseSourceSpec('congress:https://example.test/v3/')).toEqual({ scheme: 'congress', baseUrl: 'https://example.test/v3' });
  });

  it.each(['congress:https://example.test/v3/?api_key=abc', 'congress:https://example.test/v3?apikey=abc', 'file:/data/x.ndjson?api-key=abc'])(
    'refuses %s: a key in a spec would be stored and shown with it',
    (spec) => {
      expect(() => parseSourceSpec(spec)).toThrow(expect.objectContaining({ code: 'USAGE', hint: expect.stringContaining('GATEHOUSE_CONGRESS_API_KEY') }));
    },
  );

  it.each([
    ['synthetic:seed=1,count=-1', /count must be a whole number/],
    ['synthetic:seed=abc,count=5', /seed must be a whole number ≥ 0, got "abc"/],
    ['synthetic:seed=1,colour=blue', /unknown option "colour"/],
    ['synthetic:seed=1,invalid=typo:0.1', /unknown invalid kind "typo"/],
    ['synthetic:seed=1,invalid=bad-date:1.5', /fraction must be a number from 0 to 1/],
    ['synthetic:seed=1,invalid=bad-date:-0.1', /fraction must be a number from 0 to 1/],
    ['synthetic:seed=1,invalid=bad-date', /KIND:FRACTION/],
    ['synthetic:seed=1,start=2025-02-30', /start must be a calendar date/],
    ['synthetic:seed=1,seed=2', /seed= is given twice/],
    ['synthetic:seed=1,count=10,revision=1', /revision=R and changed=K go together/],
    ['synthetic:seed=1,count=10,revision=1,changed=11', /changed must be a whole number from 0 to 10/],
    ['synthetic:seed=1,count=10,invalid=bad-date:0.6,invalid=empty-title:0.6', /asks for 12 corrupt records but count is only 10/],
    ['synthetic:seed=1,count', /expected KEY=VALUE/],
    ['file:', /needs a path/],
  ])('refuses %s as a usage error', async (spec, message) => {
    const error = await openError(spec);
    expect(error.code).toBe('USAGE');
    expect(error.message).toMatch(message);
  });

  it('fills in defaults: 100 records from seed 1', async () => {
    const source = await openSource('synthetic:');
    expect(source.expectedCount).toBe(100);
    expect(parseSourceSpec('SYNTHETIC:count=3')).toMatchObject({ scheme: 'synthetic', options: { seed: 1, count: 3 } });
  });

  it('keeps colons in file paths', () => {
    expect(parseSourceSpec('file:/data/run:2/hearings.json')).toEqual({ scheme: 'file', path: '/data/run:2/hearings.json' });
  });

  it('writes a spec string that parses back to the same options', () => {
    const options = { seed: 7, count: 500, start: '2025-03-03', invalid: [{ kind: 'bad-date' as const, fraction: 0.02 }], revision: 2, changed: 10, offset: 1000 };
    const spec = formatSyntheticSpec(options);
    expect(spec).toBe('synthetic:seed=7,count=500,start=2025-03-03,invalid=bad-date:0.02,revision=2,changed=10,offset=1000');
    expect(parseSourceSpec(spec)).toEqual({ scheme: 'synthetic', options });
  });
});
