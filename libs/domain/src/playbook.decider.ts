import { DomainError } from './domain-error';
import type { DomainCommand, IsoDateTime } from './domain-event';
import { assertNever } from './domain-event';
import { FOLLOW_UP_KINDS } from './follow-up-task.events';
import type { PlaybookDefinition, PlaybookEvent, PlaybookVersion } from './playbook.events';
import { PLAYBOOK_ASSIGNEES, PLAYBOOK_TRIGGERS } from './playbook.events';
import { toMillis } from './time';

/** The playbook decider (stream `playbook-<playbookId>`): versions 1, 2, 3, ... */

export type PublishPlaybook = DomainCommand<
  'PublishPlaybook',
  {
    playbookId: string;
    /** Must be the previous version + 1 (1 for the first). */
    version: number;
    occurredAt: IsoDateTime;
    name: string;
    definition: PlaybookDefinition;
    publishedBy?: string;
  }
>;

export type PlaybookCommand = PublishPlaybook;
export type PlaybookCommandType = PlaybookCommand['type'];

export type PlaybookState = {
  playbookId: string | null;
  /** 0 before the first version. */
  version: number;
  versions: PlaybookVersion[];
};

export function initialState(): PlaybookState {
  return { playbookId: null, version: 0, versions: [] };
}

export function evolve(state: PlaybookState, event: PlaybookEvent): PlaybookState {
  const { type, data } = event;
  switch (type) {
    case 'PlaybookPublished':
      return {
        playbookId: data.playbookId,
        version: data.version,
        versions: [
          ...state.versions,
          {
            playbookId: data.playbookId,
            version: data.version,
            name: data.name,
            definition: data.definition,
          },
        ],
      };
    default:
      return assertNever(type, 'playbook event');
  }
}

export function decide(command: PlaybookCommand, state: PlaybookState): PlaybookEvent[] {
  switch (command.type) {
    case 'PublishPlaybook': {
      const d = command.data;
      toMillis(d.occurredAt);
      if (d.version !== state.version + 1) {
        throw new DomainError(
          'playbook_version_conflict',
          `Playbook ${d.playbookId} is at version ${state.version}; the next version is ${state.version + 1}, not ${d.version}`,
          { playbookId: d.playbookId, currentVersion: state.version, version: d.version },
        );
      }
      const problems = validatePlaybook(d.name, d.definition);
      if (problems.length > 0) {
        throw new DomainError('invalid_playbook', `Invalid playbook: ${problems.join('; ')}`, {
          problems,
        });
      }
      return [
        {
          type: 'PlaybookPublished',
          data: {
            playbookId: d.playbookId,
            version: d.version,
            occurredAt: d.occurredAt,
            name: d.name,
            definition: d.definition,
            ...(d.publishedBy !== undefined ? { publishedBy: d.publishedBy } : {}),
          },
        },
      ];
    }
    default:
      return assertNever(command.type, 'playbook command');
  }
}

/** A year: a follow-up due later than this is a data-entry mistake, not a plan. */
const MAX_DUE_AFTER_HOURS = 24 * 366;
const QUEUE = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,99}$/;

/** Every problem with a playbook version, each naming its field; empty when valid. */
export function validatePlaybook(name: string, definition: PlaybookDefinition): string[] {
  const problems: string[] = [];
  if (!name.trim()) problems.push('name is empty');
  if (!(PLAYBOOK_TRIGGERS as readonly string[]).includes(definition.trigger)) {
    problems.push(`trigger must be one of ${PLAYBOOK_TRIGGERS.join(', ')}`);
  }
  if (definition.enabled && definition.steps.length === 0) {
    problems.push('an enabled playbook needs at least one step');
  }
  definition.steps.forEach((step, i) => {
    const at = `steps[${i}]`;
    if (!(FOLLOW_UP_KINDS as readonly string[]).includes(step.kind)) {
      problems.push(`${at}.kind must be one of ${FOLLOW_UP_KINDS.join(', ')}`);
    }
    const hours = step.dueAfterHours;
    if (!Number.isFinite(hours) || hours < 0 || hours > MAX_DUE_AFTER_HOURS) {
      problems.push(`${at}.dueAfterHours must be between 0 and ${MAX_DUE_AFTER_HOURS}`);
    }
    if (!(PLAYBOOK_ASSIGNEES as readonly string[]).includes(step.assignee)) {
      problems.push(`${at}.assignee must be one of ${PLAYBOOK_ASSIGNEES.join(', ')}`);
    }
    if (!QUEUE.test(step.queue)) problems.push(`${at}.queue is not a valid queue name`);
    if (step.escalateTo !== null && !QUEUE.test(step.escalateTo)) {
      problems.push(`${at}.escalateTo is not a valid queue name`);
    }
    if (!step.title.trim()) problems.push(`${at}.title is empty`);
  });
  return problems;
}

export function foldPlaybook(events: readonly PlaybookEvent[]): PlaybookState {
  return events.reduce(evolve, initialState());
}

export const playbookDecider = { decide, evolve, initialState } as const;
