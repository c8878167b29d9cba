import { DomainError } from './domain-error';
import type { AftercareEventType } from './events';
import { EVENT_SCHEMA_VERSIONS, isAftercareEventType } from './events';

/**
 * Old event shapes and the functions that lift them to the current one, applied on read. Each
 * upcaster takes data of version n to version n + 1; `upcast` chains them.
 */

/** FeedbackReceived v1: a single NPS `score` (0-10) and an optional comment. */
export type FeedbackReceivedV1Data = {
  customerId: string;
  occurredAt: string;
  feedbackId: string;
  score: number;
  comment?: string;
};

type JsonObject = { [key: string]: unknown };
type Upcaster = (data: JsonObject) => JsonObject;

function feedbackReceivedV1ToV2(data: JsonObject): JsonObject {
  const { score, ...rest } = data;
  return { ...rest, nps: score };
}

/**
 * WarrantyClaimFiled v1: `defect.cause` was the claimant's word and taken as the cause; the
 * defect's `noticedAt` was not asked for; a purchase without a serial was filed with ''.
 * v2 keeps that cause as `suspectedCause`, takes the filing time as when the defect was noticed
 * (the best the v1 record knows) and the description as the symptom.
 */
export type WarrantyClaimFiledV1Data = {
  claimId: string;
  customerId: string;
  occurredAt: string;
  purchaseId: string;
  serialNumber: string;
  defect: { code: string; description: string; cause: string };
  evidence: { proofOfPurchase: boolean; photos?: string[]; notes?: string };
  claimedAmount?: number;
  remedyRequested?: string;
};

function warrantyClaimFiledV1ToV2(data: JsonObject): JsonObject {
  const { defect, serialNumber, ...rest } = data as JsonObject & {
    defect?: { code?: unknown; description?: unknown; cause?: unknown };
  };
  return {
    ...rest,
    serialNumber: serialNumber === '' || serialNumber === undefined ? null : serialNumber,
    noticedAt: data.occurredAt,
    defect: { code: defect?.code, description: defect?.description },
    symptom: defect?.description,
    ...(defect?.cause !== undefined ? { suspectedCause: defect.cause } : {}),
  };
}

/** type -> version it upgrades from -> upcaster. */
const UPCASTERS: Partial<Record<AftercareEventType, Record<number, Upcaster>>> = {
  FeedbackReceived: { 1: feedbackReceivedV1ToV2 },
  WarrantyClaimFiled: { 1: warrantyClaimFiledV1ToV2 },
};

export function upcast(
  type: string,
  schemaVersion: number,
  data: unknown,
): { data: unknown; schemaVersion: number } {
  if (!isAftercareEventType(type)) return { data, schemaVersion };
  const current = EVENT_SCHEMA_VERSIONS[type];
  if (!Number.isInteger(schemaVersion) || schemaVersion < 1 || schemaVersion > current) {
    throw new DomainError(
      'unknown_schema_version',
      `${type} has schema versions 1..${current}; cannot read version ${schemaVersion}`,
      { type, schemaVersion, current },
    );
  }
  let version = schemaVersion;
  let upcasted = data;
  while (version < current) {
    const step = UPCASTERS[type]?.[version];
    if (!step || typeof upcasted !== 'object' || upcasted === null) {
      throw new DomainError(
        'unknown_schema_version',
        `No upcaster for ${type} from version ${version}`,
        { type, schemaVersion: version, current },
      );
    }
    upcasted = step(upcasted as JsonObject);
    version += 1;
  }
  return { data: upcasted, schemaVersion: version };
}

/**
 * Upcasts a stored event; metadata.schemaVersion defaults to 1 when absent (events written before
 * versions were recorded). Returns the event with current data and schemaVersion.
 */
export function upcastEvent<
  E extends { type: string; data: unknown; metadata?: { schemaVersion?: number } },
>(event: E): E {
  const { data, schemaVersion } = upcast(
    event.type,
    event.metadata?.schemaVersion ?? 1,
    event.data,
  );
  if (data === event.data) return event;
  return { ...event, data, metadata: { ...(event.metadata ?? {}), schemaVersion } };
}
