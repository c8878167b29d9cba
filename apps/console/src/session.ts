import { apiGet } from './api';

export type Role = 'agent' | 'analyst' | 'auditor' | 'service' | 'admin';

export interface ComplaintTarget {
  acknowledgeWithinHours: number;
  resolveWithinHours: number;
}

export interface Session {
  principalId: string;
  name: string;
  kind: string;
  roles: Role[];
  canReadPii: boolean;
  complaintTargets: Record<string, ComplaintTarget>;
}

export const fetchSession = (): Promise<Session> => apiGet<Session>('/v1/session');

/** Whether the session holds one of `roles` (admin is admitted everywhere, as in the API). */
export const can = (session: Session, ...roles: Role[]): boolean =>
  session.roles.includes('admin') || session.roles.some((role) => roles.includes(role));

/** The pages, the roles whose routes they read, in menu order. */
export const PAGES: { path: string; label: string; roles: Role[] }[] = [
  { path: '/worklist', label: 'Worklist', roles: ['analyst'] },
  { path: '/customers', label: 'Customer 360', roles: ['agent', 'analyst'] },
  { path: '/audit', label: 'Warranty audit', roles: ['auditor'] },
  { path: '/analytics', label: 'Analytics', roles: ['analyst'] },
  { path: '/live', label: 'Live', roles: ['service'] },
];
