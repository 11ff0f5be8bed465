import { z } from 'zod';

/**
 * The assessments a session records, and what each result holds. Pure, so gates and the facts
 * provider read them the same way. (C-SSRS: a positive screen is ideation with intent or plan, or
 * any suicidal behaviour — DOMAIN.md 1.4.)
 */
export const ASSESSMENT_SCHEMAS = {
  'cssrs-screen': z.strictObject({ ideation: z.boolean(), intentOrPlan: z.boolean(), behaviour: z.boolean() }),
  /** The risk assessment or safety plan that a positive C-SSRS needs before discharge. */
  'risk-assessment': z.strictObject({ safetyPlan: z.boolean(), summary: z.string().min(1).max(2000) }),
  avpu: z.strictObject({ level: z.enum(['alert', 'confusion', 'voice', 'pain', 'unresponsive']) }),
  /** Modified Observer's Assessment of Alertness/Sedation: 5 = responds readily (no sedation). */
  moaas: z.strictObject({ score: z.number().int().min(0).max(5) }),
  /** Dissociation (CADSS score, or a yes/no check). */
  cadss: z.strictObject({ dissociation: z.boolean(), score: z.number().min(0).max(92).optional() }),
  'respiratory-depression': z.strictObject({ present: z.boolean() }),
  suds: z.strictObject({ score: z.number().min(0).max(10) }),
  oxygen: z.strictObject({ on: z.boolean(), flowLitresPerMinute: z.number().min(0).max(15).optional() }),
} as const;

export type AssessmentInstrument = keyof typeof ASSESSMENT_SCHEMAS;
export const ASSESSMENT_INSTRUMENTS = Object.keys(ASSESSMENT_SCHEMAS) as AssessmentInstrument[];

export const isPositiveCssrs = (r: { intentOrPlan?: unknown; behaviour?: unknown }) => r.intentOrPlan === true || r.behaviour === true;
export const sedationResolved = (r: { score?: unknown }) => r.score === 5;
export const dissociationResolved = (r: { dissociation?: unknown }) => r.dissociation === false;
export const respiratoryDepressionResolved = (r: { present?: unknown }) => r.present === false;
