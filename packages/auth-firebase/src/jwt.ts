import { UnauthorizedError } from '@visionq/core';

/** A compact JWS split into its parts, header and payload parsed. Nothing here is verified yet. */
export interface DecodedJwt {
  header: Readonly<Record<string, unknown>>;
  payload: Readonly<Record<string, unknown>>;
  /** The base64url signature segment; empty for an unsigned (emulator) token. */
  signature: string;
}

// Firebase ID tokens are about 1 KB (custom claims are capped at 1,000 bytes); anything far larger is not one,
// and parsing it would only cost us.
const MAX_TOKEN_LENGTH = 16 * 1024;
const BASE64URL = /^[A-Za-z0-9_-]*$/;

/**
 * Splits and parses a compact JWT. Rejects, without echoing the token, anything that is not three base64url
 * segments whose first two are JSON objects.
 */
export function decodeJwt(token: unknown): DecodedJwt {
  if (token === undefined || token === null) throw new UnauthorizedError('missing', 'no token');
  if (typeof token !== 'string') throw new UnauthorizedError('malformed', 'token is not a string');
  if (token.trim() === '') throw new UnauthorizedError('missing', 'no token');
  if (token.length > MAX_TOKEN_LENGTH) throw new UnauthorizedError('malformed', 'token is too long');
  const parts = token.split('.');
  if (parts.length !== 3 || !parts.every((part) => BASE64URL.test(part))) {
    throw new UnauthorizedError('malformed', 'token is not a compact JWT');
  }
  const [header, payload, signature] = parts as [string, string, string];
  return { header: parseSegment(header, 'header'), payload: parseSegment(payload, 'payload'), signature };
}

function parseSegment(segment: string, what: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
  } catch {
    // No cause kept: JSON.parse quotes the text it choked on, which is part of the token.
    throw new UnauthorizedError('malformed', `token ${what} is not JSON`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new UnauthorizedError('malformed', `token ${what} is not a JSON object`);
  }
  return parsed as Record<string, unknown>;
}

/** Encodes an unsigned JWT (`alg: none`, empty signature segment), as the Auth Emulator issues them. */
export function encodeUnsignedJwt(payload: Readonly<Record<string, unknown>>): string {
  const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${encode({ alg: 'none', typ: 'JWT' })}.${encode(payload)}.`;
}
