/**
 * The vault's Anchor events from a transaction's logs: each `Program data: <base64>` line the
 * vault program wrote (the invocation stack is followed, so lines of other programs are left
 * out) is an 8-byte discriminator and the event's Borsh body; both come from the IDL
 * (`generated/idl.ts`: 35 events).
 */
import { getBase64Encoder, type ReadonlyUint8Array } from '@solana/kit';

import { RPV_VAULT_PROGRAM_ADDRESS } from './generated';
import { RPV_VAULT_EVENTS, type RpvVaultEvent } from './generated/idl';

export type { RpvVaultEvent } from './generated/idl';
export type RpvVaultEventName = RpvVaultEvent['name'];

const BY_DISCRIMINATOR = new Map<string, (typeof RPV_VAULT_EVENTS)[keyof typeof RPV_VAULT_EVENTS]>(
  Object.values(RPV_VAULT_EVENTS).map((e) => [hex(e.discriminator), e]),
);

function hex(b: ReadonlyUint8Array): string {
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}

/** One event from its bytes (discriminator then body), or `undefined` when it is none of the vault's. */
export function decodeEvent(bytes: ReadonlyUint8Array): RpvVaultEvent | undefined {
  if (bytes.length < 8) return undefined;
  const e = BY_DISCRIMINATOR.get(hex(bytes.subarray(0, 8)));
  if (!e) return undefined;
  return { name: e.name, data: e.decoder().decode(bytes.subarray(8)) } as RpvVaultEvent;
}

/** Every vault event in `logs`, in order. */
export function parseEvents(logs: readonly string[], program: string = RPV_VAULT_PROGRAM_ADDRESS): RpvVaultEvent[] {
  const stack: string[] = [];
  const out: RpvVaultEvent[] = [];
  const b64 = getBase64Encoder();
  for (const line of logs) {
    const invoke = /^Program (\w+) invoke \[\d+\]$/.exec(line);
    if (invoke) {
      stack.push(invoke[1]!);
      continue;
    }
    if (/^Program \w+ (success|failed)/.test(line)) {
      stack.pop();
      continue;
    }
    if (line.startsWith('Program data: ') && stack[stack.length - 1] === program) {
      const e = decodeEvent(b64.encode(line.slice('Program data: '.length).trim()));
      if (e) out.push(e);
    }
  }
  return out;
}

/** The events of `name` in `events`, typed. */
export function eventsNamed<N extends RpvVaultEventName>(
  events: readonly RpvVaultEvent[],
  name: N,
): EventData<N>[] {
  return events.filter((e) => e.name === name).map((e) => e.data as EventData<N>);
}

/** The fields of event `N`. */
export type EventData<N extends RpvVaultEventName> = Extract<RpvVaultEvent, { name: N }>['data'];
