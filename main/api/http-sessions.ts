import crypto from 'node:crypto';
import type { ApiCaller } from '../../shared/api.js';

/** A browser signed in to `gatehouse serve`: its own secret (in an HttpOnly cookie), an expiry and, once given, a name. */
interface BrowserSession {
  operator: string | null;
  expiresAt: number;
}

/** How long a browser session lasts from sign-in; a new sign-in link starts another. */
export const DEFAULT_SESSION_TTL_MS = 12 * 60 * 60 * 1000;

/**
 * The server's memory of sign-in links and sessions. A sign-in link's token works once: it is
 * exchanged for a session secret that is not the token and not the API clients' bearer secret, so
 * a link left in a shell history or a screenshot cannot sign anyone in again. Secrets are kept only
 * as SHA-256 digests, so lookups compare digests, not the secrets themselves.
 */
export class SessionBook {
  private readonly signInTokens = new Set<string>();
  private readonly sessions = new Map<string, BrowserSession>();

  constructor(
    private readonly ttlMs: number,
    private readonly now: () => number,
  ) {}

  /** A fresh single-use sign-in token. */
  mintSignInToken(): string {
    const token = randomSecret();
    this.signInTokens.add(digest(token));
    return token;
  }

  /** Spends a sign-in token on a new session; null when the token is unknown or already used. */
  redeem(token: string): { secret: string; maxAgeSeconds: number } | null {
    if (!this.signInTokens.delete(digest(token))) return null;
    this.forgetExpired();
    const secret = randomSecret();
    this.sessions.set(digest(secret), { operator: null, expiresAt: this.now() + this.ttlMs });
    return { secret, maxAgeSeconds: Math.floor(this.ttlMs / 1000) };
  }

  /** The caller a session secret stands for, or why it does not stand for one. */
  callerFor(secret: string): ApiCaller | 'unknown' | 'expired' {
    const key = digest(secret);
    const session = this.sessions.get(key);
    if (!session) return 'unknown';
    if (this.now() >= session.expiresAt) {
      this.sessions.delete(key);
      return 'expired';
    }
    return {
      operator: session.operator,
      identity: 'session',
      nameSession: (name) => {
        session.operator ??= name;
      },
    };
  }

  private forgetExpired(): void {
    const now = this.now();
    for (const [key, session] of this.sessions) if (now >= session.expiresAt) this.sessions.delete(key);
  }
}

export function randomSecret(): string {
  return crypto.randomBytes(32).toString('base64url');
}

function digest(secret: string): string {
  return crypto.createHash('sha256').update(secret).digest('hex');
}

/** Constant-time comparison of a presented secret with the expected one. */
export function sameSecret(given: string, expected: string): boolean {
  const a = crypto.createHash('sha256').update(given).digest();
  const b = crypto.createHash('sha256').update(expected).digest();
  return crypto.timingSafeEqual(a, b);
}
