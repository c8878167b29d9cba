import {
  PLAYBOOK_STREAM_CATEGORY,
  type PlaybookDefinition,
  type PlaybookPublished,
  playbookStreamId,
} from '@aftercare/domain';
import type { EventStore, RecordedEvent } from '@aftercare/event-store';

export interface PlaybookVersionView {
  version: number;
  name: string;
  publishedAt: string;
  publishedBy: string | null;
  /** Global position of the publication: events after it are planned with this version. */
  position: string;
  definition: PlaybookDefinition;
}

export interface PlaybookDetail {
  playbookId: string;
  /** The latest version's name. */
  name: string;
  latestVersion: number;
  /** In version order. */
  versions: PlaybookVersionView[];
}

function view(event: RecordedEvent): PlaybookVersionView & { playbookId: string } {
  const d = event.data as PlaybookPublished['data'];
  return {
    playbookId: d.playbookId,
    version: d.version,
    name: d.name,
    publishedAt: d.occurredAt,
    // Named in the request, else whoever recorded it (the API key's actor in the metadata).
    publishedBy: d.publishedBy ?? event.metadata.actor ?? null,
    position: event.position.toString(),
    definition: d.definition,
  };
}

function detail(playbookId: string, versions: PlaybookVersionView[]): PlaybookDetail {
  versions.sort((a, b) => a.version - b.version);
  const latest = versions[versions.length - 1];
  return { playbookId, name: latest.name, latestVersion: latest.version, versions };
}

/** The published playbooks and every version, read from their streams (few and small). */
export class PlaybookCatalogue {
  constructor(private readonly store: EventStore) {}

  async list(): Promise<PlaybookDetail[]> {
    const byId = new Map<string, PlaybookVersionView[]>();
    for await (const event of this.store.readAll({
      filter: { categories: [PLAYBOOK_STREAM_CATEGORY], eventTypePrefixes: ['PlaybookPublished'] },
    })) {
      const { playbookId, ...v } = view(event);
      byId.set(playbookId, [...(byId.get(playbookId) ?? []), v]);
    }
    return [...byId.entries()]
      .map(([id, versions]) => detail(id, versions))
      .sort((a, b) => a.playbookId.localeCompare(b.playbookId));
  }

  async get(playbookId: string): Promise<PlaybookDetail | undefined> {
    const versions: PlaybookVersionView[] = [];
    for await (const event of this.store.readStream(playbookStreamId(playbookId))) {
      if (event.type !== 'PlaybookPublished') continue;
      const { playbookId: _id, ...v } = view(event);
      versions.push(v);
    }
    return versions.length === 0 ? undefined : detail(playbookId, versions);
  }
}
