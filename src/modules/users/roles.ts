/** The roles of API.md. A user may hold several; admin is global, the others are site-scoped. */
export const ROLES = ['admin', 'investigator', 'clinician', 'monitor', 'auditor'] as const;
export type Role = (typeof ROLES)[number];

export const ALL_ROLES: Role[] = [...ROLES];

/** Who may read a participant's clinical records at their sites. */
export const CLINICAL_READERS: Role[] = ['investigator', 'clinician', 'monitor', 'auditor'];
