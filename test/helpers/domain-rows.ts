/**
 * Domain rows by natural key, on SQLite and PostgreSQL: one implementation, shared with the
 * crash-safety proof and the soak in bench/ (which the build compiles and tests cannot).
 */
export { domainFingerprint, domainRows, hashDomainRows, withReader, type DomainRows, type Fingerprint } from '../../bench/domain-rows.js';
