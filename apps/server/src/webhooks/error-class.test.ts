import { describe, expect, it } from 'vitest';
import { BlockedAddressError } from './address-policy';
import {
  describeFailure,
  disabledReasonOfStored,
  errorClassOf,
  errorClassOfStored,
} from './error-class';

const failure = (code: string) => Object.assign(new Error(`failed: ${code}`), { code });

describe('errorClassOf', () => {
  it('folds network errors into a few classes that do not map ports', () => {
    const cases: Array<[unknown, string]> = [
      [new BlockedAddressError(), 'blocked_address'],
      [failure('ENOTFOUND'), 'dns_failed'],
      [failure('EAI_AGAIN'), 'dns_failed'],
      [failure('ETIMEDOUT'), 'timeout'],
      [failure('DEPTH_ZERO_SELF_SIGNED_CERT'), 'tls_failed'],
      [failure('ERR_TLS_CERT_ALTNAME_INVALID'), 'tls_failed'],
      [failure('ERR_SSL_WRONG_VERSION_NUMBER'), 'tls_failed'],
      [failure('UNABLE_TO_VERIFY_LEAF_SIGNATURE'), 'tls_failed'],
      [failure('ECONNREFUSED'), 'connection_failed'],
      [failure('ECONNRESET'), 'connection_failed'],
      [failure('EHOSTUNREACH'), 'connection_failed'],
      [failure('HPE_INVALID_CONSTANT'), 'connection_failed'],
      [new Error('socket hang up'), 'connection_failed'],
      ['not an error', 'connection_failed'],
    ];
    for (const [error, expected] of cases)
      expect(errorClassOf(error), String(error)).toBe(expected);
  });

  it('describes a failure with its status', () => {
    expect(describeFailure('http_status', 502)).toBe('http_status (502)');
    expect(describeFailure('timeout', null)).toBe('timeout');
  });
});

describe('stored errors', () => {
  it('shows rows written before error classes as the class only', () => {
    const cases: Array<[string | null, string | null]> = [
      [null, null],
      ['timeout', 'timeout'],
      ['HTTP 500: database is down, password=hunter2', 'http_status'],
      ['HTTP 307: redirects are not followed', 'redirect_refused'],
      [
        'blocked: localhost resolves to a private or loopback address (127.0.0.1)',
        'blocked_address',
      ],
      ['timed out after 10000 ms', 'timeout'],
      ['ECONNREFUSED: connect ECONNREFUSED 10.0.0.8:5432', 'connection_failed'],
      ['ENOTFOUND: getaddrinfo ENOTFOUND db.internal', 'dns_failed'],
      ['the previous attempt was interrupted before its answer was recorded', 'interrupted'],
      ['the workspace has no signing key', 'no_signing_key'],
      ['the event is gone', 'event_gone'],
    ];
    for (const [stored, shown] of cases)
      expect(errorClassOfStored(stored), String(stored)).toBe(shown);
  });

  it('rewrites the last error of an old disabled_reason, leaves others alone', () => {
    const head = 'disabled after 10 failed attempts in a row; last error: ';
    expect(disabledReasonOfStored(`${head}HTTP 502: bad gateway <secret>`)).toBe(
      `${head}http_status (502)`,
    );
    expect(disabledReasonOfStored(`${head}ECONNREFUSED: connect 10.0.0.8:22`)).toBe(
      `${head}connection_failed`,
    );
    expect(disabledReasonOfStored(`${head}timeout`)).toBe(`${head}timeout`);
    expect(disabledReasonOfStored('disabled on request')).toBe('disabled on request');
    expect(disabledReasonOfStored(null)).toBeNull();
  });
});
