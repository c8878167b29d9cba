import type { KeyObject } from 'node:crypto';
import {
  canonicalJson,
  GENESIS_HASH,
  hashEvent,
  recomputeDecision,
  warrantyClaimStreamId,
  type WarrantyClaimDecided,
  WARRANTY_CLAIM_STREAM_CATEGORY,
} from '@aftercare/domain';
import type { EventStore, RecordedEvent } from '@aftercare/event-store';
import { type AuditKeys, publicKeyId, signText, verifyText } from '../crypto/audit-keys';
import { timeWindow } from '../time-window';
import {
  AuditCheckpoints,
  checkStream,
  compareWithCheckpoint,
  headOf,
  type IntegrityFinding,
  type SignedCheckpoint,
  type StreamHead,
  verifyCheckpoint,
} from './audit-checkpoints';
import { auditEvents, type ClaimAudit } from './warranty-audit';

/**
 * An audit bundle: the claims in scope with every event of their streams as stored (facts, rule
 * traces, chain links), each claim's audit, a manifest of the stream heads signed with the
 * Ed25519 audit key when the bundle was made, and the signed checkpoints. Another machine checks
 * it with the public key alone: an edited event, a truncated stream and a removed stream are
 * each named.
 */
export type BundleScope = { claimId: string } | { from?: string; to?: string };

export interface BundleEvent {
  id: string;
  revision: string;
  position: string;
  type: string;
  recordedAt: string;
  data: unknown;
  metadata: { [key: string]: unknown };
}

export interface BundleClaim {
  claimId: string;
  streamId: string;
  events: BundleEvent[];
  audit: ClaimAudit;
}

export interface BundleManifestBody {
  kind: 'aftercare-audit-bundle-manifest/1';
  createdAt: string;
  scope: BundleScope;
  publicKeyId: string;
  streams: StreamHead[];
}

export interface AuditBundle {
  format: 'aftercare-audit-bundle/1';
  manifest: { body: BundleManifestBody; signature: string };
  claims: BundleClaim[];
  /** Signed checkpoints that list streams of this bundle: the one made for it and the one before. */
  checkpoints: SignedCheckpoint[];
}

export class BundleRefused extends Error {}

export async function createAuditBundle(
  store: EventStore,
  keys: AuditKeys,
  scope: BundleScope,
  clock: () => Date = () => new Date(),
): Promise<AuditBundle> {
  const checkpoints = new AuditCheckpoints(store, keys, clock);
  const previous = await checkpoints.latest();
  const claimIds = await claimsInScope(store, scope);
  const claims: BundleClaim[] = [];
  const broken: IntegrityFinding[] = [];
  for (const claimId of claimIds) {
    const streamId = warrantyClaimStreamId(claimId);
    const events: RecordedEvent[] = [];
    for await (const event of store.readStream(streamId)) events.push(event);
    if (events.length === 0) continue;
    const checked = checkStream(streamId, events, keys.chainKey);
    if (checked.finding) broken.push(checked.finding);
    claims.push({
      claimId,
      streamId,
      events: events.map(bundleEvent),
      audit: auditEvents(claimId, streamId, events, keys.chainKey),
    });
  }
  if ('claimId' in scope && claims.length === 0) {
    throw new BundleRefused(`No warranty claim ${scope.claimId}`);
  }
  if (broken.length) {
    throw new BundleRefused(
      `Refusing to sign a bundle over broken chains: ${broken.map((f) => f.message).join('; ')}`,
    );
  }
  if (previous) {
    const current = new Map(claims.map((c) => [c.streamId, c.events]));
    const inScope = {
      ...previous.body,
      streams: previous.body.streams.filter((h) => current.has(h.streamId)),
    };
    const since = compareWithCheckpoint(inScope, current);
    if (since.length) {
      throw new BundleRefused(
        `Refusing to sign streams that changed since the last checkpoint: ${since.map((f) => f.message).join('; ')}`,
      );
    }
  }
  const { checkpoint } = await checkpoints.sign();
  const body: BundleManifestBody = {
    kind: 'aftercare-audit-bundle-manifest/1',
    createdAt: clock().toISOString(),
    scope,
    publicKeyId: publicKeyId(keys.publicKey),
    streams: claims.map((c) => headOf(c.streamId, c.events as unknown as RecordedEvent[])),
  };
  return {
    format: 'aftercare-audit-bundle/1',
    manifest: { body, signature: signText(keys.signingKey, canonicalJson(body)) },
    claims,
    // Whole signed lists (the signature covers them); a reader looks up the bundle's streams.
    checkpoints: [...(previous ? [previous] : []), checkpoint],
  };
}

async function claimsInScope(store: EventStore, scope: BundleScope): Promise<string[]> {
  if ('claimId' in scope) return [scope.claimId];
  const window = timeWindow(scope.from, scope.to);
  const ids: string[] = [];
  const filter = {
    categories: [WARRANTY_CLAIM_STREAM_CATEGORY],
    eventTypePrefixes: ['WarrantyClaimFiled'],
  };
  for await (const event of store.readAll({ filter })) {
    const data = event.data as { claimId: string; occurredAt?: string };
    const at = Date.parse(data.occurredAt ?? event.recordedAt.toISOString());
    if (at >= window.from && at <= window.to) ids.push(data.claimId);
  }
  return ids;
}

function bundleEvent(event: RecordedEvent): BundleEvent {
  return {
    id: event.id,
    revision: event.revision.toString(),
    position: event.position.toString(),
    type: event.type,
    recordedAt: event.recordedAt.toISOString(),
    data: event.data,
    metadata: event.metadata,
  };
}

export type BundleFindingKind =
  | IntegrityFinding['kind']
  | 'bad_signature'
  | 'unlisted'
  | 'broken_links'
  | 'decision_mismatch'
  | 'malformed';

export interface BundleFinding {
  kind: BundleFindingKind;
  streamId?: string;
  message: string;
}

export interface BundleVerification {
  ok: boolean;
  claims: number;
  findings: BundleFinding[];
}

/**
 * Offline: needs the bundle and the public key only. Checks the manifest's and checkpoints'
 * signatures, that every signed stream is present in full with the signed content (recomputed
 * here), that each stream's links hold, that the streams extend what earlier checkpoints signed,
 * and recomputes each decision from its recorded facts.
 */
export function verifyAuditBundle(bundle: unknown, publicKey: KeyObject): BundleVerification {
  const findings: BundleFinding[] = [];
  const b = bundle as Partial<AuditBundle> | null;
  if (!b || b.format !== 'aftercare-audit-bundle/1' || !b.manifest || !Array.isArray(b.claims)) {
    return {
      ok: false,
      claims: 0,
      findings: [{ kind: 'malformed', message: 'Not an Aftercare audit bundle' }],
    };
  }
  if (!verifyText(publicKey, canonicalJson(b.manifest.body), b.manifest.signature)) {
    findings.push({
      kind: 'bad_signature',
      message:
        'The manifest signature does not verify with this public key: the list of streams was altered, or the key is not the signer',
    });
  }
  const streams = new Map<string, BundleEvent[]>();
  for (const claim of b.claims) streams.set(claim.streamId, claim.events ?? []);
  const manifestCheckpoint = {
    kind: 'aftercare-audit-checkpoint/1' as const,
    checkpointId: 'bundle manifest',
    signedAt: b.manifest.body.createdAt,
    publicKeyId: b.manifest.body.publicKeyId,
    streams: b.manifest.body.streams,
  };
  for (const finding of compareWithCheckpoint(manifestCheckpoint, streams)) findings.push(finding);
  const listed = new Set(b.manifest.body.streams.map((h) => h.streamId));
  for (const [streamId, events] of streams) {
    if (!listed.has(streamId)) {
      findings.push({
        kind: 'unlisted',
        streamId,
        message: `${streamId} is in the bundle but not in its signed manifest`,
      });
      continue;
    }
    const head = b.manifest.body.streams.find((h) => h.streamId === streamId);
    if (head && events.length > Number(head.revision) + 1) {
      findings.push({
        kind: 'edited',
        streamId,
        message: `${streamId} has events after the signed revision ${head.revision}`,
      });
    }
    const links = checkLinks(events);
    if (links) findings.push({ kind: 'broken_links', streamId, message: `${streamId}: ${links}` });
    for (const event of events) {
      if (event.type !== 'WarrantyClaimDecided') continue;
      try {
        const { matches, mismatches } = recomputeDecision(
          event.data as WarrantyClaimDecided['data'],
        );
        if (!matches) {
          findings.push({
            kind: 'decision_mismatch',
            streamId,
            message: `${streamId}: the decision recomputed from its recorded facts differs in ${mismatches.map((m) => m.field).join(', ')}`,
          });
        }
      } catch (error) {
        findings.push({
          kind: 'decision_mismatch',
          streamId,
          message: `${streamId}: ${(error as Error).message}`,
        });
      }
    }
  }
  for (const checkpoint of b.checkpoints ?? []) {
    if (!verifyCheckpoint(checkpoint, publicKey)) {
      findings.push({
        kind: 'bad_signature',
        message: `Checkpoint ${checkpoint?.body?.checkpointId} does not verify with this public key`,
      });
      continue;
    }
    const inBundle = {
      ...checkpoint.body,
      streams: checkpoint.body.streams.filter((h) => listed.has(h.streamId)),
    };
    for (const finding of compareWithCheckpoint(inBundle, streams)) findings.push(finding);
  }
  const unique = new Map(findings.map((f) => [`${f.kind}|${f.streamId}|${f.message}`, f]));
  const all = [...unique.values()];
  return { ok: all.length === 0, claims: b.claims.length, findings: all };
}

/** prevHash links, and unkeyed hashes where the stream predates keyed chains. */
function checkLinks(events: BundleEvent[]): string | undefined {
  let previous = GENESIS_HASH;
  for (const [index, event] of events.entries()) {
    if (String(event.revision) !== String(index))
      return `revision ${index} is missing or out of order`;
    if (event.metadata.prevHash !== previous)
      return `event ${index} does not follow the one before it`;
    if (
      event.metadata.chainAlg === undefined &&
      hashEvent(event, previous) !== event.metadata.hash
    ) {
      return `event ${index} was changed after it was recorded`;
    }
    previous = String(event.metadata.hash);
  }
  return undefined;
}
