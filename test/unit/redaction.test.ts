import { describe, expect, it } from 'vitest';
import { redactKnownSecret, redactSecrets } from '../../shared/redact.js';

describe('secret redaction', () => {
  it.each([
    ['a query parameter', 'GET https://api.test/v3/x?api_key=K3Y-VALUE&format=json', 'GET https://api.test/v3/x?api_key=***&format=json'],
    ['another spelling', 'congress:https://api.test/v3?API-KEY=K3Y-VALUE', 'congress:https://api.test/v3?API-KEY=***'],
    ['a URL-encoded query', 'next=%2Fv3%3Fapi%5Fkey%3DK3Y-VALUE', 'next=%2Fv3%3Fapi%5Fkey%3D***'],
    ['a header', 'sent X-Api-Key: K3Y-VALUE to the server', 'sent X-Api-Key: *** to the server'],
    ['JSON', '{"apiKey":"K3Y-VALUE","user":"ops"}', '{"apiKey":"***","user":"ops"}'],
    ['a connection string', 'cannot reach postgres://ops:hunter2@db:5432/gh', 'cannot reach postgres://ops:***@db:5432/gh'],
  ])('removes the key from %s', (_where, text, redacted) => {
    expect(redactSecrets(text)).toBe(redacted);
  });

  it('leaves words that only mention a key alone', () => {
    const text = '{"congressApiKeySet":true} set GATEHOUSE_CONGRESS_API_KEY first';
    expect(redactSecrets(text)).toBe(text);
  });

  it('removes a known key wherever it stands whole, and leaves a longer word that contains it alone', () => {
    const text = '{"note":"key K3Y.V+1 is over its limit","url":"/v3?api_key=K3Y.V+1","word":"K3Y.V+12"}';
    expect(redactKnownSecret(text, 'K3Y.V+1')).toBe('{"note":"key *** is over its limit","url":"/v3?api_key=***","word":"K3Y.V+12"}');
  });
});
