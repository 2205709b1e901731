import { describe, expect, it } from 'vitest';
import { applyRecordRules } from '../../../main/validation/index.js';
import { controlCharacterProblem, decodeHtmlEntities } from '../../../shared/record.js';
import { hearingRecord } from '../../helpers/records.js';

const known = { isKnownCommittee: (code: string) => code === 'hsif00' };

function reasonsFor(overrides: Record<string, unknown>): string[] {
  const outcome = applyRecordRules(hearingRecord(123456, overrides), known);
  return outcome.ok ? [] : outcome.reasons.map((r) => `${r.code}: ${r.message}`);
}

function storedFrom(overrides: Record<string, unknown>) {
  const outcome = applyRecordRules(hearingRecord(123456, overrides), known);
  if (!outcome.ok) throw new Error(outcome.reasons.map((r) => r.message).join('; '));
  return outcome.hearing;
}

/**
 * A record's text is stored as text: control characters (an ESC sequence in a title rewrote the
 * terminal of whoever printed it) are refused with the field and character named, HTML character
 * references are decoded once, and a URL is an http(s) address with nothing blank inside it.
 */
describe('record text', () => {
  it.each([
    ['BEL in the title', { title: 'Bell\u0007 ringing' }, 'CONTROL_CHARACTER: title contains the control character U+0007 (BEL) at character 5'],
    ['ESC in the title', { title: 'Clear \u001b[2J screen' }, 'CONTROL_CHARACTER: title contains the control character U+001B (ESC) at character 7'],
    ['ESC as a reference in the title', { title: 'Entity &#27;[2J escape' }, 'CONTROL_CHARACTER: title contains the control character U+001B (ESC) at character 8'],
    ['DEL in the room', { location: { room: '21\u007f23' } }, 'CONTROL_CHARACTER: location.room contains the control character U+007F (DEL) at character 3'],
    ['CSI in a witness name', { witnesses: [{ name: 'Dr. \u009b31m Roe', organization: 'Lab' }] }, 'CONTROL_CHARACTER: witnesses[0].name contains the control character U+009B (CSI) at character 5'],
    ['NEL in a committee name', { committees: [{ systemCode: 'hsif00', name: 'Energy\u0085Commerce' }] }, 'CONTROL_CHARACTER: committees[0].name contains the control character U+0085 at character 7'],
    ['BEL in a video name', { videos: [{ name: 'Part\u00071', url: 'https://www.congress.gov/v/1' }] }, 'CONTROL_CHARACTER: videos[0].name contains the control character U+0007 (BEL) at character 5'],
  ])('quarantines a record with %s, naming the field and the character', (_label, overrides, reason) => {
    expect(reasonsFor(overrides)).toEqual([reason]);
  });

  it('keeps the tabs and line breaks real Congress.gov titles carry', () => {
    const title = '\u2022\tH.R. 1246, To authorize leases;\r\n\u2022\tH.R. 1532';
    expect(storedFrom({ title }).title).toBe(title);
  });

  it('decodes HTML character references in every text field, once', () => {
    const hearing = storedFrom({
      title: 'Energy &amp; Commerce: the agency&#8217;s budget &#x2014; &quot;FY26&quot;',
      committees: [{ systemCode: 'hsif00', name: 'Energy &amp; Commerce' }],
      witnesses: [{ name: 'Jane O&#39;Neil', organization: 'AT&amp;T', position: 'VP &amp; counsel' }],
      location: { room: '2123', building: 'Rayburn', address: 'C &amp; Independence' },
      videos: [{ name: 'Part 1 &ndash; morning', url: 'https://www.congress.gov/v?a=1&amp;b=2' }],
    });
    expect(hearing.title).toBe('Energy & Commerce: the agency\u2019s budget \u2014 "FY26"');
    expect(hearing.committees).toEqual([{ systemCode: 'hsif00', name: 'Energy & Commerce' }]);
    expect(hearing.witnesses[0]).toMatchObject({ name: "Jane O'Neil", organization: 'AT&T', position: 'VP & counsel' });
    expect(hearing.location?.address).toBe('C & Independence');
    expect(hearing.videos).toEqual([{ name: 'Part 1 \u2013 morning', url: 'https://www.congress.gov/v?a=1&b=2' }]);
  });

  it.each([
    ['Energy &amp;amp; Commerce', 'Energy &amp; Commerce'],
    ['Medicare & Medicaid', 'Medicare & Medicaid'],
    ['R&D &unknown; &#0; &#xD800; &#1114112;', 'R&D &unknown; &#0; &#xD800; &#1114112;'],
    ['no ampersand at all', 'no ampersand at all'],
  ])('decodes %j as %j: once, and only references to a character', (text, decoded) => {
    expect(decodeHtmlEntities(text)).toBe(decoded);
  });

  it.each([
    [{ videos: [{ name: 'v', url: 'https://www.congress.gov/video/ 904 part 2' }] }, 'BAD_URL: videos[0].url "https://www.congress.gov/video/ 904 part 2" has whitespace inside it (U+0020 at character 32); a URL cannot hold any'],
    [{ videos: [{ name: 'v', url: 'https://www.congress.gov/\nvideo/1' }] }, 'BAD_URL: videos[0].url "https://www.congress.gov/\\nvideo/1" has whitespace inside it (U+000A at character 26); a URL cannot hold any'],
    [{ hearingTranscript: [{ jacketNumber: '123', url: 'not a url' }] }, 'BAD_URL: hearingTranscript[0].url "not a url" is not a URL (an absolute http:// or https:// address is expected)'],
    [{ videos: [{ name: 'v', url: 'javascript:alert(1)' }] }, 'BAD_URL: videos[0].url "javascript:alert(1)" is a javascript: URL; only http:// and https:// addresses are kept'],
    [{ videos: [{ name: 'v', url: 'httpx://www.congress.gov/v/1' }] }, 'BAD_URL: videos[0].url "httpx://www.congress.gov/v/1" is a httpx: URL; only http:// and https:// addresses are kept'],
  ])('quarantines %j with what is wrong with the URL', (overrides, reason) => {
    expect(reasonsFor(overrides)).toEqual([reason]);
  });

  it('keeps an http(s) URL whatever the case of its scheme', () => {
    const url = 'HTTPS://www.congress.gov/video/1';
    expect(storedFrom({ videos: [{ name: 'v', url }], hearingTranscript: [{ jacketNumber: '1', url: 'Http://www.congress.gov/t/1' }] })).toMatchObject({ videos: [{ url }], transcripts: [{ url: 'Http://www.congress.gov/t/1' }] });
  });

  it('counts a witness key in bytes of UTF-8, not characters: 1,308 characters of accented organization are past the limit', () => {
    const witness = (organization: string) => ({ witnesses: [{ name: 'Jane Doe', organization }] });
    expect(reasonsFor(witness('é'.repeat(1_300)))).toEqual(["OVERSIZE_FIELD: witnesses[0]: the witness's name and organization take 2,608 bytes of UTF-8 as the witness is keyed; the limit is 2,400"]);
    expect(storedFrom(witness('é'.repeat(1_190))).witnesses).toHaveLength(1);
  });

  it('keeps a URL whose surrounding blanks are trimmed, as every field is', () => {
    expect(storedFrom({ videos: [{ name: 'v', url: '  https://www.congress.gov/video/1\n' }] }).videos).toEqual([{ name: 'v', url: 'https://www.congress.gov/video/1' }]);
  });
});

/**
 * The rules' control characters are written out as ranges (shared/record.ts, for speed): each must
 * stay exactly Unicode's Cc (C0, DEL, C1) less what the rule keeps, at every code point.
 */
describe('control characters by rule', () => {
  it('are refused at exactly the code points of \\p{Cc} less tab, line feed, carriage return (text) and NUL (both)', () => {
    const cc = /\p{Cc}/u;
    const differing: string[] = [];
    for (let point = 0; point <= 0x10ffff; point += point < 0x3000 ? 1 : 97) {
      if (point >= 0xd800 && point <= 0xdfff) continue;
      const char = String.fromCodePoint(point);
      const control = cc.test(char) && point !== 0;
      const text = controlCharacterProblem(`ab${char}`) !== null;
      const name = controlCharacterProblem(`ab${char}`, 'name') !== null;
      if (text !== (control && !'\t\n\r'.includes(char)) || name !== control) differing.push(point.toString(16));
    }
    expect(differing).toEqual([]);
    expect(controlCharacterProblem('ab\u001b[2J')).toBe('contains the control character U+001B (ESC) at character 3');
  });
});
