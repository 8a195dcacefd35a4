import { type Cidr, KINDS, type Kind } from '@overlap/cidr';
import { parseCidrCached } from './cidr-cache.ts';
import { boundedMemo } from './memo.ts';
import type { Direction, MappingRef } from './model.ts';

/** Rules that belong to no mapping are named by what they are for. */
export type Purpose = 'masquerade' | 'accept-tunnel' | 'clamp-mss';
const PURPOSES: readonly Purpose[] = ['masquerade', 'accept-tunnel', 'clamp-mss'];
const DIRECTIONS: readonly Direction[] = ['forward', 'reverse'];
const PREFIX = 'overlap';

export function mappingComment(ref: MappingRef): string {
  return [PREFIX, ref.kind, ref.original.text, ref.mapped.text, ref.direction].join(' ');
}

export function purposeComment(purpose: Purpose): string {
  return `${PREFIX} ${purpose}`;
}

export type ParsedComment = { mapping: MappingRef } | { purpose: Purpose };

/**
 * Reads a comment back. Anything that is not exactly one we write yields undefined, so a hand-made rule that
 * merely starts with "overlap" is treated as foreign rather than trusted. Remembered: every read repeats them.
 */
export const parseComment: (comment: string) => ParsedComment | undefined = boundedMemo(readComment);

function readComment(comment: string): ParsedComment | undefined {
  const words = comment.split(' ');
  if (words[0] !== PREFIX) return undefined;
  if (words.length === 2) {
    const purpose = PURPOSES.find((p) => p === words[1]);
    return purpose ? { purpose } : undefined;
  }
  if (words.length !== 5) return undefined;
  const [, kindWord, originalText, mappedText, directionWord] = words;
  const kind = KINDS.find((k: Kind) => k === kindWord);
  const direction = DIRECTIONS.find((d) => d === directionWord);
  const original = canonicalCidr(originalText);
  const mapped = canonicalCidr(mappedText);
  if (!kind || !direction || !original || !mapped) return undefined;
  return { mapping: { kind, original, mapped, direction } };
}

/** Only the canonical spelling counts: a comment we wrote never carries any other. */
function canonicalCidr(text: string | undefined): Cidr | undefined {
  if (text === undefined) return undefined;
  try {
    const cidr = parseCidrCached(text, 'comment');
    return cidr.text === text ? cidr : undefined;
  } catch {
    return undefined;
  }
}
