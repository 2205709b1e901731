import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { rendererFile } from '../../main/api/index.js';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-renderer-'));
fs.mkdirSync(path.join(root, 'dist/assets'), { recursive: true });
fs.writeFileSync(path.join(root, 'dist/index.html'), '<html></html>');
fs.writeFileSync(path.join(root, 'dist/assets/app.js'), 'console.log(1)');
fs.writeFileSync(path.join(root, 'secret.txt'), 'not for the browser');
const dist = path.join(root, 'dist');
fs.symlinkSync(path.join(root, 'secret.txt'), path.join(dist, 'assets/leak.js'));
fs.symlinkSync(root, path.join(dist, 'assets/up'));
fs.symlinkSync(path.join(dist, 'assets/app.js'), path.join(dist, 'inside.js'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

describe('serving the built console', () => {
  it('serves files inside the build with their content type', () => {
    expect(rendererFile(dist, '/assets/app.js', { fallbackToIndex: false })?.contentType).toBe('text/javascript; charset=utf-8');
    expect(rendererFile(dist, '/', { fallbackToIndex: false })?.body.toString()).toBe('<html></html>');
  });

  it.each(['/../secret.txt', '/%2e%2e/secret.txt', '/assets/../../secret.txt'])('never serves %s from outside the build', (pathname) => {
    expect(rendererFile(dist, pathname, { fallbackToIndex: true })).toBeNull();
  });

  it.each(['/assets/leak.js', '/assets/up/secret.txt'])('never serves %s, a symlink inside the build that leads out of it', (pathname) => {
    expect(rendererFile(dist, pathname, { fallbackToIndex: true })).toBeNull();
    expect(rendererFile(dist, pathname, { fallbackToIndex: false })).toBeNull();
  });

  it('serves a symlink that stays inside the build', () => {
    expect(rendererFile(dist, '/inside.js', { fallbackToIndex: false })?.body.toString()).toBe('console.log(1)');
  });

  it.each(['/%E0%A4%A', '/assets/%ZZ.js', '/%'])('refuses the malformed percent-encoding %s as bad input', (pathname) => {
    expect(() => rendererFile(dist, pathname, { fallbackToIndex: true })).toThrow(expect.objectContaining({ code: 'INPUT_INVALID' }));
  });

  it('answers an unknown path with the page in browser mode and with nothing in the app', () => {
    expect(rendererFile(dist, '/runs/12', { fallbackToIndex: true })?.contentType).toBe('text/html; charset=utf-8');
    expect(rendererFile(dist, '/runs/12', { fallbackToIndex: false })).toBeNull();
  });
});
