import { HttpException } from '@nestjs/common';

/**
 * Problem types of API.md. A client tells errors apart by `type`, so these strings are a
 * contract: extend, never rename.
 */
export const ProblemType = {
  validation: '/problems/validation',
  unauthenticated: '/problems/unauthenticated',
  passwordChangeRequired: '/problems/password-change-required',
  forbidden: '/problems/forbidden',
  notFound: '/problems/not-found',
  protocolRefused: '/problems/protocol-refused',
  versionConflict: '/problems/version-conflict',
  conflict: '/problems/conflict',
  locked: '/problems/locked',
  rateLimited: '/problems/rate-limited',
  tooLarge: '/problems/too-large',
  internal: '/problems/internal',
} as const;
export type ProblemTypeUri = (typeof ProblemType)[keyof typeof ProblemType];

const STATUS_OF: Record<ProblemTypeUri, number> = {
  [ProblemType.validation]: 400,
  [ProblemType.unauthenticated]: 401,
  [ProblemType.passwordChangeRequired]: 403,
  [ProblemType.forbidden]: 403,
  [ProblemType.notFound]: 404,
  [ProblemType.protocolRefused]: 409,
  [ProblemType.versionConflict]: 409,
  [ProblemType.conflict]: 409,
  [ProblemType.locked]: 423,
  [ProblemType.rateLimited]: 429,
  [ProblemType.tooLarge]: 413,
  [ProblemType.internal]: 500,
};

const TITLE_OF: Record<ProblemTypeUri, string> = {
  [ProblemType.validation]: 'Invalid request',
  [ProblemType.unauthenticated]: 'Not authenticated',
  [ProblemType.passwordChangeRequired]: 'Password change required',
  [ProblemType.forbidden]: 'Forbidden',
  [ProblemType.notFound]: 'Not found',
  [ProblemType.protocolRefused]: 'Refused by the protocol',
  [ProblemType.versionConflict]: 'Version conflict',
  [ProblemType.conflict]: 'Conflict',
  [ProblemType.locked]: 'Account locked',
  [ProblemType.rateLimited]: 'Too many requests',
  [ProblemType.tooLarge]: 'Request too large',
  [ProblemType.internal]: 'Internal error',
};

export interface UnmetRequirement {
  requirement: string;
  message: string;
}

export interface ProblemBody {
  type: ProblemTypeUri;
  title: string;
  status: number;
  detail: string;
  errors?: Record<string, string[]>;
  unmet?: UnmetRequirement[];
  [extra: string]: unknown;
}

/** Thrown anywhere in Vigil; the ProblemFilter renders it as application/problem+json. */
export class ProblemException extends HttpException {
  readonly problem: ProblemBody;
  readonly headers: Record<string, string>;

  constructor(
    type: ProblemTypeUri,
    detail: string,
    extra: Partial<Omit<ProblemBody, 'type' | 'status' | 'title' | 'detail'>> = {},
    headers: Record<string, string> = {},
  ) {
    const problem: ProblemBody = {
      type,
      title: TITLE_OF[type],
      status: STATUS_OF[type],
      detail,
      ...extra,
    };
    super(problem, problem.status);
    this.problem = problem;
    this.headers = headers;
  }
}

export const problemTitle = (type: ProblemTypeUri): string => TITLE_OF[type];

/** The problem type a bare HTTP status maps to, for exceptions thrown by Nest or libraries. */
export function problemTypeForStatus(status: number): ProblemTypeUri {
  switch (status) {
    case 400:
      return ProblemType.validation;
    case 401:
      return ProblemType.unauthenticated;
    case 403:
      return ProblemType.forbidden;
    case 404:
    case 405:
      return ProblemType.notFound;
    case 409:
      return ProblemType.conflict;
    case 413:
      return ProblemType.tooLarge;
    case 423:
      return ProblemType.locked;
    case 429:
      return ProblemType.rateLimited;
    default:
      return status >= 500 ? ProblemType.internal : ProblemType.validation;
  }
}

export const notFound = (what: string) => new ProblemException(ProblemType.notFound, `${what} not found`);
export const conflict = (detail: string) => new ProblemException(ProblemType.conflict, detail);
export const forbidden = (detail = 'Your roles do not allow this action') =>
  new ProblemException(ProblemType.forbidden, detail);
export const unauthenticated = (detail = 'Sign in first') =>
  new ProblemException(ProblemType.unauthenticated, detail);
export const invalid = (detail: string, errors?: Record<string, string[]>) =>
  new ProblemException(ProblemType.validation, detail, errors ? { errors } : {});
export const versionConflict = (detail = 'The record was changed by someone else; reload it and try again') =>
  new ProblemException(ProblemType.versionConflict, detail);
