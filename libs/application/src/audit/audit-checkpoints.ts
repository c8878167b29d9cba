import { randomUUID } from 'node:crypto';
import {
  canonicalJson,
  contentDigest,
  verifyChain,
  WARRANTY_CLAIM_STREAM_CATEGORY,
} from '@aftercare/domain';
import type { EventStore, RecordedEvent } from '@aftercare/event-store';
import { type AuditKeys, publicKeyId, signText, verifyText } from '../crypto/audit-keys';

/**
 * Signed checkpoints: the head of every warranty stream (revision, chain hash and an unkeyed
 * content digest), signed with the Ed25519 audit key and recorded in `auditCheckpoint-<id>`.
 * Against the latest one, `audit verify` names a stream that was deleted, truncated or rewritten
 * since (edited), even by someone able to write to the database: they cannot sign.
 */
export const AUDIT_CHECKPOINT_CATEGORY = 'auditCheckpoint';
export const AUDIT_CHECKPOINT_SIGNED = 'AuditCheckpointSigned';

export interface StreamHead {
  streamId: string;
  revision: string;
  /** The chain hash of the event at `revision`. */
  hash: string;
  /** contentDigest of revisions 0..revision: recomputable offline, without the chain key. */
  contentDigest: string;
}

export interface CheckpointBody {
  kind: 'aftercare-audit-checkpoint/1';
  checkpointId: string;
  signedAt: string;
  publicKeyId: string;
  streams: StreamHead[];
}

export interface SignedCheckpoint {
  body: CheckpointBody;
  /** Ed25519 over canonicalJson(body), base64. */
  signature: string;
}

export type IntegrityFindingKind = 'edited' | 'truncated' | 'deleted';

export interface IntegrityFinding {
  kind: IntegrityFindingKind;
  streamId: string;
  message: string;
}

/** One warranty stream as stored, its chain checked with the key. */
export interface CheckedStream {
  streamId: string;
  events: RecordedEvent[];
  finding?: IntegrityFinding;
}

export function checkStream(
  streamId: string,
  events: RecordedEvent[],
  chainKey: Buffer,
): CheckedStream {
  const chain = verifyChain(events, undefined, chainKey);
  if (chain.ok) return { streamId, events };
  return {
    streamId,
    events,
    finding: {
      kind: 'edited',
      streamId,
      message: `${streamId}: ${chain.message} (revision ${events[chain.brokenAt].revision})`,
    },
  };
}

export function headOf(streamId: string, events: RecordedEvent[]): StreamHead {
  const last = events[events.length - 1];
  return {
    streamId,
    revision: last.revision.toString(),
    hash: String(last.metadata.hash),
    contentDigest: contentDigest(events),
  };
}

/**
 * Compares streams as they are with a signed checkpoint: a listed stream that is gone was
 * deleted, one that ends before the signed revision was truncated, one whose event at the signed
 * revision carries another hash or content was rewritten.
 */
export function compareWithCheckpoint(
  checkpoint: CheckpointBody,
  streams: ReadonlyMap<
    string,
    readonly {
      revision: bigint | string;
      type: string;
      data: unknown;
      metadata: { [key: string]: unknown };
    }[]
  >,
): IntegrityFinding[] {
  const findings: IntegrityFinding[] = [];
  const at = `checkpoint ${checkpoint.checkpointId} (${checkpoint.signedAt})`;
  for (const head of checkpoint.streams) {
    const events = streams.get(head.streamId);
    const revision = Number(head.revision);
    if (!events || events.length === 0) {
      findings.push({
        kind: 'deleted',
        streamId: head.streamId,
        message: `${head.streamId} was deleted: ${at} signed it at revision ${head.revision}`,
      });
    } else if (events.length <= revision) {
      findings.push({
        kind: 'truncated',
        streamId: head.streamId,
        message: `${head.streamId} was truncated: it ends at revision ${events.length - 1}, ${at} signed revision ${head.revision}`,
      });
    } else if (
      String(events[revision].metadata.hash) !== head.hash ||
      contentDigest(events.slice(0, revision + 1)) !== head.contentDigest
    ) {
      findings.push({
        kind: 'edited',
        streamId: head.streamId,
        message: `${head.streamId} was edited: revisions 0..${head.revision} differ from what ${at} signed`,
      });
    }
  }
  return findings;
}

export class AuditCheckpoints {
  constructor(
    private readonly store: EventStore,
    private readonly keys: AuditKeys,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  /** Every warranty stream, read one at a time, its chain checked. */
  async *streams(): AsyncIterable<CheckedStream> {
    const ids = new Set<string>();
    for await (const event of this.store.readAll({
      filter: { categories: [WARRANTY_CLAIM_STREAM_CATEGORY] },
    })) {
      ids.add(event.streamId);
    }
    for (const streamId of ids) {
      const events: RecordedEvent[] = [];
      for await (const event of this.store.readStream(streamId)) events.push(event);
      if (events.length) yield checkStream(streamId, events, this.keys.chainKey);
    }
  }

  /**
   * Signs the heads of every intact warranty stream now and records the checkpoint. A stream
   * whose chain is broken is left out (signing it would launder the edit) and reported.
   */
  async sign(): Promise<{ checkpoint: SignedCheckpoint; refused: IntegrityFinding[] }> {
    const heads: StreamHead[] = [];
    const refused: IntegrityFinding[] = [];
    for await (const stream of this.streams()) {
      if (stream.finding) refused.push(stream.finding);
      else heads.push(headOf(stream.streamId, stream.events));
    }
    const body: CheckpointBody = {
      kind: 'aftercare-audit-checkpoint/1',
      checkpointId: randomUUID(),
      signedAt: this.clock().toISOString(),
      publicKeyId: publicKeyId(this.keys.publicKey),
      streams: heads.sort((a, b) => (a.streamId < b.streamId ? -1 : 1)),
    };
    const checkpoint = { body, signature: signText(this.keys.signingKey, canonicalJson(body)) };
    await this.store.appendToStream(
      `${AUDIT_CHECKPOINT_CATEGORY}-${body.checkpointId}`,
      [
        {
          id: body.checkpointId,
          type: AUDIT_CHECKPOINT_SIGNED,
          data: checkpoint,
          metadata: { schemaVersion: 1, actor: 'audit' },
        },
      ],
      { expectedRevision: 'no_stream' },
    );
    return { checkpoint, refused };
  }

  /** The most recent checkpoint whose signature verifies with this installation's key. */
  async latest(): Promise<SignedCheckpoint | undefined> {
    let latest: SignedCheckpoint | undefined;
    for await (const event of this.store.readAll({
      filter: { categories: [AUDIT_CHECKPOINT_CATEGORY] },
    })) {
      const candidate = event.data as SignedCheckpoint;
      if (verifyCheckpoint(candidate, this.keys.publicKey)) latest = candidate;
    }
    return latest;
  }

  /** Chains checked with the key, then the streams compared with the latest checkpoint. */
  async verify(): Promise<{
    checked: number;
    checkpoint?: CheckpointBody;
    findings: IntegrityFinding[];
  }> {
    const findings: IntegrityFinding[] = [];
    const current = new Map<string, RecordedEvent[]>();
    for await (const stream of this.streams()) {
      if (stream.finding) findings.push(stream.finding);
      current.set(stream.streamId, stream.events);
    }
    const latest = await this.latest();
    if (latest) {
      const edited = new Set(findings.map((f) => f.streamId));
      for (const finding of compareWithCheckpoint(latest.body, current)) {
        // An edit the chain already names is one finding, not two.
        if (!(finding.kind === 'edited' && edited.has(finding.streamId))) findings.push(finding);
      }
    }
    return { checked: current.size, checkpoint: latest?.body, findings };
  }
}

export function verifyCheckpoint(
  checkpoint: SignedCheckpoint,
  publicKey: import('node:crypto').KeyObject,
): boolean {
  return (
    checkpoint?.body?.kind === 'aftercare-audit-checkpoint/1' &&
    typeof checkpoint.signature === 'string' &&
    verifyText(publicKey, canonicalJson(checkpoint.body), checkpoint.signature)
  );
}
