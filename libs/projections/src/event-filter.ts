import type { AllFilter } from '@aftercare/event-store';

// The same rule as the event store's `matchesFilter`, kept here so rebuild workers, which load
// this module, do not load the store library and its adapters (pg, gRPC) just to filter rows.

/** The category of a stream: the part of its id before the first '-'. */
export function categoryOf(streamId: string): string {
  const dash = streamId.indexOf('-');
  return dash < 0 ? streamId : streamId.slice(0, dash);
}

/**
 * Whether an event with this stream and type passes a projection's filter: works on the raw row,
 * so a rebuild decides before parsing an event's JSON.
 */
export function passesFilter(
  filter: AllFilter | undefined,
  streamId: string,
  type: string,
): boolean {
  if (!filter) return true;
  if (filter.categories?.length && !filter.categories.includes(categoryOf(streamId))) return false;
  if (
    filter.eventTypePrefixes?.length &&
    !filter.eventTypePrefixes.some((p) => type.startsWith(p))
  ) {
    return false;
  }
  return true;
}
