import type { PlaybookDefinition } from './playbook.events';

/**
 * The playbooks published as version 1 on a store's first start (admins publish later versions).
 * Due times follow the after-sales practice the product serves: call within two days of a
 * delivery, revisit a failed setup within 48 hours and call after it, check satisfaction a week
 * after a complaint is resolved, check a warranty repair holds, call back a detractor within a day,
 * and have the account owner call a customer whose churn risk turned high.
 */
export const DEFAULT_PLAYBOOKS: readonly {
  playbookId: string;
  name: string;
  definition: PlaybookDefinition;
}[] = [
  {
    playbookId: 'courtesy-call-after-delivery',
    name: 'Courtesy call after delivery',
    definition: {
      trigger: 'delivery_completed',
      enabled: true,
      steps: [
        {
          kind: 'courtesy_call',
          dueAfterHours: 48,
          assignee: 'queue',
          queue: 'customer-care',
          escalateTo: 'customer-care-leads',
          title: 'Courtesy call after delivery',
        },
      ],
    },
  },
  {
    playbookId: 'revisit-after-failed-setup',
    name: 'Revisit after a failed setup, then a call',
    definition: {
      trigger: 'setup_failed',
      enabled: true,
      steps: [
        {
          kind: 'revisit',
          dueAfterHours: 48,
          assignee: 'queue',
          queue: 'field-service',
          escalateTo: 'field-service-leads',
          title: 'Revisit to finish the setup',
        },
        {
          kind: 'courtesy_call',
          dueAfterHours: 72,
          assignee: 'queue',
          queue: 'customer-care',
          escalateTo: 'customer-care-leads',
          title: 'Call after the setup revisit',
        },
      ],
    },
  },
  {
    playbookId: 'satisfaction-check-after-complaint',
    name: 'Satisfaction check a week after a complaint is resolved',
    definition: {
      trigger: 'complaint_resolved',
      enabled: true,
      steps: [
        {
          kind: 'satisfaction_check',
          dueAfterHours: 7 * 24,
          assignee: 'queue',
          queue: 'customer-care',
          escalateTo: null,
          title: 'Satisfaction check after the complaint',
        },
      ],
    },
  },
  {
    playbookId: 'check-after-warranty-repair',
    name: 'Check a warranty repair works',
    definition: {
      trigger: 'warranty_repair_completed',
      enabled: true,
      steps: [
        {
          kind: 'repair_check',
          dueAfterHours: 72,
          assignee: 'queue',
          queue: 'customer-care',
          escalateTo: 'customer-care-leads',
          title: 'Check the repaired product works',
        },
      ],
    },
  },
  {
    playbookId: 'recovery-call-on-high-churn-risk',
    name: 'Recovery call by the account owner when churn risk turns high',
    definition: {
      trigger: 'churn_band_high',
      enabled: true,
      steps: [
        {
          kind: 'recovery_call',
          dueAfterHours: 48,
          assignee: 'account_owner',
          queue: 'retention',
          escalateTo: 'retention-leads',
          title: 'Recovery call',
        },
      ],
    },
  },
  {
    playbookId: 'callback-after-detractor-feedback',
    name: 'Call a detractor back within a day',
    definition: {
      trigger: 'detractor_feedback',
      enabled: true,
      steps: [
        {
          kind: 'callback',
          dueAfterHours: 24,
          assignee: 'queue',
          queue: 'customer-care',
          escalateTo: 'customer-care-leads',
          title: 'Call back after detractor feedback',
        },
      ],
    },
  },
];
