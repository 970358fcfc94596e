// The opaque `metadata` path segment of the pact URLs handed out for
// verification: which consumer versions a pact stands for, and whether it was
// pending or work in progress, so the result posted back can be filed with the
// same flags. Clients never read it, only follow it.

export interface PactMetadata {
  /** Consumer version numbers. */
  cv?: string[];
  pending?: boolean;
  wip?: boolean;
}

export function encodeMetadata(metadata: PactMetadata): string {
  return Buffer.from(JSON.stringify(metadata)).toString('base64url');
}

/** Anything unreadable is treated as no metadata: it only ever adds detail. */
export function decodeMetadata(segment: string | undefined): PactMetadata {
  if (!segment) return {};
  try {
    const parsed = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8')) as unknown;
    if (parsed === null || typeof parsed !== 'object') return {};
    const { cv, pending, wip } = parsed as Record<string, unknown>;
    return {
      ...(Array.isArray(cv) && cv.every((v) => typeof v === 'string') ? { cv: cv } : {}),
      ...(typeof pending === 'boolean' ? { pending } : {}),
      ...(typeof wip === 'boolean' ? { wip } : {}),
    };
  } catch {
    return {};
  }
}
